//! `java.util.GregorianCalendar` in UTC with the week rules of the English
//! locales (`en`, `en_US`: weeks start on Sunday, the first week of a year
//! is the one holding January 1).
//!
//! Java's calendar is a hybrid: dates before 1582-10-15 are Julian, later
//! ones Gregorian, and years before 1 AD are counted with an era (BC). A
//! Kafka Connect user formatting or parsing such dates with
//! `SimpleDateFormat` gets Julian dates, so this module does the same
//! instead of a proleptic Gregorian calendar.
//!
//! Dates are handled as "fixed dates" like Java does internally: day 1 is
//! January 1 of year 1 (Gregorian), day 719163 is 1970-01-01.
//!
//! This module turns an instant into calendar fields ([`DateFields`]) and
//! holds the date arithmetic; `resolve` goes the other way for parsing.

/// Milliseconds per day.
pub(crate) const ONE_DAY: i64 = 86_400_000;
/// The fixed date of 1970-01-01.
pub(super) const EPOCH_OFFSET: i64 = 719_163;
/// The fixed date of Java's default Gregorian cutover, 1582-10-15.
pub(super) const CUTOVER_DATE: i64 = 577_736;
/// The year of the cutover (the same in both calendars for the default).
pub(super) const CUTOVER_YEAR: i64 = 1582;
/// The fixed date of January 1, 1 (Julian).
const JULIAN_EPOCH: i64 = -1;
/// Sunday, as `Calendar.SUNDAY`: the first day of a week in `en`/`en_US`.
pub(crate) const FIRST_DAY_OF_WEEK: i32 = 1;
/// Days the first week of a year needs (`en`/`en_US`: 1).
pub(super) const MIN_DAYS_IN_FIRST_WEEK: i64 = 1;
/// `GregorianCalendar.BCE` and `CE`.
pub(crate) const BCE: i32 = 0;
/// See [`BCE`].
pub(crate) const CE: i32 = 1;
/// The year Java assumes when a parsed text names none.
pub(super) const EPOCH_YEAR: i32 = 1970;

