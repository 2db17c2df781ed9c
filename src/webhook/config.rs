//! Which hooks there are and how they are delivered to: `--webhook URL`
//! (every event), a `--webhooks FILE` of `[[hook]]` tables with event
//! filters, the signing secret, and the retry policy.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;

use crate::store::changes::EventKind;

/// How long an event is retried by default: 24 hours.
pub const DEFAULT_MAX_AGE_SECS: u64 = 24 * 60 * 60;
/// The first retry's delay bound by default, doubling after each failure.
pub const DEFAULT_RETRY_BASE_MS: u64 = 1_000;
/// The longest wait between two attempts by default: an hour.
pub const DEFAULT_RETRY_MAX_MS: u64 = 60 * 60 * 1_000;
/// How long one attempt may take by default.
pub const DEFAULT_TIMEOUT_MS: u64 = 10_000;
/// How long a process's claim on a hook lasts unless renewed, by default.
pub const DEFAULT_LEASE_MS: u64 = 30_000;
/// How often a deliverer looks at the log when nothing woke it, by default.
pub const DEFAULT_POLL_MS: u64 = 2_000;

/// Why the webhook configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A line of the webhooks file is wrong.
    #[error("{}:{line}: {reason}", path.display())]
    File { path: PathBuf, line: usize, reason: String },
    /// The webhooks file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A `--webhook` URL is not an http(s) URL.
    #[error("--webhook {url}: {reason}")]
    Url { url: String, reason: String },
    /// The same URL is configured twice (a hook is known by its URL).
    #[error("webhook {0} is configured twice; a hook is known by its URL")]
    Duplicate(String),
    /// Hooks are configured without a secret to sign with.
    #[error(
        "a webhook is configured but no secret to sign it with: set --webhook-secret or GAZETTE_WEBHOOK_SECRET (whsec_ followed by base64)"
    )]
    MissingSecret,
    /// The secret is not `whsec_` + base64.
    #[error("the webhook secret: {0}")]
    Secret(String),
    /// The delivery settings contradict each other.
    #[error("webhook settings: {0}")]
    Settings(String),
}

/// The key webhooks are signed with: the bytes of a Standard Webhooks
/// secret (`whsec_` + base64). Its Debug output hides them.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// Reads `whsec_<base64>`; the key must be 24 to 64 bytes, as the
    /// Standard Webhooks spec asks.
    pub fn parse(text: &str) -> Result<Secret, ConfigError> {
        let encoded = text
            .trim()
            .strip_prefix("whsec_")
            .ok_or_else(|| ConfigError::Secret("must start with `whsec_`".into()))?;
        let key = STANDARD
            .decode(encoded)
            .map_err(|e| ConfigError::Secret(format!("the part after `whsec_` is not base64: {e}")))?;
        if !(24..=64).contains(&key.len()) {
            return Err(ConfigError::Secret(format!(
                "the key must be 24 to 64 bytes, got {}",
                key.len()
            )));
        }
        Ok(Secret(key))
    }

    /// The key's bytes.
    pub fn key(&self) -> &[u8] {
        &self.0
    }
}

/// One hook: where events go, and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    /// The URL events are POSTed to; also the hook's stable id.
    pub url: String,
    /// The event types it gets; `None` for all of them.
    pub events: Option<BTreeSet<String>>,
}

impl Hook {
    /// A hook for every event type.
    pub fn all(url: impl Into<String>) -> Hook {
        Hook {
            url: url.into(),
            events: None,
        }
    }

    /// The hook as logs name it: its origin and a short hash of the whole
    /// URL (`https://hooks.example.com/…#3f2a9c1e`), since a hook's path or
    /// query often carries a token of its own.
    pub fn label(&self) -> String {
        use sha2::{Digest, Sha256};
        let hash = Sha256::digest(self.url.as_bytes());
        let short: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let origin = reqwest::Url::parse(&self.url)
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_default();
        format!("{origin}/…#{short}")
    }

    /// Whether it gets events of type `kind`.
    pub fn wants(&self, kind: &str) -> bool {
        self.events.as_ref().is_none_or(|e| e.contains(kind))
    }
}

