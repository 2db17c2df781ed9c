//! Request-scoped DataLoaders: every relation a list reaches is loaded with
//! one batched statement per relation per request, never one per parent.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::Context;
use chrono::{DateTime, Utc};
use entity::translation;
use sea_orm::{DatabaseConnection, DbErr};

use super::error::ApiError;
use crate::query::terms::TermRow;
use crate::query::{terms, translations, Taxonomy};

/// What every resolver of one request shares: the database and the instant
/// visibility is judged at, so one response is consistent with itself.
pub struct Loaders {
    pub db: DatabaseConnection,
    pub now: DateTime<Utc>,
}

/// The request's loaders, as resolvers find them.
pub fn get<'a>(ctx: &Context<'a>) -> Result<&'a DataLoader<Loaders>, ApiError> {
    ctx.data::<DataLoader<Loaders>>()
        .map_err(|_| ApiError::Internal("request has no loaders".into()))
}

/// New loaders for one request.
pub fn for_request(db: DatabaseConnection) -> DataLoader<Loaders> {
    DataLoader::new(Loaders { db, now: Utc::now() }, tokio::spawn)
}

/// The tags or categories of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TermsOf(pub Taxonomy, pub i32);

/// How many public articles a tag or category has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArticleCountOf(pub Taxonomy, pub i32);

/// The translations of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TranslationsOf(pub i32);

/// Splits keys by taxonomy: a batch may mix tags and categories.
fn by_taxonomy(keys: impl Iterator<Item = (Taxonomy, i32)>) -> HashMap<Taxonomy, Vec<i32>> {
    let mut out: HashMap<Taxonomy, Vec<i32>> = HashMap::new();
    for (t, id) in keys {
        out.entry(t).or_default().push(id);
    }
    out
}

impl Loader<TermsOf> for Loaders {
    type Value = Arc<Vec<TermRow>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TermsOf]) -> Result<HashMap<TermsOf, Self::Value>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for (taxonomy, ids) in by_taxonomy(keys.iter().map(|k| (k.0, k.1))) {
            let mut found = terms::of_articles(&self.db, taxonomy, &ids).await?;
            for id in ids {
                out.insert(TermsOf(taxonomy, id), Arc::new(found.remove(&id).unwrap_or_default()));
            }
        }
        Ok(out)
    }
}

impl Loader<ArticleCountOf> for Loaders {
    type Value = i64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ArticleCountOf]) -> Result<HashMap<ArticleCountOf, i64>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for (taxonomy, ids) in by_taxonomy(keys.iter().map(|k| (k.0, k.1))) {
            let counts = terms::article_counts(&self.db, taxonomy, &ids, self.now).await?;
            for id in ids {
                out.insert(ArticleCountOf(taxonomy, id), counts.get(&id).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}

impl Loader<TranslationsOf> for Loaders {
    type Value = Arc<Vec<translation::Model>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TranslationsOf]) -> Result<HashMap<TranslationsOf, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let mut found = translations::of_articles(&self.db, &ids).await?;
        Ok(ids
            .into_iter()
            .map(|id| (TranslationsOf(id), Arc::new(found.remove(&id).unwrap_or_default())))
            .collect())
    }
}
