//! Compiling a `SimpleDateFormat` pattern: letters, runs of letters, quoted
//! text and literals, with Java's errors for bad patterns.

/// A pattern letter (Java's `DateFormatSymbols.patternChars`,
/// `GyMdkHmsSEDFwWahKzZYuXL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Letter {
    /// `G`: era.
    Era,
    /// `y`: year of era.
    Year,
    /// `M`: month (format form).
    Month,
    /// `d`: day of month.
    DayOfMonth,
    /// `k`: hour of day, 1-24.
    HourOfDay1,
    /// `H`: hour of day, 0-23.
    HourOfDay0,
    /// `m`: minute.
    Minute,
    /// `s`: second.
    Second,
    /// `S`: millisecond (a number, not a fraction).
    Millisecond,
    /// `E`: day of week name.
    DayOfWeek,
    /// `D`: day of year.
    DayOfYear,
    /// `F`: day of week in month.
    DayOfWeekInMonth,
    /// `w`: week of year.
    WeekOfYear,
    /// `W`: week of month.
    WeekOfMonth,
    /// `a`: AM/PM.
    AmPm,
    /// `h`: hour in AM/PM, 1-12.
    Hour1,
    /// `K`: hour in AM/PM, 0-11.
    Hour0,
    /// `z`: general time zone.
    ZoneName,
    /// `Z`: RFC 822 time zone.
    ZoneValue,
    /// `Y`: week year.
    WeekYear,
    /// `u`: ISO day number of week (1 = Monday).
    IsoDayOfWeek,
    /// `X`: ISO 8601 time zone.
    IsoZone,
    /// `L`: month (standalone form).
    MonthStandalone,
}

impl Letter {
    fn of(c: char) -> Option<Self> {
        Some(match c {
            'G' => Letter::Era,
            'y' => Letter::Year,
            'M' => Letter::Month,
            'd' => Letter::DayOfMonth,
            'k' => Letter::HourOfDay1,
            'H' => Letter::HourOfDay0,
            'm' => Letter::Minute,
            's' => Letter::Second,
            'S' => Letter::Millisecond,
            'E' => Letter::DayOfWeek,
            'D' => Letter::DayOfYear,
            'F' => Letter::DayOfWeekInMonth,
            'w' => Letter::WeekOfYear,
            'W' => Letter::WeekOfMonth,
            'a' => Letter::AmPm,
            'h' => Letter::Hour1,
            'K' => Letter::Hour0,
            'z' => Letter::ZoneName,
            'Z' => Letter::ZoneValue,
            'Y' => Letter::WeekYear,
            'u' => Letter::IsoDayOfWeek,
            'X' => Letter::IsoZone,
            'L' => Letter::MonthStandalone,
            _ => return None,
        })
    }

    /// Whether a text with no delimiter before the next field must give
    /// this one exactly `count` characters (Java's `shouldObeyCount`, asked
    /// about the *next* field).
    pub(crate) fn abuts(self, count: usize) -> bool {
        match self {
            Letter::Month | Letter::MonthStandalone => count <= 2,
            Letter::Era
            | Letter::DayOfWeek
            | Letter::AmPm
            | Letter::ZoneName
            | Letter::ZoneValue
            | Letter::IsoZone => false,
            _ => true,
        }
    }

    /// Whether formatting this letter depends on the time of day (the
    /// zone letters do not: the zone is always UTC).
    pub(crate) fn is_time_of_day(self) -> bool {
        matches!(
            self,
            Letter::HourOfDay1
                | Letter::HourOfDay0
                | Letter::Minute
                | Letter::Second
                | Letter::Millisecond
                | Letter::AmPm
                | Letter::Hour1
                | Letter::Hour0
        )
    }
}

/// One piece of a compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Item {
    /// Text copied as is (quoted text or a non-letter).
    Literal(String),
    /// A run of `count` equal pattern letters.
    Field { letter: Letter, count: usize },
}