/// How deliveries are retried and timed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// How long after its event a delivery is retried before it is dead.
    pub max_age: Duration,
    /// The first retry's delay bound; it doubles after each failure.
    pub retry_base: Duration,
    /// The largest delay between two attempts.
    pub retry_max: Duration,
    /// How long one attempt may take.
    pub timeout: Duration,
    /// How long a claim on a hook lasts unless renewed; longer than `timeout`,
    /// so no other process claims a hook while an attempt is in flight.
    pub lease: Duration,
    /// How often the log is looked at when no change woke the deliverer.
    pub poll: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_age: Duration::from_secs(DEFAULT_MAX_AGE_SECS),
            retry_base: Duration::from_millis(DEFAULT_RETRY_BASE_MS),
            retry_max: Duration::from_millis(DEFAULT_RETRY_MAX_MS),
            timeout: Duration::from_millis(DEFAULT_TIMEOUT_MS),
            lease: Duration::from_millis(DEFAULT_LEASE_MS),
            poll: Duration::from_millis(DEFAULT_POLL_MS),
        }
    }
}

impl Settings {
    /// Refuses settings under which two processes could deliver at once
    /// (a lease that can expire during an attempt) or nothing is retried.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.lease < self.timeout + Duration::from_secs(1) {
            return Err(ConfigError::Settings(format!(
                "the lease ({} ms) must be at least a second longer than the timeout ({} ms)",
                self.lease.as_millis(),
                self.timeout.as_millis()
            )));
        }
        if self.retry_base.is_zero() || self.retry_max < self.retry_base {
            return Err(ConfigError::Settings(
                "the retry base delay must be positive and at most the longest delay".into(),
            ));
        }
        if self.poll.is_zero() || self.poll >= self.lease {
            return Err(ConfigError::Settings(
                "the poll interval must be positive and shorter than the lease".into(),
            ));
        }
        Ok(())
    }
}

/// Everything the deliverers need.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub hooks: Vec<Hook>,
    pub secret: Secret,
    pub settings: Settings,
}

/// The configuration of the flags: `urls` (every event), the hooks of
/// `file`, and `secret`. `None` when no hook is configured; an error when
/// hooks are configured without a valid secret, or a URL twice.
pub fn build(
    urls: &[String],
    file: Option<&Path>,
    secret: Option<&str>,
    settings: Settings,
) -> Result<Option<WebhookConfig>, ConfigError> {
    let mut hooks = Vec::new();
    for url in urls {
        check_url(url).map_err(|reason| ConfigError::Url {
            url: url.clone(),
            reason,
        })?;
        hooks.push(Hook::all(url.trim()));
    }
    if let Some(path) = file {
        hooks.extend(load_file(path)?);
    }
    let mut seen = BTreeSet::new();
    for hook in &hooks {
        if !seen.insert(hook.url.as_str()) {
            return Err(ConfigError::Duplicate(hook.url.clone()));
        }
    }
    if hooks.is_empty() {
        return Ok(None);
    }
    let secret = match secret.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Secret::parse(s)?,
        None => return Err(ConfigError::MissingSecret),
    };
    settings.check()?;
    Ok(Some(WebhookConfig {
        hooks,
        secret,
        settings,
    }))
}

/// Why `url` cannot be a hook, if it cannot.
fn check_url(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| format!("not a URL: {e}"))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host().is_some() => Ok(()),
        "http" | "https" => Err("the URL has no host".into()),
        other => Err(format!("only http and https URLs are supported, not {other}")),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    hook: Vec<FileHook>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHook {
    url: toml::Spanned<String>,
    events: Option<toml::Spanned<Vec<toml::Spanned<String>>>>,
}

/// Reads a webhooks file.
pub fn load_file(path: &Path) -> Result<Vec<Hook>, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_file(path, &text)
}

