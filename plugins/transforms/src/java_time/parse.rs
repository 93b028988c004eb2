//! Parsing text with a compiled pattern: `SimpleDateFormat.parse(String)`
//! on a lenient UTC calendar, as JDK 17 does it.
//!
//! Like Java, parsing stops when the pattern is used up (text after it is
//! ignored), numbers may have more digits than the pattern letters unless
//! the next field follows without a delimiter, and out-of-range values roll
//! over instead of failing.

use super::lang::digit;
use super::names::{
    AM_PM, ERA_NAMES, MONTHS, SHORT_MONTHS, SHORT_WEEKDAYS, WEEKDAYS, longest_match, match_zone,
    region_matches,
};
use super::pattern::{Item, Letter};
use super::resolve::{Field, FieldSet};

/// The century two-digit years are placed in: the hundred years from
/// `start` (Java: 80 years before the format was created).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Century {
    /// The first instant of the window, in ms since the epoch.
    pub start: i64,
    /// The calendar year of `start`.
    pub start_year: i32,
}

/// The instant `text` designates, or `None` when it does not match.
pub(crate) fn parse(items: &[Item], text: &str, century: Century) -> Option<i64> {
    let text: Vec<u16> = text.encode_utf16().collect();
    let mut parser = Parser {
        text: &text,
        fields: FieldSet::default(),
        ambiguous_year: false,
        century,
    };
    let mut pos = 0;
    for (k, item) in items.iter().enumerate() {
        match item {
            Item::Literal(literal) => {
                for unit in literal.encode_utf16() {
                    if text.get(pos) != Some(&unit) {
                        return None;
                    }
                    pos += 1;
                }
            }
            Item::Field { letter, count } => {
                let abutting = match items.get(k + 1) {
                    Some(Item::Field { letter, count }) => letter.abuts(*count),
                    _ => false,
                };
                pos = parser.field(pos, *letter, *count, abutting)?;
            }
        }
    }
    let mut millis = parser.fields.resolve().ok()?;
    if parser.ambiguous_year && millis < century.start {
        parser.fields.add_year(100);
        millis = parser.fields.resolve().ok()?;
    }
    Some(millis)
}

struct Parser<'t> {
    text: &'t [u16],
    fields: FieldSet,
    ambiguous_year: bool,
    century: Century,
}

const SPACE: u16 = b' ' as u16;
const TAB: u16 = b'\t' as u16;

