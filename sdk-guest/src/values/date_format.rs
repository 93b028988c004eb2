//! Dates as Connect's `Values` reads and writes them: through Java's
//! `SimpleDateFormat` with the patterns `yyyy-MM-dd`, `HH:mm:ss.SSS'Z'` and
//! `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`, a lenient `GregorianCalendar` and the
//! JVM's time zone, taken to be UTC (the usual setting of Connect workers;
//! the `Z` in the patterns is a literal, not a zone).
//!
//! The calendar is Java's: Julian before 15 October 1582 and Gregorian
//! after, so old dates (`0001-01-01` and the like, common as database
//! sentinels) parse to the instant Apache gives them. Parsing is lenient
//! as Java's is: `2019-02-30` is 2 March, spaces and tabs may precede a
//! number, and text after the last field is ignored.

use super::decimal::java_digit;

/// Milliseconds in a day.
pub(crate) const MILLIS_PER_DAY: i64 = 86_400_000;

/// Fixed day number (days from 1 January 1 Gregorian, which is day 1) of
/// 1970-01-01.
const EPOCH_OFFSET: i64 = 719_163;

/// Fixed day number of 1582-10-15, the first Gregorian day.
const GREGORIAN_CUTOVER: i64 = 577_736;

/// The year of the cutover.
const CUTOVER_YEAR: i64 = 1582;

/// Fixed day number of 1 January 1 in the Julian calendar, minus one.
const JULIAN_EPOCH: i64 = -1;

/// One of the three patterns `Values` uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// `yyyy-MM-dd`.
    Date,
    /// `HH:mm:ss.SSS'Z'`.
    Time,
    /// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'`.
    Timestamp,
}

/// A numeric field of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Milli,
}

/// An element of a compiled pattern.
#[derive(Debug, Clone, Copy)]
enum Element {
    Number(Field),
    Literal(u8),
}

const DATE: &[Element] = &[
    Element::Number(Field::Year),
    Element::Literal(b'-'),
    Element::Number(Field::Month),
    Element::Literal(b'-'),
    Element::Number(Field::Day),
];

const TIME: &[Element] = &[
    Element::Number(Field::Hour),
    Element::Literal(b':'),
    Element::Number(Field::Minute),
    Element::Literal(b':'),
    Element::Number(Field::Second),
    Element::Literal(b'.'),
    Element::Number(Field::Milli),
    Element::Literal(b'Z'),
];

const TIMESTAMP: &[Element] = &[
    Element::Number(Field::Year),
    Element::Literal(b'-'),
    Element::Number(Field::Month),
    Element::Literal(b'-'),
    Element::Number(Field::Day),
    Element::Literal(b'T'),
    Element::Number(Field::Hour),
    Element::Literal(b':'),
    Element::Number(Field::Minute),
    Element::Literal(b':'),
    Element::Number(Field::Second),
    Element::Literal(b'.'),
    Element::Number(Field::Milli),
    Element::Literal(b'Z'),
];

impl Pattern {
    fn elements(self) -> &'static [Element] {
        match self {
            Pattern::Date => DATE,
            Pattern::Time => TIME,
            Pattern::Timestamp => TIMESTAMP,
        }
    }
}

/// `Values.dateFormatFor(date).format(date)`, appended to `out`: the
/// pattern is chosen by the value, not its schema (before 1970-01-02: time;
/// whole days: date; otherwise timestamp).
pub(crate) fn format_into(millis: i64, out: &mut String) {
    let time = millis < MILLIS_PER_DAY;
    let date = !time;
    let time = time || millis % MILLIS_PER_DAY != 0;
    if date {
        // Dates are printed only from 1970-01-02 on, where the calendar is
        // Gregorian and the year positive.
        let (year, month, day) =
            gregorian_from_fixed(millis.div_euclid(MILLIS_PER_DAY) + EPOCH_OFFSET);
        push_padded(out, year, 4);
        out.push('-');
        push_padded(out, month, 2);
        out.push('-');
        push_padded(out, day, 2);
        if time {
            out.push('T');
        }
    }
    if time {
        let time_of_day = millis.rem_euclid(MILLIS_PER_DAY);
        push_padded(out, time_of_day / 3_600_000, 2);
        out.push(':');
        push_padded(out, time_of_day / 60_000 % 60, 2);
        out.push(':');
        push_padded(out, time_of_day / 1000 % 60, 2);
        out.push('.');
        push_padded(out, time_of_day % 1000, 3);
        out.push('Z');
    }
}

/// [`format_into`] as a new string.
#[cfg(test)]
pub(crate) fn format(millis: i64) -> String {
    let mut out = String::new();
    format_into(millis, &mut out);
    out
}

