//! One hook's deliverer: claims the hook's lease, asks the store for the
//! delivery due next, POSTs it, records the outcome, and waits for a change
//! (or the next poll, or the next retry) when nothing is due.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use prometheus::IntCounterVec;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::sync::broadcast;

use super::config::{Hook, Secret, Settings};
use super::{message_id, payload, sign};
use crate::live::Hub;
use crate::site::Site;
use crate::store::webhooks::{self as store, Attempt, Due, Next};

/// Why the deliverers could not start.
#[derive(Debug, thiserror::Error)]
pub enum DeliverError {
    #[error("the webhook HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// The HTTP client every deliverer of a process shares: `settings.timeout`
/// per attempt, redirects not followed (a 3xx is a failed attempt, as the
/// Standard Webhooks spec advises).
pub fn client(settings: &Settings) -> Result<reqwest::Client, DeliverError> {
    // reqwest is built without a TLS provider of its own: use ring. An error
    // only means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Gazette-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?)
}

/// A name for this process in leases: unique per start, so a restarted
/// process waits for its predecessor's lease to expire rather than sharing it.
pub fn owner_id() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple())
}

/// Delivers one hook's events, in log order, for as long as it runs.
pub struct Deliverer {
    pub db: DatabaseConnection,
    pub hook: Hook,
    pub secret: Secret,
    pub settings: Settings,
    /// The site whose baseURL makes payload URLs absolute.
    pub site: Arc<Site>,
    /// This process's name in leases ([`owner_id`]).
    pub owner: String,
    pub client: reqwest::Client,
    /// Outcomes counted by label `outcome`: `delivered`, `failed` (an
    /// attempt that will be retried), `dead`.
    pub outcomes: Option<IntCounterVec>,
    /// The hook as logs name it ([`Hook::label`]).
    pub label: String,
}

impl Deliverer {
    /// Runs until `stop` is set: registers the hook, then delivers whatever
    /// is due, waking on `hub`'s changes, on retries falling due, and every
    /// poll interval (a write by another process on SQLite reaches no hub
    /// here). A step under way (an attempt, a transaction) is finished
    /// first: cancelling one mid-transaction could hand the pool a
    /// connection still holding the hook's row lock.
    pub async fn run(self, hub: Option<Hub>, mut stop: Stop) {
        let mut changes = hub.as_ref().map(Hub::subscribe);
        let mut rng = ChaCha8Rng::seed_from_u64(seed());
        while let Err(e) = store::register(&self.db, &self.hook.url).await {
            tracing::warn!(hook = %self.label, error = %e, "webhook: registering the hook failed; retrying");
            tokio::select! {
                () = tokio::time::sleep(self.settings.poll) => {}
                () = stop.wait() => return,
            }
        }
        while !stop.is_set() {
            let wait = match self.step(&mut rng).await {
                Ok(Some(wait)) => wait,
                Ok(None) => continue,
                Err(e) => {
                    tracing::warn!(hook = %self.label, error = %e, "webhook: database error; retrying");
                    self.settings.poll
                }
            };
            tokio::select! {
                () = wait_for(&mut changes, wait) => {}
                () = stop.wait() => return,
            }
        }
    }

    /// Does the next thing: `None` when it made an attempt (look again at
    /// once), else how long to wait before looking again.
    async fn step(&self, rng: &mut ChaCha8Rng) -> Result<Option<Duration>, DbErr> {
        let now = Utc::now();
        let until = now + self.settings.lease;
        let url = &self.hook.url;
        if !store::claim(&self.db, url, &self.owner, now, until).await? {
            return Ok(Some(self.settings.poll));
        }
        match store::next(&self.db, url, &self.owner, now, until, |kind| self.hook.wants(kind)).await? {
            Next::Lost | Next::Idle => Ok(Some(self.settings.poll)),
            Next::At(at) => Ok(Some((at - now).to_std().unwrap_or_default().min(self.settings.poll))),
            Next::Due(due) => {
                self.attempt(due, rng).await?;
                Ok(None)
            }
        }
    }

    /// Sends `due` once and records what came of it. The lease was renewed
    /// just before, for longer than the attempt's timeout: no other process
    /// can claim the hook while it is in flight.
    async fn attempt(&self, due: Box<Due>, rng: &mut ChaCha8Rng) -> Result<(), DbErr> {
        let Due { delivery, event } = *due;
        let (code, error) = match &event {
            Some(event) => self.send(event).await,
            None => (None, Some("the event is no longer in the change log".to_owned())),
        };
        let now = Utc::now();
        let attempt = match error {
            None => Attempt::Delivered {
                status: code.unwrap_or(200),
            },
            Some(error) => {
                // A stream delivery ages from its event; a redelivery from when it was asked for.
                let born = match (&event, delivery.redelivery) {
                    (Some(e), false) => e.at.to_utc(),
                    _ => delivery.created_at.to_utc(),
                };
                let deadline = born + self.settings.max_age;
                if now >= deadline || event.is_none() {
                    Attempt::Dead { status: code, error }
                } else {
                    let attempts = u32::try_from(delivery.attempts + 1).unwrap_or(u32::MAX);
                    let delay = backoff(attempts, &self.settings, rng);
                    Attempt::Failed {
                        status: code,
                        error,
                        retry_at: (now + delay).min(deadline),
                    }
                }
            }
        };
        let recorded = store::record(
            &self.db,
            &self.owner,
            &delivery,
            &attempt,
            now,
            now + self.settings.lease,
        )
        .await?;
        if !recorded {
            tracing::warn!(hook = %self.label, delivery = delivery.id, "webhook: lease lost during an attempt; it will be sent again");
            return Ok(());
        }
        let outcome = match &attempt {
            Attempt::Delivered { .. } => "delivered",
            Attempt::Failed { error, retry_at, .. } => {
                tracing::info!(hook = %self.label, delivery = delivery.id, %error, %retry_at, "webhook: attempt failed; will retry");
                "failed"
            }
            Attempt::Dead { error, .. } => {
                tracing::warn!(hook = %self.label, delivery = delivery.id, event = delivery.event_id, %error, "webhook: delivery is dead");
                "dead"
            }
        };
        if let Some(outcomes) = &self.outcomes {
            outcomes.with_label_values(&[outcome]).inc();
        }
        Ok(())
    }

