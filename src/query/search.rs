//! Ranked search pages: articles of a scope that match a query, best first.

use chrono::{DateTime, Utc};
use entity::article;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType};
use sea_orm::{
    DatabaseConnection, DbErr, FromQueryResult, PaginatorTrait, QueryResult, QuerySelect, QueryTrait, Select,
};

use super::articles::Scope;
use super::keyset::{fetch, Key, Page, PageRequest, Sort, SortValue};
use crate::search;

/// An article and its rank for the query (lower is better).
#[derive(Debug, Clone)]
pub struct Ranked {
    pub article: article::Model,
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

impl FromQueryResult for Ranked {
    fn from_query_result(row: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Ranked {
            article: article::Model::from_query_result(row, pre)?,
            rank: row.try_get(pre, "search_rank")?,
        })
    }
}

/// Best match first; ties by id.
pub fn sort() -> Sort {
    Sort {
        expr: Expr::col(("s", "rank")),
        id: Expr::col((article::Entity, article::Column::Id)),
        desc: false,
    }
}

/// The scope's articles joined with their rank; `None` when the query has no words.
fn select(db: &DatabaseConnection, scope: &Scope, query: &str, now: DateTime<Utc>) -> Option<Select<article::Entity>> {
    let ranked = search::query::ranked(db.get_database_backend(), query)?;
    let mut select = scope.select(db, now);
    QueryTrait::query(&mut select).join_subquery(
        JoinType::InnerJoin,
        ranked,
        Alias::new("s"),
        Expr::col(("s", "article_id")).equals((article::Entity, article::Column::Id)),
    );
    Some(select.column_as(Expr::col(("s", "rank")), "search_rank"))
}

/// One page of matches.
pub async fn page(
    db: &DatabaseConnection,
    scope: &Scope,
    query: &str,
    req: &PageRequest,
    now: DateTime<Utc>,
) -> Result<Page<Ranked>, DbErr> {
    match select(db, scope, query, now) {
        Some(select) => fetch(db, select, &sort(), req).await,
        None => Ok(Page {
            rows: Vec::new(),
            has_previous: false,
            has_next: false,
        }),
    }
}

/// How many articles match.
pub async fn count(db: &DatabaseConnection, scope: &Scope, query: &str, now: DateTime<Utc>) -> Result<u64, DbErr> {
    match select(db, scope, query, now) {
        Some(select) => select.select_only().column(article::Column::Id).count(db).await,
        None => Ok(0),
    }
}
