//! Keyset pagination: a list's position is the sort value and id of a row,
//! so page 1,000 costs what page 1 costs (no OFFSET).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{ExprTrait, Order as SqlOrder, SimpleExpr};
use sea_orm::{
    Condition, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Select,
    Value,
};

/// The sort value of a row in a list.
#[derive(Debug, Clone, PartialEq)]
pub enum SortValue {
    Time(DateTime<Utc>),
    Text(String),
    Float(f64),
}

impl SortValue {
    fn to_value(&self) -> Value {
        match self {
            SortValue::Time(t) => (*t).into(),
            SortValue::Text(s) => s.clone().into(),
            SortValue::Float(f) => (*f).into(),
        }
    }

    /// The text a cursor carries for this value.
    pub fn encode(&self) -> String {
        match self {
            SortValue::Time(t) => format!("t{}", t.timestamp_micros()),
            SortValue::Text(s) => format!("s{s}"),
            SortValue::Float(f) => format!("f{:016x}", f.to_bits()),
        }
    }

    /// Reads [`SortValue::encode`]'s text back; `None` if it is not one.
    pub fn decode(s: &str) -> Option<Self> {
        let (tag, rest) = s.split_at_checked(1)?;
        match tag {
            "t" => rest
                .parse()
                .ok()
                .and_then(DateTime::<Utc>::from_timestamp_micros)
                .map(SortValue::Time),
            // No database stores U+0000 in text (PostgreSQL refuses it).
            "s" if !rest.contains('\0') => Some(SortValue::Text(rest.to_owned())),
            "f" => u64::from_str_radix(rest, 16)
                .ok()
                .map(f64::from_bits)
                .filter(|f| f.is_finite())
                .map(SortValue::Float),
            _ => None,
        }
    }

    /// Whether this value is of the kind `other` is (a cursor of the same list).
    pub fn same_kind(&self, other: &SortValue) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }
}

/// A position in a list: the row's group (in a list sorted by a group
/// first, such as a term's weight), sort value and id.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub value: SortValue,
    pub id: i32,
    /// The row's [`Sort::group`] value; `None` in a list without groups
    /// (read as 0 in one with them).
    pub group: Option<i64>,
}

impl Key {
    /// Ascending list order: by value, then id. Values of different kinds
    /// (never in one list) compare equal.
    pub fn cmp_ascending(&self, other: &Key) -> std::cmp::Ordering {
        let by_value = match (&self.value, &other.value) {
            (SortValue::Time(a), SortValue::Time(b)) => a.cmp(b),
            (SortValue::Text(a), SortValue::Text(b)) => a.cmp(b),
            (SortValue::Float(a), SortValue::Float(b)) => a.total_cmp(b),
            _ => std::cmp::Ordering::Equal,
        };
        let by_group = self.group.unwrap_or(0).cmp(&other.group.unwrap_or(0));
        by_group.then(by_value).then(self.id.cmp(&other.id))
    }

    /// `id|value` text for a cursor, `gGROUP|id|value` with a group.
    pub fn encode(&self) -> String {
        match self.group {
            Some(g) => format!("g{g}|{}|{}", self.id, self.value.encode()),
            None => format!("{}|{}", self.id, self.value.encode()),
        }
    }

    pub fn decode(s: &str) -> Option<Self> {
        let (group, s) = match s.strip_prefix('g') {
            Some(rest) => {
                let (g, rest) = rest.split_once('|')?;
                (Some(g.parse().ok()?), rest)
            }
            None => (None, s),
        };
        let (id, value) = s.split_once('|')?;
        Some(Key {
            id: id.parse().ok()?,
            value: SortValue::decode(value)?,
            group,
        })
    }
}

/// How a list is sorted: by `group` (if any), then `expr`, then `id`, all
/// ascending or all descending.
#[derive(Debug, Clone)]
pub struct Sort {
    pub expr: SimpleExpr,
    pub id: SimpleExpr,
    pub desc: bool,
    /// An integer the list is sorted by first, in the same direction (a
    /// descending list wanting ascending groups sorts by their negation).
    pub group: Option<SimpleExpr>,
}

