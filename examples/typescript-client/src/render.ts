// Renders an article's mdast tree to HTML, one case per node type: the kind
// of component mapping a React or Vue frontend does, kept to strings here.
import { ArticleAstDocument } from "./generated/graphql.js";
import { request } from "./client.js";
import { parseAst, type MdastNode, type Shortcode } from "./mdast.js";

const escape = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** How a frontend shows a shortcode: here, a hydratable element like the HTML body's. */
function shortcode(node: Shortcode, inner: string): string {
  const params = JSON.stringify(node.params).replace(/&/g, "&amp;").replace(/'/g, "&#39;");
  return `<gazette-shortcode name="${escape(node.name)}" data-params='${params}'>${inner}</gazette-shortcode>`;
}

export function render(node: MdastNode): string {
  const inner = (): string => ("children" in node ? node.children.map(render).join("") : "");
  switch (node.type) {
    case "root": return inner();
    case "paragraph": return `<p>${inner()}</p>\n`;
    case "heading": {
      const { id, className } = node.data.hProperties;
      const classes = className?.length ? ` class="${escape(className.join(" "))}"` : "";
      return `<h${node.depth} id="${escape(id)}"${classes}>${inner()}</h${node.depth}>\n`;
    }
    case "text": return escape(node.value);
    case "emphasis": return `<em>${inner()}</em>`;
    case "strong": return `<strong>${inner()}</strong>`;
    case "delete": return `<del>${inner()}</del>`;
    case "link": return `<a href="${escape(node.url)}"${node.title ? ` title="${escape(node.title)}"` : ""}>${inner()}</a>`;
    case "image": return `<img src="${escape(node.url)}" alt="${escape(node.alt)}" />`;
    case "code": return `<pre><code${node.lang ? ` class="language-${escape(node.lang)}"` : ""}>${escape(node.value)}\n</code></pre>\n`;
    case "inlineCode": return `<code>${escape(node.value)}</code>`;
    case "list": {
      const tag = node.ordered ? "ol" : "ul";
      const start = node.ordered && node.start !== null && node.start !== 1 ? ` start="${node.start}"` : "";
      return `<${tag}${start}>\n${inner()}</${tag}>\n`;
    }
    case "listItem": {
      const box = node.checked === null ? "" : `<input disabled="" type="checkbox"${node.checked ? ` checked=""` : ""}/>\n`;
      return `<li>${box}${inner()}</li>\n`;
    }
    case "blockquote": return `<blockquote>\n${inner()}</blockquote>\n`;
    case "table": return `<table>${inner()}</table>\n`;
    case "tableRow": return `<tr>${inner()}</tr>`;
    case "tableCell": return `<td>${inner()}</td>`;
    case "thematicBreak": return "<hr />\n";
    case "break": return "<br />\n";
    case "footnoteReference": return `<sup class="footnote-reference"><a href="#${escape(node.identifier)}">${escape(node.label)}</a></sup>`;
    case "footnoteDefinition": return `<div class="footnote-definition" id="${escape(node.identifier)}">${inner()}</div>\n`;
    case "html": return node.value;
    case "shortcode": return shortcode(node, inner());
    default: {
      const unknown: never = node;
      throw new Error(`unknown node ${JSON.stringify(unknown)}`);
    }
  }
}

/** One article fetched as a tree and rendered through the types above. */
export async function renderArticle(endpoint: string, slug: string): Promise<{ title: string; html: string }> {
  const data = await request(endpoint, ArticleAstDocument, { slug });
  if (!data.article) throw new Error(`no article ${slug}`);
  return { title: data.article.title, html: render(parseAst(data.article.ast)) };
}
