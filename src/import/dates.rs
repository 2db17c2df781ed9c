//! Front-matter dates: RFC 3339 keeps its offset; a date without one is read
//! in the import's default time zone.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

const WITH_OFFSET: &[&str] = &[
    "%Y-%m-%d %H:%M:%S%.f%:z",
    "%Y-%m-%d %H:%M:%S%.f %z",
    "%Y-%m-%dT%H:%M:%S%.f%z",
];
const WITHOUT_OFFSET: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
];

/// Hugo's zero date, 0001-01-01T00:00:00Z: the date of a page whose front
/// matter gives none. Such a page is public (its publish date has passed)
/// and sorts last among the newest first.
pub fn zero() -> DateTime<Utc> {
    // Year 1 is in chrono's range, so the fallback is never taken.
    Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The date and slug a file name gives (`2023-01-02-my-post.md`: Jekyll's
/// form, read in `tz`), as Hugo's `:filename` reads it; `None` when its
/// first ten characters are not a date.
pub fn from_file_name(stem: &str, tz: Tz) -> Option<(DateTime<FixedOffset>, String)> {
    let head = stem.get(..10)?;
    let date = parse_local(head, tz).ok()?;
    let slug = stem[10..].trim_matches([' ', '-', '_']).to_owned();
    Some((date, slug))
}

/// A file's modification time in `tz` (Hugo's `:fileModTime`).
pub fn file_mod_time(path: &std::path::Path, tz: Tz) -> Option<DateTime<FixedOffset>> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let utc: DateTime<Utc> = modified.into();
    let local = utc.with_timezone(&tz);
    Some(local.with_timezone(&local.offset().fix()))
}

/// Parses a front-matter date, to the microsecond (what cursors and both
/// databases keep); the error says what was expected.
pub fn parse(raw: &str, tz: Tz) -> Result<DateTime<Utc>, String> {
    parse_local(raw, tz).map(|t| t.with_timezone(&Utc))
}

/// As [`parse`], in the offset the date was written in (else `tz`'s at
/// that instant): the date tokens of a permalink are read in it, as Hugo does.
pub fn parse_local(raw: &str, tz: Tz) -> Result<DateTime<FixedOffset>, String> {
    let t = parse_exact(raw, tz)?;
    Ok(t.with_nanosecond(t.nanosecond() / 1_000 * 1_000).unwrap_or(t))
}

fn parse_exact(raw: &str, tz: Tz) -> Result<DateTime<FixedOffset>, String> {
    let s = raw.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt);
    }
    for fmt in WITH_OFFSET {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Ok(dt);
        }
    }
    let naive = WITHOUT_OFFSET
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        });
    let Some(naive) = naive else {
        return Err(format!(
            "`{s}` is not a date (expected RFC 3339, e.g. 2025-02-14T08:41:48+08:00, or 2025-02-14 08:41:48)"
        ));
    };
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|dt| dt.fixed_offset())
        .ok_or_else(|| format!("`{s}` does not exist in time zone {tz} (a daylight-saving gap)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        let tz: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            parse("2025-02-14T08:41:48+08:00", tz).unwrap(),
            utc("2025-02-14T00:41:48Z")
        );
    }

    #[test]
    fn a_date_without_offset_is_read_in_the_default_zone() {
        assert_eq!(
            parse("2025-02-14 08:41:48", Tz::UTC).unwrap(),
            utc("2025-02-14T08:41:48Z")
        );
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(
            parse("2025-02-14 08:41:48", shanghai).unwrap(),
            utc("2025-02-14T00:41:48Z")
        );
        assert_eq!(parse("2025-02-14", shanghai).unwrap(), utc("2025-02-13T16:00:00Z"));
    }

    #[test]
    fn garbage_is_an_error_that_quotes_it() {
        let e = parse("next tuesday", Tz::UTC).unwrap_err();
        assert!(e.contains("`next tuesday` is not a date"), "{e}");
    }

    #[test]
    fn a_time_in_a_dst_gap_is_an_error() {
        let ny: Tz = "America/New_York".parse().unwrap();
        assert!(parse("2025-03-09 02:30:00", ny).is_err());
    }
}
