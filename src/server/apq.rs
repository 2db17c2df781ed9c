//! Automatic Persisted Queries (Apollo's APQ protocol): a client sends a
//! query's SHA-256 instead of its text, so a GET URL stays short and a CDN
//! can cache it. A bounded in-process LRU sits in front of the database's
//! table (`store::persisted_queries`), so a hash registered through one
//! replica is found by every other; a miss just makes the client send the
//! full query once more.

use std::num::NonZeroUsize;

use serde_json::Value;
use sha2::{Digest, Sha256};

use sea_orm::DatabaseConnection;

use crate::cache::Recent;
use crate::store::persisted_queries;

/// Why a persisted query could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApqError {
    /// The hash is unknown here: the client should retry with the query.
    #[error("PersistedQueryNotFound")]
    NotFound,
    /// The query sent is not the one the hash names.
    #[error("provided sha256Hash does not match the query")]
    HashMismatch,
    /// `persistedQuery` is not version 1 with a 64-digit hex hash.
    #[error("extensions.persistedQuery must be {{ version: 1, sha256Hash: \"<64 hex digits>\" }}")]
    Malformed,
}

/// Query texts by SHA-256 (lowercase hex): the process's least recently
/// used in memory, every replica's in the database when there is one.
pub struct PersistedQueries {
    cache: Recent<String, String>,
    shared: Option<DatabaseConnection>,
}

impl PersistedQueries {
    /// Keeps up to `capacity` queries in memory (at least one), none shared.
    pub fn new(capacity: usize) -> Self {
        PersistedQueries {
            cache: Recent::new(NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN)),
            shared: None,
        }
    }

    /// The same, sharing registrations with every process on `db`.
    pub fn shared(capacity: usize, db: DatabaseConnection) -> Self {
        PersistedQueries {
            shared: Some(db),
            ..PersistedQueries::new(capacity)
        }
    }

    /// The query to run: the one sent (stored under its hash), or the one
    /// stored for the hash, here or by another replica. Requests without
    /// `persistedQuery` pass through. The database is a cache here: when it
    /// fails, the request goes on with what this process knows (and logs it).
    pub async fn resolve(&self, query: Option<String>, extensions: Option<&Value>) -> Result<Option<String>, ApqError> {
        let Some(pq) = extensions.and_then(|e| e.get("persistedQuery")) else {
            return Ok(query);
        };
        let hash = match (
            pq.get("version").and_then(Value::as_i64),
            pq.get("sha256Hash").and_then(Value::as_str),
        ) {
            (Some(1), Some(h)) if h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()) => h.to_ascii_lowercase(),
            _ => return Err(ApqError::Malformed),
        };
        match query {
            Some(q) if !q.is_empty() => {
                let actual: String = Sha256::digest(q.as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                if actual != hash {
                    return Err(ApqError::HashMismatch);
                }
                if self.cache.get(&hash).is_none() {
                    if let Some(db) = &self.shared {
                        let stored = persisted_queries::register(db, &hash, &q, persisted_queries::MAX_STORED).await;
                        if let Err(e) = stored {
                            tracing::warn!(error = %e, "sharing a persisted query");
                        }
                    }
                }
                self.cache.put(hash, q.clone());
                Ok(Some(q))
            }
            _ => {
                if let Some(q) = self.cache.get(&hash) {
                    return Ok(Some(q));
                }
                let Some(db) = &self.shared else {
                    return Err(ApqError::NotFound);
                };
                match persisted_queries::find(db, &hash).await {
                    Ok(Some(q)) => {
                        self.cache.put(hash, q.clone());
                        Ok(Some(q))
                    }
                    Ok(None) => Err(ApqError::NotFound),
                    Err(e) => {
                        tracing::warn!(error = %e, "reading a shared persisted query");
                        Err(ApqError::NotFound)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const Q: &str = "{ articles { totalCount } }";

    fn ext(hash: &str) -> Value {
        json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
    }

    fn sha(q: &str) -> String {
        Sha256::digest(q.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    #[tokio::test]
    async fn a_miss_then_the_query_then_a_hit() {
        let store = PersistedQueries::new(8);
        let e = ext(&sha(Q));
        assert_eq!(store.resolve(None, Some(&e)).await, Err(ApqError::NotFound));
        assert_eq!(store.resolve(Some(Q.into()), Some(&e)).await, Ok(Some(Q.into())));
        assert_eq!(store.resolve(None, Some(&e)).await, Ok(Some(Q.into())));
    }

    #[tokio::test]
    async fn a_wrong_hash_or_shape_is_refused() {
        let store = PersistedQueries::new(8);
        assert_eq!(
            store.resolve(Some(Q.into()), Some(&ext(&"0".repeat(64)))).await,
            Err(ApqError::HashMismatch)
        );
        assert_eq!(store.resolve(None, Some(&ext("abc"))).await, Err(ApqError::Malformed));
        assert_eq!(store.resolve(Some(Q.into()), None).await, Ok(Some(Q.into())));
    }

    #[tokio::test]
    async fn the_store_is_bounded() {
        let store = PersistedQueries::new(1);
        let (a, b) = ("{ a }", "{ b }");
        store.resolve(Some(a.into()), Some(&ext(&sha(a)))).await.ok();
        store.resolve(Some(b.into()), Some(&ext(&sha(b)))).await.ok();
        assert_eq!(store.resolve(None, Some(&ext(&sha(a)))).await, Err(ApqError::NotFound));
    }
}
