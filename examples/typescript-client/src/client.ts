// A minimal typed client. The documents come from tests/operations through
// GraphQL Code Generator, so the text sent is exactly what the types were
// generated from, and both follow schema.graphql.
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";
import { FrontPageDocument, SearchDocument } from "./generated/graphql.js";

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

export async function request<Data, Variables>(
  endpoint: string,
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
): Promise<Data> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: Data; errors?: GraphQLError[] };
  if (body.errors?.length) {
    const first = body.errors[0];
    throw new Error(`${first.extensions?.code ?? "ERROR"}: ${first.message}`);
  }
  if (!body.data) throw new Error("no data");
  return body.data;
}

/** Titles of the newest articles, typed end to end. */
export async function frontPageTitles(endpoint: string): Promise<string[]> {
  const data = await request(endpoint, FrontPageDocument, { first: 10 });
  return data.articles.edges.map((edge) => `${edge.node.title} (${edge.node.tags.map((t) => t.slug).join(", ")})`);
}

/** Search results with their snippets; `snippet` may be null, and the compiler says so. */
export async function searchSnippets(endpoint: string, query: string): Promise<string[]> {
  const data = await request(endpoint, SearchDocument, { query, filter: { locale: "zh-CN" } });
  return data.search.edges.map((edge) => edge.snippet ?? edge.node.title);
}
