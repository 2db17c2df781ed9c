//! GraphQL over HTTP: media types and status codes, malformed requests,
//! limits just under and just over, APQ, caching, compression, CORS, rate
//! limiting, error codes, health and metrics.

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::test::TestRequest;
use gazette::graphql::Limits;
use gazette::server::rate_limit::RateLimit;
use gazette::server::{AppData, HttpSettings};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::helpers::*;

async fn seeded() -> (TestApp, AppData) {
    let app = spawn_app().await;
    app.import_seed().await;
    let data = app.app_data();
    (app, data)
}

fn with(app: &TestApp, limits: Limits, settings: HttpSettings, introspection: bool) -> AppData {
    AppData::new(app.state.clone().with_limits(&limits, introspection), settings).expect("metrics")
}

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

#[actix_web::test]
async fn the_accept_header_chooses_the_media_type_and_the_status_of_request_errors() {
    let (_app, data) = seeded().await;

    let ok = send(&data, post(json!({ "query": "{ articles { totalCount } }" }))).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok
        .header("content-type")
        .unwrap_or_default()
        .starts_with("application/json"));
    assert_eq!(ok.json()["data"]["articles"]["totalCount"], 1);

    for (query, code) in [
        ("{ articles { ", "GRAPHQL_PARSE_FAILED"),
        ("{ nope }", "GRAPHQL_VALIDATION_FAILED"),
    ] {
        let spec = send(
            &data,
            post(json!({ "query": query })).insert_header((header::ACCEPT, GRAPHQL_RESPONSE)),
        )
        .await;
        assert_eq!(spec.status, StatusCode::BAD_REQUEST, "{query}");
        assert!(spec
            .header("content-type")
            .unwrap_or_default()
            .starts_with(GRAPHQL_RESPONSE));
        assert_eq!(spec.code(), code);
        let legacy = send(
            &data,
            post(json!({ "query": query })).insert_header((header::ACCEPT, "application/json")),
        )
        .await;
        assert_eq!(legacy.status, StatusCode::OK, "{query}");
        assert_eq!(legacy.code(), code);
    }
}

