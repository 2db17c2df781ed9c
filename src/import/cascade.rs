//! Hugo's `cascade`: front matter an `_index` file (or the site config)
//! hands down to the pages below it, each group optionally aimed by a
//! `_target` (`path`, `kind`, `lang`, `environment` globs). A page's own keys
//! win; a nearer section's cascade wins over a farther one's (Hugo 0.111's
//! `mergeBucketCascades` and `setMetadata`).

use std::collections::HashMap;

use globset::{Glob, GlobBuilder, GlobMatcher};
use serde_json::{Map, Value};

/// Where a cascade group applies: Hugo's `PageMatcher`, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Target {
    path: String,
    kind: String,
    lang: String,
    environment: String,
}

fn matcher(pattern: &str, separator: bool) -> Option<GlobMatcher> {
    let glob = if separator {
        GlobBuilder::new(pattern).literal_separator(true).build()
    } else {
        Glob::new(pattern)
    };
    // Hugo ignores a pattern it cannot compile (the condition then holds).
    glob.ok().map(|g| g.compile_matcher())
}

/// What a cascade is matched against.
pub(super) struct PageFacts<'a> {
    /// The content path below the content root, `/`-separated (`blog/post.md`).
    pub file: &'a str,
    /// `page`, `section` or `home`.
    pub kind: &'a str,
    pub lang: &'a str,
    pub environment: &'a str,
}

impl Target {
    fn matches(&self, page: &PageFacts<'_>) -> bool {
        let holds = |pattern: &str, value: &str, separator: bool| {
            pattern.is_empty() || matcher(pattern, separator).is_none_or(|m| m.is_match(value))
        };
        let path = format!("/{}", page.file.to_lowercase());
        holds(&self.kind, page.kind, false)
            && holds(&self.lang, page.lang, false)
            && holds(&self.path, &path, true)
            && holds(&self.environment, page.environment, false)
    }
}

/// One level's cascade: its groups by target.
type Groups = Vec<(Target, Map<String, Value>)>;

/// Hugo's `DecodeCascade`: a map (one group for every page) or a list of
/// maps, each with an optional `_target`; groups with one target merge.
fn decode(value: &Value) -> Groups {
    let items: Vec<&Map<String, Value>> = match value {
        Value::Object(m) => vec![m],
        Value::Array(list) => list.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    };
    let mut groups: Groups = Vec::new();
    for item in items {
        let mut target = Target::default();
        if let Some(Value::Object(t)) = item.get("_target") {
            let text = |k: &str| {
                t.iter()
                    .find(|(key, _)| key.eq_ignore_ascii_case(k))
                    .and_then(|(_, v)| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            target = Target {
                path: text("path"),
                kind: text("kind"),
                lang: text("lang"),
                environment: text("environment"),
            };
        }
        let values: Map<String, Value> = item
            .iter()
            .filter(|(k, _)| k.as_str() != "_target")
            .map(|(k, v)| (k.to_lowercase(), v.clone()))
            .collect();
        match groups.iter_mut().find(|(t, _)| *t == target) {
            Some((_, existing)) => {
                for (k, v) in values {
                    existing.entry(k).or_insert(v);
                }
            }
            None => groups.push((target, values)),
        }
    }
    groups
}

/// Every cascade of a site: the config's, and each `_index` file's by its
/// folder (`""` for the home page) and language.
#[derive(Debug, Default)]
pub(super) struct Cascades {
    site: Groups,
    by_folder: HashMap<(String, String), Groups>,
}

impl Cascades {
    /// The config's `cascade`.
    pub fn with_site(config: Option<&Value>) -> Self {
        Cascades {
            site: config.map(decode).unwrap_or_default(),
            by_folder: HashMap::new(),
        }
    }

    /// Notes the `cascade` of the `_index` file of `folder` in `lang`.
    pub fn add(&mut self, folder: &str, lang: &str, front_matter: &Map<String, Value>) {
        if let Some(value) = front_matter.get("cascade") {
            self.by_folder
                .insert((folder.to_owned(), lang.to_owned()), decode(value));
        }
    }

    /// Whether no cascade was found anywhere.
    pub fn is_empty(&self) -> bool {
        self.site.is_empty() && self.by_folder.is_empty()
    }

    /// Lays the cascades above `folder` (nearest first, the folder's own
    /// included, the config's last) over `fields`: only keys the page does
    /// not set. A folder's cascade in the page's language is used, else the
    /// default language's. Returns the keys it set, for content hashes.
    pub fn apply(
        &self,
        folder: &str,
        default_lang: &str,
        page: &PageFacts<'_>,
        fields: &mut Map<String, Value>,
    ) -> Map<String, Value> {
        let mut merged: Groups = Vec::new();
        let mut levels: Vec<&Groups> = Vec::new();
        let mut dir = Some(folder);
        while let Some(d) = dir {
            let own = self
                .by_folder
                .get(&(d.to_owned(), page.lang.to_owned()))
                .or_else(|| self.by_folder.get(&(d.to_owned(), default_lang.to_owned())));
            levels.extend(own);
            dir = match d {
                "" => None,
                d => Some(d.rsplit_once('/').map_or("", |(parent, _)| parent)),
            };
        }
        levels.push(&self.site);
        for groups in levels {
            for (target, values) in groups {
                match merged.iter_mut().find(|(t, _)| t == target) {
                    Some((_, existing)) => {
                        for (k, v) in values {
                            existing.entry(k.clone()).or_insert_with(|| v.clone());
                        }
                    }
                    None => merged.push((target.clone(), values.clone())),
                }
            }
        }
        let mut set = Map::new();
        for (target, values) in merged {
            if !target.matches(page) {
                continue;
            }
            for (k, v) in values {
                if !fields.contains_key(&k) {
                    set.insert(k.clone(), v.clone());
                    fields.insert(k, v);
                }
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page<'a>(file: &'a str) -> PageFacts<'a> {
        PageFacts {
            file,
            kind: "page",
            lang: "en",
            environment: "production",
        }
    }

    #[test]
    fn a_nearer_cascade_wins_and_the_page_wins_over_both() {
        let mut c = Cascades::with_site(Some(&json!({ "banner": "site", "sidebar": "left" })));
        let fm = |v: Value| v.as_object().cloned().unwrap_or_default();
        c.add(
            "blog",
            "en",
            &fm(json!({ "cascade": { "banner": "blog", "toc": true } })),
        );
        c.add("blog/2024", "en", &fm(json!({ "cascade": { "banner": "2024" } })));
        let mut fields = fm(json!({ "toc": false }));
        let set = c.apply("blog/2024", "en", &page("blog/2024/post.md"), &mut fields);
        assert_eq!(fields, fm(json!({ "toc": false, "banner": "2024", "sidebar": "left" })));
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn targets_aim_a_group_by_path_kind_and_lang() {
        let mut c = Cascades::default();
        let fm = |v: Value| v.as_object().cloned().unwrap_or_default();
        c.add(
            "",
            "en",
            &fm(json!({ "cascade": [
                { "_target": { "path": "/blog/**" }, "banner": "blog" },
                { "_target": { "kind": "section" }, "list_only": true },
                { "_target": { "lang": "{fr,de}" }, "foreign": true }
            ] })),
        );
        let mut fields = Map::new();
        c.apply("blog/a", "en", &page("blog/a/Post.md"), &mut fields);
        assert_eq!(fields, fm(json!({ "banner": "blog" })));
        let mut fields = Map::new();
        c.apply("docs", "en", &page("docs/post.md"), &mut fields);
        assert!(fields.is_empty(), "{fields:?}");
    }
}