impl Parser<'_> {
    /// `SimpleDateFormat.subParse`: parse one field at `start`; the
    /// position after it, or `None` on failure.
    fn field(
        &mut self,
        start: usize,
        letter: Letter,
        count: usize,
        abutting: bool,
    ) -> Option<usize> {
        let text = self.text;
        // Skip spaces and tabs; a field at the end of the text fails.
        let mut pos = start;
        loop {
            let unit = *text.get(pos)?;
            if unit != SPACE && unit != TAB {
                break;
            }
            pos += 1;
        }
        let actual_start = pos;
        // When the next field abuts this one, a number takes exactly
        // `count` characters, counted from before the skipped spaces.
        let limit = || {
            if !abutting {
                return Some(text.len());
            }
            let end = start + count;
            (end <= text.len()).then_some(end)
        };
        let numeric_first = matches!(
            letter,
            Letter::HourOfDay1 | Letter::Hour1 | Letter::Year | Letter::WeekYear
        ) || (matches!(letter, Letter::Month | Letter::MonthStandalone)
            && count <= 2);
        let mut value = 0;
        if numeric_first {
            let (v, end) = number(&text[..limit()?], pos)?;
            value = v;
            pos = end;
        }

        match letter {
            Letter::Era => self.name(start, Field::Era, ERA_NAMES),
            Letter::Year | Letter::WeekYear => {
                if count <= 2
                    && pos - actual_start == 2
                    && is_digit(text, actual_start)
                    && is_digit(text, actual_start + 1)
                {
                    let start_year = self.century.start_year;
                    let ambiguous = start_year % 100;
                    self.ambiguous_year = value == ambiguous;
                    value += (start_year / 100) * 100 + if value < ambiguous { 100 } else { 0 };
                }
                let field = if letter == Letter::Year {
                    Field::Year
                } else {
                    Field::WeekYear
                };
                self.fields.set(field, value);
                Some(pos)
            }
            Letter::Month | Letter::MonthStandalone => {
                if count <= 2 {
                    self.fields.set(Field::Month, value.wrapping_sub(1));
                    return Some(pos);
                }
                let names = MONTHS
                    .iter()
                    .chain(&SHORT_MONTHS)
                    .zip((0..12).chain(0..12))
                    .map(|(name, m)| (*name, m));
                self.name(start, Field::Month, names)
            }
            Letter::HourOfDay1 => {
                self.fields
                    .set(Field::HourOfDay, if value == 24 { 0 } else { value });
                Some(pos)
            }
            Letter::Hour1 => {
                self.fields
                    .set(Field::Hour, if value == 12 { 0 } else { value });
                Some(pos)
            }
            Letter::DayOfWeek => {
                // Full names first, then abbreviations.
                let full = WEEKDAYS.iter().zip(1..).map(|(n, d)| (*n, d));
                let short = SHORT_WEEKDAYS.iter().zip(1..).map(|(n, d)| (*n, d));
                self.name(start, Field::DayOfWeek, full)
                    .or_else(|| self.name(start, Field::DayOfWeek, short))
            }
            Letter::AmPm => {
                let names = AM_PM.iter().zip(0..).map(|(n, v)| (*n, v));
                self.name(start, Field::AmPm, names)
            }
            Letter::ZoneName | Letter::ZoneValue => self.zone(start, pos),
            Letter::IsoZone => {
                let sign = match *text.get(pos)? {
                    u if u == u16::from(b'Z') => {
                        self.fields.set(Field::ZoneOffset, 0);
                        self.fields.set(Field::DstOffset, 0);
                        return Some(pos + 1);
                    }
                    u if u == u16::from(b'+') => 1,
                    u if u == u16::from(b'-') => -1,
                    _ => return None,
                };
                self.numeric_zone(pos + 1, sign, count, count == 3)
            }
            _ => {
                let (value, end) = number(&text[..limit()?], pos)?;
                match letter {
                    Letter::IsoDayOfWeek => self.fields.set_iso_day_of_week(value),
                    other => self.fields.set(numeric_field(other), value),
                }
                Some(end)
            }
        }
    }

    /// Match one of `names` at `start` (the longest), set `field` to its
    /// value.
    fn name<'a>(
        &mut self,
        start: usize,
        field: Field,
        names: impl IntoIterator<Item = (&'a str, i32)>,
    ) -> Option<usize> {
        let (len, value) = longest_match(self.text, start, names)?;
        self.fields.set(field, value);
        Some(start + len)
    }

    /// The `z` and `Z` letters: `GMT`, `GMT+h:mm`, `+hhmm` or a zone name.
    fn zone(&mut self, start: usize, pos: usize) -> Option<usize> {
        let text = self.text;
        let sign = |unit: u16| match unit {
            u if u == u16::from(b'+') => 1,
            u if u == u16::from(b'-') => -1,
            _ => 0,
        };
        let c = *text.get(pos)?;
        let s = sign(c);
        if s != 0 {
            return self.numeric_zone(pos + 1, s, 0, false);
        }
        let gmt: [u16; 3] = [u16::from(b'G'), u16::from(b'M'), u16::from(b'T')];
        if (c == u16::from(b'G') || c == u16::from(b'g'))
            && text.len() - start >= gmt.len()
            && region_matches(text, start, &gmt)
        {
            let after = start + gmt.len();
            let s = text.get(after).map_or(0, |&u| sign(u));
            if s == 0 {
                self.fields.set(Field::ZoneOffset, 0);
                self.fields.set(Field::DstOffset, 0);
                return Some(after);
            }
            return self.numeric_zone(after + 1, s, 0, true);
        }
        let (len, offset) = match_zone(text, pos)?;
        if offset != 0 {
            // Java switches the calendar to the named zone and pins the
            // daylight part; only the sum of the two offsets matters.
            self.fields.clear(Field::ZoneOffset);
            self.fields.set(Field::DstOffset, offset);
        }
        Some(pos + len)
    }

    /// `subParseNumericZone`: `hh[[:]mm]` after a sign at `index`. `count`
    /// is 0 for `z`/`Z`, else the number of `X`; `colon` whether a colon
    /// separates hours and minutes.
    fn numeric_zone(
        &mut self,
        index: usize,
        sign: i32,
        count: usize,
        colon: bool,
    ) -> Option<usize> {
        let text = self.text;
        let ascii_digit = |i: usize| {
            text.get(i)
                .filter(|u| (0x30..=0x39).contains(*u))
                .map(|u| i32::from(*u - u16::from(b'0')))
        };
        let mut i = index;
        let mut hours = ascii_digit(i)?;
        i += 1;
        match ascii_digit(i) {
            Some(d) => {
                hours = hours * 10 + d;
                i += 1;
            }
            // One hour digit only with a colon and no X.
            None if count > 0 || !colon => return None,
            None => {
                // Java reads past the end here and fails.
                text.get(i)?;
            }
        }
        if hours > 23 {
            return None;
        }
        let mut minutes = 0;
        if count != 1 {
            if colon {
                if text.get(i) != Some(&u16::from(b':')) {
                    return None;
                }
                i += 1;
            }
            minutes = ascii_digit(i)? * 10 + ascii_digit(i + 1)?;
            i += 2;
            if minutes > 59 {
                return None;
            }
        }
        let total = (minutes + hours * 60) * 60_000 * sign;
        self.fields.set(Field::ZoneOffset, total);
        self.fields.set(Field::DstOffset, 0);
        Some(i)
    }
}