#[actix_web::test]
async fn malformed_requests_get_clear_errors() {
    let (_app, data) = seeded().await;
    let raw = |body: &'static [u8], content_type: &'static str| {
        TestRequest::post()
            .uri("/graphql")
            .insert_header((header::CONTENT_TYPE, content_type))
            .set_payload(body)
    };

    let cases = [
        (
            raw(b"{\"query\": ", "application/json"),
            StatusCode::BAD_REQUEST,
            "not JSON",
        ),
        (
            raw(b"query=x", "application/x-www-form-urlencoded"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "application/json",
        ),
        (
            raw(b"{\"query\": \"\xff\"}", "application/json"),
            StatusCode::BAD_REQUEST,
            "UTF-8",
        ),
        (
            raw(b"[{\"query\": \"{ articles { totalCount } }\"}]", "application/json"),
            StatusCode::BAD_REQUEST,
            "batched",
        ),
        (
            raw(b"{\"variables\": {}}", "application/json"),
            StatusCode::BAD_REQUEST,
            "no `query`",
        ),
        (
            raw(b"{\"query\": \"{ a }\", \"variables\": [1]}", "application/json"),
            StatusCode::BAD_REQUEST,
            "variables",
        ),
    ];
    for (req, status, words) in cases {
        let reply = send(&data, req).await;
        assert_eq!(reply.status, status, "{words}");
        assert_eq!(reply.code(), "BAD_USER_INPUT", "{words}");
        let message = reply.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(message.contains(words), "{message}");
    }
    let huge = format!(
        "{{\"query\": \"{{ articles {{ totalCount }} }}\", \"x\": \"{}\"}}",
        "a".repeat(300 * 1024)
    );
    let reply = send(
        &data,
        TestRequest::post()
            .uri("/graphql")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(huge),
    )
    .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[actix_web::test]
async fn operation_names_and_variables_are_checked() {
    let (_app, data) = seeded().await;
    let two = "query A { articles { totalCount } } query B { tags { totalCount } }";

    let picked = send(&data, post(json!({ "query": two, "operationName": "B" }))).await;
    assert_eq!(picked.json()["data"], json!({ "tags": { "totalCount": 1 } }));
    let ambiguous = send(&data, post(json!({ "query": two }))).await;
    assert_eq!(ambiguous.code(), "GRAPHQL_VALIDATION_FAILED");
    let unknown = send(&data, post(json!({ "query": two, "operationName": "C" }))).await;
    assert_eq!(unknown.code(), "GRAPHQL_VALIDATION_FAILED");
    let q = "query($n: Int) { articles(first: $n) { totalCount } }";
    let wrong = send(&data, post(json!({ "query": q, "variables": { "n": "three" } }))).await;
    assert!(
        ["GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"].contains(&wrong.code().as_str()),
        "{}",
        wrong.json()
    );
}

#[actix_web::test]
async fn get_serves_queries_and_refuses_mutations() {
    let (_app, data) = seeded().await;

    let get = send(
        &data,
        TestRequest::get().uri("/graphql?query=%7Barticles%7BtotalCount%7D%7D"),
    )
    .await;
    assert_eq!(get.status, StatusCode::OK);
    assert_eq!(get.json()["data"]["articles"]["totalCount"], 1);
    let mutation = send(&data, TestRequest::get().uri("/graphql?query=mutation%7Bx%7D")).await;
    assert_eq!(mutation.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(mutation.header("allow").as_deref(), Some("POST"));
    let put = send(&data, TestRequest::put().uri("/graphql")).await;
    assert_eq!(put.status, StatusCode::METHOD_NOT_ALLOWED);
}

#[actix_web::test]
async fn depth_is_limited_just_under_and_just_over() {
    let (app, _) = seeded().await;
    let data = with(
        &app,
        Limits {
            max_depth: 5,
            ..Limits::default()
        },
        HttpSettings::default(),
        true,
    );
    // articles(1) edges(2) node(3) tags(4) slug(5)
    let under = send(
        &data,
        post(json!({ "query": "{ articles { edges { node { tags { slug } } } } }" })),
    )
    .await;
    assert!(under.json().get("errors").is_none(), "{}", under.json());
    let over = send(
        &data,
        post(json!({ "query": "{ articles { edges { node { tags { articles { totalCount } } } } } }" })),
    )
    .await;
    assert_eq!(over.code(), "QUERY_TOO_DEEP");
}

#[actix_web::test]
async fn cost_multiplies_by_page_size_and_is_reported() {
    let (_app, data) = seeded().await;

    let wide = send(
        &data,
        post(json!({ "query": "{ articles(first: 100) { edges { node { tags { slug } categories { slug } } } } }" })),
    )
    .await;
    let body = wide.json();
    assert!(body.get("errors").is_none(), "{body}");
    let cost = &body["extensions"]["cost"];
    assert_eq!(cost["limit"], 10_000);
    assert!(
        cost["requested"].as_u64().is_some_and(|c| (500..=1_000).contains(&c)),
        "{cost}"
    );

    let nested = "{ articles(first: 100) { edges { node { tags { articles(first: 100) { edges { node {
        tags { articles(first: 100) { totalCount } } } } } } } } } }";
    let refused = send(&data, post(json!({ "query": nested }))).await;
    assert_eq!(refused.code(), "QUERY_TOO_COMPLEX");
    assert!(refused.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("the limit is 10000"));
}

#[actix_web::test]
async fn a_repeated_request_is_checked_as_strictly_as_the_first() {
    let (_app, data) = seeded().await;
    // Accepted requests are remembered and run without the checks; these
    // make sure a repeat is refused or accepted exactly as the first was.
    let unused = json!({ "query": "query Q($x: Int) { articles(first: 1) { totalCount } }" });
    for _ in 0..2 {
        assert_eq!(
            send(&data, post(unused.clone())).await.code(),
            "GRAPHQL_VALIDATION_FAILED"
        );
    }

    let q = "query Q($n: Int) { articles(first: $n) { edges { node { slug tags { articles(first: $n) { totalCount } } } } } }";
    let small = json!({ "query": q, "variables": { "n": 2 } });
    let first = send(&data, post(small.clone())).await.json();
    assert!(first.get("errors").is_none(), "{first}");
    let cost = first["extensions"]["cost"]["requested"].as_u64().unwrap_or(0);
    assert!(cost > 2, "{first}");
    // The same document with a larger page costs more than the limit.
    let large = json!({ "query": q, "variables": { "n": 100 } });
    for _ in 0..2 {
        assert_eq!(send(&data, post(large.clone())).await.code(), "QUERY_TOO_COMPLEX");
    }
    let again = send(&data, post(small)).await.json();
    assert_eq!(again, first, "a remembered request answers as the first did");
}