/// `value` (not negative) in decimal, zero-padded to `width` digits.
fn push_padded(out: &mut String, value: i64, width: usize) {
    let mut digits = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        n /= 10;
        len += 1;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        out.push('0');
    }
    for &d in digits[..len].iter().rev() {
        out.push(char::from(d));
    }
}

/// `new SimpleDateFormat(pattern).parse(text, new ParsePosition(0))` as
/// milliseconds since the epoch, or `None` where Java leaves the position
/// at 0.
pub(crate) fn parse(text: &str, pattern: Pattern) -> Option<i64> {
    // `Values` only asks about text of a pattern's length (at most 24
    // UTF-16 units), so the characters fit on the stack.
    let mut chars = ['\0'; 24];
    let mut len = 0;
    for c in text.chars() {
        *chars.get_mut(len)? = c;
        len += 1;
    }
    let text = &chars[..len];
    let mut at = 0;
    // Unset fields are 0 (the month is 0-based); an unset date is 1970-01-01.
    let (mut year, mut month, mut day) = (1970i64, 0i64, 1i64);
    let (mut hour, mut minute, mut second, mut milli) = (0i64, 0i64, 0i64, 0i64);
    for &element in pattern.elements() {
        match element {
            Element::Literal(c) => {
                if text.get(at) != Some(&char::from(c)) {
                    return None;
                }
                at += 1;
            }
            Element::Number(field) => {
                // SimpleDateFormat skips spaces and tabs before a number.
                while matches!(text.get(at), Some(' ' | '\t')) {
                    at += 1;
                }
                let (value, next) = parse_integer(text, at)?;
                at = next;
                let value = i64::from(value);
                match field {
                    Field::Year => year = value,
                    Field::Month => month = i64::from((value as i32).wrapping_sub(1)),
                    Field::Day => day = value,
                    Field::Hour => hour = value,
                    Field::Minute => minute = value,
                    Field::Second => second = value,
                    Field::Milli => milli = value,
                }
            }
        }
    }
    Some(compute_time(
        year,
        month,
        day,
        ((hour * 60 + minute) * 60 + second) * 1000 + milli,
    ))
}

/// The integer `DecimalFormat` (integer only, no grouping, US symbols)
/// reads at `at`, as Java's `Number.intValue()` of it, and where it ends.
fn parse_integer(text: &[char], at: usize) -> Option<(i32, usize)> {
    let rest = text.get(at..)?;
    if rest.starts_with(&['N', 'a', 'N']) {
        return Some((0, at + 3));
    }
    let negative = rest.first() == Some(&'-');
    let mut p = at + usize::from(negative);
    if text.get(p) == Some(&'\u{221e}') {
        let value = if negative { i32::MIN } else { i32::MAX };
        return Some((value, p + 1));
    }
    // The digits from `from`, and where they end.
    let digits = |from: usize| -> (&[char], usize) {
        let mut to = from;
        while text.get(to).is_some_and(|&c| java_digit(c).is_some()) {
            to += 1;
        }
        (text.get(from..to).unwrap_or(&[]), to)
    };
    let (mantissa, end) = digits(p);
    p = end;
    // The usual case: a few ASCII digits and no exponent, a `Long`.
    if text.get(p) != Some(&'E')
        && mantissa.len() <= 18
        && mantissa.iter().all(char::is_ascii_digit)
    {
        if mantissa.is_empty() {
            return None;
        }
        let magnitude = mantissa
            .iter()
            .fold(0i64, |acc, &c| acc * 10 + i64::from(c as u8 - b'0'));
        let value = if negative { -magnitude } else { magnitude };
        return Some((value as i32, p));
    }
    // An exponent: `E`, an optional minus, digits. Without digits it is
    // not part of the number.
    let mut exponent: i64 = 0;
    if text.get(p) == Some(&'E') {
        let exp_negative = text.get(p + 1) == Some(&'-');
        let (exp_digits, q) = digits(p + 1 + usize::from(exp_negative));
        if !exp_digits.is_empty()
            && let Some(magnitude) = digits_value(exp_digits).filter(|m| *m <= i64::MAX as i128)
        {
            // Java keeps `(int)` of the exponent.
            let value = (magnitude as i64) as i32;
            exponent = i64::from(if exp_negative {
                value.wrapping_neg()
            } else {
                value
            });
            p = q;
        }
    }
    if mantissa.is_empty() {
        return None;
    }
    Some((integer_value(mantissa, exponent, negative), p))
}

