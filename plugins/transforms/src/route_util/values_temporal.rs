//! The date, time and timestamp literals of `Values.parseString`, read as
//! Apache reads them: with a lenient `java.text.SimpleDateFormat` for
//! `yyyy-MM-dd`, `HH:mm:ss.SSS'Z'` and `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
//!
//! Lenient means more than it seems, and users can see all of it: fields
//! overflow into the next (`2021-02-30` is March 2nd), a pattern that
//! matched leaves the rest of the text unread (`2020-1-1xx` is a date),
//! numbers may carry a minus sign or an exponent, digits may be any
//! Unicode decimal digits, and dates before 15 October 1582 are Julian.
//!
//! `SimpleDateFormat` uses the JVM's default time zone; Connect workers run
//! in UTC almost everywhere (the Docker images do), and so do we.

use super::java_number::java_digit;

/// Which logical type a literal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemporalKind {
    /// `yyyy-MM-dd`: Connect's `Date`.
    Date,
    /// `HH:mm:ss.SSS'Z'`: Connect's `Time`.
    Time,
    /// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`: Connect's `Timestamp`.
    Timestamp,
}

/// One element of a date pattern.
#[derive(Clone, Copy)]
enum Element {
    /// A literal character that must appear as is.
    Literal(char),
    /// A numeric calendar field.
    Field(CalendarField),
}

#[derive(Clone, Copy)]
enum CalendarField {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
}

use CalendarField::*;
use Element::*;

const DATE: &[Element] = &[
    Field(Year),
    Literal('-'),
    Field(Month),
    Literal('-'),
    Field(Day),
];
const TIME: &[Element] = &[
    Field(Hour),
    Literal(':'),
    Field(Minute),
    Literal(':'),
    Field(Second),
    Literal('.'),
    Field(Millisecond),
    Literal('Z'),
];
const TIMESTAMP: &[Element] = &[
    Field(Year),
    Literal('-'),
    Field(Month),
    Literal('-'),
    Field(Day),
    Literal('T'),
    Field(Hour),
    Literal(':'),
    Field(Minute),
    Literal(':'),
    Field(Second),
    Literal('.'),
    Field(Millisecond),
    Literal('Z'),
];

/// Apache's `ISO_8601_*_LENGTH`: a token is tried against a pattern only
/// when its length (in UTF-16 units) is the pattern's without quotes.
const TIME_LENGTH: usize = 13;
const TIMESTAMP_LENGTH: usize = 24;
const DATE_LENGTH: usize = 10;

/// Apache's `parseAsTemporal`: the kind and the instant (ms since the
/// epoch, UTC) of `token`, or `None` when it is no temporal literal.
pub fn parse_as_temporal(token: &str) -> Option<(TemporalKind, i64)> {
    // Escaped colons are read as colons.
    let token = token.replace("\\:", ":");
    let (kind, pattern) = match super::java_number::java_len(&token) {
        TIME_LENGTH => (TemporalKind::Time, TIME),
        TIMESTAMP_LENGTH => (TemporalKind::Timestamp, TIMESTAMP),
        DATE_LENGTH => (TemporalKind::Date, DATE),
        _ => return None,
    };
    let text: Vec<char> = token.chars().collect();
    lenient_parse(&text, pattern).map(|millis| (kind, millis))
}

/// The calendar fields a parse sets (`None`: left at the default).
#[derive(Default)]
struct Fields {
    year: Option<i32>,
    month: Option<i32>,
    day: Option<i32>,
    hour: i32,
    minute: i32,
    second: i32,
    millisecond: i32,
}

/// `SimpleDateFormat.parse(text, new ParsePosition(0))` in lenient mode.
fn lenient_parse(text: &[char], pattern: &[Element]) -> Option<i64> {
    let mut fields = Fields::default();
    let mut at = 0;
    for element in pattern {
        match element {
            Literal(c) => {
                if text.get(at) != Some(c) {
                    return None;
                }
                at += 1;
            }
            Field(field) => {
                // Spaces and tabs before a number are skipped.
                while matches!(text.get(at), Some(' ' | '\t')) {
                    at += 1;
                }
                let (value, end) = parse_integer(text, at)?;
                at = end;
                match field {
                    Year => fields.year = Some(value),
                    Month => fields.month = Some(value.wrapping_sub(1)),
                    Day => fields.day = Some(value),
                    Hour => fields.hour = value,
                    Minute => fields.minute = value,
                    Second => fields.second = value,
                    Millisecond => fields.millisecond = value,
                }
            }
        }
    }
    // Success needs the parse position to have moved; it always has here.
    (at > 0).then(|| compute_time(&fields))
}

