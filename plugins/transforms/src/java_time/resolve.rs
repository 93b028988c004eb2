//! Resolving calendar fields set one by one while parsing into an instant,
//! the way a lenient `GregorianCalendar` in UTC does (`CalendarBuilder.
//! establish`, `Calendar.selectFields`, `GregorianCalendar.computeTime`):
//! the most recently set combination of date fields decides the date, and
//! out-of-range values roll over (month 13 is January of the next year).

use super::calendar::{
    BCE, CE, CUTOVER_DATE, CUTOVER_YEAR, DateFields, EPOCH_OFFSET, EPOCH_YEAR, FIRST_DAY_OF_WEEK,
    LEAP_MONTH_LENGTH, MIN_DAYS_IN_FIRST_WEEK, MONTH_LENGTH, ONE_DAY, System,
    day_of_week_on_or_before, gregorian_leap, system_of,
};

/// A `Calendar` field index (the values of `Calendar.ERA`, ...), plus the
/// pseudo field the week year is parsed into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Era = 0,
    Year = 1,
    Month = 2,
    WeekOfYear = 3,
    WeekOfMonth = 4,
    DayOfMonth = 5,
    DayOfYear = 6,
    DayOfWeek = 7,
    DayOfWeekInMonth = 8,
    AmPm = 9,
    Hour = 10,
    HourOfDay = 11,
    Minute = 12,
    Second = 13,
    Millisecond = 14,
    ZoneOffset = 15,
    DstOffset = 16,
    /// `CalendarBuilder.WEEK_YEAR`: not a `Calendar` field.
    WeekYear = 17,
}

/// Number of real calendar fields (`Calendar.FIELD_COUNT`).
const FIELD_COUNT: usize = 17;
/// A stamp meaning "not set".
const UNSET: u32 = 0;
/// The first stamp of a set field (`Calendar.MINIMUM_USER_STAMP`).
const FIRST_STAMP: u32 = 2;

/// Calendar field values with the order they were set in (Java's
/// `CalendarBuilder` and the `stamp[]` of `Calendar`); the order decides
/// which fields determine the date.
#[derive(Debug, Clone)]
pub(crate) struct FieldSet {
    value: [i32; FIELD_COUNT + 1],
    stamp: [u32; FIELD_COUNT + 1],
    next: u32,
}

/// A lenient calendar still refuses eras other than BC and AD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct InvalidEra;

impl Default for FieldSet {
    fn default() -> Self {
        Self {
            value: [0; FIELD_COUNT + 1],
            stamp: [UNSET; FIELD_COUNT + 1],
            next: FIRST_STAMP,
        }
    }
}

impl FieldSet {
    /// Set `field` (the most recent set wins ties between field groups).
    pub(crate) fn set(&mut self, field: Field, value: i32) {
        let i = field as usize;
        self.value[i] = value;
        self.stamp[i] = self.next;
        self.next += 1;
    }

    /// Set the day of week from an ISO day number (1 = Monday), as
    /// `CalendarBuilder` does for the `u` letter.
    pub(crate) fn set_iso_day_of_week(&mut self, iso: i32) {
        let dow = if (1..=7).contains(&iso) {
            if iso == 7 { 1 } else { iso + 1 }
        } else {
            iso
        };
        self.set(Field::DayOfWeek, dow);
    }

    /// Forget `field`.
    pub(crate) fn clear(&mut self, field: Field) {
        let i = field as usize;
        self.value[i] = 0;
        self.stamp[i] = UNSET;
    }

    /// Move the year (and week year) by `years`, as `CalendarBuilder.addYear`.
    pub(crate) fn add_year(&mut self, years: i32) {
        let (y, wy) = (Field::Year as usize, Field::WeekYear as usize);
        self.value[y] = self.value[y].wrapping_add(years);
        self.value[wy] = self.value[wy].wrapping_add(years);
    }

    fn is_set(&self, field: Field) -> bool {
        self.stamp[field as usize] != UNSET
    }

    fn get(&self, field: Field) -> i32 {
        self.value[field as usize]
    }

    fn stamp(&self, field: Field) -> u32 {
        self.stamp[field as usize]
    }

