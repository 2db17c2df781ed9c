//! Request-scoped DataLoaders: every relation a list reaches is loaded with
//! one batched statement per relation per request, never one per parent.
//! They load on the [`RequestContext`]'s connection, at its instant.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use entity::translation;
use sea_orm::DbErr;

use super::context::RequestContext;
use crate::query::articles::{self, Full};
use crate::query::relations::{self, Neighbours};
use crate::query::terms::TermRow;
use crate::query::{resources, sections, taxonomies, terms, translations, Taxonomy};

/// The tags or categories of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TermsOf(pub Taxonomy, pub i32);

/// How many articles the request sees a tag or category has.
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

impl Loader<TermsOf> for RequestContext {
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

impl Loader<ArticleCountOf> for RequestContext {
    type Value = i64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ArticleCountOf]) -> Result<HashMap<ArticleCountOf, i64>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for (taxonomy, ids) in by_taxonomy(keys.iter().map(|k| (k.0, k.1))) {
            let counts = terms::article_counts(&self.db, taxonomy, &ids, self.visibility()).await?;
            for id in ids {
                out.insert(ArticleCountOf(taxonomy, id), counts.get(&id).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}

impl Loader<TranslationsOf> for RequestContext {
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

/// The page bundle resources of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResourcesOf(pub i32);

impl Loader<ResourcesOf> for RequestContext {
    type Value = Arc<Vec<resources::Resource>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ResourcesOf]) -> Result<HashMap<ResourcesOf, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let mut found = resources::of_articles(&self.db, &ids).await?;
        Ok(ids
            .into_iter()
            .map(|id| (ResourcesOf(id), Arc::new(found.remove(&id).unwrap_or_default())))
            .collect())
    }
}

/// The branch bundle resources of a section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SectionResourcesOf(pub i32);

impl Loader<SectionResourcesOf> for RequestContext {
    type Value = Arc<Vec<resources::Resource>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[SectionResourcesOf]) -> Result<HashMap<SectionResourcesOf, Self::Value>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let mut found = resources::of_sections(&self.db, &ids).await?;
        Ok(ids
            .into_iter()
            .map(|id| (SectionResourcesOf(id), Arc::new(found.remove(&id).unwrap_or_default())))
            .collect())
    }
}

/// An article the request sees, by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ArticleById(pub i32);

impl Loader<ArticleById> for RequestContext {
    type Value = Arc<Full>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ArticleById]) -> Result<HashMap<ArticleById, Arc<Full>>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows = articles::by_ids(&self.db, &ids, self.visibility()).await?;
        Ok(rows.into_iter().map(|r| (ArticleById(r.id), Arc::new(r))).collect())
    }
}

/// A tag or category by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TermById(pub Taxonomy, pub i32);

impl Loader<TermById> for RequestContext {
    type Value = TermRow;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TermById]) -> Result<HashMap<TermById, TermRow>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        for (taxonomy, ids) in by_taxonomy(keys.iter().map(|k| (k.0, k.1))) {
            for row in terms::by_ids(&self.db, taxonomy, &ids, self.visibility()).await? {
                out.insert(TermById(taxonomy, row.id), row);
            }
        }
        Ok(out)
    }
}

/// A translation by id (of an article the request sees only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TranslationById(pub i32);

impl Loader<TranslationById> for RequestContext {
    type Value = translation::Model;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[TranslationById],
    ) -> Result<HashMap<TranslationById, translation::Model>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let rows = translations::by_ids(&self.db, &ids, self.visibility()).await?;
        Ok(rows.into_iter().map(|r| (TranslationById(r.id), r)).collect())
    }
}

/// The first `limit` (+1) articles of a term, newest first (or, with the
/// last field set, the last ones, oldest first): nested `tags { articles(first: n) }`
/// and `articles(last: n)` lists load for every parent in one statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FirstArticlesOf(pub Taxonomy, pub i32, pub u64, pub bool);

impl Loader<FirstArticlesOf> for RequestContext {
    type Value = Arc<Vec<Full>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[FirstArticlesOf]) -> Result<HashMap<FirstArticlesOf, Self::Value>, Self::Error> {
        let mut groups: HashMap<(Taxonomy, u64, bool), Vec<i32>> = HashMap::new();
        for k in keys {
            groups.entry((k.0, k.2, k.3)).or_default().push(k.1);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((taxonomy, limit, from_end), ids) in groups {
            let mut found =
                relations::first_articles_of_terms(&self.db, taxonomy, &ids, limit, from_end, self.visibility())
                    .await?;
            for id in ids {
                let rows = Arc::new(found.remove(&id).unwrap_or_default());
                out.insert(FirstArticlesOf(taxonomy, id, limit, from_end), rows);
            }
        }
        Ok(out)
    }
}

