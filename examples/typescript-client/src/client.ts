// A minimal typed client: the operation text and its generated types.
import type {
  FrontPageQuery,
  FrontPageQueryVariables,
  SearchQuery,
  SearchQueryVariables,
} from "./generated/graphql.js";

const FRONT_PAGE = `query FrontPage($first: Int) {
  articles(first: $first) {
    totalCount
    edges { cursor node { slug title publishedAt lang tags { slug name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const SEARCH = `query Search($query: String!, $filter: ArticleFilter) {
  search(query: $query, first: 5, filter: $filter) {
    totalCount
    edges { score snippet node { slug title } }
  }
}`;

interface GraphQLError {
  message: string;
  extensions?: { code?: string };
}

async function request<Data, Variables>(endpoint: string, query: string, variables: Variables): Promise<Data> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query, variables }),
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
  const data = await request<FrontPageQuery, FrontPageQueryVariables>(endpoint, FRONT_PAGE, { first: 10 });
  return data.articles.edges.map((edge) => `${edge.node.title} (${edge.node.tags.map((t) => t.slug).join(", ")})`);
}

/** Search results with their snippets; `snippet` may be null, and the compiler says so. */
export async function searchSnippets(endpoint: string, query: string): Promise<string[]> {
  const data = await request<SearchQuery, SearchQueryVariables>(endpoint, SEARCH, {
    query,
    filter: { locale: "zh-CN" },
  });
  return data.search.edges.map((edge) => edge.snippet ?? edge.node.title);
}
