//! The English (`en`, `en_US`) names `SimpleDateFormat` writes and reads:
//! months, days, eras, AM/PM and time zone names.

use std::sync::OnceLock;

/// Month names, January first.
pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Abbreviated month names.
pub(crate) const SHORT_MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Day names, Sunday (`Calendar.SUNDAY` = 1) first.
pub(crate) const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// Abbreviated day names.
pub(crate) const SHORT_WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Era names as written (Java writes the short form for any count).
pub(crate) const ERAS: [&str; 2] = ["BC", "AD"];

/// Every era name the parser accepts, with the era it stands for.
pub(crate) const ERA_NAMES: [(&str, i32); 4] = [
    ("Before Christ", 0),
    ("Anno Domini", 1),
    ("BC", 0),
    ("AD", 1),
];

/// AM and PM.
pub(crate) const AM_PM: [&str; 2] = ["AM", "PM"];

/// The zone `SimpleDateFormat` is set to: UTC, written `UTC` (`z` to
/// `zzz`) or `Coordinated Universal Time` (`zzzz`).
pub(crate) const UTC_SHORT: &str = "UTC";
/// See [`UTC_SHORT`].
pub(crate) const UTC_LONG: &str = "Coordinated Universal Time";

/// Zone names as Java's `DateFormatSymbols.getZoneStrings()` lists them for
/// English (standard and daylight, long and short), in Java's order, each
/// name once, with the UTC offset in minutes a parse of that name yields
/// (raw offset, plus the daylight saving amount for daylight names).
/// Generated with JDK 17 from `DateFormatSymbols.getInstance(Locale.US)`.
const ZONE_TABLE: &str = include_str!("zone_names.tsv");

/// The zone names, parsed once.
fn zones() -> &'static [(Vec<u16>, i32)] {
    static ZONES: OnceLock<Vec<(Vec<u16>, i32)>> = OnceLock::new();
    ZONES.get_or_init(|| {
        ZONE_TABLE
            .lines()
            .filter_map(|line| {
                let (name, minutes) = line.split_once('\t')?;
                Some((name.encode_utf16().collect(), minutes.trim().parse().ok()?))
            })
            .collect()
    })
}

/// The zone name at `text[start..]` and its offset in milliseconds: the
/// first name in Java's order that the text starts with, ignoring case.
/// UTC's own names come first, as the format's zone is tried first.
pub(crate) fn match_zone(text: &[u16], start: usize) -> Option<(usize, i32)> {
    for name in [UTC_LONG, UTC_SHORT] {
        if let Some(len) = starts_with(text, start, name) {
            return Some((len, 0));
        }
    }
    zones()
        .iter()
        .find(|(name, _)| region_matches(text, start, name))
        .map(|(name, minutes)| (name.len(), minutes * 60_000))
}

/// Java's `String.regionMatches(true, start, other, 0, other.length())`:
/// whether `text` holds `other` at `start`, ignoring case.
pub(crate) fn region_matches(text: &[u16], start: usize, other: &[u16]) -> bool {
    let Some(region) = text.get(start..start + other.len()) else {
        return false;
    };
    region
        .iter()
        .zip(other)
        .all(|(&a, &b)| a == b || fold(a) == fold(b))
}

/// [`region_matches`] for a Rust string: its length in UTF-16 units when
/// `text` holds it at `start`, ignoring case.
fn starts_with(text: &[u16], start: usize, other: &str) -> Option<usize> {
    let mut i = start;
    for b in other.encode_utf16() {
        let a = *text.get(i)?;
        if a != b && fold(a) != fold(b) {
            return None;
        }
        i += 1;
    }
    Some(i - start)
}

/// Case folding of one UTF-16 unit the way `regionMatches` compares:
/// upper case, then lower case.
fn fold(unit: u16) -> u32 {
    match char::from_u32(u32::from(unit)) {
        Some(c) => {
            let upper = single(c.to_uppercase()).unwrap_or(c);
            single(upper.to_lowercase()).unwrap_or(upper) as u32
        }
        None => u32::from(unit),
    }
}

/// The only char of a case mapping, if it maps to one char (Java's
/// `Character.toUpperCase(char)` never expands).
fn single(mut it: impl Iterator<Item = char>) -> Option<char> {
    let c = it.next()?;
    it.next().is_none().then_some(c)
}

/// The longest of `names` found at `text[start..]` (ignoring case) and the
/// value it stands for.
pub(crate) fn longest_match<'a>(
    text: &[u16],
    start: usize,
    names: impl IntoIterator<Item = (&'a str, i32)>,
) -> Option<(usize, i32)> {
    let mut best: Option<(usize, i32)> = None;
    for (name, value) in names {
        if let Some(len) = starts_with(text, start, name)
            && best.is_none_or(|(best_len, _)| len > best_len)
        {
            best = Some((len, value));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn zone_names_resolve_like_java() {
        assert_eq!(match_zone(&utf16("UTC"), 0), Some((3, 0)));
        assert_eq!(match_zone(&utf16("utc"), 0), Some((3, 0)));
        assert_eq!(match_zone(&utf16("x PST"), 2), Some((3, -8 * 3_600_000)));
        assert_eq!(match_zone(&utf16("PDT"), 0), Some((3, -7 * 3_600_000)));
        assert_eq!(match_zone(&utf16("CEST"), 0), Some((4, 2 * 3_600_000)));
        assert_eq!(match_zone(&utf16("IST"), 0), Some((3, 2 * 3_600_000)));
        assert_eq!(
            match_zone(&utf16("Pacific Standard Time"), 0),
            Some((21, -8 * 3_600_000))
        );
        assert_eq!(match_zone(&utf16("Z"), 0), None);
        assert_eq!(match_zone(&utf16("UT"), 0), None);
    }

    #[test]
    fn longest_name_wins() {
        let months = MONTHS
            .iter()
            .chain(&SHORT_MONTHS)
            .zip((0..12).chain(0..12))
            .map(|(n, v)| (*n, v));
        assert_eq!(
            longest_match(&utf16("january"), 0, months.clone()),
            Some((7, 0))
        );
        assert_eq!(
            longest_match(&utf16("Sept"), 0, months.clone()),
            Some((3, 8))
        );
        assert_eq!(longest_match(&utf16("J"), 0, months), None);
    }
}
