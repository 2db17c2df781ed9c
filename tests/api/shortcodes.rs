//! Shortcodes against what hugo 0.111.3 made of the same pages
//! (tests/sites/shortcodes): the built-ins' HTML, the name, params and
//! inner content of custom ones as AST nodes, and the broken pages hugo
//! refuses, refused with hugo's reasons. Plus: no shortcode source ever
//! reaches HTML, TEXT, summaries, word counts or search.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use gazette::site::Site;
use serde_json::{json, Value};

use crate::helpers::*;

fn site_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sites/shortcodes")
}

async fn site_app(dir: &Path) -> TestApp {
    let site = Arc::new(Site::load(dir, "production").expect("site config"));
    let mut app = spawn_app().await;
    app.read.site = site.clone();
    app.state = app.state.clone().with_site(site);
    let summary = app.import(&[dir.join("content")]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    app
}

fn hugo_pages() -> Vec<Value> {
    let text = std::fs::read_to_string(site_dir().join("expected.json")).expect("expected.json");
    let expected: Value = serde_json::from_str(&text).expect("json");
    expected["pages"].as_array().expect("pages").clone()
}

fn hugo_page(file: &str) -> Value {
    hugo_pages()
        .into_iter()
        .find(|p| p["file"] == file)
        .unwrap_or_else(|| panic!("hugo built no {file}"))
}

const BODY: &str = "query($path: String!, $format: BodyFormat) { route(path: $path) {
    ... on Article { body(format: $format) tableOfContents { anchor } wordCount summary } } }";

async fn body(app: &TestApp, page: &Value, format: &str) -> Value {
    let path = page["relPermalink"].as_str().expect("relPermalink");
    let data = app.data(BODY, json!({ "path": path, "format": format })).await;
    assert!(data["route"].is_object(), "{path}: {data}");
    data["route"].clone()
}

/// Byte for byte: figure, youtube, vimeo, ref, relref and param print what
/// hugo's templates print, in the paragraphs hugo puts them in.
#[actix_web::test]
async fn built_in_shortcodes_render_as_hugo_renders_them() {
    let app = site_app(&site_dir()).await;
    for file in [
        "figure.md",
        "video.md",
        "refs.md",
        "params.md",
        "other.md",
        "sub/page.md",
    ] {
        let page = hugo_page(file);
        let got = body(&app, &page, "HTML").await;
        assert_eq!(got["body"], page["content"], "{file}");
    }
}

