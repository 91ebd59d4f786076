//! Recurrence rules (RFC 5545 §3.3.10): parsing an `RRULE` value and
//! expanding it into occurrence start times.
//!
//! Supported: `FREQ=DAILY|WEEKLY|MONTHLY|YEARLY` with `INTERVAL`, `COUNT`,
//! `UNTIL`, `BYDAY` (plain days; with ordinals such as `1MO` or `-1FR` for
//! MONTHLY and YEARLY), `BYMONTHDAY`, `BYMONTH`, `BYSETPOS` and `WKST`.
//! That covers everything Google Calendar, Apple Calendar and Outlook write
//! for the repeat options their UIs offer. Sub-daily frequencies and the
//! rarely used `BYHOUR`, `BYMINUTE`, `BYSECOND`, `BYYEARDAY`, `BYWEEKNO`,
//! `RSCALE` and `SKIP` are refused with an error naming the part, rather
//! than silently producing wrong dates. `X-` parts are ignored, as the RFC
//! allows.
//!
//! Expansion works on local wall-clock dates (the caller converts each
//! result to UTC in the event's own zone, so a 10:00 meeting stays at 10:00
//! across DST changes) one *period* at a time (a day, a week, a month or a
//! year, stepped by `INTERVAL`): the period's candidate dates are generated
//! in order, `BYSETPOS` picks among them, and each candidate after DTSTART
//! is an occurrence. DTSTART itself is always the first occurrence (RFC
//! 2445 said so explicitly; every calendar client behaves that way) and
//! counts towards `COUNT`.
//!
//! Hostile rules are bounded three ways: the loop stops at `UNTIL`, `COUNT`
//! or the horizon, whichever comes first, even when no candidate ever
//! matches (`FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30`), because periods are
//! checked against those limits before their candidates are generated;
//! each rule may examine at most [`MAX_RULE_STEPS`] candidate dates; and
//! the whole file shares a [`Budget`] of candidate dates.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, Weekday};

/// Candidate dates one rule may examine before its expansion is cut short.
/// Far above any real rule (a daily rule from 1900 to 2030 needs ~47,500).
pub(super) const MAX_RULE_STEPS: u64 = 2_000_000;

/// The latest year expanded; iCalendar dates have four-digit years.
const MAX_YEAR: i32 = 9999;

/// How often a rule repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Freq {
    /// Every `INTERVAL` days.
    Daily,
    /// Every `INTERVAL` weeks.
    Weekly,
    /// Every `INTERVAL` months.
    Monthly,
    /// Every `INTERVAL` years.
    Yearly,
}

/// The `UNTIL` bound, in the form the rule gave it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Until {
    /// A date: occurrences on or before that local date.
    Date(NaiveDate),
    /// A UTC date-time (µs since the epoch): occurrences starting at or
    /// before it.
    Utc(i64),
    /// A floating date-time: compared with the local start.
    Local(NaiveDateTime),
}

/// One `BYDAY` entry: a weekday, optionally the n-th (or n-th from last)
/// of the month or year.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct DaySpec {
    /// 1..=53 counts from the start of the period, -53..=-1 from its end.
    pub(super) ord: Option<i32>,
    /// The weekday.
    pub(super) day: Weekday,
}

/// A `BYDAY` list as bit sets, so a check costs the same however long the
/// list was written (a hostile rule may repeat `MO` a million times).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct ByDay {
    /// Weekdays given without a number (bit 0 = Monday).
    plain: u8,
    /// Per weekday, the ordinals n of `+nXX` (bit n).
    first: [u64; 7],
    /// Per weekday, the ordinals n of `-nXX` (bit n).
    last: [u64; 7],
}

impl ByDay {
    /// Adds one item.
    fn push(&mut self, spec: DaySpec) {
        let i = spec.day.num_days_from_monday() as usize % 7;
        match spec.ord {
            None => self.plain |= 1 << i,
            Some(n) if n > 0 => self.first[i] |= 1 << (n as u32 % 64),
            Some(n) => self.last[i] |= 1 << (n.unsigned_abs() % 64),
        }
    }

    /// Whether no BYDAY was given.
    pub(super) fn is_empty(&self) -> bool {
        self.plain == 0 && !self.has_ordinals()
    }

    /// Whether some item has a number (`1MO`).
    fn has_ordinals(&self) -> bool {
        self.first.iter().chain(&self.last).any(|&m| m != 0)
    }

