//! `ArticleOrder`: how a list of articles is sorted.

use async_graphql::{Enum, InputObject};

use crate::query::articles::{Order, OrderField};

/// What to sort articles by.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum ArticleOrderField {
    /// Publication time (front matter `date`).
    #[default]
    PublishedAt,
    /// Last modification (`updatedAt`: by default front matter `lastmod`, else `date`).
    UpdatedAt,
    /// Title, in the database's text order.
    Title,
}

/// Sort direction.
#[derive(Enum, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum OrderDirection {
    /// Smallest first.
    Asc,
    /// Largest (newest) first.
    #[default]
    Desc,
}

/// How to sort articles; ties are broken by id, so the order is total.
#[derive(InputObject, Clone, Copy, Debug, Default)]
pub struct ArticleOrder {
    /// The field to sort by; default PUBLISHED_AT.
    #[graphql(default)]
    pub field: ArticleOrderField,
    /// The direction; default DESC.
    #[graphql(default)]
    pub direction: OrderDirection,
}

impl From<ArticleOrder> for Order {
    fn from(o: ArticleOrder) -> Self {
        let field = match o.field {
            ArticleOrderField::PublishedAt => OrderField::PublishedAt,
            ArticleOrderField::UpdatedAt => OrderField::UpdatedAt,
            ArticleOrderField::Title => OrderField::Title,
        };
        Order {
            field,
            desc: o.direction == OrderDirection::Desc,
        }
    }
}