fn is_digit(text: &[u16], i: usize) -> bool {
    text.get(i).is_some_and(|&u| digit(u).is_some())
}

/// The calendar field a plain numeric letter sets.
fn numeric_field(letter: Letter) -> Field {
    match letter {
        Letter::DayOfMonth => Field::DayOfMonth,
        Letter::HourOfDay0 => Field::HourOfDay,
        Letter::Minute => Field::Minute,
        Letter::Second => Field::Second,
        Letter::Millisecond => Field::Millisecond,
        Letter::DayOfYear => Field::DayOfYear,
        Letter::DayOfWeekInMonth => Field::DayOfWeekInMonth,
        Letter::WeekOfYear => Field::WeekOfYear,
        Letter::WeekOfMonth => Field::WeekOfMonth,
        _ => Field::Hour, // Letter::Hour0 ('K'); other letters never get here
    }
}

/// The longest number Java's integer `DecimalFormat` (English, no grouping)
/// reads at `text[pos..]`: an optional `-`, digits of any script, an
/// optional exponent `E[-]digits`; stops at a decimal point. The value is
/// `Number.intValue()` of the result: the low 32 bits of a `long`, or a
/// saturated `double` when the number has a fraction or does not fit.
fn number(text: &[u16], pos: usize) -> Option<(i32, usize)> {
    let mut i = pos;
    let negative = text.get(i) == Some(&u16::from(b'-'));
    if negative {
        i += 1;
    }
    if text.get(i) == Some(&0x221E) {
        // "∞": Double.POSITIVE_INFINITY or NEGATIVE_INFINITY.
        return Some((if negative { i32::MIN } else { i32::MAX }, i + 1));
    }
    // Significant digits; a number this long is far past an int's range
    // unless an exponent brings it back, and then the first 64 digits
    // decide its integer part.
    let mut digits = [0u8; 64];
    let mut count = 0usize;
    let mut saw_digit = false;
    let mut exponent: i64 = 0;
    while let Some(&unit) = text.get(i) {
        if let Some(d) = digit(unit) {
            saw_digit = true;
            if d != 0 || count != 0 {
                match digits.get_mut(count) {
                    Some(slot) => {
                        *slot = d as u8;
                        count += 1;
                    }
                    // A digit past the kept ones still scales the value.
                    None => exponent += 1,
                }
            }
            i += 1;
        } else if unit == u16::from(b'E') {
            if let Some((e, end)) = exponent_part(text, i + 1) {
                exponent += e;
                i = end;
            }
            break;
        } else {
            break;
        }
    }
    if !saw_digit {
        return None;
    }
    Some((int_value(negative, &digits[..count], exponent), i))
}