impl Sort {
    /// Rows strictly after `key` in this order.
    pub fn after(&self, key: &Key) -> Condition {
        self.beyond(key, self.desc)
    }

    /// Rows strictly before `key` in this order.
    pub fn before(&self, key: &Key) -> Condition {
        self.beyond(key, !self.desc)
    }

    fn beyond(&self, key: &Key, downwards: bool) -> Condition {
        let v = key.value.to_value();
        let (sort, id) = (self.expr.clone(), self.id.clone());
        let (bound, strict, tie) = if downwards {
            (sort.clone().lte(v.clone()), sort.clone().lt(v.clone()), id.lt(key.id))
        } else {
            (sort.clone().gte(v.clone()), sort.clone().gt(v.clone()), id.gt(key.id))
        };
        // `bound` is implied by the rest; it is there because a database can
        // seek an index to it, where the OR alone makes it scan from the start.
        let within = Condition::all().add(bound).add(
            Condition::any()
                .add(strict)
                .add(Condition::all().add(sort.eq(v)).add(tie)),
        );
        let Some(group) = &self.group else {
            return within;
        };
        let g = key.group.unwrap_or(0);
        let (bound, strict) = if downwards {
            (group.clone().lte(g), group.clone().lt(g))
        } else {
            (group.clone().gte(g), group.clone().gt(g))
        };
        Condition::all().add(bound).add(
            Condition::any()
                .add(strict)
                .add(Condition::all().add(group.clone().eq(g)).add(within)),
        )
    }

    fn ordered<E: EntityTrait>(&self, select: Select<E>, order: SqlOrder) -> Select<E> {
        let select = match &self.group {
            Some(g) => select.order_by(g.clone(), order.clone()),
            None => select,
        };
        select
            .order_by(self.expr.clone(), order.clone())
            .order_by(self.id.clone(), order)
    }
}

/// Which of a page's far sides must be told exactly: whether rows lie at or
/// before its `after` cursor (`hasPreviousPage`) and at or after its
/// `before` cursor (`hasNextPage`). Each costs a `LIMIT 1` look-up; a side
/// not asked is said to hold nothing, which Relay allows for the side a
/// client does not page towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sides {
    pub previous: bool,
    pub next: bool,
}

impl Sides {
    /// Both sides, exactly.
    pub const BOTH: Sides = Sides {
        previous: true,
        next: true,
    };
}

impl Default for Sides {
    fn default() -> Self {
        Sides::BOTH
    }
}

/// A checked page request, in list order.
#[derive(Debug, Clone, PartialEq)]
pub enum PageRequest {
    /// The first `limit` rows after `after` (and before `before`, if given).
    Forward {
        limit: u64,
        after: Option<Key>,
        before: Option<Key>,
        sides: Sides,
    },
    /// The last `limit` rows before `before` (and after `after`, if given).
    Backward {
        limit: u64,
        after: Option<Key>,
        before: Option<Key>,
        sides: Sides,
    },
    /// Numbered page `page` (from 1) of `per_page` rows, for pager UIs.
    Numbered { page: u64, per_page: u64 },
}

impl PageRequest {
    /// The same request, telling only `sides` exactly.
    pub fn with_sides(self, sides: Sides) -> Self {
        match self {
            PageRequest::Forward {
                limit, after, before, ..
            } => PageRequest::Forward {
                limit,
                after,
                before,
                sides,
            },
            PageRequest::Backward {
                limit, after, before, ..
            } => PageRequest::Backward {
                limit,
                after,
                before,
                sides,
            },
            numbered => numbered,
        }
    }
}

/// Rows of one page, and whether rows exist on either side of it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub has_previous: bool,
    pub has_next: bool,
}

async fn exists<E: EntityTrait>(db: &DatabaseConnection, select: Select<E>, id: &SimpleExpr) -> Result<bool, DbErr> {
    let one = select
        .select_only()
        .expr_as(id.clone(), "x")
        .limit(1)
        .into_tuple::<i32>()
        .one(db)
        .await?;
    Ok(one.is_some())
}

