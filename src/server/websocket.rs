//! Subscriptions over WebSocket at `/graphql`: graphql-transport-ws (what
//! graphql-ws clients speak) and the older subscriptions-transport-ws.
//! This module speaks the protocol and owns the connection: one task per
//! socket, heartbeats, and a close with a reason whenever it ends, so a dead
//! or slow client cannot hold memory or a subscription. Subscriptions are
//! multiplexed ([`super::multiplex`]): a connection holds only its place in
//! each group and frames the group's shared bytes with its own id.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::guard::{Guard, GuardContext};
use actix_web::http::header;
use actix_web::web;
use actix_web::{HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::http::{ClientMessage, WebSocketProtocols as Protocols};
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Data, Request, Response};
use futures_util::{Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::multiplex::{Audience, Event, Heard, Key, Source};
use super::AppData;
use crate::graphql::error::code;
use crate::graphql::{Api, Hangup, Listening};

/// How often the server pings an idle client.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// A client silent this long (not even a pong) is gone.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// graphql-transport-ws: `connection_init` must come this soon, else 4408.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A message the client's socket does not take this soon drops the connection.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Matches a WebSocket upgrade request (`Upgrade: websocket`, any case).
pub struct Upgrade;

impl Guard for Upgrade {
    fn check(&self, ctx: &GuardContext<'_>) -> bool {
        ctx.head()
            .headers()
            .get(header::UPGRADE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("websocket"))
    }
}

/// The subprotocol the client offers that we speak, if any.
fn protocol(req: &HttpRequest) -> Option<Protocols> {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().parse::<Protocols>().ok())
}

/// Upgrades `GET /graphql` to a WebSocket and runs the connection as its own task.
pub async fn handle(req: HttpRequest, body: web::Payload, data: web::Data<AppData>) -> HttpResponse {
    let Some(protocol) = protocol(&req) else {
        return HttpResponse::BadRequest().json(serde_json::json!({
            "errors": [{
                "message": "WebSocket subprotocol must be `graphql-transport-ws` (or the older `graphql-ws`)",
                "extensions": { "code": code::BAD_USER_INPUT }
            }]
        }));
    };
    match actix_ws::handle_with_protocols(&req, body, &[protocol.sec_websocket_protocol()]) {
        Ok((response, session, messages)) => {
            let limit = data.settings.max_body_bytes;
            let messages = messages
                .max_frame_size(limit)
                .aggregate_continuations()
                .max_continuation_size(limit);
            actix_web::rt::spawn(connection(data.into_inner(), protocol, session, messages));
            response.map_into_boxed_body()
        }
        Err(e) => e.error_response().map_into_boxed_body(),
    }
}

/// Keeps the open-connection gauge right however the task ends.
struct Open(prometheus::IntGauge);

impl Drop for Open {
    fn drop(&mut self) {
        self.0.dec();
    }
}

fn close(code: CloseCode, reason: impl Into<String>) -> Option<CloseReason> {
    Some(CloseReason {
        code,
        description: Some(reason.into()),
    })
}

/// One operation of a connection: a subscription in its group, or a query
/// or mutation sent over the socket, run on its own.
enum Op {
    Grouped(Pin<Box<dyn Stream<Item = Heard> + Send>>),
    Single(Pin<Box<dyn Stream<Item = Response> + Send>>),
}

/// What one of a connection's operations produced.
enum Produced {
    /// A result, already serialized (shared with the group).
    Shared(Arc<str>),
    /// A result of an operation run for this connection alone.
    Own(Box<Response>),
    /// The operation is done.
    Done,
    /// Its group fell behind the changes: close with this reason.
    Close(Arc<str>),
    /// This subscriber fell this many events behind its group.
    Lagged(u64),
}

/// The next output of any of `ops`, and whose (their number is small: the
/// operations one client has open).
fn poll_ops(ops: &mut HashMap<String, Op>, cx: &mut Context<'_>) -> Poll<(String, Produced)> {
    for (id, op) in ops.iter_mut() {
        let produced = match op {
            Op::Grouped(events) => match events.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(Event::Next(payload)))) => Produced::Shared(payload),
                Poll::Ready(Some(Ok(Event::Close(reason)))) => Produced::Close(reason),
                Poll::Ready(Some(Ok(Event::Complete)) | None) => Produced::Done,
                Poll::Ready(Some(Err(missed))) => Produced::Lagged(missed),
                Poll::Pending => continue,
            },
            Op::Single(responses) => match responses.as_mut().poll_next(cx) {
                Poll::Ready(Some(response)) => Produced::Own(Box::new(response)),
                Poll::Ready(None) => Produced::Done,
                Poll::Pending => continue,
            },
        };
        return Poll::Ready((id.clone(), produced));
    }
    Poll::Pending
}