/// The value of decimal digits, or `None` past `i128`.
fn digits_value(digits: &[char]) -> Option<i128> {
    digits.iter().try_fold(0i128, |acc, &c| {
        acc.checked_mul(10)?
            .checked_add(i128::from(java_digit(c).unwrap_or(0)))
    })
}

/// `intValue()` of the number `DecimalFormat` builds from `mantissa ×
/// 10^exponent`: a `Long` (wrapped to int) when it is an integer that fits,
/// a `Double` (saturated to int) otherwise.
fn integer_value(mantissa: &[char], exponent: i64, negative: bool) -> i32 {
    let zero = |c: &char| java_digit(*c) == Some(0);
    let significant = match mantissa.iter().position(|c| !zero(c)) {
        Some(first) => &mantissa[first..],
        None => return 0,
    };
    // Java's DigitList: digits without trailing zeros, and where the
    // decimal point sits among them.
    let decimal_at = significant.len() as i64 + exponent;
    let trimmed_len = significant.len() - significant.iter().rev().take_while(|c| zero(c)).count();
    if decimal_at >= trimmed_len as i64 && decimal_at <= 19 {
        let mut magnitude: i128 = digits_value(&significant[..trimmed_len]).unwrap_or(0);
        for _ in trimmed_len as i64..decimal_at {
            magnitude *= 10;
        }
        let value = if negative { -magnitude } else { magnitude };
        if let Ok(long) = i64::try_from(value) {
            return long as i32;
        }
    }
    let digits: String = significant[..trimmed_len]
        .iter()
        .map(|&c| char::from(b'0' + java_digit(c).unwrap_or(0)))
        .collect();
    let double: f64 = format!("0.{digits}e{decimal_at}").parse().unwrap_or(0.0);
    (if negative { -double } else { double }) as i32
}

/// `GregorianCalendar.computeTime` for a lenient calendar in UTC with the
/// default cutover: year, 0-based month and day of month (any values, they
/// roll over), plus milliseconds into the day.
fn compute_time(year: i64, month: i64, day: i64, time_of_day: i64) -> i64 {
    let mut fixed = time_of_day.div_euclid(MILLIS_PER_DAY);
    let time_of_day = time_of_day.rem_euclid(MILLIS_PER_DAY);
    let gregorian = || fixed_of(year, month, day, gregorian_fixed);
    let julian = || fixed_of(year, month, day, julian_fixed);
    // A date that falls in the ten days the cutover skipped is read as
    // Julian, which lands after the cutover: lenient Java's choice.
    fixed += if year > CUTOVER_YEAR {
        let g = gregorian();
        if fixed + g >= GREGORIAN_CUTOVER {
            g
        } else {
            julian()
        }
    } else if year < CUTOVER_YEAR {
        julian()
    } else {
        let g = gregorian();
        if fixed + g >= GREGORIAN_CUTOVER {
            g
        } else {
            julian()
        }
    };
    (fixed - EPOCH_OFFSET)
        .wrapping_mul(MILLIS_PER_DAY)
        .wrapping_add(time_of_day)
}

/// The fixed day of `day` (1-based, any value) of 0-based `month` (any
/// value) of `year` in a calendar.
fn fixed_of(year: i64, month: i64, day: i64, calendar: fn(i64, i64, i64) -> i64) -> i64 {
    let (year, month) = (year + month.div_euclid(12), month.rem_euclid(12));
    calendar(year, month + 1, 1) + day - 1
}

fn is_gregorian_leap(year: i64) -> bool {
    year.rem_euclid(4) == 0 && (year.rem_euclid(100) != 0 || year.rem_euclid(400) == 0)
}

fn is_julian_leap(year: i64) -> bool {
    year.rem_euclid(4) == 0
}

/// Fixed day of a Gregorian date (1-based month).
fn gregorian_fixed(year: i64, month: i64, day: i64) -> i64 {
    let prev = year - 1;
    let mut days = day + 365 * prev + prev.div_euclid(4) - prev.div_euclid(100)
        + prev.div_euclid(400)
        + (367 * month - 362).div_euclid(12);
    if month > 2 {
        days -= if is_gregorian_leap(year) { 1 } else { 2 };
    }
    days
}

/// Fixed day of a Julian date (1-based month; year 0 is 1 BC).
fn julian_fixed(year: i64, month: i64, day: i64) -> i64 {
    let mut days = JULIAN_EPOCH - 1
        + 365 * (year - 1)
        + day
        + (year - 1).div_euclid(4)
        + (367 * month - 362).div_euclid(12);
    if month > 2 {
        days -= if is_julian_leap(year) { 1 } else { 2 };
    }
    days
}