    /// The instant these fields designate (`CalendarBuilder.establish`
    /// followed by `Calendar.getTime()` on a lenient UTC calendar).
    pub(crate) fn resolve(&self) -> Result<i64, InvalidEra> {
        let mut cal = self.clone();
        // The week year is not a calendar field; it only matters when it
        // was set after the year.
        cal.clear(Field::WeekYear);
        let week_date =
            self.is_set(Field::WeekYear) && self.stamp(Field::WeekYear) > self.stamp(Field::Year);
        if !week_date {
            return cal.compute_time();
        }

        let mut week = if self.is_set(Field::WeekOfYear) {
            self.get(Field::WeekOfYear)
        } else {
            1
        };
        let mut dow = if self.is_set(Field::DayOfWeek) {
            self.get(Field::DayOfWeek)
        } else {
            FIRST_DAY_OF_WEEK
        };
        if !(1..=7).contains(&dow) {
            // A lenient ISO day of week rolls into neighbouring weeks.
            if dow >= 8 {
                dow -= 1;
                week = week.wrapping_add(dow / 7);
                dow = dow % 7 + 1;
            } else {
                while dow <= 0 {
                    dow += 7;
                    week = week.wrapping_sub(1);
                }
            }
            dow = if dow == 7 { 1 } else { dow + 1 };
        }
        cal.set_week_date(self.get(Field::WeekYear), week, dow)
    }

    /// `GregorianCalendar.setWeekDate` followed by `getTime()`.
    fn set_week_date(&mut self, week_year: i32, week: i32, dow: i32) -> Result<i64, InvalidEra> {
        // The era of the date the other fields designate, in local time.
        let millis = self.compute_time()?;
        let offset = i64::from(self.get(Field::ZoneOffset)) + i64::from(self.get(Field::DstOffset));
        let era = DateFields::of(millis.wrapping_add(offset)).era;
        let mut first_week = FieldSet::default();
        first_week.set(Field::Era, era);
        first_week.set(Field::Year, week_year);
        first_week.set(Field::WeekOfYear, 1);
        first_week.set(Field::DayOfWeek, FIRST_DAY_OF_WEEK);
        let start = first_week.compute_time()?;
        let mut days = i64::from(dow - FIRST_DAY_OF_WEEK);
        if days < 0 {
            days += 7;
        }
        days += 7 * (i64::from(week) - 1);
        let fixed = start.div_euclid(ONE_DAY) + EPOCH_OFFSET + days;
        let (normalized, month, dom) = system_of(fixed).date(fixed);
        let (era, year) = if normalized <= 0 {
            (BCE, 1 - normalized)
        } else {
            (CE, normalized)
        };
        self.set(Field::Era, era);
        self.set(Field::Year, year as i32);
        self.set(Field::Month, (month - 1) as i32);
        self.set(Field::DayOfMonth, dom as i32);
        self.value[Field::WeekOfYear as usize] = week;
        self.compute_time()
    }

