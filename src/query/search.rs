//! Ranked search pages: articles of a scope that match a query, best first
//! (ties by id).

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use entity::article;
use lru::LruCache;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter, Statement,
};

use super::articles::{Full, Scope};
use super::keyset::{slice, Key, Page, PageRequest, SortValue};
use crate::search;
use crate::search::matcher;
use crate::search::query::{Ranking, RANK_WINDOW};

/// An article and its rank for the query (lower is better).
#[derive(Debug, Clone)]
pub struct Ranked {
    pub article: Full,
    pub rank: f64,
}

impl Ranked {
    pub fn key(&self) -> Key {
        Key {
            value: SortValue::Float(self.rank),
            id: self.article.id,
        }
    }
}

/// Documents holding each word, as last read from the FTS5 vocabulary.
/// Reading a word's count walks its whole doclist (15 ms for a word in most
/// of 100,000 articles); a count a minute old weighs a word as well as a
/// fresh one, so counts are kept that long. One per server (`Api`).
pub struct WordCounts {
    cache: Mutex<LruCache<String, (i64, Instant)>>,
    ttl: Duration,
}

impl WordCounts {
    /// Keeps up to `capacity` words, each for `ttl`.
    pub fn new(capacity: NonZeroUsize, ttl: Duration) -> Self {
        WordCounts {
            cache: Mutex::new(LruCache::new(capacity)),
            ttl,
        }
    }

    fn get(&self, word: &str) -> Option<i64> {
        let mut cache = self.cache.lock().ok()?;
        match cache.get(word) {
            Some(&(n, at)) if at.elapsed() < self.ttl => Some(n),
            _ => None,
        }
    }

    fn put(&self, word: String, n: i64) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.put(word, (n, Instant::now()));
        }
    }
}

impl Default for WordCounts {
    fn default() -> Self {
        WordCounts::new(
            NonZeroUsize::new(10_000).unwrap_or(NonZeroUsize::MIN),
            Duration::from_secs(60),
        )
    }
}

/// Documents holding each phrase of `query`'s SQLite match expression, from
/// the FTS5 vocabulary through `counts`; `None` when the order cannot depend
/// on them (one term, or PostgreSQL, where ts_rank has no IDF), so a
/// one-term search, the common case, never asks.
async fn doc_counts(db: &DatabaseConnection, query: &str, counts: &WordCounts) -> Result<Option<Vec<f64>>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Sqlite || matcher::terms(query).len() < 2 {
        return Ok(None);
    }
    let phrases = matcher::phrase_words(query);
    let mut docs: HashMap<String, i64> = HashMap::new();
    let mut missing: Vec<&String> = Vec::new();
    for w in phrases.iter().flatten() {
        match counts.get(w) {
            Some(n) => {
                docs.insert(w.clone(), n);
            }
            None if !missing.contains(&w) => missing.push(w),
            None => {}
        }
    }
    if !missing.is_empty() {
        let sql = vec!["SELECT term, doc FROM article_search_vocab WHERE term = ?"; missing.len()].join(" UNION ALL ");
        let values = missing.iter().map(|w| (*w).clone().into());
        for row in db
            .query_all_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?
        {
            docs.insert(row.try_get("", "term")?, row.try_get("", "doc")?);
        }
        for w in missing {
            // A word in no document is counted too: 0 is an answer.
            counts.put(w.clone(), docs.get(w).copied().unwrap_or(0));
        }
    }
    Ok(Some(
        phrases
            .iter()
            .map(|p| p.iter().map(|w| docs.get(w).copied().unwrap_or(0)).min().unwrap_or(0) as f64)
            .collect(),
    ))
}

/// One page of matches, ranked within the newest [`RANK_WINDOW`] matching versions.
pub async fn page(
    db: &DatabaseConnection,
    scope: &Scope,
    query: &str,
    req: &PageRequest,
    now: DateTime<Utc>,
    counts: &WordCounts,
) -> Result<Page<Ranked>, DbErr> {
    page_within(db, scope, query, req, now, counts, RANK_WINDOW).await
}

/// [`page`] with a window of `window` versions. The window's ranks are read
/// whole (ids and ranks, no text), paged in memory, and only the page's
/// articles are read: sorting a thousand full rows in SQL would read a
/// thousand bodies.
pub async fn page_within(
    db: &DatabaseConnection,
    scope: &Scope,
    query: &str,
    req: &PageRequest,
    now: DateTime<Utc>,
    counts: &WordCounts,
    window: u64,
) -> Result<Page<Ranked>, DbErr> {
    let backend = db.get_database_backend();
    // No words: no counts are read and there is nothing to rank.
    let ranking = Ranking {
        doc_counts: doc_counts(db, query, counts).await?,
        window,
    };
    let Some(ranked) = search::query::ranked(backend, query, scope.condition(backend, now), &ranking) else {
        return Ok(Page {
            rows: Vec::new(),
            has_previous: false,
            has_next: false,
        });
    };
    // (rank, article id), in list order.
    let mut hits: Vec<(f64, i32)> = Vec::new();
    for row in db.query_all(&ranked).await? {
        hits.push((row.try_get("", "rank")?, row.try_get("", "article_id")?));
    }
    let key = |&(rank, id): &(f64, i32)| Key {
        value: SortValue::Float(rank),
        id,
    };
    hits.sort_by(|a, b| key(a).cmp_ascending(&key(b)));
    let page = slice(&hits, key, req);
    let ids: Vec<i32> = page.rows.iter().map(|&(_, id)| id).collect();
    let mut articles: HashMap<i32, Full> = HashMap::new();
    if !ids.is_empty() {
        for a in article::Entity::find()
            .filter(article::Column::Id.is_in(ids))
            .into_model::<Full>()
            .all(db)
            .await?
        {
            articles.insert(a.id, a);
        }
    }
    let rows = page
        .rows
        .into_iter()
        .filter_map(|(rank, id)| articles.remove(&id).map(|article| Ranked { article, rank }))
        .collect();
    Ok(Page {
        rows,
        has_previous: page.has_previous,
        has_next: page.has_next,
    })
}
