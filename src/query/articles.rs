//! Public articles: visibility, look-up by slug, keyset pages and counts.

use chrono::{DateTime, Utc};
use entity::article;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::Taxonomy;

/// Articles a reader may see at `now`: not drafts, past `publishDate`, before `expiryDate`.
pub fn public_at(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(article::Column::Draft.eq(false))
        .add(article::Column::PublishDate.lte(now))
        .add(
            Condition::any()
                .add(article::Column::ExpiryDate.is_null())
                .add(article::Column::ExpiryDate.gt(now)),
        )
}

/// Which articles a list holds.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only articles filed under this tag or category id.
    pub term: Option<(Taxonomy, i32)>,
}

impl Scope {
    fn condition(&self, now: DateTime<Utc>) -> Condition {
        let mut cond = public_at(now);
        if let Some((taxonomy, term_id)) = self.term {
            cond = cond.add(
                article::Column::Id.in_subquery(
                    Query::select()
                        .column("article_id")
                        .from(taxonomy.join_table())
                        .and_where(Expr::col(taxonomy.term_column()).eq(term_id))
                        .to_owned(),
                ),
            );
        }
        cond
    }
}

/// A position in the newest-first order: (published_at, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub published_at: DateTime<Utc>,
    pub id: i32,
}

impl From<&article::Model> for Keyset {
    fn from(m: &article::Model) -> Self {
        Keyset {
            published_at: m.published_at,
            id: m.id,
        }
    }
}

/// A public article by slug.
pub async fn by_slug(db: &DatabaseConnection, slug: &str, now: DateTime<Utc>) -> Result<Option<article::Model>, DbErr> {
    article::Entity::find()
        .filter(public_at(now))
        .filter(article::Column::Slug.eq(slug))
        .one(db)
        .await
}

/// Up to `limit` articles of `scope`, newest first, after `after`.
pub async fn page(
    db: &DatabaseConnection,
    scope: &Scope,
    after: Option<Keyset>,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<Vec<article::Model>, DbErr> {
    let mut select = article::Entity::find().filter(scope.condition(now));
    if let Some(k) = after {
        select = select.filter(
            Condition::any()
                .add(article::Column::PublishedAt.lt(k.published_at))
                .add(
                    Condition::all()
                        .add(article::Column::PublishedAt.eq(k.published_at))
                        .add(article::Column::Id.lt(k.id)),
                ),
        );
    }
    select
        .order_by_desc(article::Column::PublishedAt)
        .order_by_desc(article::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// How many articles `scope` holds.
pub async fn count(db: &DatabaseConnection, scope: &Scope, now: DateTime<Utc>) -> Result<u64, DbErr> {
    article::Entity::find().filter(scope.condition(now)).count(db).await
}