    /// `Calendar.selectFields`: which fields determine the date and time.
    fn select_fields(&self) -> Mask {
        let mut mask = Mask::of(&[Field::Year]);
        if self.is_set(Field::Era) {
            mask.add(Field::Era);
        }
        let dow = self.stamp(Field::DayOfWeek);
        let month = self.stamp(Field::Month);
        let mut dom = self.stamp(Field::DayOfMonth);
        let mut wom = aggregate(self.stamp(Field::WeekOfMonth), dow);
        let mut dowim = aggregate(self.stamp(Field::DayOfWeekInMonth), dow);
        let doy = self.stamp(Field::DayOfYear);
        let mut woy = aggregate(self.stamp(Field::WeekOfYear), dow);

        let mut best = dom.max(wom).max(dowim).max(doy).max(woy);
        if best == UNSET {
            wom = self.stamp(Field::WeekOfMonth);
            dowim = self.stamp(Field::DayOfWeekInMonth).max(dow);
            woy = self.stamp(Field::WeekOfYear);
            best = wom.max(dowim).max(woy);
            if best == UNSET {
                dom = month;
                best = month;
            }
        }

        let wom_raw = self.stamp(Field::WeekOfMonth);
        let dowim_raw = self.stamp(Field::DayOfWeekInMonth);
        let woy_raw = self.stamp(Field::WeekOfYear);
        if best == dom
            || (best == wom && wom_raw >= woy_raw)
            || (best == dowim && dowim_raw >= woy_raw)
        {
            mask.add(Field::Month);
            if best == dom {
                mask.add(Field::DayOfMonth);
            } else {
                if dow != UNSET {
                    mask.add(Field::DayOfWeek);
                }
                if wom == dowim {
                    if wom_raw >= dowim_raw {
                        mask.add(Field::WeekOfMonth);
                    } else {
                        mask.add(Field::DayOfWeekInMonth);
                    }
                } else if best == wom {
                    mask.add(Field::WeekOfMonth);
                } else if dowim_raw != UNSET {
                    mask.add(Field::DayOfWeekInMonth);
                }
            }
        } else if best == doy {
            mask.add(Field::DayOfYear);
        } else {
            if dow != UNSET {
                mask.add(Field::DayOfWeek);
            }
            mask.add(Field::WeekOfYear);
        }

        let hour_of_day = self.stamp(Field::HourOfDay);
        let hour = aggregate(self.stamp(Field::Hour), self.stamp(Field::AmPm));
        let mut best = hour.max(hour_of_day);
        if best == UNSET {
            best = self.stamp(Field::Hour).max(self.stamp(Field::AmPm));
        }
        if best != UNSET {
            if best == hour_of_day {
                mask.add(Field::HourOfDay);
            } else {
                mask.add(Field::Hour);
                if self.is_set(Field::AmPm) {
                    mask.add(Field::AmPm);
                }
            }
        }
        for f in [
            Field::Minute,
            Field::Second,
            Field::Millisecond,
            Field::ZoneOffset,
            Field::DstOffset,
        ] {
            if self.is_set(f) {
                mask.add(f);
            }
        }
        mask
    }

    /// `GregorianCalendar.computeTime()` in lenient mode, time zone UTC.
    fn compute_time(&self) -> Result<i64, InvalidEra> {
        let mask = self.select_fields();
        let mut year = if self.is_set(Field::Year) {
            self.get(Field::Year)
        } else {
            EPOCH_YEAR
        };
        let era = if self.is_set(Field::Era) {
            self.get(Field::Era)
        } else {
            CE
        };
        if era == BCE {
            year = 1i32.wrapping_sub(year);
        } else if era != CE {
            return Err(InvalidEra);
        }

        let mut time_of_day: i64 = if mask.has(Field::HourOfDay) {
            i64::from(self.get(Field::HourOfDay))
        } else {
            let mut t = i64::from(self.get(Field::Hour));
            if mask.has(Field::AmPm) {
                t += 12 * i64::from(self.get(Field::AmPm));
            }
            t
        };
        time_of_day = time_of_day * 60 + i64::from(self.get(Field::Minute));
        time_of_day = time_of_day * 60 + i64::from(self.get(Field::Second));
        time_of_day = time_of_day * 1000 + i64::from(self.get(Field::Millisecond));
        let mut fixed = time_of_day.div_euclid(ONE_DAY);
        let time_of_day = time_of_day.rem_euclid(ONE_DAY);

        let year64 = i64::from(year);
        fixed = if year64 > CUTOVER_YEAR {
            let gfd = fixed + self.fixed_date(System::Gregorian, year, mask);
            if gfd >= CUTOVER_DATE {
                gfd
            } else {
                // Before the cutover, whatever the year says: Julian.
                fixed + self.fixed_date(System::Julian, year, mask)
            }
        } else if year64 < CUTOVER_YEAR {
            fixed + self.fixed_date(System::Julian, year, mask)
        } else {
            let jfd = fixed + self.fixed_date(System::Julian, year, mask);
            let gfd = fixed + self.fixed_date(System::Gregorian, year, mask);
            if mask.has(Field::DayOfYear) || mask.has(Field::WeekOfYear) || gfd < CUTOVER_DATE {
                jfd
            } else {
                gfd
            }
        };

        let mut millis = (fixed - EPOCH_OFFSET)
            .wrapping_mul(ONE_DAY)
            .wrapping_add(time_of_day);
        let mut offset = 0i64;
        if mask.has(Field::ZoneOffset) {
            offset += i64::from(self.get(Field::ZoneOffset));
        }
        if mask.has(Field::DstOffset) {
            offset += i64::from(self.get(Field::DstOffset));
        }
        millis = millis.wrapping_sub(offset);
        Ok(millis)
    }

