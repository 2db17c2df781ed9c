// The tree `body(format: AST)` returns: mdast (https://github.com/syntax-tree/mdast),
// as Gazette builds it, plus the `shortcode` node. The union is closed, so a
// renderer that switches on `type` is checked for every node kind by tsc.

export interface Parent<C extends MdastNode = MdastNode> {
  children: C[];
}

export interface Root extends Parent { type: "root" }
export interface Paragraph extends Parent { type: "paragraph" }
export interface Heading extends Parent {
  type: "heading";
  depth: 1 | 2 | 3 | 4 | 5 | 6;
  /**
   * `hProperties.id` is the anchor `tableOfContents` and the HTML give the
   * heading; `{.class key=value}` after a heading adds `className` and keys.
   */
  data: { hProperties: { id: string; className?: string[]; [attribute: string]: string | string[] | undefined } };
}
export interface Text { type: "text"; value: string }
export interface Emphasis extends Parent { type: "emphasis" }
export interface Strong extends Parent { type: "strong" }
export interface Delete extends Parent { type: "delete" }
/** An email autolink's `url` starts with `mailto:`. */
export interface Link extends Parent { type: "link"; url: string; title: string | null }
export interface Image { type: "image"; url: string; title: string | null; alt: string }
export interface Code { type: "code"; lang: string | null; meta: string | null; value: string }
export interface InlineCode { type: "inlineCode"; value: string }
export interface List extends Parent<ListItem> { type: "list"; ordered: boolean; start: number | null; spread: boolean }
export interface ListItem extends Parent { type: "listItem"; checked: boolean | null; spread: boolean }
export interface Blockquote extends Parent { type: "blockquote" }
export interface Table extends Parent<TableRow> { type: "table"; align: ("left" | "right" | "center" | null)[] }
export interface TableRow extends Parent<TableCell> { type: "tableRow" }
export interface TableCell extends Parent { type: "tableCell" }
export interface ThematicBreak { type: "thematicBreak" }
export interface Break { type: "break" }
export interface FootnoteReference { type: "footnoteReference"; identifier: string; label: string }
export interface FootnoteDefinition extends Parent { type: "footnoteDefinition"; identifier: string; label: string }
/** Raw HTML in the markdown: always `<!-- raw HTML omitted -->`, as in the HTML body. */
export interface Html { type: "html"; value: string }
/** A Hugo shortcode: named params as an object, positional ones as an array. */
export interface Shortcode extends Parent {
  type: "shortcode";
  name: string;
  params: Record<string, ShortcodeValue> | ShortcodeValue[];
}
export type ShortcodeValue = string | number | boolean;

export type MdastNode =
  | Root | Paragraph | Heading | Text | Emphasis | Strong | Delete | Link | Image
  | Code | InlineCode | List | ListItem | Blockquote | Table | TableRow | TableCell
  | ThematicBreak | Break | FootnoteReference | FootnoteDefinition | Html | Shortcode;

/** Parses what `body(format: AST)` returned. */
export function parseAst(json: string): Root {
  const tree = JSON.parse(json) as MdastNode;
  if (tree.type !== "root") throw new Error(`expected a root node, got ${tree.type}`);
  return tree;
}