/// Ids of up to `n` articles related to an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RelatedOf(pub i32, pub u64);

impl Loader<RelatedOf> for RequestContext {
    type Value = Arc<Vec<i32>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[RelatedOf]) -> Result<HashMap<RelatedOf, Self::Value>, Self::Error> {
        let mut groups: HashMap<u64, Vec<i32>> = HashMap::new();
        for k in keys {
            groups.entry(k.1).or_default().push(k.0);
        }
        let mut out = HashMap::with_capacity(keys.len());
        // hugo's rule when the site config has a `related` section, else Gazette's.
        let config = self
            .site
            .config()
            .and_then(|c| c.related_config().map(|r| (r, c.params())));
        for (limit, ids) in groups {
            let mut found = match &config {
                Some((cfg, params)) => {
                    relations::related_by_config(&self.db, cfg, params, &ids, limit, self.visibility()).await?
                }
                None => {
                    relations::related(
                        &self.db,
                        &ids,
                        limit,
                        relations::RELATED_MAX_TERM_ARTICLES,
                        self.visibility(),
                    )
                    .await?
                }
            };
            for id in ids {
                out.insert(RelatedOf(id, limit), Arc::new(found.remove(&id).unwrap_or_default()));
            }
        }
        Ok(out)
    }
}

/// Previous and next article of an article within its first category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NeighboursOf(pub i32);

impl Loader<NeighboursOf> for RequestContext {
    type Value = Neighbours;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[NeighboursOf]) -> Result<HashMap<NeighboursOf, Neighbours>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let found = relations::neighbours(&self.db, &ids, self.visibility()).await?;
        Ok(found.into_iter().map(|(id, n)| (NeighboursOf(id), n)).collect())
    }
}

/// Every language version of the section at a folder.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SectionsAt(pub String);

impl Loader<SectionsAt> for RequestContext {
    type Value = Arc<Vec<sections::Section>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[SectionsAt]) -> Result<HashMap<SectionsAt, Self::Value>, Self::Error> {
        let dirs: Vec<String> = keys.iter().map(|k| k.0.clone()).collect();
        let mut found: HashMap<String, Vec<sections::Section>> = HashMap::new();
        for row in sections::by_dirs(&self.db, &dirs).await? {
            found.entry(row.dir.clone()).or_default().push(row);
        }
        Ok(dirs
            .into_iter()
            .map(|d| {
                let rows = Arc::new(found.remove(&d).unwrap_or_default());
                (SectionsAt(d), rows)
            })
            .collect())
    }
}

/// The sections directly below a folder, in one language.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChildrenOf {
    pub dir: String,
    pub lang: String,
}

impl Loader<ChildrenOf> for RequestContext {
    type Value = Arc<Vec<sections::Section>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ChildrenOf]) -> Result<HashMap<ChildrenOf, Self::Value>, Self::Error> {
        let mut by_lang: HashMap<&str, Vec<String>> = HashMap::new();
        for k in keys {
            by_lang.entry(&k.lang).or_default().push(k.dir.clone());
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (lang, dirs) in by_lang {
            let mut found: HashMap<String, Vec<sections::Section>> = HashMap::new();
            for row in sections::children(&self.db, &dirs, lang).await? {
                found
                    .entry(row.parent_dir.clone().unwrap_or_default())
                    .or_default()
                    .push(row);
            }
            for dir in dirs {
                let rows = Arc::new(found.remove(&dir).unwrap_or_default());
                let key = ChildrenOf {
                    dir,
                    lang: lang.to_owned(),
                };
                out.insert(key, rows);
            }
        }
        Ok(out)
    }
}

/// How many articles the request sees a section holds, its descendants' included;
/// with `locale`, only those available in it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SectionCountOf {
    pub dir: String,
    pub locale: Option<String>,
    /// See [`articles::Filter::or_foreign_to`].
    pub or_foreign_to: Option<Vec<String>>,
}