    /// Whether `day` is listed (numbers ignored: DAILY and WEEKLY rules
    /// have none).
    fn has_weekday(&self, day: Weekday) -> bool {
        let i = day.num_days_from_monday() as usize % 7;
        self.plain & (1 << i) != 0
    }

    /// Whether a `day` that is the `nth` of its weekday in the period, and
    /// the `nth_last`, matches.
    fn matches(&self, day: Weekday, nth: u32, nth_last: u32) -> bool {
        let i = day.num_days_from_monday() as usize % 7;
        let bit = |mask: u64, n: u32| n < 64 && (mask >> n) & 1 == 1;
        self.plain & (1 << i) != 0 || bit(self.first[i], nth) || bit(self.last[i], nth_last)
    }
}

/// A `BYMONTHDAY` list as bit sets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct ByMonthDay {
    /// Days 1..=31 (bit n).
    first: u64,
    /// Days -1..=-31 counted from the month's end (bit n for -n).
    last: u64,
}

impl ByMonthDay {
    /// Adds one item (-31..=31, not 0).
    fn push(&mut self, n: i32) {
        if n > 0 {
            self.first |= 1 << (n as u32 % 64);
        } else {
            self.last |= 1 << (n.unsigned_abs() % 64);
        }
    }

    /// Whether no BYMONTHDAY was given.
    fn is_empty(&self) -> bool {
        self.first == 0 && self.last == 0
    }

    /// Whether day `d` of a month of `n` days matches.
    fn matches(&self, d: u32, n: u32) -> bool {
        let from_end = (n + 1).saturating_sub(d);
        (d < 64 && (self.first >> d) & 1 == 1)
            || (from_end < 64 && (self.last >> from_end) & 1 == 1)
    }
}

/// A parsed `RRULE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Rule {
    /// `FREQ`.
    pub(super) freq: Freq,
    /// `INTERVAL` (1 when absent).
    pub(super) interval: u32,
    /// `COUNT`: the most occurrences, DTSTART included.
    pub(super) count: Option<u64>,
    /// `UNTIL`.
    pub(super) until: Option<Until>,
    /// `BYDAY`.
    pub(super) by_day: ByDay,
    /// `BYMONTHDAY`: 1..=31 or -31..=-1 (from the end of the month).
    pub(super) by_month_day: ByMonthDay,
    /// `BYMONTH`: bit m for month m (1..=12); 0 when not given.
    pub(super) by_month: u16,
    /// `BYSETPOS`: positions within each period's candidates, sorted and
    /// without repeats.
    pub(super) by_set_pos: Vec<i32>,
    /// `WKST` (Monday when absent): where weeks start for WEEKLY rules.
    pub(super) wkst: Weekday,
}

