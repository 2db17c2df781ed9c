use serde_json::json;

use super::*;

fn only(text: &str) -> Shortcode {
    let nodes = parse(text).unwrap();
    let found: Vec<Shortcode> = nodes
        .into_iter()
        .filter_map(|n| match n {
            Node::Shortcode(sc) => Some(sc),
            Node::Text(_) => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "{text}: {found:?}");
    found.into_iter().next().unwrap()
}

#[test]
fn positional_params_are_typed_unless_quoted() {
    let sc = only(r#"{{< badge "new" 3 true 1.5 `raw` -2 >}}"#);
    assert_eq!(sc.name, "badge");
    assert_eq!(sc.params.to_json(), json!(["new", 3, true, 1.5, "raw", -2]));
    assert!(!sc.markdown);
    assert_eq!(sc.inner, None);
}

/// What hugo 0.111.3 printed for this call (tests/sites/shortcodes, custom.md).
#[test]
fn named_params_with_escaped_quotes_and_raw_strings() {
    let sc = only("{{< note type=\"warning\" title=\"It \\\"matters\\\"\" raw=`C:\\path` n=7 >}}x{{< /note >}}");
    assert_eq!(
        sc.params.to_json(),
        json!({"n": 7, "raw": "C:\\path", "title": "It \"matters\"", "type": "warning"})
    );
    assert_eq!(sc.inner_source, "x");
}

#[test]
fn markdown_delimiters_self_closing_and_nesting() {
    let nodes = parse("a {{% outer k=v %}}in {{< inner 1 >}} and {{< note />}}{{% /outer %}} b").unwrap();
    assert_eq!(nodes.len(), 3, "{nodes:?}");
    let Node::Shortcode(outer) = &nodes[1] else {
        panic!("{nodes:?}")
    };
    assert!(outer.markdown);
    assert_eq!(outer.inner_source, "in {{< inner 1 >}} and {{< note />}}");
    let inner = outer.inner.as_ref().unwrap();
    let names: Vec<&str> = inner
        .iter()
        .filter_map(|n| match n {
            Node::Shortcode(sc) => Some(sc.name.as_str()),
            Node::Text(_) => None,
        })
        .collect();
    assert_eq!(names, ["inner", "note"]);
    assert_eq!(nodes[2], Node::Text(" b".into()));
}

#[test]
fn an_unknown_shortcode_without_closing_tag_stands_alone() {
    let nodes = parse("{{< a >}} one {{< b >}} two {{< /b >}} three").unwrap();
    let kinds: Vec<String> = nodes
        .iter()
        .map(|n| match n {
            Node::Text(t) => format!("text:{t}"),
            Node::Shortcode(sc) => format!("{}:{}", sc.name, sc.inner.is_some()),
        })
        .collect();
    assert_eq!(kinds, ["a:false", "text: one ", "b:true", "text: three"]);
}

#[test]
fn the_comment_escape_is_text() {
    let nodes = parse("Write `{{</* figure src=\"x.png\" */>}}` or {{%/* note */%}}.").unwrap();
    assert_eq!(
        nodes,
        vec![Node::Text(
            "Write `{{< figure src=\"x.png\" >}}` or {{% note %}}.".into()
        )]
    );
}

#[test]
fn lines_count_from_the_text_start() {
    let sc = only("one\ntwo\n{{< figure src=x >}}");
    assert_eq!(sc.line, 3);
    assert_eq!(sc.params.to_json(), json!({"src": "x"}));
}

/// The reasons hugo 0.111.3 gives (tests/sites/shortcodes/broken/expected.txt).
#[test]
fn broken_shortcodes_fail_as_hugo_does() {
    let cases = [
        ("x\n{{< figure src=\"chart.png >}}\n", 2, "unterminated quoted string in shortcode parameter-argument: 'chart.png >}}'"),
        ("x\n\n{{< figure src=`chart.png >}}\n", 3, "unterminated raw string in shortcode parameter-argument: 'chart.png >}}\n'"),
        ("{{< highlight go >}}\ncode\n", 1, "failed to extract shortcode: shortcode \"highlight\" must be closed or self-closed"),
        ("{{< highlight go >}}\ncode\n{{< /hightlight >}}", 3, "closing tag for shortcode 'hightlight' does not match start tag"),
        ("{{< figure src=\"a\" >}}{{< /figure >}}", 1, "failed to extract shortcode: shortcode \"figure\" does not evaluate .Inner or .InnerDeindent, yet a closing tag was provided"),
        ("{{< figure src=\"a\" \"b\" >}}", 1, "got quoted positional parameter. Cannot mix named and positional parameters"),
        ("{{</* figure >}}", 1, "comment must be closed"),
        ("Text {{< figure src=\"a\"\n\nMore text.", 3, "got positional parameter 'More'. Cannot mix named and positional parameters"),
        ("{{< /x >}}", 1, "got closing shortcode, but none is open"),
        ("{{< >}}", 1, "shortcode has no name"),
        ("{{< figure src=\"a\"", 1, "unclosed shortcode action"),
        ("{{< a! >}}", 1, "unrecognized character in shortcode action: U+0021 '!'. Note: Parameters with non-alphanumeric args must be quoted"),
    ];
    for (text, line, reason) in cases {
        let err = parse(text).unwrap_err();
        assert_eq!((err.line, err.reason.as_str()), (line, reason), "{text:?}");
    }
}

#[test]
fn a_closing_tag_must_close_the_innermost_paired_shortcode() {
    let err = parse("{{< details >}}{{< highlight go >}}x{{< /details >}}{{< /highlight >}}").unwrap_err();
    assert!(
        err.reason
            .starts_with("closing tag for shortcode 'details' does not match start tag"),
        "{err}"
    );
}

mod properties {
    use proptest::prelude::*;

    use super::super::parse;
    use crate::text::{markdown, mdast, shortcode::html::PageContext};

    /// Pieces shortcode syntax is made of, and text around it.
    fn piece(with_values: bool) -> impl Strategy<Value = &'static str> {
        let mut pieces = vec![
            "{{<",
            "{{%",
            ">}}",
            "%}}",
            "/",
            " ",
            "\n",
            "note",
            "figure",
            "highlight",
            "details",
            "x",
            "1",
            "-",
            "é",
            "中",
            "*",
            "#",
            "text",
            "/*",
            "*/",
            "\t",
            "\r\n",
            "{{",
            "}}",
        ];
        if with_values {
            pieces.extend(["\"", "`", "\\", "=", "\\\"", "."]);
        }
        proptest::sample::select(pieces)
    }

    proptest! {
        /// Whatever the input, parsing and every rendering return: no
        /// panic on a multi-byte character, an unterminated value or a
        /// stray delimiter.
        #[test]
        fn any_input_parses_or_fails_without_panicking(pieces in proptest::collection::vec(piece(true), 0..40)) {
            let text: String = pieces.concat();
            let _ = parse(&text);
            let _ = markdown::to_html(&text);
            let _ = markdown::to_text(&text);
            let _ = markdown::headings(&text);
            let _ = mdast::to_json(&text, &PageContext::empty());
        }

        /// No body shows the opening of a shortcode in its HTML or text,
        /// whether its shortcodes parse or not (values, which may hold
        /// anything, left out; a stray `>}}` with nothing open is text, to
        /// Hugo too; a comment escape shows one on purpose).
        #[test]
        fn shortcodes_never_leak(pieces in proptest::collection::vec(piece(false), 0..40)) {
            let text: String = pieces.concat();
            prop_assume!(!text.contains("/*"));
            // A bare `{{` right before a shortcode meets the text after it
            // once the shortcode is rendered (`{{` `{{<x>}}` `%}}` is
            // `{{%}}`): text as written, not an opening.
            prop_assume!(!text.contains("{{{"));
            // Likewise a bare `{{` right before emphasis meets the text in
            // it once the markup is stripped (`{{*%}}*` is `{{%}}` as text).
            prop_assume!(!text.contains("{{*"));
            // HTML may hold `{{` before a tag (`{{</p>`): its shortcodes'
            // openings would be escaped text there.
            let html = markdown::to_html(&text);
            for delimiter in ["{{&lt;", "{{%"] {
                prop_assert!(!html.contains(delimiter), "{text:?} gave {html:?}");
            }
            let plain = markdown::to_text(&text);
            for delimiter in ["{{<", "{{%"] {
                prop_assert!(!plain.contains(delimiter), "{text:?} gave {plain:?}");
            }
        }
    }
}
