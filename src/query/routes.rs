//! What a site path leads to: a public article (or a translation of one)
//! at that path, a section, or an article that lists it among its `aliases`.

use entity::{article, translation};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::articles::{Full, Visibility};

/// What is served at a path.
#[derive(Debug)]
pub enum Found {
    /// The article whose path it is.
    Article(Box<Full>),
    /// The article one of whose translations (in `locale`) has the path.
    Translation { article: Box<Full>, locale: String },
    /// A section (or the home page) in one language.
    Section(Box<super::sections::Section>),
    /// A term of one of the site's taxonomies.
    Term(Box<super::taxonomies::TermRow>),
    /// An alias of the article at `target` (a public one).
    Alias { target: String },
}

/// Resolves `path` (a site path, e.g. `/news/rates/`), trying it with a
/// trailing slash too when it has none. Five statements at most.
pub async fn resolve(db: &DatabaseConnection, path: &str, vis: Visibility) -> Result<Option<Found>, DbErr> {
    let mut candidates = vec![path.to_owned()];
    if !path.ends_with('/') {
        candidates.push(format!("{path}/"));
    }
    let article = article::Entity::find()
        .filter(vis.rendered())
        .filter(article::Column::Path.is_in(candidates.clone()))
        .into_model::<Full>()
        .one(db)
        .await?;
    if let Some(a) = article {
        return Ok(Some(Found::Article(Box::new(a))));
    }
    let version: Option<(i32, String)> = translation::Entity::find()
        .select_only()
        .columns([translation::Column::ArticleId, translation::Column::Locale])
        .filter(translation::Column::Path.is_in(candidates.clone()))
        .into_tuple()
        .one(db)
        .await?;
    if let Some((id, locale)) = version {
        let article = article::Entity::find_by_id(id)
            .filter(vis.rendered())
            .into_model::<Full>()
            .one(db)
            .await?;
        if let Some(a) = article {
            return Ok(Some(Found::Translation {
                article: Box::new(a),
                locale,
            }));
        }
    }
    if let Some(section) = super::sections::by_path(db, &candidates).await? {
        return Ok(Some(Found::Section(Box::new(section))));
    }
    if let Some(term) = super::taxonomies::by_path(db, &candidates, vis).await? {
        return Ok(Some(Found::Term(Box::new(term))));
    }
    // The newest public article claiming the alias, as Hugo's last write wins.
    let aliased = Query::select()
        .expr(Expr::col(("article_alias", "article_id")))
        .from("article_alias")
        .and_where(Expr::col(("article_alias", "path")).is_in(candidates))
        .to_owned();
    let target: Option<String> = article::Entity::find()
        .select_only()
        .column(article::Column::Path)
        .filter(vis.rendered())
        .filter(article::Column::Id.in_subquery(aliased))
        .into_tuple()
        .one(db)
        .await?;
    Ok(target.map(|target| Found::Alias { target }))
}
