//! Multi-row INSERTs, split so that no statement binds more parameters than
//! SQLite allows: an import writes a chunk's rows in a few statements
//! instead of one per row.

use std::future::Future;

use sea_orm::sea_query::{Expr, InsertStatement};
use sea_orm::{ConnectionTrait, DbErr};

/// SQLite's limit on bound parameters per statement (PostgreSQL's is 65,535).
const MAX_PARAMETERS: usize = 32_766;
/// Rows per statement at most, however narrow: keeps each statement's text
/// (and sqlx's cached copy of it) moderate.
const MAX_ROWS: usize = 1_000;

/// How many rows of `width` columns one statement may carry.
pub fn rows_per_statement(width: usize) -> usize {
    (MAX_PARAMETERS / width.max(1)).clamp(1, MAX_ROWS)
}

/// `rows` (each `width` values) as INSERT statements begun by `start` (its
/// table, columns and any ON CONFLICT or RETURNING), in order, each within
/// the limits. No rows, no statements.
pub fn inserts(
    start: impl Fn() -> InsertStatement,
    width: usize,
    rows: impl IntoIterator<Item = Vec<Expr>>,
) -> Vec<InsertStatement> {
    let per = rows_per_statement(width);
    let mut out: Vec<InsertStatement> = Vec::new();
    let mut in_last = 0;
    for row in rows {
        if out.is_empty() || in_last == per {
            out.push(start());
            in_last = 0;
        }
        if let Some(last) = out.last_mut() {
            last.values_panic(row);
        }
        in_last += 1;
    }
    out
}

/// Runs [`inserts`] of `rows` on `conn`, in order. The statements are
/// built before the returned future starts, so it holds no borrowing
/// iterator across an await.
pub fn insert<'a, C: ConnectionTrait>(
    conn: &'a C,
    start: impl Fn() -> InsertStatement,
    width: usize,
    rows: impl IntoIterator<Item = Vec<Expr>>,
) -> impl Future<Output = Result<(), DbErr>> + 'a {
    let statements = inserts(start, width, rows);
    async move {
        for statement in statements {
            conn.execute(&statement).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Query, SqliteQueryBuilder};

    #[test]
    fn rows_are_split_at_the_parameter_limit_and_kept_in_order() {
        let start = || Query::insert().into_table("t").columns(["a", "b", "c"]).to_owned();
        let rows = (0..25_000).map(|i| vec![Expr::val(i), Expr::val(i), Expr::val(i)]);
        let statements = inserts(start, 3, rows);
        // 32,766 / 3 parameters allow 10,922 rows, capped at 1,000.
        assert_eq!(statements.len(), 25);
        let (sql, values) = statements[24].build(SqliteQueryBuilder);
        assert_eq!(values.0.len(), 3_000);
        assert!(sql.starts_with(r#"INSERT INTO "t" ("a", "b", "c") VALUES"#), "{sql}");
        assert_eq!(values.0[0], sea_orm::Value::Int(Some(24_000)));

        // 30 columns: 1,092 rows fit, so the 1,000-row cap still rules; 1,100 columns: 29.
        assert_eq!(rows_per_statement(30), 1_000);
        assert_eq!(rows_per_statement(1_100), 29);
        assert!(inserts(start, 3, Vec::<Vec<Expr>>::new()).is_empty());
    }
}