#[actix_web::test]
async fn aliases_root_fields_and_document_size_are_limited() {
    let (app, _) = seeded().await;
    let limits = Limits {
        max_aliases: 3,
        max_root_fields: 4,
        ..Limits::default()
    };
    let settings = HttpSettings {
        max_document_bytes: 200,
        ..HttpSettings::default()
    };
    let data = with(&app, limits, settings, true);
    let aliased = |n: usize| {
        format!(
            "{{ {} }}",
            (0..n)
                .map(|i| format!("a{i}: languages {{ code }}"))
                .collect::<Vec<_>>()
                .join(" ")
        )
    };
    let roots = |n: usize| {
        format!(
            "{{ {} }}",
            [
                "languages { code }",
                "tags { totalCount }",
                "categories { totalCount }",
                "articles { totalCount }",
                "__typename"
            ][..n]
                .join(" ")
        )
    };

    assert!(send(&data, post(json!({ "query": aliased(3) })))
        .await
        .json()
        .get("errors")
        .is_none());
    assert_eq!(
        send(&data, post(json!({ "query": aliased(4) }))).await.code(),
        "QUERY_TOO_COMPLEX"
    );
    assert!(send(&data, post(json!({ "query": roots(4) })))
        .await
        .json()
        .get("errors")
        .is_none());
    assert_eq!(
        send(&data, post(json!({ "query": roots(5) }))).await.code(),
        "QUERY_TOO_COMPLEX"
    );
    let padded = |n: usize| {
        let q = "{ articles { totalCount } }";
        format!("{q}{}", " ".repeat(n - q.len()))
    };
    assert!(send(&data, post(json!({ "query": padded(200) })))
        .await
        .json()
        .get("errors")
        .is_none());
    assert_eq!(
        send(&data, post(json!({ "query": padded(201) }))).await.code(),
        "QUERY_TOO_COMPLEX"
    );
}

#[actix_web::test]
async fn introspection_can_be_turned_off() {
    let (app, data) = seeded().await;
    let q = json!({ "query": "{ __schema { queryType { name } } }" });
    assert_eq!(
        send(&data, post(q.clone())).await.json()["data"]["__schema"]["queryType"]["name"],
        "Query"
    );

    let closed = with(&app, Limits::default(), HttpSettings::default(), false);
    let reply = send(&closed, post(q)).await;
    assert_eq!(reply.code(), "GRAPHQL_VALIDATION_FAILED", "{}", reply.json());
    let typename = send(
        &closed,
        post(json!({ "query": "{ __typename articles { totalCount } }" })),
    )
    .await;
    assert_eq!(typename.json()["data"]["articles"]["totalCount"], 1);
}

