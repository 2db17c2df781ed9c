//! The `gazette` binary itself: import's report and exit code, and `schema`.

use std::process::Command;

use crate::helpers::*;

fn gazette() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gazette"))
}

#[test]
fn import_of_a_folder_with_a_broken_file_imports_the_rest_and_names_it() {
    let content = ContentDir::new();
    std::fs::copy(fixture(SEED_FILE), content.path().join(SEED_FILE)).expect("copy seed");
    let broken = content.write("broken.md", "---\ntitle: Broken\ndate: 2025-13-45\n---\n");
    let db = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}?mode=rwc", db.path().join("t.db").display());

    let out = gazette()
        .args(["--database-url", &url, "import"])
        .arg(content.path())
        .output()
        .expect("runs");

    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("1 imported, 0 updated, 0 unchanged, 1 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!("{}:3: `date`: `2025-13-45` is not a date", broken.display())),
        "{stderr}"
    );

    let again = gazette()
        .args(["--database-url", &url, "import"])
        .arg(content.path().join(SEED_FILE))
        .output()
        .expect("runs");
    assert_eq!(again.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 imported, 0 updated, 1 unchanged, 0 failed"));
}

#[test]
fn schema_prints_the_sdl() {
    let out = gazette().arg("schema").output().expect("runs");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), gazette::graphql::sdl());
}