/// Month and day of `fixed` in the year starting on fixed day `jan1`.
fn month_day(fixed: i64, year: i64, leap: bool, calendar: fn(i64, i64, i64) -> i64) -> (i64, i64) {
    let jan1 = calendar(year, 1, 1);
    let mut prior_days = fixed - jan1;
    if fixed >= calendar(year, 3, 1) {
        prior_days += if leap { 1 } else { 2 };
    }
    let month = (12 * prior_days + 373).div_euclid(367);
    let day = fixed - calendar(year, month, 1) + 1;
    (month, day)
}

/// Year, month, day of a fixed day in the Gregorian calendar.
fn gregorian_from_fixed(fixed: i64) -> (i64, i64, i64) {
    let d0 = fixed - 1;
    let n400 = d0.div_euclid(146_097);
    let d1 = d0.rem_euclid(146_097);
    let n100 = d1.div_euclid(36_524);
    let d2 = d1.rem_euclid(36_524);
    let n4 = d2.div_euclid(1461);
    let d3 = d2.rem_euclid(1461);
    let n1 = d3.div_euclid(365);
    let mut year = 400 * n400 + 100 * n100 + 4 * n4 + n1;
    if !(n100 == 4 || n1 == 4) {
        year += 1;
    }
    let (month, day) = month_day(fixed, year, is_gregorian_leap(year), gregorian_fixed);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_value() {
        assert_eq!(format(0), "00:00:00.000Z");
        assert_eq!(format(52_494_346), "14:34:54.346Z");
        assert_eq!(format(-1), "23:59:59.999Z");
        assert_eq!(format(MILLIS_PER_DAY), "1970-01-02");
        assert_eq!(format(1_566_518_400_000), "2019-08-23");
        assert_eq!(format(1_566_570_894_346), "2019-08-23T14:34:54.346Z");
        // Anything before 1970-01-02 is printed as a time of day.
        assert_eq!(format(-62_135_596_800_000 + 1), "00:00:00.001Z");
        assert_eq!(format(253_402_300_800_001), "10000-01-01T00:00:00.001Z");
    }

    #[test]
    fn parses_leniently_like_simple_date_format() {
        let day = |s: &str| parse(s, Pattern::Date).map(|ms| ms / MILLIS_PER_DAY);
        assert_eq!(day("1970-01-01"), Some(0));
        assert_eq!(day("2019-08-23"), Some(18131));
        assert_eq!(day("2019-02-30"), day("2019-03-02"));
        assert_eq!(day("2019-13-01"), day("2020-01-01"));
        assert_eq!(day("2019-08-2x"), day("2019-08-02"));
        assert_eq!(day(" 2019-8-23"), day("2019-08-23"));
        assert_eq!(day("2019 -08-23"), None);
        assert_eq!(day("2019/08/23"), None);
        // The days the cutover skipped are read as Julian.
        assert_eq!(day("1582-10-10"), day("1582-10-20"));
        assert_eq!(parse("14:34:54.346Z", Pattern::Time), Some(52_494_346));
        assert_eq!(parse("25:00:00.000Z", Pattern::Time), Some(90_000_000));
        assert_eq!(
            parse("2019-08-23T14:34:54.346Z", Pattern::Timestamp),
            Some(1_566_570_894_346)
        );
        assert_eq!(parse("2019-08-23T14:34:54.346", Pattern::Timestamp), None);
        // DecimalFormat reads exponents.
        assert_eq!(day("2E3-01-01x"), day("2000-01-01"));
    }

    #[test]
    fn old_dates_use_the_julian_calendar() {
        let day = |s: &str| parse(s, Pattern::Date).map(|ms| ms / MILLIS_PER_DAY);
        // Java's 0001-01-01 is two days before the proleptic Gregorian one.
        assert_eq!(day("0001-01-01"), Some(-719_164));
        assert_eq!(day("1582-10-04"), Some(-141_428));
        assert_eq!(day("1582-10-15"), Some(-141_427));
    }

    #[test]
    fn round_trips_after_1970() {
        for year in [1970i64, 1971, 2000, 2024, 2100, 2400, 9999] {
            for (month, d) in [(1, 2), (2, 28), (2, 29), (3, 1), (12, 31)] {
                let text = format!("{year:04}-{month:02}-{d:02}");
                let ms = parse(&text, Pattern::Date).unwrap();
                if (month, d) == (2, 29) && !is_gregorian_leap(year) {
                    // Rolls over to 1 March.
                    assert_eq!(format(ms), format!("{year:04}-03-01"));
                } else {
                    assert_eq!(format(ms), text);
                }
            }
        }
    }
}