/// The exponent after an `E`: `[-]digits` whose value fits a `long`,
/// truncated to an `int` as JDK 17 does.
fn exponent_part(text: &[u16], pos: usize) -> Option<(i64, usize)> {
    let mut i = pos;
    let negative = text.get(i) == Some(&u16::from(b'-'));
    if negative {
        i += 1;
    }
    let mut value: i64 = 0;
    let mut any = false;
    while let Some(d) = text.get(i).and_then(|&u| digit(u)) {
        value = value.checked_mul(10)?.checked_add(i64::from(d))?;
        any = true;
        i += 1;
    }
    if !any {
        return None;
    }
    let value = if negative { -value } else { value };
    Some((i64::from(value as i32), i))
}

/// `Number.intValue()` of `±digits × 10^exponent` as `DecimalFormat`
/// returns it.
fn int_value(negative: bool, digits: &[u8], exponent: i64) -> i32 {
    let significant = digits.len() - digits.iter().rev().take_while(|&&d| d == 0).count();
    if significant == 0 {
        return 0;
    }
    let decimal_at = digits.len() as i64 + exponent;
    let digits = &digits[..significant];
    if decimal_at >= significant as i64 && decimal_at <= 19 {
        // An integer of at most 19 digits (fits a u64): a long, unless it
        // is outside the long range.
        let mut magnitude: u64 = 0;
        for d in digits {
            magnitude = magnitude * 10 + u64::from(*d);
        }
        for _ in significant as i64..decimal_at {
            magnitude *= 10;
        }
        let long = if negative {
            (magnitude <= 1 << 63).then(|| (magnitude as i64).wrapping_neg())
        } else {
            i64::try_from(magnitude).ok()
        };
        if let Some(long) = long {
            return long as i32;
        }
    }
    // A double: Java's (int) cast saturates, and so does Rust's.
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    let double: f64 = format!("0.{text}e{decimal_at}")
        .parse()
        .unwrap_or(f64::INFINITY);
    let double = if negative { -double } else { double };
    double as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(s: &str) -> Option<(i32, usize)> {
        number(&s.encode_utf16().collect::<Vec<_>>(), 0)
    }

    #[test]
    fn decimal_format_integers() {
        assert_eq!(num("2017-01"), Some((2017, 4)));
        assert_eq!(num("-17"), Some((-17, 3)));
        assert_eq!(num("+17"), None);
        assert_eq!(num("2017.5"), Some((2017, 4)));
        assert_eq!(num("2017E1"), Some((20170, 6)));
        assert_eq!(num("5E-1"), Some((0, 4)));
        assert_eq!(num("2E+1"), Some((2, 1)));
        assert_eq!(num("٢٠١٧"), Some((2017, 4)));
        assert_eq!(num("99999999999"), Some((99_999_999_999i64 as i32, 11)));
        assert_eq!(num("99999999999999999999999"), Some((i32::MAX, 23)));
        assert_eq!(num("000"), Some((0, 3)));
        assert_eq!(num("x"), None);
    }
}
