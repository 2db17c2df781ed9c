//! Marks the build `test_postgres` when `TEST_DATABASE_URL` names a
//! PostgreSQL server: the tests that need one are then run, and otherwise
//! listed as ignored with the reason, rather than passing without running.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(test_postgres)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=test_postgres");
    }
}