/// The site's `privacy` settings (YouTube's privacy-enhanced host,
/// Vimeo's do-not-track) and `refLinksNotFoundURL` change the output as
/// they change hugo's.
#[actix_web::test]
async fn privacy_settings_and_the_not_found_url_are_the_sites() {
    let dir = site_dir().join("privacy");
    let app = site_app(&dir).await;
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let expected: Value = serde_json::from_str(&text).expect("json");
    let pages = expected["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 2);
    for page in pages {
        let got = body(&app, page, "HTML").await;
        assert_eq!(got["body"], page["content"], "{}", page["file"]);
    }
}

/// Normalised for the markdown renderers' differences, none a shortcode's:
/// goldmark writes a plain code block as `<pre tabindex="0">` where
/// pulldown-cmark writes `<pre>`, escapes `"` in a code span as `&quot;`
/// where pulldown-cmark leaves it, and ends without the last line break.
#[actix_web::test]
async fn the_comment_escape_shows_the_shortcode_as_text() {
    let app = site_app(&site_dir()).await;
    let page = hugo_page("escaped.md");
    let got = body(&app, &page, "HTML").await;
    let hugo = page["content"]
        .as_str()
        .unwrap()
        .replace("<pre tabindex=\"0\"><code>", "<pre><code>")
        .replace("&quot;", "\"");
    assert_eq!(got["body"].as_str().unwrap().trim_end(), hugo.trim_end());
    let text = body(&app, &page, "TEXT").await;
    assert!(text["body"].as_str().unwrap().contains("{{< youtube id >}}"), "{text}");
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Syntect's tokens are not Chroma's, and its colours are another theme's:
/// the layout (wrapper, `<code>` with its language, one flex span per line,
/// highlighted lines, a grid `<pre>` when there are some) and the text
/// (line numbers from `linenostart` included) are hugo's.
#[actix_web::test]
async fn highlight_lays_out_code_as_hugo_does() {
    let app = site_app(&site_dir()).await;
    let page = hugo_page("highlight.md");
    let got = body(&app, &page, "HTML").await;
    let got = got["body"].as_str().unwrap();
    let hugo = page["content"].as_str().unwrap();
    assert_eq!(strip_tags(got), strip_tags(hugo));
    assert!(
        strip_tags(got).contains("10def f(x):\n11    y = x + 1\n12    return y"),
        "{got}"
    );
    for needle in [
        "<div class=\"highlight\"><pre tabindex=\"0\" style=\"",
        "<code class=\"language-go\" data-lang=\"go\">",
        "<code class=\"language-text\" data-lang=\"text\">",
        "<code class=\"language-python\" data-lang=\"python\">",
        "<span style=\"display:flex;\">",
        "<span style=\"display:flex; background-color:",
        "tab-size:4;display:grid;\">",
        "<span style=\"white-space:pre;-webkit-user-select:none;user-select:none;margin-right:0.4em;padding:0 0.4em 0 0.4em;color:",
    ] {
        assert_eq!(got.matches(needle).count(), hugo.matches(needle).count(), "{needle}");
    }
    assert_eq!(got.matches("<span style=\"display:flex;").count(), 9);
    assert_eq!(got.matches("display:flex; background-color:").count(), 2);
}

/// The JSON objects hugo's custom shortcode templates printed, in order,
/// nested ones (printed inside their parent's `inner`) after their parent.
fn printed_shortcodes(html: &str, out: &mut Vec<Value>) {
    let open = "<pre class=\"shortcode\">";
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        let after = &rest[i + open.len()..];
        let end = after.find("</pre>").expect("closed pre");
        // A nested shortcode's output inside `inner` is escaped JSON, and
        // its `</pre>` comes after its parent's closing brace: take the
        // longest prefix that parses.
        let mut value = None;
        for j in (1..=after.len()).rev() {
            if !after.is_char_boundary(j) {
                continue;
            }
            if let Ok(v) = serde_json::from_str::<Value>(&after[..j]) {
                value = Some((v, j));
                break;
            }
        }
        let (v, j) = value.unwrap_or_else(|| panic!("no JSON in {after}"));
        let inner = v["inner"].as_str().map(str::to_owned);
        out.push(v);
        if let Some(inner) = inner {
            printed_shortcodes(&inner, out);
        }
        rest = &after[j.max(end)..];
    }
}

fn ast_shortcodes(node: &Value, out: &mut Vec<Value>) {
    if node["type"] == "shortcode" {
        out.push(node.clone());
    }
    for child in node["children"].as_array().into_iter().flatten() {
        ast_shortcodes(child, out);
    }
}

/// Text values under a node, shortcodes' subtrees left out.
fn text_of(nodes: &Value) -> String {
    let mut out = String::new();
    for n in nodes.as_array().into_iter().flatten() {
        if n["type"] == "shortcode" {
            continue;
        }
        if let Some(v) = n["value"].as_str() {
            out.push_str(v);
        }
        out.push_str(&text_of(&n["children"]));
    }
    out
}

/// Every custom shortcode hugo parsed is an AST node with the name and
/// params hugo gave its template (hugo's `null` params are `[]`), and the
/// inner content: as written for `{{< >}}` (nested shortcodes as nodes of
/// their own), as markdown for `{{% %}}`, whose text is hugo's.
#[actix_web::test]
async fn custom_shortcodes_are_ast_nodes_with_what_hugo_parsed() {
    let app = site_app(&site_dir()).await;
    let page = hugo_page("custom.md");
    let mut hugo = Vec::new();
    printed_shortcodes(page["content"].as_str().unwrap(), &mut hugo);
    assert_eq!(hugo.len(), 6, "{hugo:?}");
    let got = body(&app, &page, "AST").await;
    let tree: Value = serde_json::from_str(got["body"].as_str().unwrap()).expect("AST is JSON");
    assert_eq!(tree["type"], "root");
    let mut ours = Vec::new();
    ast_shortcodes(&tree, &mut ours);
    assert_eq!(ours.len(), hugo.len(), "{tree}");
    for (ours, hugo) in ours.iter().zip(&hugo) {
        assert_eq!(ours["name"], hugo["name"], "{ours} / {hugo}");
        let params = if hugo["params"].is_null() {
            json!([])
        } else {
            hugo["params"].clone()
        };
        assert_eq!(ours["params"], params, "{ours} / {hugo}");
        let Some(inner) = hugo["inner"].as_str() else {
            assert_eq!(ours["children"], json!([]), "{ours}");
            continue;
        };
        // `{{% %}}` inner content is parsed as markdown: block nodes.
        if ours["children"][0]["type"] == "paragraph" {
            assert_eq!(text_of(&ours["children"]).trim(), hugo["text"], "{ours}");
        } else {
            let mut written = inner.to_owned();
            while let Some(i) = written.find("<pre class=\"shortcode\">") {
                let end = written[i..].find("</pre>\n").expect("nested output") + i + "</pre>\n".len();
                written.replace_range(i..end, "");
            }
            assert_eq!(text_of(&ours["children"]), written, "{ours}");
        }
    }
}

#[actix_web::test]
async fn ast_heading_ids_are_the_table_of_contents_anchors() {
    let app = site_app(&site_dir()).await;
    let page = hugo_page("other.md");
    let got = body(&app, &page, "AST").await;
    let tree: Value = serde_json::from_str(got["body"].as_str().unwrap()).unwrap();
    let heading = &tree["children"][0];
    assert_eq!(heading["type"], "heading");
    assert_eq!(heading["depth"], 2);
    assert_eq!(
        heading["data"]["hProperties"]["id"],
        got["tableOfContents"][0]["anchor"]
    );
    assert!(page["content"].as_str().unwrap().contains("<h2 id=\"a-section\">"));
    assert_eq!(heading["data"]["hProperties"]["id"], "a-section");
}

/// Each page hugo refuses to build is refused at its line: hugo's own
/// line where it gives one, else (its lexer reports `1:1`) the line of the
/// shortcode at fault; the reason is hugo's.
#[actix_web::test]
async fn broken_shortcodes_are_import_errors_with_hugos_reasons() {
    let dir = site_dir().join("broken");
    let expected = std::fs::read_to_string(site_dir().join("broken-errors.txt")).expect("broken-errors.txt");
    let app = spawn_app().await;
    let summary = app.import(std::slice::from_ref(&dir)).await;
    let ours: Vec<String> = summary.failed.iter().map(|f| f.to_string()).collect();
    // Where hugo says 1:1, the line that holds the broken shortcode.
    let lines = [
        ("bad-quote.md", 6),
        ("closed-no-inner.md", 6),
        ("mismatched.md", 8),
        ("mixed-params.md", 6),
        ("open-comment.md", 6),
        ("open-raw-string.md", 6),
        ("unclosed.md", 6),
        ("unterminated.md", 8),
    ];
    assert_eq!(summary.failed.len(), lines.len(), "{ours:#?}");
    for hugo in expected.lines() {
        let (position, reason) = hugo.split_once(": ").expect("file:line:col: reason");
        let mut parts = position.split(':');
        let (file, line) = (parts.next().unwrap(), parts.next().unwrap());
        let (_, want_line) = lines.iter().find(|(f, _)| *f == file).expect("a case per page");
        if line != "1" {
            assert_eq!(line, want_line.to_string(), "{hugo}");
        }
        let error = summary
            .failed
            .iter()
            .find(|f| f.path.ends_with(file))
            .unwrap_or_else(|| panic!("{file} was imported: {ours:?}"));
        assert_eq!(error.line, Some(*want_line), "{error}");
        assert!(error.reason.starts_with(reason), "{error}\nhugo: {hugo}");
        assert!(error
            .to_string()
            .starts_with(&format!("{}:{want_line}: ", error.path.display())));
    }
    assert!(app.article_slugs().await.is_empty());
}

/// Hugo's built-in `param` fails the build on a missing param, but a site
/// may replace it (the Hugo docs' stub does not fail): Gazette imports the
/// page and the shortcode renders as nothing.
#[actix_web::test]
async fn a_param_naming_no_param_renders_as_nothing() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    content.write(
        "a.md",
        yaml_article("A", "2025-01-01", "") + "\nBy {{< param author >}}.\n",
    );
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let data = app
        .data(r#"{ article(slug: "a") { body(format: HTML) } }"#, json!({}))
        .await;
    assert_eq!(data["article"]["body"], "<p>Body of A.</p>\n<p>By .</p>\n");
}

/// A body full of shortcodes: none of their source in the HTML, the text,
/// the summary, the word count or a search snippet.
#[actix_web::test]
async fn shortcodes_never_leak_into_text_summaries_counts_or_search() {
    let app = spawn_app().await;
    let content = ContentDir::new();
    let body = "Rates rose {{< badge \"sharply\" >}} today.\n\n{{% note kind=tip %}}\nCentral **banks** moved.\n{{% /note %}}\n\n{{< figure src=\"c.png\" caption=\"Rates chart\" >}}\n\n{{< youtube w7Ft2ymGmfc >}}\n";
    content.write("rates.md", yaml_article("Rates", "2025-01-01", "") + body);
    let summary = app.import(&[content.path().to_path_buf()]).await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    let data = app
        .data(
            r#"{ article(slug: "rates") { html: body(format: HTML) text: body(format: TEXT) summary wordCount }
                search(query: "banks") { edges { snippet } } }"#,
            json!({}),
        )
        .await;
    let a = &data["article"];
    for field in ["html", "text", "summary"] {
        assert!(!a[field].as_str().unwrap().contains("{{"), "{field}: {a}");
    }
    assert_eq!(
        a["text"], "Body of Rates. Rates rose  today.\n\nCentral banks moved.\n\nRates chart",
        "{a}"
    );
    assert_eq!(
        a["summary"],
        "Body of Rates. Rates rose today. Central banks moved. Rates chart"
    );
    assert_eq!(a["wordCount"], 11);
    let snippet = data["search"]["edges"][0]["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("<mark>banks</mark>") && !snippet.contains("{{"),
        "{snippet}"
    );
    let html = a["html"].as_str().unwrap();
    assert!(
        html.contains("<gazette-shortcode name=\"badge\" data-params='[\"sharply\"]'></gazette-shortcode>"),
        "{html}"
    );
    assert!(html.contains("<gazette-shortcode name=\"note\" data-params='{\"kind\":\"tip\"}'><p>Central <strong>banks</strong> moved.</p>"), "{html}");
    assert!(
        html.contains("<iframe src=\"https://www.youtube.com/embed/w7Ft2ymGmfc\""),
        "{html}"
    );
}