/// Runs a page request over `base` sorted by `sort`, reading rows as `R`.
/// Costs one statement, plus one `LIMIT 1` look-up per cursor given, to say
/// exactly whether rows lie beyond the cursor.
pub async fn fetch<E, R>(
    db: &DatabaseConnection,
    base: Select<E>,
    sort: &Sort,
    req: &PageRequest,
) -> Result<Page<R>, DbErr>
where
    E: EntityTrait,
    R: FromQueryResult + Send + Sync,
{
    let list_order = if sort.desc { SqlOrder::Desc } else { SqlOrder::Asc };
    let reverse_order = if sort.desc { SqlOrder::Asc } else { SqlOrder::Desc };
    match req {
        PageRequest::Numbered { page, per_page } => {
            let rows: Vec<R> = sort
                .ordered(base, list_order)
                .offset(page.saturating_sub(1).saturating_mul(*per_page))
                .limit(per_page + 1)
                .into_model::<R>()
                .all(db)
                .await?;
            let mut rows = rows;
            let has_next = rows.len() as u64 > *per_page;
            rows.truncate(usize::try_from(*per_page).unwrap_or(usize::MAX));
            Ok(Page {
                rows,
                has_previous: *page > 1,
                has_next,
            })
        }
        PageRequest::Forward {
            limit,
            after,
            before,
            sides,
        }
        | PageRequest::Backward {
            limit,
            after,
            before,
            sides,
        } => {
            let backward = matches!(req, PageRequest::Backward { .. });
            let mut q = base.clone();
            if let Some(a) = after {
                q = q.filter(sort.after(a));
            }
            if let Some(b) = before {
                q = q.filter(sort.before(b));
            }
            let order = if backward { reverse_order } else { list_order };
            let mut rows: Vec<R> = sort
                .ordered(q, order)
                .limit(limit + 1)
                .into_model::<R>()
                .all(db)
                .await?;
            let more = rows.len() as u64 > *limit;
            rows.truncate(usize::try_from(*limit).unwrap_or(usize::MAX));
            if backward {
                rows.reverse();
            }
            // Rows on the far side of a cursor: at or before `after`, at or after `before`.
            let before_after = match after {
                // Backward, a full page already says there is more before.
                Some(a) if sides.previous && !(backward && more) => {
                    exists(db, base.clone().filter(sort.after(a).not()), &sort.id).await?
                }
                _ => false,
            };
            let beyond_before = match before {
                // Forward, a full page already says there is more after.
                Some(b) if sides.next && (backward || !more) => {
                    exists(db, base.filter(sort.before(b).not()), &sort.id).await?
                }
                _ => false,
            };
            let (has_previous, has_next) = if backward {
                (more || before_after, beyond_before)
            } else {
                (before_after, more || beyond_before)
            };
            Ok(Page {
                rows,
                has_previous,
                has_next,
            })
        }
    }
}

