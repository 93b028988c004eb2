//! Conformance with JDK 17's `SimpleDateFormat` (UTC, English): the
//! expected texts and instants were printed by a small Java program with
//! `new SimpleDateFormat(pattern)`, `setTimeZone(UTC)` and
//! `set2DigitYearStart(new Date(CENTURY_START))`.

use super::*;

/// The two-digit-year window start the vectors were made with (1946-05-17).
const CENTURY_START: i64 = -746_000_000_000;

/// `pattern \t instant \t text` lines.
const FORMAT_VECTORS: &str = include_str!("jdk17_format.tsv");
/// `pattern \t text \t instant or ERR` lines.
const PARSE_VECTORS: &str = include_str!("jdk17_parse.tsv");

fn format_with(pattern: &str) -> SimpleDateFormat {
    SimpleDateFormat::with_two_digit_year_start(pattern, CENTURY_START).unwrap()
}

#[test]
fn formats_like_jdk17() {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in FORMAT_VECTORS.lines() {
        let mut parts = line.splitn(3, '\t');
        let (Some(pattern), Some(millis), Some(expected)) =
            (parts.next(), parts.next(), parts.next())
        else {
            panic!("bad vector line {line:?}");
        };
        let millis: i64 = millis.parse().unwrap();
        let got = format_with(pattern).format(millis);
        count += 1;
        if got != expected {
            failures.push(format!(
                "{pattern:?} @ {millis}: got {got:?}, Java {expected:?}"
            ));
        }
    }
    assert!(count > 4000);
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures[..failures.len().min(40)].join("\n")
    );
}

#[test]
fn parses_like_jdk17() {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in PARSE_VECTORS.lines() {
        // The text may hold a tab; the pattern and the result do not.
        let (pattern, rest) = line.split_once('\t').unwrap();
        let (text, expected) = rest.rsplit_once('\t').unwrap();
        let expected: Option<i64> = if expected == "ERR" {
            None
        } else {
            Some(expected.parse().unwrap())
        };
        let got = format_with(pattern).parse(text);
        count += 1;
        if got != expected {
            failures.push(format!(
                "{pattern:?} <- {text:?}: got {got:?}, Java {expected:?}"
            ));
        }
    }
    assert!(count > 300);
    assert!(
        failures.is_empty(),
        "{} of {count} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn connect_date_strings() {
    // CastTest's castLogicalToString and castWholeDateRecordValueWithSchemaString.
    assert_eq!(connect_date_string(ONE_DAY), "1970-01-02");
    assert_eq!(connect_date_string(3_600_000), "01:00:00.000Z");
    assert_eq!(connect_date_string(ONE_DAY + 1), "1970-01-02T00:00:00.001Z");
    assert_eq!(connect_date_string(-1), "23:59:59.999Z");
}

#[test]
fn two_digit_years_follow_the_clock() {
    // Created now, "yy" reads 00 as this century (2000 is within 80 years).
    let f = SimpleDateFormat::new("yy").unwrap();
    assert_eq!(f.parse("00"), Some(946_684_800_000));
    assert!(SimpleDateFormat::new("yyyyMMdd").unwrap().pattern() == "yyyyMMdd");
}

#[test]
fn day_granularity() {
    assert!(!format_with("yyyyMMdd G z").depends_on_time_of_day());
    assert!(format_with("yyyyMMddHH").depends_on_time_of_day());
}
