//! An article: one Hugo content file (plus its translation files), as imported.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "article")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// The page's path in the site, as Hugo builds it (e.g. `/news/rates/`):
    /// its identity, so no two articles have one.
    #[sea_orm(unique)]
    pub path: String,
    /// Front matter `slug`, else the file stem; unique within a section.
    #[sea_orm(indexed)]
    pub slug: String,
    pub title: String,
    pub summary: String,
    /// Hugo's `.Truncated`: the summary leaves part of the content out.
    pub truncated: bool,
    /// Markdown source, without front matter and without the trailing source link.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// Hugo `date`, stored in UTC.
    pub published_at: DateTimeUtc,
    /// Hugo `lastmod`, else `date`.
    pub updated_at: DateTimeUtc,
    /// When the article becomes public: Hugo `publishDate`, else `date`.
    pub publish_date: DateTimeUtc,
    /// Hugo `expiryDate`: the article stops being public from then on.
    pub expiry_date: Option<DateTimeUtc>,
    /// Primary locale (the first `lang` entry), e.g. `zh-CN`.
    pub lang: String,
    pub thumbnail: Option<String>,
    /// Where a theme shows the thumbnail (Mainroad: `list`, `post`), from
    /// `thumbnail: { visibility }`; null when not given.
    pub thumbnail_visibility: Option<Json>,
    pub lead: Option<String>,
    pub source_name: Option<String>,
    pub source_url: Option<String>,
    pub draft: bool,
    /// Front matter `menu` as written (a string, a list or a map).
    pub menu: Json,
    pub comments: Option<bool>,
    pub authorbox: Option<bool>,
    pub pager: Option<bool>,
    pub toc: Option<bool>,
    pub mathjax: Option<bool>,
    pub sidebar: Option<String>,
    /// JSON list of widget names.
    pub widgets: Json,
    /// JSON list of locales from front matter `translations`.
    pub translations: Json,
    pub weight: i32,
    /// JSON list of Hugo `aliases`.
    pub aliases: Json,
    /// JSON list of Hugo `keywords`.
    pub keywords: Json,
    /// The whole front matter, for theme keys Gazette does not model.
    pub front_matter: Json,
    /// Content file this article was imported from, relative to the import root.
    pub source_path: String,
    /// The folder of its section (Hugo's `.CurrentSection`), relative to
    /// the content root: `blog/2020`, or empty for a page at the root
    /// (an article made through the API is one); null only for rows stored
    /// before sections existed, until they are imported again.
    #[sea_orm(indexed)]
    pub section: Option<String>,
    /// Hugo's `_build.render`: `always` (it has a route), `never` or `link`
    /// (neither is served at its path).
    pub build_render: String,
    /// Hugo's `_build.list`: `always`, `never` (in no list or count) or
    /// `local` (only in its section's lists).
    pub build_list: String,
    /// Hash of every input that shaped this row; equal hash, nothing to write.
    pub content_hash: String,
    #[sea_orm(has_many)]
    pub translation_rows: HasMany<super::translation::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