#[actix_web::test]
async fn a_request_over_its_time_is_a_timeout() {
    let (app, _) = seeded().await;
    // Loaders wait 600 ms for keys: a query that reaches one (translations
    // of a list; its tags are read with the page) takes longer than 150 ms.
    let slow = app
        .state
        .clone()
        .with_loader_delay(std::time::Duration::from_millis(600));
    let settings = HttpSettings {
        timeout: std::time::Duration::from_millis(150),
        ..HttpSettings::default()
    };
    let data = AppData::new(slow, settings).expect("metrics");

    let over = send(
        &data,
        post(json!({ "query": "{ articles { edges { node { translations { locale } } } } }" })),
    )
    .await;
    assert_eq!(over.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(over.code(), "TIMEOUT");
    let under = send(&data, post(json!({ "query": "{ articles { totalCount } }" }))).await;
    assert_eq!(under.status, StatusCode::OK, "no loader, well under 150 ms");
}

#[actix_web::test]
async fn persisted_queries_miss_then_hit_over_get() {
    let (_app, data) = seeded().await;
    let query = "{ articles { totalCount } }";
    let hash: String = Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } }).to_string();
    let uri = |with_query: bool| {
        let mut u = format!("/graphql?extensions={}", urlencode(&ext));
        if with_query {
            u.push_str(&format!("&query={}", urlencode(query)));
        }
        u
    };

    let miss = send(&data, TestRequest::get().uri(&uri(false))).await;
    assert_eq!(miss.code(), "PERSISTED_QUERY_NOT_FOUND");
    assert_eq!(miss.json()["errors"][0]["message"], "PersistedQueryNotFound");
    let register = send(&data, TestRequest::get().uri(&uri(true))).await;
    assert_eq!(register.json()["data"]["articles"]["totalCount"], 1);
    let hit = send(&data, TestRequest::get().uri(&uri(false))).await;
    assert_eq!(hit.json()["data"]["articles"]["totalCount"], 1);
    let wrong = json!({ "query": "{ tags { totalCount } }", "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    assert_eq!(send(&data, post(wrong)).await.code(), "BAD_USER_INPUT");
}

#[actix_web::test]
async fn a_query_persisted_through_one_replica_is_found_by_another() {
    let (app, one) = seeded().await;
    // Two API processes on one database: each has its own memory.
    let other = app.app_data();
    let query = "{ tags { totalCount } }";
    let hash: String = Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
    let miss = send(&other, post(json!({ "extensions": ext }))).await;
    assert_eq!(miss.code(), "PERSISTED_QUERY_NOT_FOUND");
    let register = send(&one, post(json!({ "query": query, "extensions": ext }))).await;
    assert_eq!(register.json()["data"]["tags"]["totalCount"], 1);
    let hit = send(&other, post(json!({ "extensions": ext }))).await;
    assert_eq!(hit.json()["data"]["tags"]["totalCount"], 1, "{:?}", hit.json());
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[actix_web::test]
async fn get_responses_carry_an_etag_and_answer_304() {
    let (_app, data) = seeded().await;
    let uri = "/graphql?query=%7Barticles%7BtotalCount%7D%7D";

    let first = send(&data, TestRequest::get().uri(uri)).await;
    let etag = first.header("etag").expect("an ETag");
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "strong: {etag}");
    assert_eq!(first.header("cache-control").as_deref(), Some("public, max-age=60"));
    let again = send(
        &data,
        TestRequest::get()
            .uri(uri)
            .insert_header((header::IF_NONE_MATCH, etag.clone())),
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());

    let failing = send(&data, TestRequest::get().uri("/graphql?query=%7Bnope%7D")).await;
    assert_eq!(failing.header("cache-control").as_deref(), Some("no-store"));
    assert!(failing.header("etag").is_none());
    let posted = send(&data, post(json!({ "query": "{ articles { totalCount } }" }))).await;
    assert_eq!(posted.header("cache-control").as_deref(), Some("no-store"));
}

#[actix_web::test]
async fn responses_are_compressed_by_accept_encoding() {
    let (_app, data) = seeded().await;
    let q = json!({ "query": "{ articles { edges { node { body } } } }" });

    for encoding in ["gzip", "br"] {
        let reply = send(
            &data,
            post(q.clone()).insert_header((header::ACCEPT_ENCODING, encoding)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_eq!(reply.header("content-encoding").as_deref(), Some(encoding));
    }
    let plain = send(&data, post(q)).await;
    assert!(plain.header("content-encoding").is_none());
}

#[actix_web::test]
async fn cors_allows_only_configured_origins() {
    let (app, data) = seeded().await;
    let preflight = |origin: &'static str| {
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/graphql")
            .insert_header((header::ORIGIN, origin))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "POST"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type"))
    };

    let closed = send(&data, preflight("https://news.example")).await;
    assert!(closed.header("access-control-allow-origin").is_none());

    let settings = HttpSettings {
        cors_origins: vec!["https://news.example".into()],
        ..HttpSettings::default()
    };
    let open = with(&app, Limits::default(), settings, true);
    let allowed = send(&open, preflight("https://news.example")).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(
        allowed.header("access-control-allow-origin").as_deref(),
        Some("https://news.example")
    );
    let other = send(&open, preflight("https://evil.example")).await;
    assert!(other.header("access-control-allow-origin").is_none());

    // A browser client may send back, and read, the read-your-writes header.
    let lsn = TestRequest::default()
        .method(actix_web::http::Method::OPTIONS)
        .uri("/graphql")
        .insert_header((header::ORIGIN, "https://news.example"))
        .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "POST"))
        .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "x-gazette-min-lsn"));
    assert_eq!(send(&open, lsn).await.status, StatusCode::OK);
    let post = send(
        &open,
        TestRequest::post()
            .uri("/graphql")
            .insert_header((header::ORIGIN, "https://news.example"))
            .set_json(serde_json::json!({ "query": "{ articles { totalCount } }" })),
    )
    .await;
    let exposed = post.header("access-control-expose-headers").unwrap_or_default();
    assert!(exposed.contains("x-gazette-min-lsn"), "{exposed}");
}