/// Parses an `RRULE` value. `parse_until` reads the `UNTIL` value (the
/// caller knows the date formats). The error names the offending part.
pub(super) fn parse(
    value: &str,
    parse_until: impl Fn(&str) -> Option<Until>,
) -> Result<Rule, String> {
    let mut freq = None;
    let mut rule = Rule {
        freq: Freq::Daily,
        interval: 1,
        count: None,
        until: None,
        by_day: ByDay::default(),
        by_month_day: ByMonthDay::default(),
        by_month: 0,
        by_set_pos: Vec::new(),
        wkst: Weekday::Mon,
    };
    let mut seen: Vec<String> = Vec::new();
    for part in value.trim().split(';').filter(|p| !p.trim().is_empty()) {
        let Some((key, val)) = part.split_once('=') else {
            return Err(format!("RRULE part \"{}\" has no value", excerpt(part)));
        };
        let key = key.trim().to_ascii_uppercase();
        let val = val.trim();
        if key.starts_with("X-") {
            // Vendor extensions carry nothing the dates depend on.
            continue;
        }
        if seen.contains(&key) {
            return Err(format!("RRULE part {key} is given twice"));
        }
        seen.push(key.clone());
        let bad = || format!("invalid RRULE part {key}={}", excerpt(val));
        match key.as_str() {
            "FREQ" => {
                freq = Some(match val.to_ascii_uppercase().as_str() {
                    "DAILY" => Freq::Daily,
                    "WEEKLY" => Freq::Weekly,
                    "MONTHLY" => Freq::Monthly,
                    "YEARLY" => Freq::Yearly,
                    f @ ("SECONDLY" | "MINUTELY" | "HOURLY") => {
                        return Err(format!(
                            "RRULE FREQ={f} is not supported (only DAILY, WEEKLY, MONTHLY and YEARLY)"
                        ));
                    }
                    _ => return Err(format!("unknown RRULE FREQ={}", excerpt(val))),
                })
            }
            "INTERVAL" => {
                rule.interval = match val.parse::<u32>() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(bad()),
                }
            }
            "COUNT" => {
                // A count too large for u64 still means "practically
                // forever"; the horizon bounds it either way.
                if val.is_empty() || !val.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let n = val.parse::<u64>().unwrap_or(u64::MAX);
                if n == 0 {
                    return Err(bad());
                }
                rule.count = Some(n);
            }
            "UNTIL" => rule.until = Some(parse_until(val).ok_or_else(bad)?),
            "BYDAY" => {
                for item in val.split(',') {
                    rule.by_day
                        .push(parse_day_spec(item.trim()).ok_or_else(bad)?);
                }
            }
            "BYMONTHDAY" => {
                for item in val.split(',') {
                    match item.trim().parse::<i32>() {
                        Ok(n) if n != 0 && (-31..=31).contains(&n) => rule.by_month_day.push(n),
                        _ => return Err(bad()),
                    }
                }
            }
            "BYMONTH" => {
                for item in val.split(',') {
                    match item.trim().parse::<u32>() {
                        Ok(n) if (1..=12).contains(&n) => rule.by_month |= 1 << n,
                        _ => return Err(bad()),
                    }
                }
            }
            "BYSETPOS" => {
                for item in val.split(',') {
                    match item.trim().parse::<i32>() {
                        Ok(n) if n != 0 && (-366..=366).contains(&n) => rule.by_set_pos.push(n),
                        _ => return Err(bad()),
                    }
                }
            }
            "WKST" => rule.wkst = parse_weekday(val).ok_or_else(bad)?,
            "BYHOUR" | "BYMINUTE" | "BYSECOND" | "BYYEARDAY" | "BYWEEKNO" | "RSCALE" | "SKIP" => {
                return Err(format!(
                    "RRULE part {key}={} is not supported",
                    excerpt(val)
                ));
            }
            _ => return Err(format!("unknown RRULE part {}", excerpt(part.trim()))),
        }
    }
    rule.freq = freq.ok_or_else(|| "RRULE has no FREQ".to_string())?;
    rule.by_set_pos.sort_unstable();
    rule.by_set_pos.dedup();
    if matches!(rule.freq, Freq::Daily | Freq::Weekly) && rule.by_day.has_ordinals() {
        // RFC 5545: numbered BYDAY only with MONTHLY or YEARLY.
        return Err("RRULE BYDAY with a number (like 1MO) needs FREQ=MONTHLY or YEARLY".into());
    }
    Ok(rule)
}

