//! Related pages as hugo 0.111 finds them when the site config has a
//! `related` section (related/inverted_index.go): per index, the keywords a
//! page's param gives; a page scores the index's weight for every keyword it
//! shares with the one asked about; a match is kept when its normalised
//! average weight reaches the threshold divided by its matches; the kept ones
//! sort by total weight, then newest publish date, then title.
//!
//! Without a `related` section Gazette keeps its own rule (shared tags and
//! categories, `query::relations::related`), not hugo's default config.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A `related` section hugo would refuse (`related.DecodeConfig`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelatedConfigError {
    #[error("related: threshold must be between 0 and 100, got {0}")]
    Threshold(i64),
    #[error("related: index {index}: cardinalityThreshold must be between 0 and 100, got {value}")]
    Cardinality { index: String, value: i64 },
    #[error("related: index {index}: invalid index type `{kind}`, must be basic or fragments")]
    Type { index: String, kind: String },
    #[error("related: `{0}` must be a map or a list of maps")]
    Shape(&'static str),
}

impl RelatedConfigError {
    /// Where in the site config the refused value is (lower-cased keys),
    /// and a text on its line that tells it from its siblings.
    pub fn key(&self) -> (Vec<&'static str>, Option<String>) {
        match self {
            RelatedConfigError::Threshold(v) => (vec!["related", "threshold"], Some(v.to_string())),
            RelatedConfigError::Cardinality { value, .. } => (
                vec!["related", "indices", "cardinalitythreshold"],
                Some(value.to_string()),
            ),
            RelatedConfigError::Type { kind, .. } => (vec!["related", "indices", "type"], Some(kind.clone())),
            RelatedConfigError::Shape(path) => (path.split('.').collect(), None),
        }
    }
}

/// One of `related.indices`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexConfig {
    /// The page param (front matter key, or a date) its keywords come from.
    pub name: String,
    pub weight: i64,
    /// Go's time layout for a date's keyword; `2006` when empty.
    pub pattern: String,
    pub cardinality_threshold: i64,
    pub to_lower: bool,
}

/// The site's `related` section, decoded as hugo weakly decodes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelatedConfig {
    pub threshold: i64,
    pub include_newer: bool,
    pub indices: Vec<IndexConfig>,
}

/// A map's value by key, case-insensitive (mapstructure matches so).
fn field<'a>(m: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    m.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
}

/// mapstructure's weak decoding of an int.
fn weak_int(v: Option<&Value>) -> i64 {
    match v {
        Some(Value::Number(n)) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(0),
        Some(Value::Bool(b)) => i64::from(*b),
        Some(Value::String(s)) => s.trim().parse().unwrap_or(0),
        _ => 0,
    }
}

/// mapstructure's weak decoding of a bool.
fn weak_bool(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => matches!(s.trim().to_lowercase().as_str(), "1" | "t" | "true"),
        _ => false,
    }
}

impl RelatedConfig {
    /// Decodes the raw `related` section (`related.DecodeConfig`).
    pub fn decode(raw: &Value) -> Result<Self, RelatedConfigError> {
        let Value::Object(m) = raw else {
            return Err(RelatedConfigError::Shape("related"));
        };
        let threshold = weak_int(field(m, "threshold"));
        if !(0..=100).contains(&threshold) {
            return Err(RelatedConfigError::Threshold(threshold));
        }
        let to_lower = weak_bool(field(m, "tolower"));
        let listed: Vec<&Value> = match field(m, "indices") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.iter().collect(),
            // A single table decodes as a one-element list, weakly.
            Some(v @ Value::Object(_)) => vec![v],
            Some(_) => return Err(RelatedConfigError::Shape("related.indices")),
        };
        let mut indices = Vec::with_capacity(listed.len());
        for v in listed {
            let Value::Object(i) = v else {
                return Err(RelatedConfigError::Shape("related.indices"));
            };
            let name = match field(i, "name") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            let kind = match field(i, "type") {
                Some(Value::String(s)) => s.clone(),
                _ => String::new(),
            };
            // A `fragments` index also matches the headings' ids of pages,
            // which Gazette does not index: its params' keywords still match.
            if !(kind.is_empty() || kind == "basic" || kind == "fragments") {
                return Err(RelatedConfigError::Type { index: name, kind });
            }
            let cardinality_threshold = weak_int(field(i, "cardinalitythreshold"));
            if !(0..=100).contains(&cardinality_threshold) {
                return Err(RelatedConfigError::Cardinality {
                    index: name,
                    value: cardinality_threshold,
                });
            }
            indices.push(IndexConfig {
                name,
                weight: weak_int(field(i, "weight")),
                pattern: match field(i, "pattern") {
                    Some(Value::String(s)) => s.clone(),
                    _ => String::new(),
                },
                cardinality_threshold,
                to_lower: to_lower || weak_bool(field(i, "tolower")),
            });
        }
        Ok(RelatedConfig {
            threshold,
            include_newer: weak_bool(field(m, "includenewer")),
            indices,
        })
    }
}

