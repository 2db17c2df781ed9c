//! Subscriptions multiplexed: every subscriber of the same subscription
//! (document text, operation name, variables and what it may see) joins one
//! group, whose events are resolved once and serialized once; the same bytes
//! then go to each subscriber, framed with its own id by its connection
//! (`websocket.rs`). Hasura multiplexes live queries the same way.
//!
//! A group is a task running the subscription's stream and a
//! `tokio::sync::broadcast` channel of its serialized results. Sending never
//! waits for a subscriber: one whose connection does not keep up falls
//! behind in the channel and, past the server's buffer, is closed with a
//! reason (`SUBSCRIBER_TOO_SLOW`), while the others carry on. The group ends
//! with its last subscriber, or when its stream ends (a refused document,
//! an error) or falls behind the changes itself.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_graphql::{Request, Response, Value};
use futures_util::stream::{self, BoxStream, Stream, StreamExt};
use prometheus::IntCounter;
use sha2::{Digest, Sha256};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::mpsc;

/// What a group sends its subscribers. Cloning is cheap: the bytes are shared.
#[derive(Debug, Clone)]
pub enum Event {
    /// One result: the JSON of the GraphQL response (`{"data":…}`), the
    /// `payload` of a `next` message.
    Next(Arc<str>),
    /// The group fell behind the changes: close the connection with this reason.
    Close(Arc<str>),
    /// The subscription ended (its stream is done).
    Complete,
}

/// What a subscriber hears from its group: an event, or that it fell this
/// many events behind (it is then closed).
pub type Heard = Result<Event, u64>;

/// What a group's results depend on besides its request: whether it sees
/// unpublished articles. Subscriptions are public-only today, so every
/// subscriber is [`Audience::Public`]; a previewing audience would be its
/// own group, never sharing results with public subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// What any reader sees.
    Public,
    /// Drafts, scheduled and expired articles too.
    Preview,
}

/// Identifies a group: a digest of the document text, operation name,
/// variables (keys sorted, so their order does not matter) and audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 32]);

impl Key {
    /// The key of `request` for `audience`.
    pub fn of(request: &Request, audience: Audience) -> Key {
        let mut hash = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_le_bytes());
            hash.update(bytes);
        };
        field(request.query.as_bytes());
        match &request.operation_name {
            Some(name) => field(format!("+{name}").as_bytes()),
            None => field(b"-"),
        }
        let mut variables = String::new();
        canonical(&request.variables.clone().into_value(), &mut variables);
        field(variables.as_bytes());
        field(match audience {
            Audience::Public => b"public",
            Audience::Preview => b"preview",
        });
        Key(hash.finalize().into())
    }
}

/// `value` as JSON with object keys sorted.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
            out.push('{');
            for (i, (name, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(name.as_str()).unwrap_or_default());
                out.push(':');
                canonical(value, out);
            }
            out.push('}');
        }
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// What a new group runs: the subscription's results, and where its
/// stream says it fell behind the changes (the close reason).
pub struct Source {
    /// The subscription's results, in order.
    pub responses: BoxStream<'static, Response>,
    /// Told when the stream fell too far behind the changes.
    pub hangups: mpsc::UnboundedReceiver<String>,
}

struct Group {
    id: u64,
    sender: broadcast::Sender<Event>,
    members: usize,
    task: tokio::task::AbortHandle,
}

/// The open groups of one server. One per [`super::AppData`].
pub struct Registry {
    groups: Mutex<HashMap<Key, Group>>,
    next_id: AtomicU64,
    /// How many events a subscriber may fall behind its group.
    buffer: usize,
    resolutions: IntCounter,
}

