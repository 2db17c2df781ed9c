//! A tag's or category's count of listed links, kept by the database: so a
//! term's public article count (`totalCount` of its page, `articleCount`)
//! reads one term row and the few links with a time condition instead of
//! counting every link of the term (40,127 for the most used tag at 100,000
//! articles, issue #14).
//!
//! `listed_links` is the number of the term's links that are listed
//! whatever the time: not a draft and `build_list = 'always'` (the link
//! rows' copies of the article's columns, migration 20). The count at an
//! instant subtracts the listed links hidden then (published later, or
//! expired), which `query::terms` finds through two small ranges: links
//! dated after the instant (the link index, `published_at > now`) and the
//! links whose publish date is after their date or that expire at all
//! (`idx_…_timed`, a partial index over those only). So the count is exact
//! at any instant, with no scheduler.
//!
//! Triggers keep the column right in the writing transaction, whichever
//! statement changes the links: the writer's replace of an article's links,
//! an article's delete (the links' cascade), a term's delete or merge.
//! SQLite's are per row (one primary-key update of the term row per listed
//! link); PostgreSQL's are per statement over the transition tables, so a
//! bulk insert of thousands of links updates each of its terms once.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (term table, link table, term column)
const TERMS: [(&str, &str, &str); 2] = [
    ("tag", "article_tag", "tag_id"),
    ("category", "article_category", "category_id"),
];

/// The partial index's condition: the links a time can hide besides those
/// dated after it. `query::terms` repeats it verbatim, so the planners
/// (SQLite's in particular, which matches the terms as written) use the index.
pub const TIMED: &str = "(publish_date > published_at OR published_at IS NULL OR expiry_date IS NOT NULL)";

fn sqlite(term: &str, links: &str, fk: &str) -> String {
    let listed = |row: &str| format!("NOT {row}.draft AND {row}.build_list = 'always'");
    let (old, new) = (listed("OLD"), listed("NEW"));
    format!(
        "CREATE TRIGGER {links}_listed_insert AFTER INSERT ON {links} WHEN {new}
         BEGIN UPDATE {term} SET listed_links = listed_links + 1 WHERE id = NEW.{fk}; END;
         CREATE TRIGGER {links}_listed_delete AFTER DELETE ON {links} WHEN {old}
         BEGIN UPDATE {term} SET listed_links = listed_links - 1 WHERE id = OLD.{fk}; END;
         CREATE TRIGGER {links}_listed_update AFTER UPDATE OF {fk}, draft, build_list ON {links}
         BEGIN
           UPDATE {term} SET listed_links = listed_links - 1 WHERE id = OLD.{fk} AND {old};
           UPDATE {term} SET listed_links = listed_links + 1 WHERE id = NEW.{fk} AND {new};
         END;"
    )
}

fn postgres(term: &str, links: &str, fk: &str) -> String {
    // The change in each term's count from one statement's links; the term
    // rows are locked in id order first, so two transactions changing the
    // same terms wait for each other instead of deadlocking.
    let delta = |select: &str| {
        format!(
            "PERFORM 1 FROM {term} t WHERE t.id IN (SELECT {fk} FROM ({select}) c) ORDER BY t.id FOR UPDATE;
             UPDATE {term} t SET listed_links = t.listed_links + d.n
             FROM (SELECT {fk} AS id, SUM(n) AS n FROM ({select}) c GROUP BY {fk} HAVING SUM(n) <> 0) d
             WHERE t.id = d.id;
             RETURN NULL;"
        )
    };
    let listed =
        |table: &str, n: i32| format!("SELECT {fk}, {n} AS n FROM {table} WHERE NOT draft AND build_list = 'always'");
    let function = |op: &str, body: String| {
        format!(
            "CREATE FUNCTION {links}_listed_{op}() RETURNS trigger LANGUAGE plpgsql AS $f$
             BEGIN {body} END $f$;"
        )
    };
    let mut sql = String::new();
    sql.push_str(&function("insert", delta(&listed("new_links", 1))));
    sql.push_str(&function("delete", delta(&listed("old_links", -1))));
    sql.push_str(&function(
        "update",
        delta(&format!(
            "{} UNION ALL {}",
            listed("old_links", -1),
            listed("new_links", 1)
        )),
    ));
    sql.push_str(&format!(
        "CREATE TRIGGER {links}_listed_insert AFTER INSERT ON {links}
           REFERENCING NEW TABLE AS new_links FOR EACH STATEMENT EXECUTE FUNCTION {links}_listed_insert();
         CREATE TRIGGER {links}_listed_delete AFTER DELETE ON {links}
           REFERENCING OLD TABLE AS old_links FOR EACH STATEMENT EXECUTE FUNCTION {links}_listed_delete();
         CREATE TRIGGER {links}_listed_update AFTER UPDATE ON {links}
           REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links
           FOR EACH STATEMENT EXECUTE FUNCTION {links}_listed_update();"
    ));
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction on SQLite too (sea-orm-migration's default is
    /// none there): columns, backfill and triggers land together or not at
    /// all, on one connection.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        let mut sql = String::new();
        for (term, links, fk) in TERMS {
            let int = if pg { "bigint" } else { "integer" };
            sql.push_str(&format!(
                "ALTER TABLE {term} ADD COLUMN listed_links {int} NOT NULL DEFAULT 0;
                 UPDATE {term} SET listed_links = (SELECT COUNT(*) FROM {links} l
                   WHERE l.{fk} = {term}.id AND NOT l.draft AND l.build_list = 'always');
                 CREATE INDEX idx_{links}_timed ON {links}
                   ({fk}, publish_date, expiry_date, published_at, draft, build_list, article_id) WHERE {TIMED};"
            ));
            sql.push_str(&if pg {
                postgres(term, links, fk)
            } else {
                sqlite(term, links, fk)
            });
        }
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let pg = manager.get_database_backend() == sea_orm::DbBackend::Postgres;
        let mut sql = String::new();
        for (term, links, _) in TERMS {
            for op in ["insert", "delete", "update"] {
                if pg {
                    sql.push_str(&format!(
                        "DROP TRIGGER {links}_listed_{op} ON {links}; DROP FUNCTION {links}_listed_{op}();"
                    ));
                } else {
                    sql.push_str(&format!("DROP TRIGGER {links}_listed_{op};"));
                }
            }
            sql.push_str(&format!(
                "DROP INDEX idx_{links}_timed; ALTER TABLE {term} DROP COLUMN listed_links;"
            ));
        }
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
