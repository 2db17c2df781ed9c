//! Subscriptions over WebSocket at `/graphql`: graphql-transport-ws (what
//! graphql-ws clients speak) and the older subscriptions-transport-ws.
//! async-graphql speaks the protocol; this module owns the connection: one
//! task per socket with bounded queues both ways, heartbeats, and a close
//! with a reason whenever it ends, so a dead or slow client cannot hold
//! memory or a subscription.

use std::time::{Duration, Instant};

use actix_web::guard::{Guard, GuardContext};
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use async_graphql::http::{WebSocket, WebSocketProtocols as Protocols, WsMessage};
use futures_util::{stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::AppData;
use crate::graphql::error::code;
use crate::graphql::Hangup;

/// How often the server pings an idle client.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// A client silent this long (not even a pong) is gone.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(30);
/// graphql-transport-ws: `connection_init` must come this soon, else 4408.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// A message the client's socket does not take this soon drops the connection.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Client messages queued for the protocol; more means a flood, closed with 1008.
const INBOX: usize = 64;

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

/// Runs one connection until either side ends it; everything it holds
/// (subscriptions, queues) is dropped with it.
async fn connection(
    data: std::sync::Arc<AppData>,
    protocol: Protocols,
    mut session: Session,
    mut messages: actix_ws::AggregatedMessageStream,
) {
    data.metrics.websockets.inc();
    let _open = Open(data.metrics.websockets.clone());
    let started = Instant::now();

    let (inbox, from_client) = mpsc::channel::<Bytes>(INBOX);
    let from_client = stream::unfold(from_client, |mut rx| async move { rx.recv().await.map(|m| (m, rx)) });
    let (hangup, mut hangups) = mpsc::unbounded_channel::<String>();
    let graphql = WebSocket::new(data.api.schema.clone(), from_client, protocol)
        .connection_data(data.api.connection_data(Hangup(hangup)));
    let mut graphql = std::pin::pin!(graphql);

    let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    let mut init_deadline = std::pin::pin!(init_deadline);
    let mut acknowledged = false;
    let mut last_heard = Instant::now();

    let reason: Option<CloseReason> = loop {
        tokio::select! {
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
                if inbox.try_send(payload).is_err() {
                    break close(CloseCode::Policy, "too many messages at once");
                }
            }
            out = graphql.next() => match out {
                None => break close(CloseCode::Normal, "done"),
                Some(WsMessage::Close(code, reason)) => break close(CloseCode::Other(code), reason),
                Some(WsMessage::Text(text)) => {
                    acknowledged = acknowledged || text.contains("\"connection_ack\"");
                    match timeout(SEND_TIMEOUT, session.text(text)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_closed)) => break None,
                        Err(_) => {
                            // Its socket took nothing for SEND_TIMEOUT: a close frame would not get through either.
                            data.metrics.slow_subscribers.inc();
                            tracing::info!("websocket dropped: the client stopped reading");
                            return;
                        }
                    }
                }
            },
            Some(why) = hangups.recv() => {
                data.metrics.slow_subscribers.inc();
                break close(CloseCode::Policy, why);
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > CLIENT_TIMEOUT {
                    break close(CloseCode::Away, "no answer to pings");
                }
                if !matches!(timeout(SEND_TIMEOUT, session.ping(b"")).await, Ok(Ok(()))) {
                    break None;
                }
            }
            _ = &mut init_deadline, if !acknowledged && protocol == Protocols::GraphQLWS => {
                break close(CloseCode::Other(4408), "Connection initialisation timeout");
            }
        }
    };
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        reason = ?reason.as_ref().and_then(|r| r.description.as_deref()),
        "websocket closed"
    );
    if let Some(reason) = reason {
        let _ = timeout(SEND_TIMEOUT, session.close(Some(reason))).await;
    }
}