/// Days before each month (1-based) in a common year.
const ACCUMULATED_DAYS: [i64; 13] = [0, 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
/// Month lengths (0-based months) in common and leap years.
pub(super) const MONTH_LENGTH: [i64; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
pub(super) const LEAP_MONTH_LENGTH: [i64; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

pub(super) fn gregorian_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn julian_leap(year: i64) -> bool {
    year.rem_euclid(4) == 0
}

/// Which of the two calendars a date is computed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum System {
    Gregorian,
    Julian,
}

impl System {
    pub(super) fn is_leap(self, year: i64) -> bool {
        match self {
            System::Gregorian => gregorian_leap(year),
            System::Julian => julian_leap(year),
        }
    }

    /// The fixed date of `year`-`month`-`day` (`month` 1-based, in range).
    pub(super) fn fixed_date(self, year: i64, month: i64, day: i64) -> i64 {
        let month_days = (367 * month - 362).div_euclid(12);
        let mut days = match self {
            System::Gregorian => {
                let prev = year - 1;
                day + 365 * prev + prev.div_euclid(4) - prev.div_euclid(100)
                    + prev.div_euclid(400)
                    + month_days
            }
            System::Julian => {
                JULIAN_EPOCH - 1 + 365 * (year - 1) + day + (year - 1).div_euclid(4) + month_days
            }
        };
        if month > 2 {
            days -= if self.is_leap(year) { 1 } else { 2 };
        }
        days
    }

    /// The (normalized year, 1-based month, day of month) of a fixed date.
    pub(super) fn date(self, fixed: i64) -> (i64, i64, i64) {
        let year = match self {
            System::Gregorian => gregorian_year(fixed),
            System::Julian => (4 * (fixed - JULIAN_EPOCH) + 1464).div_euclid(1461),
        };
        let jan1 = self.fixed_date(year, 1, 1);
        let leap = self.is_leap(year);
        let mut prior_days = fixed - jan1;
        let mar1 = jan1 + 59 + i64::from(leap);
        if fixed >= mar1 {
            prior_days += if leap { 1 } else { 2 };
        }
        let month = (12 * prior_days + 373).div_euclid(367);
        let mut month1 = jan1 + ACCUMULATED_DAYS[month.clamp(1, 12) as usize];
        if leap && month >= 3 {
            month1 += 1;
        }
        (year, month, fixed - month1 + 1)
    }
}

/// The Gregorian year of a fixed date (Java's `getGregorianYearFromFixedDate`).
fn gregorian_year(fixed: i64) -> i64 {
    let d0 = fixed - 1;
    let n400 = d0.div_euclid(146_097);
    let d1 = d0.rem_euclid(146_097);
    let n100 = d1.div_euclid(36_524);
    let d2 = d1.rem_euclid(36_524);
    let n4 = d2.div_euclid(1461);
    let d3 = d2.rem_euclid(1461);
    let n1 = d3.div_euclid(365);
    let year = 400 * n400 + 100 * n100 + 4 * n4 + n1;
    if n100 == 4 || n1 == 4 { year } else { year + 1 }
}

/// The calendar a fixed date falls in.
pub(super) fn system_of(fixed: i64) -> System {
    if fixed >= CUTOVER_DATE {
        System::Gregorian
    } else {
        System::Julian
    }
}

/// The day of week of a fixed date, 1 (Sunday) to 7 (Saturday).
fn day_of_week(fixed: i64) -> i32 {
    (fixed.rem_euclid(7) + 1) as i32
}

/// The fixed date of the `dow` on or before `fixed`.
pub(super) fn day_of_week_on_or_before(fixed: i64, dow: i32) -> i64 {
    fixed - (fixed - i64::from(dow - 1)).rem_euclid(7)
}

/// Java's `getWeekNumber`: the week of `fixed` in the period that starts on
/// `day1`.
fn week_number(day1: i64, fixed: i64) -> i32 {
    let mut first = day_of_week_on_or_before(day1 + 6, FIRST_DAY_OF_WEEK);
    if first - day1 >= MIN_DAYS_IN_FIRST_WEEK {
        first -= 7;
    }
    ((fixed - first).div_euclid(7) + 1) as i32
}

/// The calendar fields of an instant in UTC, as `Calendar.get` returns
/// them (months 0-based, days of week 1 = Sunday, years of era).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DateFields {
    pub era: i32,
    pub year: i32,
    pub month: i32,
    pub day_of_month: i32,
    pub day_of_year: i32,
    pub day_of_week: i32,
    pub day_of_week_in_month: i32,
    pub week_of_year: i32,
    pub week_of_month: i32,
    pub hour_of_day: i32,
    pub minute: i32,
    pub second: i32,
    pub millisecond: i32,
    /// The year with BC years as 0, -1, ... (Java's "normalized" year).
    normalized_year: i64,
}

impl DateFields {
    /// The fields of `millis` since the epoch, in UTC.
    pub(crate) fn of(millis: i64) -> Self {
        let fixed = millis.div_euclid(ONE_DAY) + EPOCH_OFFSET;
        let time = millis.rem_euclid(ONE_DAY);
        let system = system_of(fixed);
        let (normalized_year, month, dom) = system.date(fixed);
        let (era, year) = if normalized_year <= 0 {
            (BCE, 1 - normalized_year)
        } else {
            (CE, normalized_year)
        };

        let mut jan1 = system.fixed_date(normalized_year, 1, 1);
        let mut month1 = fixed - dom + 1;
        if normalized_year == CUTOVER_YEAR {
            // The year starts in the Julian calendar; in the cutover month
            // (October) the month also starts on its Julian first.
            jan1 = System::Julian.fixed_date(normalized_year, 1, 1);
            if fixed >= CUTOVER_DATE && month == 10 {
                month1 = System::Julian.fixed_date(normalized_year, 10, 1);
            }
        }
        let day_of_year = fixed - jan1 + 1;
        let relative_dom = fixed - month1;

        let mut week_of_year = week_number(jan1, fixed);
        if week_of_year == 0 {
            // The last week of the previous year.
            let dec31 = jan1 - 1;
            let prev_year = normalized_year - 1;
            let prev_jan1 = if normalized_year > CUTOVER_YEAR + 1 {
                jan1 - 365 - i64::from(gregorian_leap(prev_year))
            } else if normalized_year <= CUTOVER_YEAR {
                jan1 - 365 - i64::from(julian_leap(prev_year))
            } else {
                System::Julian.fixed_date(prev_year, 1, 1)
            };
            week_of_year = week_number(prev_jan1, dec31);
        } else {
            let regular = !(CUTOVER_YEAR - 1..=CUTOVER_YEAR).contains(&normalized_year);
            let next_jan1 = if regular {
                (week_of_year >= 52)
                    .then(|| jan1 + 365 + i64::from(system.is_leap(normalized_year)))
            } else {
                let next_year = normalized_year + 1;
                let cal = if next_year == CUTOVER_YEAR {
                    System::Julian
                } else {
                    system
                };
                Some(cal.fixed_date(next_year, 1, 1))
            };
            if let Some(next_jan1) = next_jan1 {
                let next_first = day_of_week_on_or_before(next_jan1 + 6, FIRST_DAY_OF_WEEK);
                if next_first - next_jan1 >= MIN_DAYS_IN_FIRST_WEEK && fixed >= next_first - 7 {
                    week_of_year = 1;
                }
            }
        }

        let time = time as i32;
        DateFields {
            era,
            year: year as i32,
            month: (month - 1) as i32,
            day_of_month: dom as i32,
            day_of_year: day_of_year as i32,
            day_of_week: day_of_week(fixed),
            day_of_week_in_month: (relative_dom / 7 + 1) as i32,
            week_of_year,
            week_of_month: week_number(month1, fixed),
            hour_of_day: time / 3_600_000,
            minute: time / 60_000 % 60,
            second: time / 1000 % 60,
            millisecond: time % 1000,
            normalized_year,
        }
    }

    /// `GregorianCalendar.getWeekYear()`: the year the week of this date
    /// belongs to, with BC years as 0, -1, ... (Java prints it so).
    pub(crate) fn week_year(&self) -> i64 {
        let year = self.normalized_year;
        if self.month == 0 && self.week_of_year >= 52 {
            year - 1
        } else if self.month != 0 && self.week_of_year == 1 {
            year + 1
        } else {
            year
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_dates_match_java_constants() {
        assert_eq!(System::Gregorian.fixed_date(1970, 1, 1), EPOCH_OFFSET);
        assert_eq!(System::Gregorian.fixed_date(1582, 10, 15), CUTOVER_DATE);
        // Julian 1582-10-05 is the day Gregorian 1582-10-15 replaced.
        assert_eq!(System::Julian.fixed_date(1582, 10, 5), CUTOVER_DATE);
        assert_eq!(System::Gregorian.fixed_date(1, 1, 1), 1);
        for fixed in [-1_000_000, -1, 0, 1, 577_735, 577_736, 719_163, 1_000_000] {
            for system in [System::Gregorian, System::Julian] {
                let (y, m, d) = system.date(fixed);
                assert_eq!(system.fixed_date(y, m, d), fixed, "{system:?} {fixed}");
            }
        }
    }

    #[test]
    fn fields_of_known_instants() {
        // 2017-01-03T06:30:01.864Z, a Tuesday.
        let f = DateFields::of(1_483_425_001_864);
        assert_eq!(
            (
                f.year,
                f.month,
                f.day_of_month,
                f.day_of_week,
                f.day_of_year
            ),
            (2017, 0, 3, 3, 3)
        );
        assert_eq!(
            (f.hour_of_day, f.minute, f.second, f.millisecond),
            (6, 30, 1, 864)
        );
        // The last Julian day.
        let f = DateFields::of((CUTOVER_DATE - 1 - EPOCH_OFFSET) * ONE_DAY);
        assert_eq!((f.year, f.month, f.day_of_month), (1582, 9, 4));
        let f = DateFields::of(-62_167_392_000_000);
        assert_eq!((f.era, f.year, f.month, f.day_of_month), (BCE, 1, 0, 1));
    }
}