#[actix_web::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let (app, _) = seeded().await;
    let settings = HttpSettings {
        rate_limit: Some(RateLimit {
            per_second: 0.5,
            burst: 30.0,
        }),
        ..HttpSettings::default()
    };
    let data = with(&app, Limits::default(), settings, true);
    let q = || {
        post(json!({ "query": "{ articles(first: 10) { edges { node { slug } } } }" }))
            .peer_addr("10.1.2.3:4000".parse().expect("addr"))
    };

    let first = send(&data, q()).await;
    assert_eq!(first.status, StatusCode::OK);
    let second = send(&data, q()).await;
    assert_eq!(
        second.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the first request cost more than the burst"
    );
    assert_eq!(second.code(), "RATE_LIMITED");
    assert!(second
        .header("retry-after")
        .and_then(|s| s.parse::<u64>().ok())
        .is_some_and(|s| s >= 1));
    let elsewhere =
        post(json!({ "query": "{ languages { code } }" })).peer_addr("10.9.9.9:4000".parse().expect("addr"));
    assert_eq!(send(&data, elsewhere).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn internal_errors_hide_their_detail_and_carry_a_request_id() {
    let (app, data) = seeded().await;
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("DROP TABLE article_locale")
        .await
        .expect("drop");

    let reply = send(
        &data,
        post(json!({ "query": "{ languages { code } }" })).insert_header(("x-request-id", "req-42")),
    )
    .await;

    let e = &reply.json()["errors"][0];
    assert_eq!(e["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(e["extensions"]["requestId"], "req-42");
    assert_eq!(reply.header("x-request-id").as_deref(), Some("req-42"));
    let message = e["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains("article_locale") && !message.to_lowercase().contains("sql"),
        "{message}"
    );
}

#[actix_web::test]
async fn health_readiness_and_metrics_answer() {
    let (_app, data) = seeded().await;
    send(
        &data,
        post(json!({ "query": "query FrontPage { articles { totalCount } }" })),
    )
    .await;
    send(&data, post(json!({ "query": "{ nope }" }))).await;

    assert_eq!(
        send(&data, TestRequest::get().uri("/healthz")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        send(&data, TestRequest::get().uri("/readyz")).await.status,
        StatusCode::OK
    );
    let metrics = String::from_utf8_lossy(&send(&data, TestRequest::get().uri("/metrics")).await.body).into_owned();
    assert!(
        metrics.contains(r#"gazette_requests_total{operation="FrontPage",status="200"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"gazette_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("gazette_request_duration_seconds_bucket"), "{metrics}");
    assert!(metrics.contains("gazette_db_pool_connections"), "{metrics}");
}

#[actix_web::test]
async fn graphiqls_deep_schema_query_is_not_held_to_the_depth_limit() {
    let (_app, data) = seeded().await;
    let deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } } } }";
    let reply = send(&data, post(json!({ "query": deep }))).await;
    assert!(reply.json().get("errors").is_none(), "{}", reply.json());

    let mixed = format!("{{ articles {{ totalCount }} {} }}", &deep[1..deep.len() - 1]);
    assert_eq!(
        send(&data, post(json!({ "query": mixed }))).await.code(),
        "QUERY_TOO_DEEP"
    );
}

#[actix_web::test]
async fn cost_and_body_size_are_limited_at_exactly_their_limit() {
    let (app, data) = seeded().await;
    let q = json!({ "query": "{ articles(first: 7) { edges { node { slug tags { slug } } } } }" });
    let cost = send(&data, post(q.clone())).await.json()["extensions"]["cost"]["requested"]
        .as_u64()
        .unwrap_or(0);
    assert!(cost > 7, "{cost}");
    let limit = |max_cost: u64| Limits {
        max_cost: usize::try_from(max_cost).unwrap_or(0),
        ..Limits::default()
    };

    let at = with(&app, limit(cost), HttpSettings::default(), true);
    assert!(send(&at, post(q.clone())).await.json().get("errors").is_none());
    let below = with(&app, limit(cost - 1), HttpSettings::default(), true);
    assert_eq!(send(&below, post(q)).await.code(), "QUERY_TOO_COMPLEX");

    let body = |n: usize| {
        let head = r#"{"query": "{ languages { code } }", "x": ""#;
        format!("{head}{}\"}}", "a".repeat(n - head.len() - 2))
    };
    let small = with(
        &app,
        Limits::default(),
        HttpSettings {
            max_body_bytes: 1000,
            ..HttpSettings::default()
        },
        true,
    );
    let raw = |text: String| {
        TestRequest::post()
            .uri("/graphql")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload(text)
    };
    assert_eq!(body(1000).len(), 1000);
    assert_eq!(send(&small, raw(body(1000))).await.status, StatusCode::OK);
    assert_eq!(
        send(&small, raw(body(1001))).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[actix_web::test]
async fn a_nul_character_is_bad_input_on_every_engine() {
    let (_app, data) = seeded().await;
    let q = "query($q: String!) { search(query: $q) { totalCount } }";

    let in_variables = send(&data, post(json!({ "query": q, "variables": { "q": "a\u{0}b" } }))).await;
    assert_eq!(in_variables.status, StatusCode::BAD_REQUEST);
    assert_eq!(in_variables.code(), "BAD_USER_INPUT");
    let in_document = send(
        &data,
        post(json!({ "query": "{ article(slug: \"a\\u0000\") { slug } }" })),
    )
    .await;
    assert_eq!(in_document.code(), "BAD_USER_INPUT");
    use base64::Engine;
    let cursor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("tags#1|sa\u{0}");
    let in_cursor = send(
        &data,
        post(json!({ "query": "query($c: String) { tags(after: $c) { totalCount } }", "variables": { "c": cursor } })),
    )
    .await;
    assert_eq!(in_cursor.code(), "BAD_USER_INPUT");
}

#[actix_web::test]
async fn response_fields_come_in_the_order_the_query_selects_them() {
    let (_app, data) = seeded().await;
    let reply = send(
        &data,
        post(
            json!({ "query": "{ articles(first: 1) { pageInfo { hasNextPage } edges { node { title slug id } } } }" }),
        ),
    )
    .await;
    let body = String::from_utf8_lossy(&reply.body).into_owned();
    let at = |key: &str| body.find(&format!("\"{key}\"")).unwrap_or(usize::MAX);
    assert!(at("pageInfo") < at("edges"), "{body}");
    assert!(at("title") < at("slug") && at("slug") < at("id"), "{body}");
}

#[actix_web::test]
async fn the_accept_header_is_negotiated_by_q_value() {
    let (_app, data) = seeded().await;
    let broken = || post(json!({ "query": "{ articles { " }));

    for (accept, media, status) in [
        (
            "application/json;q=0.5, application/graphql-response+json",
            GRAPHQL_RESPONSE,
            StatusCode::BAD_REQUEST,
        ),
        (
            "application/graphql-response+json;q=0.4, application/json",
            "application/json",
            StatusCode::OK,
        ),
        (
            "application/graphql-response+json;q=0",
            "application/json",
            StatusCode::OK,
        ),
    ] {
        let reply = send(&data, broken().insert_header((header::ACCEPT, accept))).await;
        assert_eq!(reply.status, status, "{accept}");
        assert!(
            reply.header("content-type").unwrap_or_default().starts_with(media),
            "{accept}: {:?}",
            reply.header("content-type")
        );
        assert_eq!(reply.code(), "GRAPHQL_PARSE_FAILED", "{accept}");
    }
}

#[actix_web::test]
async fn a_weak_or_any_if_none_match_answers_304() {
    let (_app, data) = seeded().await;
    let uri = "/graphql?query=%7Barticles%7BtotalCount%7D%7D";
    let etag = send(&data, TestRequest::get().uri(uri))
        .await
        .header("etag")
        .expect("an ETag");

    for if_none_match in [format!("W/{etag}"), format!("\"other\", W/{etag}"), "*".to_owned()] {
        let reply = send(
            &data,
            TestRequest::get()
                .uri(uri)
                .insert_header((header::IF_NONE_MATCH, if_none_match.clone())),
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_MODIFIED, "{if_none_match}");
        assert_eq!(reply.header("etag").as_deref(), Some(etag.as_str()));
    }
    let other = send(
        &data,
        TestRequest::get()
            .uri(uri)
            .insert_header((header::IF_NONE_MATCH, "W/\"other\"")),
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
}