/// The page `req` asks for of `rows`, a whole list already in ascending
/// order of `key`: the same answer [`fetch`] gives from SQL, for a list small
/// enough to hold (a search's ranked window).
pub fn slice<T: Clone>(rows: &[T], key: impl Fn(&T) -> Key, req: &PageRequest) -> Page<T> {
    let cut = |limit: u64| usize::try_from(limit).unwrap_or(usize::MAX);
    match req {
        PageRequest::Numbered { page, per_page } => {
            let start = cut(page.saturating_sub(1).saturating_mul(*per_page)).min(rows.len());
            let end = start.saturating_add(cut(*per_page)).min(rows.len());
            Page {
                rows: rows[start..end].to_vec(),
                has_previous: *page > 1,
                has_next: end < rows.len(),
            }
        }
        PageRequest::Forward {
            limit, after, before, ..
        }
        | PageRequest::Backward {
            limit, after, before, ..
        } => {
            let start = after
                .as_ref()
                .map_or(0, |a| rows.partition_point(|r| key(r).cmp_ascending(a).is_le()));
            let end = before
                .as_ref()
                .map_or(rows.len(), |b| {
                    rows.partition_point(|r| key(r).cmp_ascending(b).is_lt())
                })
                .max(start);
            let range = &rows[start..end];
            let more = range.len() > cut(*limit);
            let (taken, has_previous, has_next) = if matches!(req, PageRequest::Backward { .. }) {
                let from = range.len().saturating_sub(cut(*limit));
                (&range[from..], more || start > 0, end < rows.len())
            } else {
                (
                    &range[..range.len().min(cut(*limit))],
                    start > 0,
                    more || end < rows.len(),
                )
            };
            Page {
                rows: taken.to_vec(),
                has_previous,
                has_next,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::sea_query::{Expr, Query, SqliteQueryBuilder};

    #[test]
    fn keys_round_trip_through_cursor_text() {
        let t = DateTime::<Utc>::from_timestamp_micros(1_739_522_508_000_000).unwrap_or_default();
        for key in [
            Key {
                value: SortValue::Time(t),
                id: 7,
                group: None,
            },
            Key {
                value: SortValue::Time(t),
                id: 7,
                group: Some(-10),
            },
            Key {
                value: SortValue::Text("a|b:c".into()),
                id: 8,
                group: None,
            },
            Key {
                value: SortValue::Float(-3.25),
                id: 9,
                group: None,
            },
        ] {
            assert_eq!(Key::decode(&key.encode()), Some(key));
        }
        assert_eq!(Key::decode("x|t1"), None);
        assert_eq!(Key::decode("1|q1"), None);
    }

    #[test]
    fn descending_after_means_smaller_values_or_equal_value_smaller_id() {
        let sort = Sort {
            expr: Expr::col("published_at"),
            id: Expr::col("id"),
            desc: true,
            group: None,
        };
        let key = Key {
            value: SortValue::Text("m".into()),
            id: 5,
            group: None,
        };
        let sql = Query::select()
            .column("id")
            .from("article")
            .cond_where(sort.after(&key))
            .to_string(SqliteQueryBuilder);
        assert!(
            sql.ends_with(
                r#"WHERE "published_at" <= 'm' AND ("published_at" < 'm' OR ("published_at" = 'm' AND "id" < 5))"#
            ),
            "{sql}"
        );
        let sql = Query::select()
            .column("id")
            .from("article")
            .cond_where(sort.before(&key))
            .to_string(SqliteQueryBuilder);
        assert!(
            sql.ends_with(
                r#"WHERE "published_at" >= 'm' AND ("published_at" > 'm' OR ("published_at" = 'm' AND "id" > 5))"#
            ),
            "{sql}"
        );
    }

    #[test]
    fn a_list_in_memory_pages_as_the_sql_list_does() {
        let rows: Vec<Key> = (1..=5)
            .map(|id| Key {
                value: SortValue::Float(f64::from(id / 2)),
                id,
                group: None,
            })
            .collect();
        let ids = |p: &Page<Key>| {
            (
                p.rows.iter().map(|k| k.id).collect::<Vec<_>>(),
                p.has_previous,
                p.has_next,
            )
        };
        let page = |req| ids(&slice(&rows, Clone::clone, &req));
        let at = |i: usize| Some(rows[i].clone());
        assert_eq!(
            page(PageRequest::Forward {
                limit: 2,
                after: None,
                before: None,
                sides: Sides::BOTH,
            }),
            (vec![1, 2], false, true)
        );
        assert_eq!(
            page(PageRequest::Forward {
                limit: 2,
                after: at(1),
                before: None,
                sides: Sides::BOTH,
            }),
            (vec![3, 4], true, true)
        );
        assert_eq!(
            page(PageRequest::Forward {
                limit: 9,
                after: at(2),
                before: None,
                sides: Sides::BOTH,
            }),
            (vec![4, 5], true, false)
        );
        assert_eq!(
            page(PageRequest::Backward {
                limit: 2,
                after: None,
                before: at(4),
                sides: Sides::BOTH,
            }),
            (vec![3, 4], true, true)
        );
        assert_eq!(
            page(PageRequest::Backward {
                limit: 9,
                after: at(0),
                before: at(3),
                sides: Sides::BOTH,
            }),
            (vec![2, 3], true, true)
        );
        assert_eq!(
            page(PageRequest::Numbered { page: 3, per_page: 2 }),
            (vec![5], true, false)
        );
        assert_eq!(
            page(PageRequest::Numbered { page: 4, per_page: 2 }),
            (vec![], true, false)
        );
    }
}
