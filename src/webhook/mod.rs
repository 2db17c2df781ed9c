//! Webhooks: every change in the change log (the outbox, written in the
//! same transaction as the change) is POSTed as JSON to each configured hook
//! that wants its type, signed per the Standard Webhooks spec, at least once,
//! in log order per hook, retried with exponential backoff and full jitter
//! until the event is [`Settings::max_age`](crate::webhook::Settings::max_age) old, then marked dead.
//!
//! One deliverer task per hook per process ([`deliver`](crate::webhook::deliver)); a lease in the
//! database lets one process at a time deliver to a hook, so replicas never
//! make the same attempt twice. State lives in [`crate::store::webhooks`].

pub mod config;
pub mod deliver;
pub mod sign;

use std::sync::Arc;

use chrono::SecondsFormat;
use entity::change_event;
use prometheus::IntCounterVec;
use sea_orm::{DatabaseConnection, DbErr};
use serde::Serialize;

pub use config::{ConfigError, Hook, Secret, Settings, WebhookConfig};
pub use deliver::Deliverer;

use crate::graphql::id::{self, Kind};
use crate::live::Hub;
use crate::site::Site;

/// The `webhook-id` of event `event_id`: the same for every attempt and
/// redelivery, so receivers can drop duplicates.
pub fn message_id(event_id: i64) -> String {
    format!("msg_{event_id}")
}

/// The article an event is about.
#[derive(Debug, Serialize)]
struct ArticleRef {
    /// Its global ID, as GraphQL's `Article.id`.
    id: String,
    slug: String,
    url: String,
    locale: String,
}

/// The term an event is about.
#[derive(Debug, Serialize)]
struct TermRef {
    taxonomy: String,
    slug: String,
    url: String,
}

#[derive(Debug, Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    article: Option<ArticleRef>,
    term: Option<TermRef>,
    keys: Vec<String>,
    at: String,
}

/// The JSON body POSTed for `event`, with absolute URLs from `site`'s baseURL:
/// `{"type", "article": {id, slug, url, locale} | null, "term": {taxonomy,
/// slug, url} | null, "keys": [...], "at"}`.
pub fn payload(event: &change_event::Model, site: &Site) -> Vec<u8> {
    let url = site.permalink(&event.path);
    let article = match (event.kind.starts_with("article."), event.article_id) {
        (true, Some(n)) => Some(ArticleRef {
            id: id::encode(Kind::Article, n).0,
            slug: event.slug.clone(),
            url: url.clone(),
            locale: event.locale.clone(),
        }),
        _ => None,
    };
    let term = match (&event.taxonomy, article.is_none()) {
        (Some(taxonomy), true) => Some(TermRef {
            taxonomy: taxonomy.clone(),
            slug: event.slug.clone(),
            url,
        }),
        _ => None,
    };
    let body = Payload {
        kind: &event.kind,
        article,
        term,
        // Written by the store as a JSON array of strings; anything else
        // would be a bug there, and an event without keys still tells the change.
        keys: serde_json::from_str(&event.keys).unwrap_or_default(),
        at: event.at.to_utc().to_rfc3339_opts(SecondsFormat::AutoSi, true),
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Registers every hook of `config` (a new one starts after the newest event
/// already logged), so changes from now on reach it even before its
/// deliverer runs.
pub async fn register(db: &DatabaseConnection, config: &WebhookConfig) -> Result<(), DbErr> {
    for hook in &config.hooks {
        crate::store::webhooks::register(db, &hook.url).await?;
    }
    Ok(())
}

fn label(url: &str) -> String {
    Hook::all(url).label()
}

/// The running deliverers of one process.
pub struct Deliverers {
    db: DatabaseConnection,
    owner: String,
    /// Each hook's URL with its deliverer.
    tasks: Vec<(String, tokio::task::JoinHandle<()>)>,
    stop: tokio::sync::watch::Sender<bool>,
    /// How long a deliverer may take to finish its step: an attempt's timeout, and some.
    grace: std::time::Duration,
}

impl Deliverers {
    /// This process's name in the hooks' leases.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Stops every deliverer once its current step is done (an attempt in
    /// flight is finished and recorded) and gives up its lease, so another
    /// process takes the hook over at once rather than when the lease runs
    /// out. A deliverer still busy after the grace period is aborted and
    /// keeps its lease until it runs out.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for (hook, mut task) in self.tasks {
            if tokio::time::timeout(self.grace, &mut task).await.is_err() {
                task.abort();
                tracing::warn!(hook = %label(&hook), "webhook: the deliverer did not stop in time; its lease runs out by itself");
                continue;
            }
            if let Err(e) = crate::store::webhooks::release(&self.db, &hook, &self.owner).await {
                tracing::warn!(hook = %label(&hook), error = %e, "webhook: releasing the lease failed; it runs out by itself");
            }
        }
    }
}

/// Starts one deliverer task per hook of `config`, woken by `hub`'s changes
/// and counting outcomes into `outcomes` (label `outcome`: delivered, failed,
/// dead) when given. They run until [`Deliverers::stop`], or as long as the
/// runtime if the [`Deliverers`] are dropped.
pub fn spawn(
    db: DatabaseConnection,
    hub: Option<Hub>,
    site: Arc<Site>,
    config: &WebhookConfig,
    outcomes: Option<IntCounterVec>,
) -> Result<Deliverers, deliver::DeliverError> {
    let client = deliver::client(&config.settings)?;
    let owner = deliver::owner_id();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let tasks = config
        .hooks
        .iter()
        .map(|hook| {
            let deliverer = Deliverer {
                db: db.clone(),
                hook: hook.clone(),
                secret: config.secret.clone(),
                settings: config.settings.clone(),
                site: site.clone(),
                owner: owner.clone(),
                client: client.clone(),
                outcomes: outcomes.clone(),
                label: hook.label(),
            };
            let task = tokio::spawn(deliverer.run(hub.clone(), deliver::Stop::new(stopped.clone())));
            (hook.url.clone(), task)
        })
        .collect();
    Ok(Deliverers {
        db,
        owner,
        tasks,
        stop,
        grace: config.settings.timeout + std::time::Duration::from_secs(5),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str) -> change_event::Model {
        change_event::Model {
            id: 7,
            kind: kind.into(),
            article_id: Some(3),
            taxonomy: None,
            slug: "hello".into(),
            path: "/posts/hello/".into(),
            locale: "en".into(),
            keys: r#"["article:3","list:posts"]"#.into(),
            at: chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z").expect("date"),
        }
    }

    #[test]
    fn an_article_event_names_the_article_and_its_url() {
        let body: serde_json::Value =
            serde_json::from_slice(&payload(&event("article.published"), &Site::default())).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({
                "type": "article.published",
                "article": { "id": id::encode(Kind::Article, 3).0, "slug": "hello", "url": "/posts/hello/", "locale": "en" },
                "term": null,
                "keys": ["article:3", "list:posts"],
                "at": "2026-12-01T10:00:00Z",
            })
        );
    }

    #[test]
    fn a_term_event_names_the_term() {
        let mut e = event("term.updated");
        e.article_id = None;
        e.taxonomy = Some("tags".into());
        e.path = "/tags/rates/".into();
        e.locale = String::new();
        let body: serde_json::Value = serde_json::from_slice(&payload(&e, &Site::default())).expect("JSON");
        assert_eq!(body["article"], serde_json::Value::Null);
        assert_eq!(
            body["term"],
            serde_json::json!({ "taxonomy": "tags", "slug": "hello", "url": "/tags/rates/" })
        );
    }
}