/// Parses a webhooks file's `text` (read from `path`, which errors name):
///
/// ```toml
/// [[hook]]
/// url = "https://example.com/hooks/gazette"
/// events = ["article.published", "article.updated"]  # all when left out
/// ```
pub fn parse_file(path: &Path, text: &str) -> Result<Vec<Hook>, ConfigError> {
    let at = |offset: usize, reason: String| ConfigError::File {
        path: path.to_path_buf(),
        line: line_of(text, offset),
        reason,
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        at(offset, e.message().trim().to_owned())
    })?;
    let mut hooks = Vec::new();
    for h in file.hook {
        let url = h.url.get_ref().trim().to_owned();
        check_url(&url).map_err(|reason| at(h.url.span().start, format!("url: {reason}")))?;
        let events = match h.events {
            None => None,
            Some(list) => {
                if list.get_ref().is_empty() {
                    return Err(at(
                        list.span().start,
                        "events: an empty list gets nothing; leave `events` out for every event".into(),
                    ));
                }
                let mut set = BTreeSet::new();
                for name in list.get_ref() {
                    if EventKind::parse(name.get_ref()).is_none() {
                        let known: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
                        return Err(at(
                            name.span().start,
                            format!(
                                "events: unknown event `{}` (known: {})",
                                name.get_ref(),
                                known.join(", ")
                            ),
                        ));
                    }
                    set.insert(name.get_ref().clone());
                }
                Some(set)
            }
        };
        hooks.push(Hook { url, events });
    }
    Ok(hooks)
}

/// The 1-based line of byte offset `at`.
fn line_of(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text.as_bytes()[..at].iter().filter(|b| **b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn a_file_gives_hooks_with_their_filters() {
        let text = "[[hook]]\nurl = \"http://a.example/h\"\nevents = [\"article.published\"]\n\n[[hook]]\nurl = \"https://b.example/\"\n";
        let hooks = parse_file(Path::new("hooks.toml"), text).expect("parses");
        assert_eq!(hooks.len(), 2);
        assert!(hooks[0].wants("article.published"));
        assert!(!hooks[0].wants("article.deleted"));
        assert!(hooks[1].wants("term.updated"));
    }

    #[test]
    fn a_bad_line_is_named() {
        let text = "[[hook]]\nurl = \"http://a.example/h\"\nevents = [\n  \"article.published\",\n  \"article.exploded\",\n]\n";
        let e = parse_file(Path::new("hooks.toml"), text).expect_err("unknown event");
        assert!(
            e.to_string()
                .starts_with("hooks.toml:5: events: unknown event `article.exploded`"),
            "{e}"
        );
        let e = parse_file(Path::new("h.toml"), "[[hook]]\nurl = \"ftp://x/\"\n").expect_err("scheme");
        assert!(e.to_string().starts_with("h.toml:2: url: only http and https"), "{e}");
        let e = parse_file(Path::new("h.toml"), "[[hook]]\nurl = \"http://x/\"\nretries = 3\n").expect_err("field");
        assert!(e.to_string().starts_with("h.toml:3: unknown field `retries`"), "{e}");
        let e = parse_file(Path::new("h.toml"), "[[hook]]\nevents = []\n").expect_err("no url");
        assert!(e.to_string().starts_with("h.toml:1: missing field `url`"), "{e}");
    }

    #[test]
    fn hooks_need_a_valid_secret() {
        let urls = ["http://a.example/".to_owned()];
        assert!(matches!(
            build(&urls, None, None, Settings::default()),
            Err(ConfigError::MissingSecret)
        ));
        assert!(matches!(
            build(
                &urls,
                None,
                Some("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
                Settings::default()
            ),
            Err(ConfigError::Secret(_))
        ));
        assert!(matches!(
            build(&urls, None, Some("whsec_!!!"), Settings::default()),
            Err(ConfigError::Secret(_))
        ));
        let config = build(&urls, None, Some(SECRET), Settings::default())
            .expect("valid")
            .expect("a hook");
        assert_eq!(config.hooks, vec![Hook::all("http://a.example/")]);
        assert!(build(&[], None, None, Settings::default()).expect("none").is_none());
        let twice = [urls[0].clone(), urls[0].clone()];
        assert!(matches!(
            build(&twice, None, Some(SECRET), Settings::default()),
            Err(ConfigError::Duplicate(_))
        ));
    }

    #[test]
    fn a_hooks_label_keeps_its_path_out_of_logs() {
        let label = Hook::all("https://hooks.example.com/services/T0/B0/s3cr3t?token=x").label();
        assert!(label.starts_with("https://hooks.example.com/…#"), "{label}");
        assert!(!label.contains("s3cr3t") && !label.contains("token"), "{label}");
        assert_ne!(label, Hook::all("https://hooks.example.com/other").label());
    }

    #[test]
    fn a_lease_shorter_than_an_attempt_is_refused() {
        let settings = Settings {
            lease: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            ..Settings::default()
        };
        assert!(settings.check().is_err());
        assert!(Settings::default().check().is_ok());
    }
}