/// `DecimalFormat.parse` as `SimpleDateFormat` configures it (integer only,
/// no grouping, root-locale symbols), then `Number.intValue()`. Returns the
/// value and the position after the number.
fn parse_integer(text: &[char], start: usize) -> Option<(i32, usize)> {
    let rest = &text[start..];
    if rest.starts_with(&['N', 'a', 'N']) {
        return Some((0, start + 3)); // NaN.intValue()
    }
    let negative = rest.first() == Some(&'-');
    let mut at = start + usize::from(negative);
    if text.get(at) == Some(&'∞') {
        return Some((if negative { i32::MIN } else { i32::MAX }, at + 1));
    }
    // Significant digits (leading zeros dropped) and their count.
    let mut digits = String::new();
    let mut saw_digit = false;
    while let Some(d) = text.get(at).and_then(|c| java_digit(*c)) {
        saw_digit = true;
        if d != 0 || !digits.is_empty() {
            digits.push(char::from(b'0' + d as u8));
        }
        at += 1;
    }
    if !saw_digit {
        return None;
    }
    let mut decimal_at = digits.len() as i64;
    // An exponent ("E", an optional minus, digits) scales the number.
    if text.get(at) == Some(&'E') {
        let mut e = at + 1;
        let exp_negative = text.get(e) == Some(&'-');
        e += usize::from(exp_negative);
        let mut exponent: i64 = 0;
        let mut exp_digits = 0;
        while let Some(d) = text.get(e).and_then(|c| java_digit(*c)) {
            exponent = exponent.saturating_mul(10).saturating_add(i64::from(d));
            exp_digits += 1;
            e += 1;
        }
        if exp_digits > 0 {
            decimal_at += if exp_negative { -exponent } else { exponent };
            at = e;
        }
    }
    let digits = digits.trim_end_matches('0');
    let value = if digits.is_empty() {
        // Zero; "-0" is a negative zero double, whose intValue is 0 too.
        0
    } else if decimal_at >= digits.len() as i64 && decimal_at <= 19 {
        let mut text = digits.to_owned();
        text.extend(std::iter::repeat_n(
            '0',
            (decimal_at as usize) - digits.len(),
        ));
        match text.parse::<i64>() {
            Ok(v) => (if negative { v.wrapping_neg() } else { v }) as i32,
            // Only Long.MIN_VALUE's digits get here: as a long it fits
            // when negative, else it is a double.
            Err(_) if negative => i64::MIN as i32,
            Err(_) => i32::MAX,
        }
    } else {
        let v: f64 = format!(".{digits}E{decimal_at}").parse().unwrap_or(0.0);
        // Java's (int) of a double saturates, as Rust's `as` does.
        (if negative { -v } else { v }) as i32
    };
    Some((value, at))
}

const ONE_DAY: i64 = 86_400_000;
/// Fixed date (days since 0001-01-01 Gregorian, which is day 1) of
/// 1970-01-01.
const EPOCH_OFFSET: i64 = 719_163;
/// Fixed date of 1582-10-15, the first Gregorian day.
const GREGORIAN_CUTOVER_DATE: i64 = 577_736;
const GREGORIAN_CUTOVER_YEAR: i32 = 1582;

/// `GregorianCalendar.computeTime()` in lenient mode, time zone UTC.
fn compute_time(f: &Fields) -> i64 {
    let year = f.year.unwrap_or(1970);
    let mut time_of_day = i64::from(f.hour);
    time_of_day = time_of_day * 60 + i64::from(f.minute);
    time_of_day = time_of_day * 60 + i64::from(f.second);
    time_of_day = time_of_day * 1000 + i64::from(f.millisecond);
    let mut fixed_date = time_of_day / ONE_DAY;
    time_of_day %= ONE_DAY;
    while time_of_day < 0 {
        time_of_day += ONE_DAY;
        fixed_date -= 1;
    }
    let gregorian = |fixed: i64| fixed + month_start(f, year, gregorian_fixed_date);
    let julian = |fixed: i64| fixed + month_start(f, year, julian_fixed_date);
    let fixed_date = if year > GREGORIAN_CUTOVER_YEAR {
        let gfd = gregorian(fixed_date);
        if gfd >= GREGORIAN_CUTOVER_DATE {
            gfd
        } else {
            choose(gfd, julian(fixed_date))
        }
    } else if year < GREGORIAN_CUTOVER_YEAR {
        let jfd = julian(fixed_date);
        if jfd < GREGORIAN_CUTOVER_DATE {
            jfd
        } else {
            choose(jfd, jfd)
        }
    } else {
        choose(gregorian(fixed_date), julian(fixed_date))
    };
    (fixed_date - EPOCH_OFFSET)
        .wrapping_mul(ONE_DAY)
        .wrapping_add(time_of_day)
}