    /// POSTs `event` once: the HTTP status if an answer came, and why it
    /// failed if it did (not a 2xx, or no answer).
    async fn send(&self, event: &entity::change_event::Model) -> (Option<u16>, Option<String>) {
        let body = payload(event, &self.site);
        let id = message_id(event.id);
        let timestamp = Utc::now().timestamp();
        let signature = sign::signature(&self.secret, &id, timestamp, &body);
        let sent = self
            .client
            .post(&self.hook.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status().is_success() => (Some(resp.status().as_u16()), None),
            Ok(resp) => (Some(resp.status().as_u16()), Some(format!("HTTP {}", resp.status()))),
            Err(e) if e.is_timeout() => (
                None,
                Some(format!("no answer within {} ms", self.settings.timeout.as_millis())),
            ),
            // Without the URL: the error is stored and shown, the URL may hold a token.
            Err(e) => (None, Some(error_chain(&e.without_url()))),
        }
    }
}

/// The delay before attempt `attempts + 1`: full jitter, uniform between 0
/// and the base delay doubled per failure so far, capped at `retry_max`.
pub fn backoff(attempts: u32, settings: &Settings, rng: &mut impl Rng) -> Duration {
    let base = u64::try_from(settings.retry_base.as_millis()).unwrap_or(u64::MAX);
    let cap = u64::try_from(settings.retry_max.as_millis()).unwrap_or(u64::MAX);
    let doublings = attempts.saturating_sub(1).min(63);
    let bound = base.saturating_mul(1u64 << doublings).min(cap);
    Duration::from_millis(rng.random_range(0..=bound))
}

fn seed() -> u64 {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut half = [0u8; 8];
    half.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(half)
}

/// An error with its causes (`error sending request: connection refused`), at most 500 bytes.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.len() > 500 {
        let mut end = 500;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

/// Tells deliverers to stop once their current step is done. Never set
/// once its sender is dropped: deliverers then run as long as the runtime.
pub struct Stop(Option<tokio::sync::watch::Receiver<bool>>);

impl Stop {
    /// A signal set by `sender`.
    pub fn new(receiver: tokio::sync::watch::Receiver<bool>) -> Stop {
        Stop(Some(receiver))
    }

    /// Whether it is set.
    pub fn is_set(&self) -> bool {
        self.0.as_ref().is_some_and(|r| *r.borrow())
    }

    /// Completes when it is set (never, once its sender is gone).
    pub async fn wait(&mut self) {
        loop {
            let Some(receiver) = self.0.as_mut() else {
                return std::future::pending().await;
            };
            if *receiver.borrow_and_update() {
                return;
            }
            if receiver.changed().await.is_err() {
                self.0 = None;
            }
        }
    }
}

/// Waits `wait`, or less if a change arrives first (every change waiting
/// then is taken too: one look at the log serves them all).
async fn wait_for<T: Clone>(changes: &mut Option<broadcast::Receiver<T>>, wait: Duration) {
    let Some(rx) = changes.as_mut() else {
        tokio::time::sleep(wait).await;
        return;
    };
    let closed = tokio::select! {
        () = tokio::time::sleep(wait) => false,
        received = rx.recv() => matches!(received, Err(broadcast::error::RecvError::Closed)),
    };
    if closed {
        *changes = None;
        return;
    }
    while !matches!(
        rx.try_recv(),
        Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed)
    ) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_under_full_jitter_and_is_capped() {
        let settings = Settings {
            retry_base: Duration::from_millis(100),
            retry_max: Duration::from_millis(1_000),
            ..Settings::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for (attempts, bound) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1_000), (60, 1_000)] {
            let delays: Vec<u128> = (0..200)
                .map(|_| backoff(attempts, &settings, &mut rng).as_millis())
                .collect();
            assert!(delays.iter().all(|d| *d <= bound), "attempt {attempts}: {delays:?}");
            // Full jitter spreads over the whole range.
            assert!(delays.iter().any(|d| *d < bound / 4), "attempt {attempts}");
            assert!(delays.iter().any(|d| *d > bound * 3 / 4), "attempt {attempts}");
        }
    }
}
