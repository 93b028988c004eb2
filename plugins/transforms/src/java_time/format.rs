//! Formatting an instant with a compiled pattern (`SimpleDateFormat.format`
//! in UTC, English names).

use super::calendar::DateFields;
use super::names::{
    AM_PM, ERAS, MONTHS, SHORT_MONTHS, SHORT_WEEKDAYS, UTC_LONG, UTC_SHORT, WEEKDAYS,
};
use super::pattern::{Item, Letter};

/// Append `millis` formatted with `items` to `out`.
pub(crate) fn format_into(items: &[Item], millis: i64, out: &mut String) {
    let f = DateFields::of(millis);
    for item in items {
        match item {
            Item::Literal(text) => out.push_str(text),
            Item::Field { letter, count } => field(&f, *letter, *count, out),
        }
    }
}

fn field(f: &DateFields, letter: Letter, count: usize, out: &mut String) {
    let long = count >= 4;
    match letter {
        Letter::Era => out.push_str(ERAS[usize::from(f.era != 0)]),
        Letter::Year => {
            if count == 2 {
                number(i64::from(f.year), 2, true, out);
            } else {
                number(i64::from(f.year), count, false, out);
            }
        }
        Letter::WeekYear => {
            if count == 2 {
                number(f.week_year(), 2, true, out);
            } else {
                number(f.week_year(), count, false, out);
            }
        }
        Letter::Month | Letter::MonthStandalone => {
            let m = f.month.clamp(0, 11) as usize;
            if long {
                out.push_str(MONTHS[m]);
            } else if count == 3 {
                out.push_str(SHORT_MONTHS[m]);
            } else {
                number(i64::from(f.month) + 1, count, false, out);
            }
        }
        Letter::DayOfWeek => {
            let d = (f.day_of_week - 1).clamp(0, 6) as usize;
            out.push_str(if long { WEEKDAYS[d] } else { SHORT_WEEKDAYS[d] });
        }
        Letter::AmPm => out.push_str(AM_PM[usize::from(f.hour_of_day >= 12)]),
        Letter::HourOfDay1 => {
            let h = if f.hour_of_day == 0 {
                24
            } else {
                f.hour_of_day
            };
            number(i64::from(h), count, false, out);
        }
        Letter::Hour1 => {
            let h = f.hour_of_day % 12;
            number(i64::from(if h == 0 { 12 } else { h }), count, false, out);
        }
        Letter::Hour0 => number(i64::from(f.hour_of_day % 12), count, false, out),
        Letter::HourOfDay0 => number(i64::from(f.hour_of_day), count, false, out),
        Letter::DayOfMonth => number(i64::from(f.day_of_month), count, false, out),
        Letter::Minute => number(i64::from(f.minute), count, false, out),
        Letter::Second => number(i64::from(f.second), count, false, out),
        Letter::Millisecond => number(i64::from(f.millisecond), count, false, out),
        Letter::DayOfYear => number(i64::from(f.day_of_year), count, false, out),
        Letter::DayOfWeekInMonth => number(i64::from(f.day_of_week_in_month), count, false, out),
        Letter::WeekOfYear => number(i64::from(f.week_of_year), count, false, out),
        Letter::WeekOfMonth => number(i64::from(f.week_of_month), count, false, out),
        Letter::IsoDayOfWeek => {
            let iso = if f.day_of_week == 1 {
                7
            } else {
                f.day_of_week - 1
            };
            number(i64::from(iso), count, false, out);
        }
        Letter::ZoneName => out.push_str(if long { UTC_LONG } else { UTC_SHORT }),
        Letter::ZoneValue => out.push_str("+0000"),
        Letter::IsoZone => out.push('Z'),
    }
}

/// Java's `DecimalFormat` caps the minimum number of integer digits of a
/// `long` at this many (`DOUBLE_INTEGER_DIGITS`).
const MAX_MIN_DIGITS: usize = 309;

/// `zeroPaddingNumber`: `value` with at least `min_digits` digits (zeros in
/// front, after the sign); with `two_digits`, only the last two digits.
fn number(value: i64, min_digits: usize, two_digits: bool, out: &mut String) {
    let mut magnitude = value.unsigned_abs();
    if two_digits {
        magnitude %= 100;
    }
    if value < 0 {
        out.push('-');
    }
    // Digits from the right; u64 has at most 20.
    let mut digits = [b'0'; 20];
    let mut n = 0;
    loop {
        digits[19 - n] = b'0' + (magnitude % 10) as u8;
        magnitude /= 10;
        n += 1;
        if magnitude == 0 {
            break;
        }
    }
    for _ in n..min_digits.min(MAX_MIN_DIGITS) {
        out.push('0');
    }
    for &d in &digits[20 - n..] {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::super::pattern::compile;
    use super::*;

    fn fmt(pattern: &str, millis: i64) -> String {
        let mut out = String::new();
        format_into(&compile(pattern).unwrap(), millis, &mut out);
        out
    }

    #[test]
    fn apache_examples() {
        // TimestampRouterTest and TimestampConverterTest.
        assert_eq!(fmt("yyyyMMdd", 1_483_425_001_864), "20170103");
        assert_eq!(
            fmt("yyyy MM dd HH mm ss SSS z", 86_401_234),
            "1970 01 02 00 00 01 234 UTC"
        );
        // Values.dateFormatFor's patterns.
        assert_eq!(
            fmt("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", 1_483_425_001_864),
            "2017-01-03T06:30:01.864Z"
        );
    }
}
