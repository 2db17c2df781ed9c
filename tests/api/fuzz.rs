//! Property tests: random documents, variables, filters and search strings
//! never make the server answer 500, panic, or report an internal error.

use actix_web::http::StatusCode;
use actix_web::rt::SystemRunner;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError};
use serde_json::{json, Value};

use crate::helpers::*;

/// Arbitrary JSON, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        prop_oneof![
            Just("tags"),
            Just("any"),
            Just("all"),
            Just("none"),
            Just("and"),
            Just("or"),
            Just("not"),
            Just("locale"),
            Just("gte")
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("tags".to_owned()),
                        Just("categories".to_owned()),
                        Just("any".to_owned()),
                        Just("all".to_owned()),
                        Just("none".to_owned()),
                        Just("and".to_owned()),
                        Just("or".to_owned()),
                        Just("not".to_owned()),
                        Just("locale".to_owned()),
                        Just("publishedAt".to_owned()),
                        Just("gte".to_owned()),
                        Just("lt".to_owned()),
                        Just("hasThumbnail".to_owned()),
                        Just("search".to_owned()),
                        "[a-z]{1,6}",
                    ],
                    inner,
                ),
                0..5,
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

const VALID: &[&str] = &[
    "{ articles(first: 3) { totalCount edges { cursor node { slug title tags { slug } } } pageInfo { endCursor } } }",
    "query($q: String!) { search(query: $q) { edges { score snippet node { slug } } } }",
    "{ article(slug: \"000_4da7ae27dc7d0813\", locale: \"en\") { body(format: HTML) related { slug } } }",
    "query($f: ArticleFilter) { articles(filter: $f) { totalCount facets { tags { count } } } }",
];

/// A valid document with a few characters changed.
fn mutated() -> impl Strategy<Value = String> {
    (
        prop::sample::select(VALID),
        prop::collection::vec((any::<prop::sample::Index>(), ".{0,3}"), 0..4),
    )
        .prop_map(|(doc, edits)| {
            let mut chars: Vec<char> = doc.chars().collect();
            for (at, text) in edits {
                let i = at.index(chars.len() + 1);
                chars.splice(i..(i + 1).min(chars.len()), text.chars());
            }
            chars.into_iter().collect()
        })
}

fn documents() -> impl Strategy<Value = String> {
    prop_oneof![mutated(), ".{0,80}", Just(VALID[0].to_owned())]
}

async fn check(app: &TestApp, body: Value) -> Result<(), TestCaseError> {
    let (reply, status) = app.graphql_raw(body.clone()).await;
    prop_assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{} → {}", body, reply);
    for e in reply["errors"].as_array().into_iter().flatten() {
        prop_assert_ne!(
            &e["extensions"]["code"],
            "INTERNAL_SERVER_ERROR",
            "{} → {}",
            body,
            reply
        );
        prop_assert!(
            e["extensions"]["code"].is_string(),
            "every error has a code: {} → {}",
            body,
            reply
        );
    }
    Ok(())
}

thread_local! {
    /// One runtime and one seeded app for every case (and every shrinking
    /// step) of a run: proptest runs them all on the test's thread.
    static SEEDED: (SystemRunner, TestApp) = {
        let runtime = actix_web::rt::System::new();
        let app = runtime.block_on(async {
            let app = spawn_app().await;
            app.import_seed().await;
            app
        });
        (runtime, app)
    };
}

proptest! {
    #![proptest_config(Config {
        cases: 256,
        ..Config::default()
    })]

    #[test]
    fn random_documents_variables_and_filters_never_cause_a_500(
        doc in documents(),
        vars in any_json(),
        filter in any_json(),
        search in ".{0,40}",
    ) {
        SEEDED.with(|(runtime, app)| {
            runtime.block_on(async {
                check(app, json!({ "query": doc, "variables": vars })).await?;
                check(app, json!({ "query": VALID[3], "variables": { "f": filter } })).await?;
                check(app, json!({ "query": VALID[1], "variables": { "q": search } })).await
            })
        })?;
    }
}