/// Whether `request` runs a subscription operation (else a query, a
/// mutation, or a document the schema will refuse, run on its own).
fn is_subscription(api: &Api, request: &Request) -> bool {
    let Ok(document) = api.parse(&request.query) else {
        return false;
    };
    let operation = match (&document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(&op.node),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| &op.node),
        (DocumentOperations::Multiple(_), None) => None,
    };
    operation.is_some_and(|op| op.ty == OperationType::Subscription)
}

/// A protocol message with the id `id` (JSON-escaped here) and `payload` (JSON already).
fn frame(kind: &str, id: &str, payload: Option<&str>) -> String {
    let id = serde_json::to_string(id).unwrap_or_else(|_| "\"\"".into());
    match payload {
        Some(payload) => format!(r#"{{"type":"{kind}","id":{id},"payload":{payload}}}"#),
        None => format!(r#"{{"type":"{kind}","id":{id}}}"#),
    }
}

/// A `connection_error` (subscriptions-transport-ws) with `message`.
fn connection_error(message: &str) -> String {
    serde_json::json!({ "type": "connection_error", "payload": { "message": message } }).to_string()
}

/// How a client message was handled: what to send back, and whether the
/// connection ends after it.
#[derive(Default)]
struct Reply {
    text: Option<String>,
    end: Option<Option<CloseReason>>,
}

impl Reply {
    fn text(text: String) -> Reply {
        Reply {
            text: Some(text),
            end: None,
        }
    }

    fn end(reason: Option<CloseReason>) -> Reply {
        Reply {
            text: None,
            end: Some(reason),
        }
    }
}

/// One connection's protocol state: its operations by id.
struct Protocol {
    data: Arc<AppData>,
    protocol: Protocols,
    acknowledged: bool,
    ops: HashMap<String, Op>,
    /// What queries and mutations over the socket run with, made when the first comes.
    single: Option<Arc<Data>>,
}

impl Protocol {
    /// Handles one client message.
    fn handle(&mut self, payload: &[u8]) -> Reply {
        let message = match ClientMessage::from_bytes(payload) {
            Ok(message) => message,
            Err(e) => return Reply::end(close(CloseCode::Protocol, e.to_string())),
        };
        match message {
            ClientMessage::ConnectionInit { .. } if self.acknowledged => match self.protocol {
                Protocols::SubscriptionsTransportWS => Reply {
                    text: Some(connection_error("Too many initialisation requests.")),
                    end: Some(close(CloseCode::Normal, "done")),
                },
                Protocols::GraphQLWS => Reply::end(close(CloseCode::Other(4429), "Too many initialisation requests.")),
            },
            ClientMessage::ConnectionInit { .. } => {
                self.acknowledged = true;
                Reply::text(r#"{"type":"connection_ack"}"#.to_owned())
            }
            ClientMessage::Start { .. } if !self.acknowledged => {
                Reply::end(close(CloseCode::Other(1011), "The handshake is not completed."))
            }
            ClientMessage::Start { id, payload } => {
                let op = self.start(payload);
                self.ops.insert(id, op);
                Reply::default()
            }
            ClientMessage::Stop { id } => match self.ops.remove(&id) {
                Some(_) => Reply::text(frame("complete", &id, None)),
                None => Reply::default(),
            },
            ClientMessage::ConnectionTerminate => Reply::end(close(CloseCode::Normal, "done")),
            ClientMessage::Ping { .. } => Reply::text(r#"{"type":"pong"}"#.to_owned()),
            ClientMessage::Pong { .. } => Reply::default(),
        }
    }

    /// Starts an operation: a subscription joins the group of its document,
    /// variables and audience (starting it if it is the first); anything
    /// else runs on its own.
    fn start(&mut self, request: Request) -> Op {
        let api = &self.data.api;
        if !is_subscription(api, &request) {
            let session = self
                .single
                .get_or_insert_with(|| {
                    // Queries and mutations never fall behind: nobody hears this hangup.
                    let (hangup, _) = mpsc::unbounded_channel();
                    Arc::new(api.connection_data(Hangup(hangup)))
                })
                .clone();
            return Op::Single(Box::pin(api.schema.execute_stream_with_session_data(request, session)));
        }
        // Subscriptions are public-only, whatever token the client holds
        // (README "Preview"), so every subscriber is in the public audience.
        let key = Key::of(&request, Audience::Public);
        let member = self.data.subscriptions.join(key, || {
            let (hangup, hangups) = mpsc::unbounded_channel();
            let mut session = api.connection_data(Hangup(hangup));
            // Listening from now: a change made while the group starts is not missed.
            session.insert(Listening::new(api.hub.subscribe()));
            Source {
                responses: api
                    .schema
                    .execute_stream_with_session_data(request, Arc::new(session))
                    .boxed(),
                hangups,
            }
        });
        Op::Grouped(Box::pin(member.into_stream()))
    }

    /// What to send for `produced` by operation `id`, or why to close.
    fn output(&mut self, id: String, produced: Produced) -> Result<String, CloseReason> {
        let next = match self.protocol {
            Protocols::SubscriptionsTransportWS => "data",
            Protocols::GraphQLWS => "next",
        };
        match produced {
            Produced::Shared(payload) => Ok(frame(next, &id, Some(&payload))),
            Produced::Own(response) => {
                let payload = serde_json::to_string(&response).unwrap_or_else(|e| {
                    serde_json::json!({ "errors": [{ "message": format!("result not serializable: {e}") }] })
                        .to_string()
                });
                Ok(frame(next, &id, Some(&payload)))
            }
            Produced::Done => {
                self.ops.remove(&id);
                Ok(frame("complete", &id, None))
            }
            Produced::Close(reason) => Err(CloseReason {
                code: CloseCode::Policy,
                description: Some(reason.to_string()),
            }),
            Produced::Lagged(missed) => Err(CloseReason {
                code: CloseCode::Policy,
                description: Some(format!("subscriber too slow: {missed} changes missed")),
            }),
        }
    }
}

/// Runs one connection until either side ends it; everything it holds
/// (its places in subscription groups, queues) is dropped with it.
async fn connection(
    data: Arc<AppData>,
    protocol: Protocols,
    mut session: Session,
    mut messages: actix_ws::AggregatedMessageStream,
) {
    data.metrics.websockets.inc();
    let _open = Open(data.metrics.websockets.clone());
    let started = Instant::now();
    let metrics = data.metrics.clone();
    let mut state = Protocol {
        data,
        protocol,
        acknowledged: false,
        ops: HashMap::new(),
        single: None,
    };

    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    let mut init_deadline = std::pin::pin!(init_deadline);
    let mut last_heard = Instant::now();

    let reason: Option<CloseReason> = loop {
        let text = tokio::select! {
            frame = messages.next() => {
                let message = match frame {
                    None => break None, // the client went away
                    Some(Err(e)) => break close(CloseCode::Protocol, e.to_string()),
                    Some(Ok(m)) => m,
                };
                last_heard = Instant::now();
                let payload = match message {
                    AggregatedMessage::Text(text) => text.into_bytes(),
                    AggregatedMessage::Binary(bytes) => bytes,
                    AggregatedMessage::Ping(bytes) => {
                        if session.pong(&bytes).await.is_err() {
                            break None;
                        }
                        continue;
                    }
                    AggregatedMessage::Pong(_) => continue,
                    AggregatedMessage::Close(reason) => break reason,
                };
                let reply = state.handle(&payload);
                if let Some(text) = reply.text {
                    if !send(&mut session, &metrics, text).await {
                        return;
                    }
                }
                match reply.end {
                    Some(reason) => break reason,
                    None => continue,
                }
            }
            (id, produced) = std::future::poll_fn(|cx| poll_ops(&mut state.ops, cx)) => {
                match state.output(id, produced) {
                    Ok(text) => text,
                    Err(reason) => {
                        metrics.slow_subscribers.inc();
                        break Some(reason);
                    }
                }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    break close(CloseCode::Away, "no answer to pings");
                }
                if !matches!(timeout(SEND_TIMEOUT, session.ping(b"")).await, Ok(Ok(()))) {
                    break None;
                }
                continue;
            }
            _ = &mut init_deadline, if !state.acknowledged && protocol == Protocols::GraphQLWS => {
                break close(CloseCode::Other(4408), "Connection initialisation timeout");
            }
        };
        if !send(&mut session, &metrics, text).await {
            return;
        }
    };
    // Leave the groups before saying goodbye.
    drop(state);
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        reason = ?reason.as_ref().and_then(|r| r.description.as_deref()),
        "websocket closed"
    );
    if let Some(reason) = reason {
        let _ = timeout(SEND_TIMEOUT, session.close(Some(reason))).await;
    }
}

/// Sends `text`; false when the connection is over (closed, or its socket
/// took nothing for [`SEND_TIMEOUT`]: a close frame would not get through either).
async fn send(session: &mut Session, metrics: &super::metrics::Metrics, text: String) -> bool {
    match timeout(SEND_TIMEOUT, session.text(text)).await {
        Ok(Ok(())) => true,
        Ok(Err(_closed)) => false,
        Err(_) => {
            metrics.slow_subscribers.inc();
            tracing::info!("websocket dropped: the client stopped reading");
            false
        }
    }
}