/// What hugo's search reads of a page.
#[derive(Debug, Clone)]
pub struct RelatedDoc {
    pub id: i32,
    /// `Name()`, the tiebreaker after the publish date: a page's title.
    pub title: String,
    pub publish_date: DateTime<Utc>,
    /// The page's dates as params (`date`, `publishdate`, `lastmod`, `expirydate`).
    pub dates: [(&'static str, Option<DateTime<Utc>>); 4],
    /// The page's front matter, for every other param.
    pub front_matter: Value,
}

/// The keywords of one param value (`IndexConfig.ToKeywords`): a string, a
/// list (each item as a string), a date in the index's pattern. Values
/// hugo refuses to index (a number, a map) give none.
fn keywords(cfg: &IndexConfig, doc: &RelatedDoc, site_params: &Value) -> Vec<String> {
    let key = cfg.name.to_lowercase();
    if let Some((_, date)) = doc.dates.iter().find(|(k, _)| *k == key) {
        let layout = if cfg.pattern.is_empty() { "2006" } else { &cfg.pattern };
        let date = date.unwrap_or_else(crate::import::dates::zero);
        return vec![super::url::format_go_time(&date, layout)];
    }
    let page_value = doc
        .front_matter
        .as_object()
        .and_then(|m| field(m, &key))
        .filter(|v| !v.is_null());
    // `Param` falls back to the site's params.
    let value = page_value.or_else(|| site_params.as_object().and_then(|m| field(m, &key)));
    let word = |s: &str| if cfg.to_lower { s.to_lowercase() } else { s.to_owned() };
    match value {
        Some(Value::String(s)) => vec![word(s)],
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => word(s),
                Value::Null => String::new(),
                other => word(&other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// hugo's `norm`: `num` between `min` and `max` as 0 to 100, rounded.
fn norm(num: i64, min: i64, max: i64) -> i64 {
    if max <= min {
        return 0;
    }
    ((num - min) as f64 / (max - min) as f64 * 100.0 + 0.5).floor() as i64
}

/// For each of `sources`, the ids of up to `limit` of `docs` (the pages
/// searched, hugo's `.Site.RegularPages` of its language) hugo's
/// `.Related` returns, best first.
pub fn related(
    cfg: &RelatedConfig,
    docs: &[RelatedDoc],
    sources: &[&RelatedDoc],
    site_params: &Value,
    limit: usize,
) -> HashMap<i32, Vec<i32>> {
    // The inverted index: per index, keyword to the docs carrying it, a doc
    // once per time it carries it (as hugo appends them).
    let mut index: Vec<HashMap<String, Vec<usize>>> = Vec::with_capacity(cfg.indices.len());
    for c in &cfg.indices {
        let mut postings: HashMap<String, Vec<usize>> = HashMap::new();
        if c.weight != 0 {
            let mut with_keywords = 0usize;
            for (i, d) in docs.iter().enumerate() {
                let words = keywords(c, d, site_params);
                if !words.is_empty() {
                    with_keywords += 1;
                }
                for w in words {
                    postings.entry(w).or_default().push(i);
                }
            }
            if c.cardinality_threshold > 0 && with_keywords > 0 {
                // Remove keywords on more than that share of the docs.
                postings.retain(|_, v| {
                    let share = (v.len() as f64 / with_keywords as f64 * 100.0).ceil() as i64;
                    share <= c.cardinality_threshold
                });
            }
        }
        index.push(postings);
    }
    let min = cfg.indices.iter().map(|c| c.weight).fold(0, i64::min);
    let max = cfg.indices.iter().map(|c| c.weight).fold(0, i64::max);

    let mut out = HashMap::new();
    for source in sources {
        // doc index to (total weight, matches)
        let mut ranks: HashMap<usize, (i64, i64)> = HashMap::new();
        let filter_newer = !cfg.include_newer && source.publish_date != crate::import::dates::zero();
        for (c, postings) in cfg.indices.iter().zip(&index) {
            for w in keywords(c, source, site_params) {
                let Some(found) = postings.get(&w) else { continue };
                for &i in found {
                    let d = &docs[i];
                    if d.id == source.id || (filter_newer && d.publish_date > source.publish_date) {
                        continue;
                    }
                    let r = ranks.entry(i).or_insert((0, 0));
                    r.0 += c.weight;
                    r.1 += 1;
                }
            }
        }
        let mut kept: Vec<(usize, i64)> = ranks
            .into_iter()
            .filter(|(_, (weight, matches))| norm(weight / matches, min, max) >= cfg.threshold / matches)
            .map(|(i, (weight, _))| (i, weight))
            .collect();
        kept.sort_by(|(a, wa), (b, wb)| {
            let (da, db) = (&docs[*a], &docs[*b]);
            wb.cmp(wa)
                .then(db.publish_date.cmp(&da.publish_date))
                .then(da.title.cmp(&db.title))
                .then(da.id.cmp(&db.id))
        });
        kept.truncate(limit);
        out.insert(source.id, kept.into_iter().map(|(i, _)| docs[i].id).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_config_decodes_weakly_and_case_insensitively() {
        let cfg = RelatedConfig::decode(&json!({
            "threshold": "50", "toLower": true,
            "indices": [{ "Name": "tags", "Weight": 100 }, { "name": "date", "weight": 10, "pattern": "200601" }]
        }))
        .expect("decodes");
        assert_eq!(cfg.threshold, 50);
        assert!(cfg.indices.iter().all(|i| i.to_lower));
        assert_eq!(cfg.indices[1].pattern, "200601");
        assert_eq!(
            RelatedConfig::decode(&json!({ "threshold": 101 })),
            Err(RelatedConfigError::Threshold(101))
        );
    }

    #[test]
    fn norm_is_hugos() {
        assert_eq!(norm(80, 0, 100), 80);
        assert_eq!(norm(5, 0, 10), 50);
        assert_eq!(norm(1, 0, 3), 33);
    }
}
