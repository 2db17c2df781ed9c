//! Splits a content file into front matter (YAML, TOML or JSON) and body, and
//! reads front-matter values with the line each came from.

use serde_json::{Map, Value};

/// A problem at a (1-based) line of the file, where it is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub reason: String,
}

impl Problem {
    fn at(line: usize, reason: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            reason: reason.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
    Json,
    /// The file has no front matter: it is all body, as Hugo reads it.
    None,
}

/// A content file split into its parts.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    pub format: Format,
    /// Front-matter keys, lower-cased (Hugo reads them case-insensitively).
    pub fields: Map<String, Value>,
    /// The front matter as written, with the file line it starts on.
    raw: &'a str,
    raw_first_line: usize,
    pub body: &'a str,
    /// The file line `body` starts on, for errors in the body.
    pub body_line: usize,
}

impl Split<'_> {
    /// The file line a front-matter key is written on, if it can be found.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        let key = key.to_ascii_lowercase();
        self.raw.lines().enumerate().find_map(|(i, line)| {
            let l = line.trim_start().to_ascii_lowercase();
            let hit = match self.format {
                Format::Yaml => l.strip_prefix(&key).is_some_and(|r| r.trim_start().starts_with(':')),
                Format::Toml => l.strip_prefix(&key).is_some_and(|r| r.trim_start().starts_with('=')),
                Format::Json => l.contains(&format!("\"{key}\"")),
                Format::None => false,
            };
            hit.then_some(self.raw_first_line + i)
        })
    }

    /// A problem with the value of `key`, at its line.
    pub fn problem(&self, key: &str, reason: impl Into<String>) -> Problem {
        Problem {
            line: self.line_of(key),
            reason: reason.into(),
        }
    }
}

/// Reads `bytes` as UTF-8, naming the line of the first invalid byte.
pub fn decode(bytes: &[u8]) -> Result<&str, Problem> {
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count();
        Problem::at(line, "invalid UTF-8")
    })
}

/// Splits `text` into front matter and body and parses the front matter.
/// Front matter is optional, as in Hugo: without it the file is all body.
pub fn split(text: &str) -> Result<Split<'_>, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or_default().trim_end();
    let opening = text.trim_start();
    match first {
        "---" => split_fenced(text, "---", Format::Yaml),
        "+++" => split_fenced(text, "+++", Format::Toml),
        // `{{<` opens a shortcode in the body, not JSON front matter.
        _ if opening.starts_with('{') && !opening.starts_with("{{") => split_json(text),
        _ => Ok(Split {
            format: Format::None,
            fields: Map::new(),
            raw: "",
            raw_first_line: 1,
            body: text,
            body_line: 1,
        }),
    }
}

fn split_fenced<'a>(text: &'a str, fence: &str, format: Format) -> Result<Split<'a>, Problem> {
    let after_open = text.find('\n').map_or(text.len(), |i| i + 1);
    let mut offset = after_open;
    let mut close = None;
    for line in text[after_open..].split_inclusive('\n') {
        if line.trim_end() == fence {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((raw_end, body_start)) = close else {
        return Err(Problem::at(
            1,
            format!("front matter opened with {fence} is never closed"),
        ));
    };
    let raw = &text[after_open..raw_end];
    let fields = match format {
        Format::Yaml => parse_yaml(raw, 2)?,
        _ => parse_toml(raw, 2)?,
    };
    Ok(Split {
        format,
        fields,
        raw,
        raw_first_line: 2,
        body: &text[body_start..],
        body_line: 1 + text[..body_start].matches('\n').count(),
    })
}

fn split_json(text: &str) -> Result<Split<'_>, Problem> {
    let start = text.len() - text.trim_start().len();
    let start_line = 1 + text[..start].matches('\n').count();
    let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
    let value = match stream.next() {
        Some(Ok(value)) => value,
        Some(Err(e)) => {
            return Err(Problem::at(
                start_line + e.line() - 1,
                format!("front matter: {}", json_reason(&e)),
            ))
        }
        None => return Err(Problem::at(start_line, "front matter: empty JSON")),
    };
    let end = start + stream.byte_offset();
    let Value::Object(map) = value else {
        return Err(Problem::at(start_line, "front matter: expected a JSON object"));
    };
    let raw = &text[start..end];
    Ok(Split {
        format: Format::Json,
        fields: lower_keys(map),
        raw,
        raw_first_line: start_line,
        body: &text[end..],
        body_line: 1 + text[..end].matches('\n').count(),
    })
}