impl Registry {
    /// A registry letting a subscriber fall `buffer` events behind, counting
    /// the events its groups resolve in `resolutions`.
    pub fn new(buffer: usize, resolutions: IntCounter) -> Registry {
        Registry {
            groups: Mutex::default(),
            next_id: AtomicU64::new(0),
            buffer: buffer.max(1),
            resolutions,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Key, Group>> {
        // A panic while holding the lock leaves the map consistent (every
        // change to it is one statement), so a poisoned lock is still usable.
        self.groups.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Joins the group of `key`, starting it with `start` if there is none.
    /// The subscriber hears every result resolved from now on.
    pub fn join(self: &Arc<Self>, key: Key, start: impl FnOnce() -> Source) -> Member {
        let mut groups = self.lock();
        if let Some(group) = groups.get_mut(&key) {
            group.members += 1;
            return Member {
                receiver: group.sender.subscribe(),
                _leave: Leave {
                    registry: self.clone(),
                    key,
                    id: group.id,
                },
            };
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = broadcast::channel(self.buffer);
        let task = tokio::spawn(run(self.clone(), key, id, sender.clone(), start()));
        groups.insert(
            key,
            Group {
                id,
                sender,
                members: 1,
                task: task.abort_handle(),
            },
        );
        Member {
            receiver,
            _leave: Leave {
                registry: self.clone(),
                key,
                id,
            },
        }
    }

    /// Subscribers in every group.
    pub fn subscribers(&self) -> usize {
        self.lock().values().map(|g| g.members).sum()
    }

    /// Open groups: distinct subscriptions being resolved.
    pub fn groups(&self) -> usize {
        self.lock().len()
    }

    /// Removes group `id` of `key` if it is still the registered one.
    fn remove(&self, key: &Key, id: u64) -> Option<Group> {
        let mut groups = self.lock();
        if groups.get(key).is_some_and(|g| g.id == id) {
            groups.remove(key)
        } else {
            None
        }
    }
}

/// Runs one group: resolves each result once and sends its bytes to all.
async fn run(registry: Arc<Registry>, key: Key, id: u64, sender: broadcast::Sender<Event>, source: Source) {
    let Source {
        mut responses,
        mut hangups,
    } = source;
    while let Some(response) = responses.next().await {
        registry.resolutions.inc();
        let payload = serde_json::to_string(&response).unwrap_or_else(|e| {
            serde_json::json!({ "errors": [{ "message": format!("result not serializable: {e}") }] }).to_string()
        });
        // An error only means nobody listens right now; they may leave meanwhile.
        let _ = sender.send(Event::Next(payload.into()));
        if let Ok(reason) = hangups.try_recv() {
            let _ = sender.send(Event::Close(reason.into()));
            break;
        }
    }
    // Stop listening for changes before anyone hears the group is done.
    drop(responses);
    registry.remove(&key, id);
    let _ = sender.send(Event::Complete);
}

/// One subscriber's place in a group; leaving (dropping it) ends the group
/// when it was the last.
pub struct Member {
    receiver: broadcast::Receiver<Event>,
    _leave: Leave,
}

impl Member {
    /// The group's events for this subscriber, in order; a lag ends it.
    pub fn into_stream(self) -> impl Stream<Item = Heard> + Send + 'static {
        stream::unfold(Some(self), |member| async move {
            let mut member = member?;
            match member.receiver.recv().await {
                // Nothing comes after these.
                Ok(event @ (Event::Complete | Event::Close(_))) => Some((Ok(event), None)),
                Ok(event) => Some((Ok(event), Some(member))),
                Err(RecvError::Lagged(missed)) => Some((Err(missed), None)),
                // The group is gone without a word: only if its task was aborted.
                Err(RecvError::Closed) => Some((Ok(Event::Complete), None)),
            }
        })
    }
}

struct Leave {
    registry: Arc<Registry>,
    key: Key,
    id: u64,
}

impl Drop for Leave {
    fn drop(&mut self) {
        let mut groups = self.registry.lock();
        let Some(group) = groups.get_mut(&self.key).filter(|g| g.id == self.id) else {
            return; // the group ended already
        };
        group.members = group.members.saturating_sub(1);
        if group.members == 0 {
            if let Some(group) = groups.remove(&self.key) {
                group.task.abort();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Variables;

    fn request(query: &str, variables: serde_json::Value) -> Request {
        Request::new(query).variables(Variables::from_json(variables))
    }

    #[test]
    fn keys_differ_by_document_operation_variables_and_audience() {
        let q = "subscription($t: String) { articlePublished { slug } }";
        let base = Key::of(&request(q, serde_json::json!({ "t": "a" })), Audience::Public);
        assert_eq!(
            base,
            Key::of(&request(q, serde_json::json!({ "t": "a" })), Audience::Public)
        );
        assert_ne!(
            base,
            Key::of(&request(q, serde_json::json!({ "t": "b" })), Audience::Public)
        );
        assert_ne!(
            base,
            Key::of(&request(q, serde_json::json!({ "t": "a" })), Audience::Preview)
        );
        assert_ne!(
            base,
            Key::of(
                &request(&format!("{q} "), serde_json::json!({ "t": "a" })),
                Audience::Public
            )
        );
        let mut named = request(q, serde_json::json!({ "t": "a" }));
        named.operation_name = Some("A".into());
        assert_ne!(base, Key::of(&named, Audience::Public));
    }

    #[test]
    fn variable_order_does_not_matter() {
        let q = "subscription { articlePublished { slug } }";
        assert_eq!(
            Key::of(
                &request(q, serde_json::json!({ "a": 1, "b": { "x": 1, "y": [2] } })),
                Audience::Public
            ),
            Key::of(
                &request(q, serde_json::json!({ "b": { "y": [2], "x": 1 }, "a": 1 })),
                Audience::Public
            )
        );
    }

    fn source(items: Vec<&'static str>) -> (Source, mpsc::UnboundedSender<String>) {
        let (hangup, hangups) = mpsc::unbounded_channel();
        let responses = stream::iter(items.into_iter().map(|s| Response::new(Value::String(s.into()))))
            .then(|r| async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                r
            })
            .boxed();
        (Source { responses, hangups }, hangup)
    }

    #[tokio::test]
    async fn members_of_one_key_share_one_group_and_its_bytes() {
        let registry = Arc::new(Registry::new(8, IntCounter::new("r", "r").expect("counter")));
        let key = Key::of(&request("subscription { a }", serde_json::json!({})), Audience::Public);
        let (s, _h) = source(vec!["one", "two"]);
        let a = registry.join(key, move || s);
        let b = registry.join(key, || panic!("the group exists"));
        assert_eq!((registry.groups(), registry.subscribers()), (1, 2));
        let a: Vec<_> = a.into_stream().collect().await;
        let b: Vec<_> = b.into_stream().collect().await;
        let texts = |events: &[Heard]| -> Vec<String> {
            events
                .iter()
                .map(|e| match e {
                    Ok(Event::Next(t)) => t.to_string(),
                    Ok(Event::Complete) => "complete".into(),
                    other => format!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(texts(&a), [r#"{"data":"one"}"#, r#"{"data":"two"}"#, "complete"]);
        assert_eq!(texts(&a), texts(&b));
        assert_eq!(registry.resolutions.get(), 2);
        assert_eq!(registry.groups(), 0);
    }

    #[tokio::test]
    async fn the_last_member_leaving_ends_the_group() {
        let registry = Arc::new(Registry::new(8, IntCounter::new("r", "r").expect("counter")));
        let key = Key::of(&request("subscription { a }", serde_json::json!({})), Audience::Public);
        let (s, _h) = source(vec!["one"; 100]);
        let a = registry.join(key, move || s);
        let b = registry.join(key, || panic!("the group exists"));
        drop(a);
        assert_eq!((registry.groups(), registry.subscribers()), (1, 1));
        drop(b);
        assert_eq!((registry.groups(), registry.subscribers()), (0, 0));
    }

    #[tokio::test]
    async fn a_member_that_falls_behind_is_told_and_the_others_carry_on() {
        let registry = Arc::new(Registry::new(2, IntCounter::new("r", "r").expect("counter")));
        let key = Key::of(&request("subscription { a }", serde_json::json!({})), Audience::Public);
        let (s, _h) = source(vec!["x"; 6]);
        let slow = registry.join(key, move || s);
        let fast = registry.join(key, || panic!("the group exists"));
        let fast: Vec<_> = fast.into_stream().collect().await;
        assert_eq!(fast.iter().filter(|e| matches!(e, Ok(Event::Next(_)))).count(), 6);
        // The slow one never read: it hears how far behind it fell, then nothing.
        let slow: Vec<_> = slow.into_stream().collect().await;
        assert!(matches!(slow.first(), Some(Err(missed)) if *missed > 0), "{slow:?}");
        assert_eq!(slow.len(), 1);
    }

    #[tokio::test]
    async fn a_group_behind_the_changes_closes_its_members() {
        let registry = Arc::new(Registry::new(8, IntCounter::new("r", "r").expect("counter")));
        let key = Key::of(&request("subscription { a }", serde_json::json!({})), Audience::Public);
        let (s, hangup) = source(vec!["err", "never"]);
        hangup
            .send("subscriber too slow: 9 changes missed".into())
            .expect("open");
        let a = registry.join(key, move || s);
        let events: Vec<_> = a.into_stream().collect().await;
        assert!(
            matches!(&events[1], Ok(Event::Close(r)) if r.contains("too slow")),
            "{events:?}"
        );
        assert_eq!(registry.resolutions.get(), 1);
    }
}