/// Which of the Gregorian and Julian readings of a date near the cutover
/// holds. A parser's calendar last computed "now", a Gregorian date, so
/// an overlapping date is read as Gregorian; a date in the missing ten
/// days is read as Julian.
fn choose(gfd: i64, jfd: i64) -> i64 {
    if gfd >= GREGORIAN_CUTOVER_DATE {
        gfd
    } else {
        jfd
    }
}

/// `GregorianCalendar.getFixedDate(cal, year, fieldMask)`: the fixed date
/// of the set day of the set month of `year` in the calendar whose
/// `fixed_date(year, month, day)` is given, months overflowing into years.
fn month_start(f: &Fields, year: i32, fixed_date: fn(i64, i64, i64) -> i64) -> i64 {
    let mut year = i64::from(year);
    let mut month = i64::from(f.month.unwrap_or(0));
    if month > 11 {
        year += month / 12;
        month %= 12;
    } else if month < 0 {
        year += month.div_euclid(12);
        month = month.rem_euclid(12);
    }
    let mut fixed = fixed_date(year, month + 1, 1);
    if let Some(day) = f.day {
        fixed += i64::from(day) - 1;
    }
    fixed
}

/// Fixed date of a proleptic Gregorian date (`BaseCalendar.getFixedDate`).
fn gregorian_fixed_date(year: i64, month: i64, day: i64) -> i64 {
    let prev = year - 1;
    let mut days = day + 365 * prev + prev.div_euclid(4) - prev.div_euclid(100)
        + prev.div_euclid(400)
        + (367 * month - 362).div_euclid(12);
    if month > 2 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        days -= if leap { 1 } else { 2 };
    }
    days
}

/// Fixed date of a proleptic Julian date (`JulianCalendar.getFixedDate`,
/// astronomical years: year 0 is 1 BC).
fn julian_fixed_date(year: i64, month: i64, day: i64) -> i64 {
    let mut days = -2 + 365 * (year - 1) + day + (year - 1).div_euclid(4);
    days += (367 * month - 362).div_euclid(12);
    if month > 2 {
        days -= if year.rem_euclid(4) == 0 { 1 } else { 2 };
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<(TemporalKind, i64)> {
        parse_as_temporal(s)
    }

    #[test]
    fn iso_literals() {
        // Values the JDK gives for the same text (UTC).
        assert_eq!(
            parse("2019-08-23T14:34:54.346Z"),
            Some((TemporalKind::Timestamp, 1_566_570_894_346))
        );
        assert_eq!(
            parse("2019-08-23"),
            Some((TemporalKind::Date, 1_566_518_400_000))
        );
        assert_eq!(
            parse("14:34:54.346Z"),
            Some((TemporalKind::Time, 52_494_346))
        );
        assert_eq!(
            parse("14\\:34\\:54.346Z"),
            Some((TemporalKind::Time, 52_494_346))
        );
        assert_eq!(parse("1970-01-01"), Some((TemporalKind::Date, 0)));
    }

    #[test]
    fn lenient_quirks() {
        // Fields overflow.
        assert_eq!(parse("2021-02-30"), parse("2021-03-02"));
        assert_eq!(parse("2020-13-01"), parse("2021-01-01"));
        // Text after a complete match is ignored.
        assert_eq!(parse("2020-1-1xx"), parse("2020-01-01"));
        // Not a date: the year swallows every digit, then '-' is missing.
        assert_eq!(parse("1234567890"), None);
        assert_eq!(
            parse("2019-08-2x"),
            Some((TemporalKind::Date, 1_564_704_000_000))
        );
        assert_eq!(parse("ab-cd-efgh"), None);
        // Julian before the cutover: 1582-10-04 is followed by 1582-10-15.
        let (_, oct4) = parse("1582-10-04").unwrap();
        let (_, oct15) = parse("1582-10-15").unwrap();
        assert_eq!(oct15 - oct4, ONE_DAY);
        assert_eq!(
            parse("0001-01-01"),
            Some((TemporalKind::Date, -62_135_769_600_000))
        );
    }
}
