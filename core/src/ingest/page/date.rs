//! Dates as news pages write them ("October 26, 2017", "23 November 2018", "30 June 2017 14:33",
//! "2017-10-26T08:00:00Z", "11/03/2017") → ISO 8601.
//!
//! Numeric dates with `/` are read month first, as the US-built publishing systems that write them
//! do, unless the first number cannot be a month; with `.` they are read day first (European).

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use regex::Regex;

/// The date part of a date-with-optional-time. Used inside larger patterns, so not anchored.
pub const DATE_PATTERN: &str = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?(?:\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?|[a-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?[a-z]{3,9}\.?,?\s+\d{4}|\d{1,2}[/.]\d{1,2}[/.]\d{4})(?:,?\s*(?:-|at|@)?\s*\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s*\(?(?:utc|gmt|[a-z]{2,4}t)\)?)?)?";

static FULL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^
        (?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?
        (?:
            (?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})
                (?:[T\ ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?
          | (?P<m1>[a-z]{3,9})\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{4})
          | (?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>[a-z]{3,9})\.?,?\s+(?P<y2>\d{4})
          | (?P<na>\d{1,2})(?P<sep>[/.])(?P<nb>\d{1,2})[/.](?P<ny>\d{4})
        )
        (?:,?\s*(?:-|at|@)?\s*(?P<time>\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)
            (?:\s*\(?(?:utc|gmt|[a-z]{2,4}t)\)?)?)?
        \s*$",
    )
    .expect("built-in pattern is valid")
});

/// Reads `s` when it is a date (with optional weekday, time and zone) and nothing else.
pub fn parse(s: &str) -> Option<NaiveDate> {
    parse_with_time(s).map(|(d, _)| d)
}

/// Like [`parse`], also returning the time of day when `s` carries one.
pub fn parse_with_time(s: &str) -> Option<(NaiveDate, Option<NaiveTime>)> {
    let c = FULL.captures(s.trim())?;
    let num = |name: &str| c.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    let date = if let (Some(y), Some(m), Some(d)) = (num("iy"), num("im"), num("id")) {
        NaiveDate::from_ymd_opt(y as i32, m, d)
    } else if let (Some(m), Some(d), Some(y)) = (c.name("m1"), num("d1"), num("y1")) {
        NaiveDate::from_ymd_opt(y as i32, month(m.as_str())?, d)
    } else if let (Some(d), Some(m), Some(y)) = (num("d2"), c.name("m2"), num("y2")) {
        NaiveDate::from_ymd_opt(y as i32, month(m.as_str())?, d)
    } else {
        let (a, b, y) = (num("na")?, num("nb")?, num("ny")?);
        let day_first = c.name("sep").is_some_and(|m| m.as_str() == ".") || a > 12;
        let (m, d) = if day_first { (b, a) } else { (a, b) };
        NaiveDate::from_ymd_opt(y as i32, m, d)
    }?;
    let time = c.name("time").and_then(|t| parse_time(t.as_str()));
    Some((date, time))
}

/// `14:33`, `2:05 pm`, `09:13:20` → a time of day.
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let lower = s.trim().to_ascii_lowercase().replace('.', "");
    let (clock, pm, am) = if let Some(c) = lower.strip_suffix("pm") {
        (c.trim(), true, false)
    } else if let Some(c) = lower.strip_suffix("am") {
        (c.trim(), false, true)
    } else {
        (lower.as_str(), false, false)
    };
    let mut parts = clock.split(':');
    let mut h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    if pm && h < 12 {
        h += 12;
    }
    if am && h == 12 {
        h = 0;
    }
    NaiveTime::from_hms_opt(h, m, 0)
}

/// The ISO date of `s` when it can be read, otherwise `s` as found (trimmed).
pub fn iso_or_text(s: &str) -> String {
    match parse(s) {
        Some(d) => d.format("%Y-%m-%d").to_string(),
        None => s.trim().to_string(),
    }
}

/// Month number of an English month name or its abbreviation ("Sept" included).
pub fn month(name: &str) -> Option<u32> {
    let n = name.to_ascii_lowercase();
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if n.len() < 3 {
        return None;
    }
    if n == "sept" {
        return Some(9);
    }
    MONTHS
        .iter()
        .position(|m| *m == n || (n.len() == 3 && m.starts_with(&n)))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(s: &str) -> Option<String> {
        parse(s).map(|d| d.format("%Y-%m-%d").to_string())
    }

    #[test]
    fn reads_the_usual_forms() {
        assert_eq!(iso("October 26, 2017").as_deref(), Some("2017-10-26"));
        assert_eq!(iso("23 November 2018").as_deref(), Some("2018-11-23"));
        assert_eq!(iso("30 June 2017 14:33").as_deref(), Some("2017-06-30"));
        assert_eq!(
            iso("Thursday, Sept. 7th, 2017").as_deref(),
            Some("2017-09-07")
        );
        assert_eq!(
            iso("2017-10-26T08:00:00+02:00").as_deref(),
            Some("2017-10-26")
        );
        assert_eq!(
            iso("Fri, 11/03/2017 - 12:49").as_deref(),
            Some("2017-11-03")
        );
        assert_eq!(iso("25/12/2019").as_deref(), Some("2019-12-25"));
        assert_eq!(iso("03.11.2017").as_deref(), Some("2017-11-03"));
        assert_eq!(
            iso("May 4, 2020 at 3:15 pm EST").as_deref(),
            Some("2020-05-04")
        );
    }

    #[test]
    fn refuses_what_is_not_only_a_date() {
        assert_eq!(iso("Global Research, October 26, 2017"), None);
        assert_eq!(iso("Octember 40, 2017"), None);
        assert_eq!(iso("February 30, 2019"), None);
        assert_eq!(iso_or_text(" Spring 2019 "), "Spring 2019");
    }

    #[test]
    fn times_of_day() {
        let t = |s| parse_time(s).map(|t| t.format("%H:%M").to_string());
        assert_eq!(t("2:05 pm").as_deref(), Some("14:05"));
        assert_eq!(t("12:10 a.m.").as_deref(), Some("00:10"));
        assert_eq!(t("25:00"), None);
    }
}