impl Loader<SectionCountOf> for RequestContext {
    type Value = u64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[SectionCountOf]) -> Result<HashMap<SectionCountOf, u64>, Self::Error> {
        let mut out = HashMap::with_capacity(keys.len());
        let languages: std::collections::BTreeSet<(&Option<String>, &Option<Vec<String>>)> =
            keys.iter().map(|k| (&k.locale, &k.or_foreign_to)).collect();
        for (locale, foreign) in languages {
            let filter = articles::Filter {
                locale: locale.clone(),
                or_foreign_to: foreign.clone(),
                ..Default::default()
            };
            // One grouped count per language answers every section.
            let counts = sections::article_counts(&self.db, &filter, self.visibility()).await?;
            for k in keys
                .iter()
                .filter(|k| &k.locale == locale && &k.or_foreign_to == foreign)
            {
                out.insert(k.clone(), sections::subtree_total(&counts, &k.dir));
            }
        }
        Ok(out)
    }
}

/// The terms of one taxonomy an article names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteTermsOf(pub String, pub i32);

impl Loader<SiteTermsOf> for RequestContext {
    type Value = Arc<Vec<taxonomies::TermRow>>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[SiteTermsOf]) -> Result<HashMap<SiteTermsOf, Self::Value>, Self::Error> {
        let mut by_taxonomy: HashMap<&str, Vec<i32>> = HashMap::new();
        for k in keys {
            by_taxonomy.entry(&k.0).or_default().push(k.1);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (taxonomy, ids) in by_taxonomy {
            let mut found = taxonomies::of_articles(&self.db, taxonomy, &ids).await?;
            for id in ids {
                let rows = Arc::new(found.remove(&id).unwrap_or_default());
                out.insert(SiteTermsOf(taxonomy.to_owned(), id), rows);
            }
        }
        Ok(out)
    }
}

/// How many articles the request sees a term (of any taxonomy) has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SiteTermCountOf(pub i32);

impl Loader<SiteTermCountOf> for RequestContext {
    type Value = u64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[SiteTermCountOf]) -> Result<HashMap<SiteTermCountOf, u64>, Self::Error> {
        let ids: Vec<i32> = keys.iter().map(|k| k.0).collect();
        let counts = taxonomies::article_counts(&self.db, &ids, self.visibility()).await?;
        Ok(ids
            .into_iter()
            .map(|id| (SiteTermCountOf(id), counts.get(&id).copied().unwrap_or(0)))
            .collect())
    }
}

/// How many terms in use a taxonomy (by plural name) has in a language
/// (`Site::term_lang`: empty for the default one).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TermCountOf(pub String, pub String);

impl Loader<TermCountOf> for RequestContext {
    type Value = u64;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TermCountOf]) -> Result<HashMap<TermCountOf, u64>, Self::Error> {
        let names: Vec<(String, String)> = keys.iter().map(|k| (k.0.clone(), k.1.clone())).collect();
        let counts = taxonomies::counts(&self.db, &names, self.visibility()).await?;
        Ok(names
            .into_iter()
            .map(|n| {
                let count = counts.get(&n).copied().unwrap_or(0);
                (TermCountOf(n.0, n.1), count)
            })
            .collect())
    }
}

/// The page path of the default language's term (taxonomy, slug), if the
/// site has that term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TermPathOf(pub String, pub String);

impl Loader<TermPathOf> for RequestContext {
    type Value = String;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[TermPathOf]) -> Result<HashMap<TermPathOf, String>, Self::Error> {
        let mut by_taxonomy: HashMap<&str, Vec<String>> = HashMap::new();
        for k in keys {
            by_taxonomy.entry(&k.0).or_default().push(k.1.clone());
        }
        let mut out = HashMap::with_capacity(keys.len());
        for (taxonomy, slugs) in by_taxonomy {
            for (slug, path) in taxonomies::paths_by_slugs(&self.db, taxonomy, &slugs).await? {
                out.insert(TermPathOf(taxonomy.to_owned(), slug), path);
            }
        }
        Ok(out)
    }
}

/// The `_index` page of a taxonomy (empty slug) or term: (taxonomy, term
/// key `lang`, slug).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ListPageOf(pub String, pub String, pub String);

impl Loader<ListPageOf> for RequestContext {
    type Value = Arc<entity::list_page::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[ListPageOf]) -> Result<HashMap<ListPageOf, Self::Value>, Self::Error> {
        let keys: Vec<(String, String, String)> =
            keys.iter().map(|k| (k.0.clone(), k.1.clone(), k.2.clone())).collect();
        let rows = taxonomies::list_pages(&self.db, &keys).await?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let key = ListPageOf(r.taxonomy.clone(), r.lang.clone(), r.term_slug.clone());
                (key, Arc::new(r))
            })
            .collect())
    }
}