/// At most 40 characters of `s`, cut at a character boundary, for messages.
fn excerpt(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A two-letter weekday (`MO`..`SU`).
fn parse_weekday(s: &str) -> Option<Weekday> {
    Some(match s.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

/// A `BYDAY` item: `[+|-][1-53]` then a weekday.
fn parse_day_spec(s: &str) -> Option<DaySpec> {
    let split = s.len().checked_sub(2)?;
    let (num, day) = (s.get(..split)?, s.get(split..)?);
    let day = parse_weekday(day)?;
    if num.is_empty() {
        return Some(DaySpec { ord: None, day });
    }
    let n: i32 = num.strip_prefix('+').unwrap_or(num).parse().ok()?;
    (n != 0 && (-53..=53).contains(&n)).then_some(DaySpec { ord: Some(n), day })
}

/// Candidate dates left for the whole file.
#[derive(Debug)]
pub(super) struct Budget {
    /// How many more candidate dates may be examined.
    pub(super) remaining: u64,
}

/// Why an expansion stopped early.
#[derive(Debug)]
pub(super) enum Halt<E> {
    /// The file's [`Budget`] ran out.
    Budget,
    /// The `emit` callback refused (the entry limit, say).
    Emit(E),
}

/// Expands `rule` from the local `start`, calling `emit(local, utc_us)` for
/// each occurrence in order, DTSTART first. `to_utc` converts a local time
/// to µs since the epoch. Stops at COUNT, UNTIL or `horizon_us`. Returns
/// whether the per-rule step cap cut the expansion short.
pub(super) fn expand<E>(
    rule: &Rule,
    start: NaiveDateTime,
    horizon_us: i64,
    to_utc: impl Fn(NaiveDateTime) -> i64,
    budget: &mut Budget,
    mut emit: impl FnMut(NaiveDateTime, i64) -> Result<(), E>,
) -> Result<bool, Halt<E>> {
    let limit = rule.count.unwrap_or(u64::MAX);
    emit(start, to_utc(start)).map_err(Halt::Emit)?;
    let mut count = 1u64;
    if count >= limit {
        return Ok(false);
    }
    // The last date a period may start on and still hold an occurrence:
    // two days of slack cover any UTC offset.
    let horizon_date = date_of_us(horizon_us).and_then(|d| d.checked_add_days(Days::new(2)));
    let until_date = match rule.until {
        None => None,
        Some(Until::Date(d)) => Some(d),
        Some(Until::Utc(us)) => date_of_us(us).and_then(|d| d.checked_add_days(Days::new(2))),
        Some(Until::Local(l)) => Some(l.date()),
    };
    let stop_date = match (horizon_date, until_date) {
        (Some(h), Some(u)) => h.min(u),
        (Some(d), None) | (None, Some(d)) => d,
        (None, None) => NaiveDate::MAX,
    };
    let first = start.date();
    let time = start.time();
    let mut steps = 0u64;
    let mut dates: Vec<NaiveDate> = Vec::new();
    for k in 0u64.. {
        let Some(period) = period_start(rule, first, k) else {
            break;
        };
        if period > stop_date {
            break;
        }
        dates.clear();
        let used = candidates(rule, first, period, &mut dates) + 1 + rule.by_set_pos.len() as u64;
        steps += used;
        budget.remaining = budget.remaining.checked_sub(used).ok_or(Halt::Budget)?;
        if steps > MAX_RULE_STEPS {
            return Ok(true);
        }
        select_positions(&rule.by_set_pos, &mut dates);
        for &date in &dates {
            let local = date.and_time(time);
            if local <= start {
                continue;
            }
            let utc = to_utc(local);
            let within_until = match rule.until {
                None => true,
                Some(Until::Date(d)) => date <= d,
                Some(Until::Utc(us)) => utc <= us,
                Some(Until::Local(l)) => local <= l,
            };
            if !within_until || utc > horizon_us {
                return Ok(false);
            }
            emit(local, utc).map_err(Halt::Emit)?;
            count += 1;
            if count >= limit {
                return Ok(false);
            }
        }
    }
    Ok(false)
}

/// The UTC date of `us` µs since the epoch.
fn date_of_us(us: i64) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp_micros(us).map(|d| d.date_naive())
}

/// The first date of the `k`-th period after the one holding `first`;
/// None past year 9999 or on overflow.
fn period_start(rule: &Rule, first: NaiveDate, k: u64) -> Option<NaiveDate> {
    let step = k.checked_mul(u64::from(rule.interval))?;
    let date = match rule.freq {
        Freq::Daily => first.checked_add_days(Days::new(step))?,
        Freq::Weekly => {
            week_start(first, rule.wkst).checked_add_days(Days::new(step.checked_mul(7)?))?
        }
        Freq::Monthly => {
            let index = i64::from(first.year()) * 12 + i64::from(first.month0());
            let index = index.checked_add(i64::try_from(step).ok()?)?;
            let year = i32::try_from(index.div_euclid(12)).ok()?;
            NaiveDate::from_ymd_opt(year, index.rem_euclid(12) as u32 + 1, 1)?
        }
        Freq::Yearly => {
            let year = i64::from(first.year()).checked_add(i64::try_from(step).ok()?)?;
            NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, 1, 1)?
        }
    };
    (date.year() <= MAX_YEAR).then_some(date)
}

/// The start of the week holding `date`, weeks starting on `wkst`.
fn week_start(date: NaiveDate, wkst: Weekday) -> NaiveDate {
    let back = (date.weekday().num_days_from_monday() + 7 - wkst.num_days_from_monday()) % 7;
    date.checked_sub_days(Days::new(u64::from(back)))
        .unwrap_or(date)
}

/// Fills `out` with the period's candidate dates, in order; returns how
/// many dates were examined.
fn candidates(rule: &Rule, first: NaiveDate, period: NaiveDate, out: &mut Vec<NaiveDate>) -> u64 {
    let month_ok = |d: NaiveDate| rule.by_month == 0 || rule.by_month & (1 << d.month()) != 0;
    match rule.freq {
        Freq::Daily => {
            let weekday_ok = rule.by_day.is_empty() || rule.by_day.has_weekday(period.weekday());
            if month_ok(period) && weekday_ok && month_day_ok(rule, period) {
                out.push(period);
            }
            1
        }
        Freq::Weekly => {
            for i in 0..7 {
                let Some(date) = period.checked_add_days(Days::new(i)) else {
                    break;
                };
                let weekday_ok = if rule.by_day.is_empty() {
                    date.weekday() == first.weekday()
                } else {
                    rule.by_day.has_weekday(date.weekday())
                };
                if weekday_ok && month_ok(date) && month_day_ok(rule, date) {
                    out.push(date);
                }
            }
            7
        }
        Freq::Monthly => {
            if !month_ok(period) {
                return 1;
            }
            month_days(rule, first.day(), period.year(), period.month(), out)
        }
        Freq::Yearly => {
            let year = period.year();
            if rule.by_month == 0 && rule.by_month_day.is_empty() && !rule.by_day.is_empty() {
                // Plain BYDAY on a yearly rule: ordinals count within the year.
                return year_days(rule, year, out);
            }
            let mut steps = 0;
            for month in 1..=12u32 {
                let wanted = if rule.by_month != 0 {
                    rule.by_month & (1 << month) != 0
                } else if rule.by_month_day.is_empty() && rule.by_day.is_empty() {
                    month == first.month()
                } else {
                    true
                };
                if wanted {
                    steps += month_days(rule, first.day(), year, month, out);
                }
            }
            steps.max(1)
        }
    }
}

/// Whether `date` passes BYMONTHDAY (as a filter, for DAILY and WEEKLY).
fn month_day_ok(rule: &Rule, date: NaiveDate) -> bool {
    rule.by_month_day.is_empty()
        || rule
            .by_month_day
            .matches(date.day(), days_in_month(date.year(), date.month()))
}

/// Pushes the days of `year`-`month` that match BYMONTHDAY and BYDAY (with
/// ordinals counted within the month), or `default_day` when neither is
/// given; returns how many dates were examined.
fn month_days(
    rule: &Rule,
    default_day: u32,
    year: i32,
    month: u32,
    out: &mut Vec<NaiveDate>,
) -> u64 {
    if rule.by_month_day.is_empty() && rule.by_day.is_empty() {
        // A month without that day (the 31st in April) is skipped, as the
        // RFC says.
        if let Some(date) = NaiveDate::from_ymd_opt(year, month, default_day) {
            out.push(date);
        }
        return 1;
    }
    let n = days_in_month(year, month);
    for d in 1..=n {
        let Some(date) = NaiveDate::from_ymd_opt(year, month, d) else {
            continue;
        };
        let md_ok = rule.by_month_day.is_empty() || rule.by_month_day.matches(d, n);
        let day_ok = rule.by_day.is_empty()
            || rule
                .by_day
                .matches(date.weekday(), (d - 1) / 7 + 1, (n - d) / 7 + 1);
        if md_ok && day_ok {
            out.push(date);
        }
    }
    u64::from(n)
}

/// Pushes the days of `year` that match BYDAY, ordinals counted within the
/// year; returns how many dates were examined.
fn year_days(rule: &Rule, year: i32, out: &mut Vec<NaiveDate>) -> u64 {
    let Some(jan1) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return 1;
    };
    let n: u32 = if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    };
    let mut date = jan1;
    for doy in 1..=n {
        if rule
            .by_day
            .matches(date.weekday(), (doy - 1) / 7 + 1, (n - doy) / 7 + 1)
        {
            out.push(date);
        }
        match date.succ_opt() {
            Some(next) => date = next,
            None => break,
        }
    }
    u64::from(n)
}