fn json_reason(e: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the line is reported separately.
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

fn parse_yaml(raw: &str, first_line: usize) -> Result<Map<String, Value>, Problem> {
    if raw.trim().is_empty() {
        return Ok(Map::new());
    }
    match serde_yaml_ng::from_str::<Value>(raw) {
        Ok(Value::Object(map)) => Ok(lower_keys(map)),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(Problem::at(first_line, "front matter: expected YAML key: value pairs")),
        Err(e) => {
            let line = e.location().map_or(first_line, |l| first_line + l.line() - 1);
            let reason = e.to_string();
            let reason = reason.split(" at line ").next().unwrap_or(&reason).to_owned();
            Err(Problem::at(line, format!("front matter: invalid YAML: {reason}")))
        }
    }
}

fn parse_toml(raw: &str, first_line: usize) -> Result<Map<String, Value>, Problem> {
    match raw.parse::<toml::Table>() {
        Ok(table) => match toml_to_json(toml::Value::Table(table)) {
            Value::Object(map) => Ok(lower_keys(map)),
            _ => Ok(Map::new()),
        },
        Err(e) => {
            let line = e
                .span()
                .map_or(first_line, |s| first_line + raw[..s.start].matches('\n').count());
            Err(Problem::at(
                line,
                format!("front matter: invalid TOML: {}", e.message()),
            ))
        }
    }
}

fn toml_to_json(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        // Dates stay text and are read by the same parser as YAML's.
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

fn lower_keys(map: Map<String, Value>) -> Map<String, Value> {
    map.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_front_matter_splits_from_body() {
        let s = split("---\ntitle: Hi\nDate: 2025-01-01\n---\nBody\n").unwrap();
        assert_eq!(s.format, Format::Yaml);
        assert_eq!(s.fields["title"], "Hi");
        assert!(s.fields.contains_key("date"));
        assert_eq!(s.body, "Body\n");
        assert_eq!(s.line_of("date"), Some(3));
    }

    #[test]
    fn toml_front_matter_turns_dates_into_text() {
        let s = split("+++\ntitle = \"Hi\"\ndate = 2025-02-14T08:41:48+08:00\n+++\nBody").unwrap();
        assert_eq!(s.fields["date"], "2025-02-14T08:41:48+08:00");
        assert_eq!(s.line_of("date"), Some(3));
    }

    #[test]
    fn json_front_matter_ends_where_the_object_ends() {
        let s = split("{\n  \"title\": \"Hi\",\n  \"tags\": [\"a\"]\n}\nBody").unwrap();
        assert_eq!(s.fields["tags"][0], "a");
        assert_eq!(s.body.trim(), "Body");
        assert_eq!(s.line_of("tags"), Some(3));
    }

    #[test]
    fn broken_yaml_names_its_line() {
        let e = split("---\ntitle: Hi\ntags: [a, b\n---\n").unwrap_err();
        assert!(e.reason.contains("invalid YAML"), "{e:?}");
        assert!(e.line.is_some_and(|l| l >= 3), "{e:?}");
    }

    #[test]
    fn broken_toml_names_its_line() {
        let e = split("+++\ntitle = \"Hi\"\ndate = = 3\n+++\n").unwrap_err();
        assert_eq!(e.line, Some(3), "{e:?}");
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert_eq!(split("---\ntitle: x\n").unwrap_err().line, Some(1));
    }

    #[test]
    fn a_file_without_front_matter_is_all_body() {
        for text in ["just text\n", "{{< note >}}hi{{< /note >}}\n"] {
            let s = split(text).unwrap();
            assert_eq!((s.format, s.fields.len(), s.body), (Format::None, 0, text));
        }
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let e = decode(b"---\ntitle: ok\nbad: \xff\n").unwrap_err();
        assert_eq!(e, Problem::at(3, "invalid UTF-8"));
    }
}