    /// `GregorianCalendar.getFixedDate`: the fixed date of the date fields
    /// in `mask`, for the normalized `year`, in one calendar system.
    fn fixed_date(&self, system: System, year: i32, mask: Mask) -> i64 {
        let mut year = year;
        let mut month = 0i32;
        if mask.has(Field::Month) {
            month = self.get(Field::Month);
            if month > 11 {
                year = year.wrapping_add(month / 12);
                month %= 12;
            } else if month < 0 {
                year = year.wrapping_add(month.div_euclid(12));
                month = month.rem_euclid(12);
            }
        }
        let year = i64::from(year);
        let mut fixed = system.fixed_date(year, i64::from(month) + 1, 1);
        if mask.has(Field::Month) {
            if mask.has(Field::DayOfMonth) {
                if self.is_set(Field::DayOfMonth) {
                    fixed += i64::from(self.get(Field::DayOfMonth)) - 1;
                }
            } else if mask.has(Field::WeekOfMonth) {
                let mut first = day_of_week_on_or_before(fixed + 6, FIRST_DAY_OF_WEEK);
                if first - fixed >= MIN_DAYS_IN_FIRST_WEEK {
                    first -= 7;
                }
                if mask.has(Field::DayOfWeek) {
                    first = day_of_week_on_or_before(first + 6, self.get(Field::DayOfWeek));
                }
                fixed = first + i64::from(7i32.wrapping_mul(self.get(Field::WeekOfMonth) - 1));
            } else {
                let dow = if mask.has(Field::DayOfWeek) {
                    self.get(Field::DayOfWeek)
                } else {
                    FIRST_DAY_OF_WEEK
                };
                let dowim = if mask.has(Field::DayOfWeekInMonth) {
                    self.get(Field::DayOfWeekInMonth)
                } else {
                    1
                };
                fixed = if dowim >= 0 {
                    day_of_week_on_or_before(fixed + i64::from(7i32.wrapping_mul(dowim)) - 1, dow)
                } else {
                    let length = if hybrid_leap(year) {
                        LEAP_MONTH_LENGTH[month as usize]
                    } else {
                        MONTH_LENGTH[month as usize]
                    };
                    let last = length + i64::from(7i32.wrapping_mul(dowim + 1));
                    day_of_week_on_or_before(fixed + last - 1, dow)
                };
            }
        } else if mask.has(Field::DayOfYear) {
            fixed += i64::from(self.get(Field::DayOfYear)) - 1;
        } else {
            let mut first = day_of_week_on_or_before(fixed + 6, FIRST_DAY_OF_WEEK);
            if first - fixed >= MIN_DAYS_IN_FIRST_WEEK {
                first -= 7;
            }
            if mask.has(Field::DayOfWeek) {
                let dow = self.get(Field::DayOfWeek);
                if dow != FIRST_DAY_OF_WEEK {
                    first = day_of_week_on_or_before(first + 6, dow);
                }
            }
            fixed = first + 7 * (i64::from(self.get(Field::WeekOfYear)) - 1);
        }
        fixed
    }
}

/// `GregorianCalendar.isLeapYear`: Julian rule up to the cutover year.
fn hybrid_leap(year: i64) -> bool {
    if year & 3 != 0 {
        return false;
    }
    if year > CUTOVER_YEAR {
        gregorian_leap(year)
    } else {
        true
    }
}

/// Java's `aggregateStamp`: the later of two stamps, or unset if either is.
fn aggregate(a: u32, b: u32) -> u32 {
    if a == UNSET || b == UNSET {
        UNSET
    } else {
        a.max(b)
    }
}

/// A set of fields (`Calendar`'s field masks).
#[derive(Debug, Clone, Copy, Default)]
struct Mask(u32);

impl Mask {
    fn of(fields: &[Field]) -> Self {
        let mut m = Mask(0);
        for f in fields {
            m.add(*f);
        }
        m
    }

    fn add(&mut self, f: Field) {
        self.0 |= 1 << (f as u32);
    }

    fn has(self, f: Field) -> bool {
        self.0 & (1 << (f as u32)) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_fields_roll_over() {
        let mut f = FieldSet::default();
        f.set(Field::Year, 2017);
        f.set(Field::Month, 12);
        f.set(Field::DayOfMonth, 45);
        // 2017-13-45 is 2018-02-14.
        assert_eq!(f.resolve(), Ok(1_518_566_400_000));
    }
}