/// Why a pattern is not a `SimpleDateFormat` pattern; the messages are
/// those of Java's `IllegalArgumentException`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PatternError {
    /// An ASCII letter that is not a pattern letter.
    #[error("Illegal pattern character '{0}'")]
    IllegalCharacter(char),
    /// A quote that is never closed.
    #[error("Unterminated quote")]
    UnterminatedQuote,
    /// `XXXX` or longer.
    #[error("invalid ISO 8601 format: length={0}")]
    IsoZoneLength(usize),
}

/// Compile `pattern` as `SimpleDateFormat.compile` does.
pub(crate) fn compile(pattern: &str) -> Result<Vec<Item>, PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut items = Vec::new();
    let mut pending: Option<(Letter, usize)> = None;
    let mut quoted: Option<String> = None;
    let flush = |pending: &mut Option<(Letter, usize)>, items: &mut Vec<Item>| {
        if let Some((letter, count)) = pending.take() {
            if letter == Letter::IsoZone && count >= 4 {
                return Err(PatternError::IsoZoneLength(count));
            }
            items.push(Item::Field { letter, count });
        }
        Ok(())
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // '' is a quote, inside or outside quoted text.
            if chars.get(i + 1) == Some(&'\'') {
                i += 2;
                flush(&mut pending, &mut items)?;
                match &mut quoted {
                    Some(text) => text.push('\''),
                    None => push_literal(&mut items, '\''),
                }
                continue;
            }
            match quoted.take() {
                None => {
                    flush(&mut pending, &mut items)?;
                    quoted = Some(String::new());
                }
                Some(text) => items.push(Item::Literal(text)),
            }
            i += 1;
            continue;
        }
        if let Some(text) = &mut quoted {
            text.push(c);
            i += 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            flush(&mut pending, &mut items)?;
            push_literal(&mut items, c);
            i += 1;
            continue;
        }
        let letter = Letter::of(c).ok_or(PatternError::IllegalCharacter(c))?;
        match &mut pending {
            Some((l, count)) if *l == letter => *count += 1,
            _ => {
                flush(&mut pending, &mut items)?;
                pending = Some((letter, 1));
            }
        }
        i += 1;
    }
    if quoted.is_some() {
        return Err(PatternError::UnterminatedQuote);
    }
    flush(&mut pending, &mut items)?;
    Ok(items)
}

/// Append a literal character. Java keeps each delimiter as its own entry,
/// which matters only for "is the next entry a field" while parsing; a
/// literal of any length answers no, so joining them changes nothing.
fn push_literal(items: &mut Vec<Item>, c: char) {
    if let Some(Item::Literal(text)) = items.last_mut() {
        text.push(c);
    } else {
        items.push(Item::Literal(c.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(letter: Letter, count: usize) -> Item {
        Item::Field { letter, count }
    }

    #[test]
    fn letters_quotes_and_literals() {
        assert_eq!(
            compile("yyyy-MM-dd'T'HH").unwrap(),
            vec![
                field(Letter::Year, 4),
                Item::Literal("-".into()),
                field(Letter::Month, 2),
                Item::Literal("-".into()),
                field(Letter::DayOfMonth, 2),
                Item::Literal("T".into()),
                field(Letter::HourOfDay0, 2),
            ]
        );
        assert_eq!(
            compile("h 'o''clock' ''").unwrap(),
            vec![
                field(Letter::Hour1, 1),
                Item::Literal(" ".into()),
                Item::Literal("o'clock '".into()),
            ]
        );
        assert_eq!(compile("").unwrap(), vec![]);
    }

    #[test]
    fn java_errors() {
        assert_eq!(
            compile("bad-format").unwrap_err().to_string(),
            "Illegal pattern character 'b'"
        );
        assert_eq!(
            compile("yyyy'T").unwrap_err().to_string(),
            "Unterminated quote"
        );
        assert_eq!(
            compile("XXXX").unwrap_err().to_string(),
            "invalid ISO 8601 format: length=4"
        );
        // The illegal letter is found before the pending X run is checked.
        assert_eq!(
            compile("XXXXq").unwrap_err().to_string(),
            "Illegal pattern character 'q'"
        );
    }
}
