//! Java's `java.text.SimpleDateFormat` in UTC with English names, and the
//! other bits of Java these transforms share.
//!
//! Apache Kafka Connect's `TimestampConverter` and `TimestampRouter` take a
//! `SimpleDateFormat` pattern from the user, and `Cast` writes dates with
//! one; users moving from Apache expect the same text for the same pattern.
//! So this is not a strftime or `java.time` formatter but the
//! `SimpleDateFormat` pattern language: the letters
//! `G y Y M L w W D d F E u a H k K h m s S z Z X`, quoted text with `''`
//! for a quote, text or number forms chosen by the number of letters, and
//! lenient parsing, including its surprises (`YYYY` is the week year,
//! `S` counts milliseconds, `2017-13-45` is a valid date).
//!
//! Limits: the time zone is always UTC and the locale English (`en` or
//! `en_US`, which agree: weeks start on Sunday, the first week of a year
//! holds January 1). Like Java's `GregorianCalendar`, dates before
//! 1582-10-15 are Julian and years before 1 AD have the era BC. Parsing a
//! zone name other than UTC's yields the offset Java's English zone names
//! give for a recent date; Java would also switch the format's zone to that
//! zone for later uses, which this does not.

mod calendar;
pub(crate) mod connect;
mod format;
pub(crate) mod lang;
mod names;
mod parse;
mod pattern;
mod resolve;
#[cfg(test)]
pub(crate) mod testkit;

use std::sync::OnceLock;

pub(crate) use calendar::ONE_DAY;
pub(crate) use pattern::PatternError;

use calendar::DateFields;
use parse::Century;
use pattern::Item;
use resolve::{Field, FieldSet};

/// A compiled `SimpleDateFormat` pattern, set to UTC.
#[derive(Debug, Clone)]
pub(crate) struct SimpleDateFormat {
    pattern: String,
    items: Vec<Item>,
    century: Century,
}

impl SimpleDateFormat {
    /// Compile `pattern`; two-digit years are read into the 100 years
    /// that start 80 years ago, as Java does.
    pub(crate) fn new(pattern: &str) -> Result<Self, PatternError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        Self::with_two_digit_year_start(pattern, years_before(now, 80))
    }

    /// Compile `pattern` with two-digit years read into the 100 years from
    /// `start` (ms since the epoch), as `set2DigitYearStart` does.
    pub(crate) fn with_two_digit_year_start(
        pattern: &str,
        start: i64,
    ) -> Result<Self, PatternError> {
        let fields = DateFields::of(start);
        let start_year = if fields.era == calendar::BCE {
            1 - fields.year
        } else {
            fields.year
        };
        Ok(Self {
            pattern: pattern.to_owned(),
            items: pattern::compile(pattern)?,
            century: Century { start, start_year },
        })
    }

    /// The pattern as given (`toPattern()`).
    pub(crate) fn pattern(&self) -> &str {
        &self.pattern
    }

    /// `millis` since the epoch as text.
    pub(crate) fn format(&self, millis: i64) -> String {
        let mut out = String::with_capacity(self.pattern.len() + 8);
        self.format_into(millis, &mut out);
        out
    }

    /// Append `millis` as text to `out`.
    pub(crate) fn format_into(&self, millis: i64, out: &mut String) {
        format::format_into(&self.items, millis, out);
    }

    /// The instant `text` designates (`DateFormat.parse(String)`), or
    /// `None` where Java throws `ParseException`.
    pub(crate) fn parse(&self, text: &str) -> Option<i64> {
        parse::parse(&self.items, text, self.century)
    }

    /// Whether the text of an instant depends on more than its UTC day:
    /// when it does not, one formatted text serves a whole day.
    pub(crate) fn depends_on_time_of_day(&self) -> bool {
        self.items.iter().any(|item| match item {
            Item::Field { letter, .. } => letter.is_time_of_day(),
            Item::Literal(_) => false,
        })
    }
}

/// `millis` moved back `years` calendar years (`Calendar.add(YEAR, -n)`:
/// same month, day clamped to the month, same time of day).
fn years_before(millis: i64, years: i32) -> i64 {
    let f = DateFields::of(millis);
    let year = if f.era == calendar::BCE {
        1 - f.year
    } else {
        f.year
    } - years;
    let mut day = FieldSet::default();
    day.set(Field::Year, year);
    day.set(Field::Month, f.month);
    day.set(Field::DayOfMonth, 1);
    let first = day.resolve().unwrap_or(millis);
    // Clamp the day to the length of the month in that year.
    let mut next = day.clone();
    next.set(Field::Month, f.month + 1);
    let length = next
        .resolve()
        .map_or(31, |n| (n - first).div_euclid(ONE_DAY) as i32);
    let mut target = FieldSet::default();
    target.set(Field::Year, year);
    target.set(Field::Month, f.month);
    target.set(Field::DayOfMonth, f.day_of_month.min(length));
    target.set(Field::HourOfDay, f.hour_of_day);
    target.set(Field::Minute, f.minute);
    target.set(Field::Second, f.second);
    target.set(Field::Millisecond, f.millisecond);
    target.resolve().unwrap_or(millis)
}

/// Connect's ISO 8601 patterns (`Values.ISO_8601_*_FORMAT_PATTERN`).
const ISO_DATE: &str = "yyyy-MM-dd";
const ISO_TIME: &str = "HH:mm:ss.SSS'Z'";
const ISO_TIMESTAMP: &str = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'";

/// A `java.util.Date` of `millis` as Connect's
/// `Values.dateFormatFor(date).format(date)` writes it: a time when it is
/// before 1970-01-02, a date when it is at midnight, otherwise a
/// timestamp. (Apache uses the JVM's default zone here; this is UTC, the
/// usual zone of a Connect worker.)
pub(crate) fn connect_date_string(millis: i64) -> String {
    static FORMATS: OnceLock<Option<[SimpleDateFormat; 3]>> = OnceLock::new();
    let formats = FORMATS.get_or_init(|| {
        Some([
            SimpleDateFormat::with_two_digit_year_start(ISO_TIME, 0).ok()?,
            SimpleDateFormat::with_two_digit_year_start(ISO_DATE, 0).ok()?,
            SimpleDateFormat::with_two_digit_year_start(ISO_TIMESTAMP, 0).ok()?,
        ])
    });
    let Some([time, date, timestamp]) = formats else {
        return millis.to_string();
    };
    if millis < ONE_DAY {
        time.format(millis)
    } else if millis % ONE_DAY == 0 {
        date.format(millis)
    } else {
        timestamp.format(millis)
    }
}

#[cfg(test)]
mod tests;
