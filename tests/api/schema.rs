//! `schema.graphql` must be exactly the server's SDL: clients generate types from it.

#[test]
fn schema_graphql_is_the_servers_sdl() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("schema.graphql");
    let sdl = gazette::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &sdl).expect("write schema.graphql");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == sdl,
        "schema.graphql differs from the server's SDL; run `cargo run -- schema > schema.graphql` \
         (or UPDATE_SCHEMA=1 cargo test) and review the diff"
    );
}

#[actix_web::test]
async fn every_type_field_and_argument_of_ours_has_a_description() {
    let app = crate::helpers::spawn_app().await;
    let q = "{ __schema { types { name description fields { name description args { name description } }
              inputFields { name description } enumValues { name description } } } }";
    let data = app.data(q, serde_json::json!({})).await;

    let mut missing = Vec::new();
    let described = |v: &serde_json::Value| v["description"].as_str().is_some_and(|d| !d.trim().is_empty());
    for t in data["__schema"]["types"].as_array().into_iter().flatten() {
        let name = t["name"].as_str().unwrap_or_default();
        let builtin = name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name);
        if builtin {
            continue;
        }
        // async-graphql generates `*Connection` types without a type description
        // (their fields have one); every other type is ours to describe.
        if !described(t) && !name.ends_with("Connection") {
            missing.push(name.to_owned());
        }
        for key in ["fields", "inputFields", "enumValues"] {
            for f in t[key].as_array().into_iter().flatten() {
                let field = format!("{name}.{}", f["name"].as_str().unwrap_or_default());
                if !described(f) {
                    missing.push(field.clone());
                }
                for a in f["args"].as_array().into_iter().flatten() {
                    if !described(a) {
                        missing.push(format!("{field}({})", a["name"].as_str().unwrap_or_default()));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "no description on: {missing:#?}");
}
