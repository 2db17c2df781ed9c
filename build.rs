//! Marks the build `test_postgres` when `TEST_DATABASE_URL` names a
//! PostgreSQL server, and `test_replica` when `TEST_REPLICA_URL` names a
//! streaming standby of it: the tests that need one are then run, and
//! otherwise listed as ignored with the reason, rather than passing
//! without running.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(test_postgres)");
    println!("cargo::rustc-check-cfg=cfg(test_replica)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=TEST_DATABASE_URL");
    println!("cargo::rerun-if-env-changed=TEST_REPLICA_URL");
    let set = |name: &str| std::env::var(name).is_ok_and(|v| !v.is_empty());
    if set("TEST_DATABASE_URL") {
        println!("cargo::rustc-cfg=test_postgres");
    }
    if set("TEST_DATABASE_URL") && set("TEST_REPLICA_URL") {
        println!("cargo::rustc-cfg=test_replica");
    }
}
