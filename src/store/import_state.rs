//! What the last whole-tree import of a content folder saw, so the next
//! start over the same, unchanged files can skip reading them (see
//! [`crate::import::run`]). Any write that does not come from such an import
//! (a mutation, a term edit, an import of single files) forgets it in its own
//! transaction, so a skipped import never hides a change the database holds.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DbErr};
use serde::{Deserialize, Serialize};

const TABLE: &str = "import_state";
/// One row: Gazette imports one content tree into a database.
const NAME: &str = "content";

/// A file the remembered import failed on, reported again when it is skipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub path: String,
    pub line: Option<usize>,
    pub reason: String,
}

/// The remembered import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportState {
    /// Digest of the options and of every file's path, size and modification time.
    pub stamp: String,
    /// When the files were listed.
    pub walked_at: DateTime<Utc>,
    /// The first moment a page's publish or expiry date changes what the
    /// import would store (a translation is stored only while public).
    pub valid_until: Option<DateTime<Utc>>,
    pub failures: Vec<Failure>,
}

/// The remembered import, if any.
pub async fn find(db: &impl ConnectionTrait) -> Result<Option<ImportState>, DbErr> {
    let select = Query::select()
        .columns(["stamp", "walked_at", "valid_until", "failures"])
        .from(TABLE)
        .and_where(Expr::col("name").eq(NAME))
        .to_owned();
    let Some(row) = db.query_one(&select).await? else {
        return Ok(None);
    };
    let failures: String = row.try_get("", "failures")?;
    // A row this build cannot read is no row: the import runs in full.
    let Ok(failures) = serde_json::from_str(&failures) else {
        return Ok(None);
    };
    Ok(Some(ImportState {
        stamp: row.try_get("", "stamp")?,
        walked_at: row.try_get("", "walked_at")?,
        valid_until: row.try_get("", "valid_until")?,
        failures,
    }))
}

/// Marks an import of the whole tree as begun, under `token`: only this
/// import can remember what it saw, and only if nothing forgot meanwhile.
pub async fn begin(db: &impl ConnectionTrait, token: &str) -> Result<(), DbErr> {
    let insert = Query::insert()
        .into_table(TABLE)
        .columns(["name", "stamp", "walked_at", "valid_until", "failures"])
        .values_panic([
            NAME.into(),
            pending(token).into(),
            Utc::now().into(),
            Option::<DateTime<Utc>>::None.into(),
            "[]".into(),
        ])
        .on_conflict(
            OnConflict::column("name")
                .update_columns(["stamp", "walked_at", "valid_until", "failures"])
                .to_owned(),
        )
        .to_owned();
    db.execute(&insert).await?;
    Ok(())
}

/// Remembers `state` for the import begun under `token`. Returns false, and
/// remembers nothing, when a write forgot (or another import began) since:
/// the database may then hold what these files would not give.
pub async fn remember(db: &impl ConnectionTrait, token: &str, state: &ImportState) -> Result<bool, DbErr> {
    let failures = serde_json::to_string(&state.failures).map_err(|e| DbErr::Custom(e.to_string()))?;
    let update = Query::update()
        .table(TABLE)
        .value("stamp", state.stamp.clone())
        .value("walked_at", state.walked_at)
        .value("valid_until", state.valid_until)
        .value("failures", failures)
        .and_where(Expr::col("name").eq(NAME))
        .and_where(Expr::col("stamp").eq(pending(token)))
        .to_owned();
    Ok(db.execute(&update).await?.rows_affected() == 1)
}

/// The stamp of an import under way: it matches no tree.
fn pending(token: &str) -> String {
    format!("importing {token}")
}

/// Forgets the remembered import: the database now holds something the
/// files alone would not give.
pub async fn forget(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let delete = Query::delete().from_table(TABLE).to_owned();
    db.execute(&delete).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(stamp: &str) -> ImportState {
        ImportState {
            stamp: stamp.into(),
            walked_at: Utc::now(),
            valid_until: None,
            failures: vec![Failure {
                path: "content/a.md".into(),
                line: Some(2),
                reason: "bad".into(),
            }],
        }
    }

    #[tokio::test]
    async fn a_write_during_an_import_keeps_it_from_being_remembered() {
        let db = crate::query::open("sqlite::memory:").await.expect("db");
        begin(&db, "one").await.expect("begin");
        assert!(remember(&db, "one", &state("tree-1")).await.expect("remember"));
        let found = find(&db).await.expect("find").expect("remembered");
        assert_eq!((found.stamp.as_str(), found.failures), ("tree-1", state("").failures));

        // A mutation commits while the next import runs: it forgets, and
        // the import must not remember what it saw.
        begin(&db, "two").await.expect("begin");
        forget(&db).await.expect("forget");
        assert!(!remember(&db, "two", &state("tree-2")).await.expect("remember"));
        assert_eq!(find(&db).await.expect("find"), None);

        // Two imports at once: only the last begun may remember.
        begin(&db, "three").await.expect("begin");
        begin(&db, "four").await.expect("begin");
        assert!(!remember(&db, "three", &state("tree-3")).await.expect("remember"));
        assert!(remember(&db, "four", &state("tree-4")).await.expect("remember"));
        assert_eq!(find(&db).await.expect("find").map(|s| s.stamp), Some("tree-4".into()));
    }
}