/// The number of days in `year`-`month`.
fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    match (
        NaiveDate::from_ymd_opt(ny, nm, 1),
        NaiveDate::from_ymd_opt(year, month, 1),
    ) {
        (Some(next), Some(this)) => (next - this).num_days() as u32,
        _ => 31,
    }
}

/// Keeps only the BYSETPOS positions of a period's sorted candidates.
fn select_positions(positions: &[i32], dates: &mut Vec<NaiveDate>) {
    if positions.is_empty() {
        return;
    }
    let n = dates.len() as i64;
    let mut picked: Vec<NaiveDate> = positions
        .iter()
        .filter_map(|&p| {
            let i = if p > 0 {
                i64::from(p) - 1
            } else {
                n + i64::from(p)
            };
            usize::try_from(i).ok().and_then(|i| dates.get(i).copied())
        })
        .collect();
    picked.sort_unstable();
    picked.dedup();
    *dates = picked;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(s: &str) -> Rule {
        parse(s, |_| None).unwrap()
    }

    fn dates(rule: &Rule, start: &str, n: usize) -> Vec<String> {
        let start = NaiveDateTime::parse_from_str(start, "%Y-%m-%d %H:%M").unwrap();
        let mut out = Vec::new();
        let mut budget = Budget {
            remaining: 1_000_000,
        };
        let _ = expand::<()>(
            rule,
            start,
            i64::MAX,
            |l| l.and_utc().timestamp_micros(),
            &mut budget,
            |l, _| {
                if out.len() == n {
                    return Err(());
                }
                out.push(l.format("%Y-%m-%d").to_string());
                Ok(())
            },
        );
        out
    }

    #[test]
    fn monthly_by_ordinal_weekday() {
        let r = rule("FREQ=MONTHLY;BYDAY=-1FR");
        assert_eq!(
            dates(&r, "2026-01-30 09:00", 3),
            ["2026-01-30", "2026-02-27", "2026-03-27"]
        );
        let r = rule("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1");
        assert_eq!(
            dates(&r, "2026-01-30 09:00", 3),
            ["2026-01-30", "2026-02-27", "2026-03-31"]
        );
    }

    #[test]
    fn monthly_on_the_31st_skips_short_months() {
        let r = rule("FREQ=MONTHLY");
        assert_eq!(
            dates(&r, "2026-01-31 09:00", 3),
            ["2026-01-31", "2026-03-31", "2026-05-31"]
        );
    }

    #[test]
    fn weekly_with_interval_and_wkst() {
        let r = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;WKST=SU");
        assert_eq!(
            dates(&r, "2026-01-06 09:00", 4),
            ["2026-01-06", "2026-01-08", "2026-01-20", "2026-01-22"]
        );
    }

    #[test]
    fn yearly_forms() {
        // Birthday on 29 Feb only in leap years.
        let r = rule("FREQ=YEARLY");
        assert_eq!(
            dates(&r, "2024-02-29 00:00", 2),
            ["2024-02-29", "2028-02-29"]
        );
        // US Thanksgiving.
        let r = rule("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH");
        assert_eq!(
            dates(&r, "2026-11-26 12:00", 2),
            ["2026-11-26", "2027-11-25"]
        );
        // The 20th Monday of the year (RFC example).
        let r = rule("FREQ=YEARLY;BYDAY=20MO");
        assert_eq!(
            dates(&r, "1997-05-19 09:00", 2),
            ["1997-05-19", "1998-05-18"]
        );
    }

    #[test]
    fn never_matching_rules_terminate() {
        let r = rule("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30");
        assert_eq!(dates(&r, "2026-01-01 09:00", 5), ["2026-01-01"]);
    }

    #[test]
    fn parse_errors_name_the_part() {
        let err = parse("FREQ=DAILY;BYHOUR=9", |_| None).unwrap_err();
        assert!(err.contains("BYHOUR=9"), "{err}");
        let err = parse("FREQ=SECONDLY", |_| None).unwrap_err();
        assert!(err.contains("SECONDLY"), "{err}");
        let err = parse("FREQ=DAILY;FOO=1", |_| None).unwrap_err();
        assert!(err.contains("FOO=1"), "{err}");
        assert!(
            parse("INTERVAL=2", |_| None)
                .unwrap_err()
                .contains("no FREQ")
        );
        assert!(parse("FREQ=WEEKLY;BYDAY=1MO", |_| None).is_err());
        assert!(parse("FREQ=DAILY;COUNT=0", |_| None).is_err());
        assert_eq!(
            parse("FREQ=DAILY;COUNT=99999999999999999999999", |_| None)
                .unwrap()
                .count,
            Some(u64::MAX)
        );
    }
}
