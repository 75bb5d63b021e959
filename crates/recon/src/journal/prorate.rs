//! Proration arithmetic (PRODUCT.md §7.2–7.4): day-count fractions of a month, and the allocation of
//! an amount into parts that always sum to the whole.
//!
//! Money is carried here as integer cents (`i128`) and fractions as integer ratios, so every part is
//! the exact quotient rounded once: no 28-digit `Decimal` approximation can move a midpoint.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::domain::{PostMonth, ServicePeriod};
use crate::mapping::{DayCount, Remainder, Rounding, SplitShare};

/// A non-negative ratio `num / den`, `den > 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fraction {
    pub num: u64,
    pub den: u64,
}

impl fmt::Display for Fraction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

/// Calendar days `first_day..=last_day` of one month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthSpan {
    month: PostMonth,
    first_day: u32,
    last_day: u32,
}

impl MonthSpan {
    /// `None` unless `first..=last` is a non-empty span inside one month.
    pub fn new(first: NaiveDate, last: NaiveDate) -> Option<MonthSpan> {
        let month = PostMonth::of(first);
        (first <= last && month.contains(last)).then_some(MonthSpan {
            month,
            first_day: first.day(),
            last_day: last.day(),
        })
    }

    pub fn month(&self) -> PostMonth {
        self.month
    }

    pub fn calendar_days(&self) -> u32 {
        self.last_day - self.first_day + 1
    }

    pub fn is_whole_month(&self) -> bool {
        self.first_day == 1 && self.last_day == self.month.days()
    }

    /// The share of a month's amount this span is worth (PRODUCT.md §7.3).
    ///
    /// - `actual_days`: calendar days over the month's days.
    /// - `thirty_day`: 30/360 days over 30. Every month has days 1..=30: a span counts
    ///   `end − first + 1`, where `end` is 30 when the span reaches the month's last day and the
    ///   span's last day otherwise. So a whole month is 30/30 (February too), the 31st alone counts 0,
    ///   February's last day carries the missing days (Feb 15–28 = 16/30, Feb 28 alone = 3/30), and
    ///   the fractions of spans that partition a month always add up to exactly 30/30.
    /// - `days_365`: calendar days × 12 over 365 (a 31-day month is 372/365).
    pub fn fraction(&self, method: DayCount) -> Fraction {
        let days = u64::from(self.calendar_days());
        match method {
            DayCount::ActualDays => Fraction { num: days, den: u64::from(self.month.days()) },
            DayCount::ThirtyDay => {
                let end = if self.last_day == self.month.days() { 30 } else { self.last_day };
                let days = (end + 1).saturating_sub(self.first_day);
                Fraction { num: u64::from(days), den: 30 }
            }
            DayCount::Days365 => Fraction { num: days * 12, den: 365 },
        }
    }
}

/// The number of months a service period touches (1 when it lies inside one month).
pub fn months_touched(period: ServicePeriod) -> u32 {
    let (start, end) = (PostMonth::of(period.start()), PostMonth::of(period.end()));
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32 + 1;
    u32::try_from(months).unwrap_or(0)
}

/// The part of `period` inside each month it touches, in order.
pub fn month_spans(period: ServicePeriod) -> impl Iterator<Item = MonthSpan> {
    let mut month = PostMonth::of(period.start());
    (0..months_touched(period)).filter_map(move |_| {
        let span = MonthSpan::new(period.start().max(month.first_day()), period.end().min(month.last_day()));
        month = month.next();
        span
    })
}

/// `num / den` rounded to an integer per `rounding`, symmetrically around zero (so a reversal's
/// parts are exactly the negatives of the original's). `None` when `den` is zero or the result
/// does not fit.
pub fn div_round(num: i128, den: u128, rounding: Rounding) -> Option<i128> {
    if den == 0 {
        return None;
    }
    let magnitude = num.unsigned_abs();
    let (quotient, rest) = (magnitude / den, magnitude % den);
    let beyond_half = rest > den - rest;
    let at_half = rest == den - rest;
    let up = match rounding {
        Rounding::Down => false,
        Rounding::HalfUp => beyond_half || at_half,
        Rounding::HalfEven => beyond_half || (at_half && quotient % 2 == 1),
    };
    let rounded = i128::try_from(quotient.checked_add(u128::from(up))?).ok()?;
    Some(if num < 0 { -rounded } else { rounded })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AllocError {
    #[error("there is nothing to allocate over (no weights, or all weights zero)")]
    NoWeight,
    #[error("the amount times the weights does not fit 128 bits")]
    Overflow,
}

/// Splits `total` (cents) into one part per weight, each `total × weight / Σweights` rounded per
/// `rounding`; what rounding leaves over goes to the first or last part whose weight is not zero
/// (`remainder`), so the parts sum to `total` exactly.
pub fn allocate(
    total: i128,
    weights: &[u128],
    rounding: Rounding,
    remainder: Remainder,
) -> Result<Vec<i128>, AllocError> {
    let sum = weights.iter().try_fold(0u128, |acc, w| acc.checked_add(*w)).ok_or(AllocError::Overflow)?;
    if sum == 0 {
        return Err(AllocError::NoWeight);
    }
    let mut parts = Vec::with_capacity(weights.len());
    let mut allocated: i128 = 0;
    for &weight in weights {
        let weight = i128::try_from(weight).map_err(|_| AllocError::Overflow)?;
        let product = total.checked_mul(weight).ok_or(AllocError::Overflow)?;
        let part = div_round(product, sum, rounding).ok_or(AllocError::Overflow)?;
        allocated = allocated.checked_add(part).ok_or(AllocError::Overflow)?;
        parts.push(part);
    }
    let leftover = total.checked_sub(allocated).ok_or(AllocError::Overflow)?;
    let mut with_weight = weights.iter().enumerate().filter(|(_, w)| **w > 0).map(|(i, _)| i);
    let taker = match remainder {
        Remainder::First => with_weight.next(),
        Remainder::Last => with_weight.next_back(),
    };
    if let Some(i) = taker {
        parts[i] = parts[i].checked_add(leftover).ok_or(AllocError::Overflow)?;
    }
    Ok(parts)
}

/// Integer weights proportional to `fractions` (over their least common denominator, then reduced).
pub fn fraction_weights(fractions: &[Fraction]) -> Option<Vec<u128>> {
    let lcm = fractions.iter().try_fold(1u128, |acc, f| {
        let den = u128::from(f.den);
        (den > 0).then(|| acc / gcd(acc, den)).and_then(|a| a.checked_mul(den))
    })?;
    let weights = fractions
        .iter()
        .map(|f| u128::from(f.num).checked_mul(lcm / u128::from(f.den)))
        .collect::<Option<Vec<u128>>>()?;
    Some(reduce(weights))
}

/// Integer weights proportional to split percents (`"33.5"` and `"66.5"` give 67 and 133).
pub fn share_weights(shares: &[SplitShare]) -> Option<Vec<u128>> {
    let scale = shares.iter().map(|s| s.percent.scale()).max()?;
    let weights = shares
        .iter()
        .map(|s| {
            let mantissa = u128::try_from(s.percent.mantissa()).ok()?;
            10u128.checked_pow(scale - s.percent.scale())?.checked_mul(mantissa)
        })
        .collect::<Option<Vec<u128>>>()?;
    Some(reduce(weights))
}

fn reduce(mut weights: Vec<u128>) -> Vec<u128> {
    let divisor = weights.iter().fold(0, |acc, w| gcd(acc, *w));
    if divisor > 1 {
        weights.iter_mut().for_each(|w| *w /= divisor);
    }
    weights
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::parse_date;
    use rust_decimal::dec;

    fn span(first: &str, last: &str) -> MonthSpan {
        MonthSpan::new(parse_date(first).unwrap(), parse_date(last).unwrap()).unwrap()
    }

    #[test]
    fn fractions_per_method() {
        let check = |first: &str, last: &str, method: DayCount, want: (u64, u64)| {
            let got = span(first, last).fraction(method);
            assert_eq!((got.num, got.den), want, "{first}..{last} {method:?}");
        };
        use DayCount::*;
        check("2026-02-15", "2026-02-28", ActualDays, (14, 28));
        check("2028-02-15", "2028-02-29", ActualDays, (15, 29));
        check("2026-02-15", "2026-02-28", ThirtyDay, (16, 30));
        check("2028-02-15", "2028-02-29", ThirtyDay, (16, 30));
        check("2028-02-15", "2028-02-28", ThirtyDay, (14, 30));
        check("2026-02-01", "2026-02-28", ThirtyDay, (30, 30));
        check("2026-02-28", "2026-02-28", ThirtyDay, (3, 30));
        check("2026-01-01", "2026-01-31", ThirtyDay, (30, 30));
        check("2026-01-01", "2026-01-30", ThirtyDay, (30, 30));
        check("2026-01-31", "2026-01-31", ThirtyDay, (0, 30));
        check("2026-01-16", "2026-01-31", ThirtyDay, (15, 30));
        check("2026-04-16", "2026-04-30", ThirtyDay, (15, 30));
        check("2026-02-15", "2026-02-28", Days365, (168, 365));
        check("2026-01-01", "2026-01-31", Days365, (372, 365));
    }

    #[test]
    fn thirty_day_spans_that_partition_a_month_add_up_to_a_month() {
        for month in ["2026-01", "2026-02", "2028-02", "2026-04"] {
            let m: PostMonth = month.parse().unwrap();
            for cut in 1..m.days() {
                let a = MonthSpan { month: m, first_day: 1, last_day: cut };
                let b = MonthSpan { month: m, first_day: cut + 1, last_day: m.days() };
                let sum = a.fraction(DayCount::ThirtyDay).num + b.fraction(DayCount::ThirtyDay).num;
                assert_eq!(sum, 30, "{month} cut after day {cut}");
            }
        }
    }

    #[test]
    fn spans_of_a_period() {
        let period =
            ServicePeriod::new(parse_date("2026-01-15").unwrap(), parse_date("2026-03-14").unwrap()).unwrap();
        let spans: Vec<_> = month_spans(period).map(|s| (s.month().to_string(), s.calendar_days())).collect();
        assert_eq!(spans, [("2026-01".into(), 17), ("2026-02".into(), 28), ("2026-03".into(), 14)]);
        let year_end =
            ServicePeriod::new(parse_date("2026-12-31").unwrap(), parse_date("2027-01-01").unwrap()).unwrap();
        assert_eq!(months_touched(year_end), 2);
    }

    #[test]
    fn rounding_is_symmetric() {
        let check = |num: i128, den: u128, want: [i128; 3]| {
            for (rounding, want) in
                [Rounding::HalfEven, Rounding::HalfUp, Rounding::Down].into_iter().zip(want)
            {
                assert_eq!(div_round(num, den, rounding), Some(want), "{num}/{den} {rounding:?}");
                assert_eq!(div_round(-num, den, rounding), Some(-want), "-{num}/{den} {rounding:?}");
            }
        };
        check(5, 2, [2, 3, 2]);
        check(7, 2, [4, 4, 3]);
        check(7, 3, [2, 2, 2]);
        check(8, 3, [3, 3, 2]);
        check(6, 3, [2, 2, 2]);
        check(0, 7, [0, 0, 0]);
        assert_eq!(div_round(1, 0, Rounding::Down), None);
    }

    #[test]
    fn allocation_gives_the_leftover_to_the_chosen_part() {
        let check = |total: i128, weights: &[u128], rounding, remainder, want: &[i128]| {
            let got = allocate(total, weights, rounding, remainder).unwrap();
            assert_eq!(got, want, "{total} over {weights:?} {rounding:?} {remainder:?}");
            assert_eq!(got.iter().sum::<i128>(), total);
        };
        use {Remainder::*, Rounding::*};
        // 100.00 in thirds: 33.33 each, one cent left over.
        check(10000, &[1, 1, 1], HalfEven, Last, &[3333, 3333, 3334]);
        check(10000, &[1, 1, 1], HalfEven, First, &[3334, 3333, 3333]);
        // 0.05 at 70/30: 3.5 and 1.5 cents.
        check(5, &[7, 3], HalfEven, Last, &[4, 1]);
        check(5, &[7, 3], HalfUp, Last, &[4, 1]);
        check(5, &[7, 3], HalfUp, First, &[3, 2]);
        check(5, &[7, 3], Down, Last, &[3, 2]);
        check(5, &[7, 3], Down, First, &[4, 1]);
        check(-5, &[7, 3], Down, First, &[-4, -1]);
        // A zero weight never takes the leftover.
        check(100, &[1, 1, 0], Down, Last, &[50, 50, 0]);
        check(101, &[0, 1, 1], Down, First, &[0, 51, 50]);
        assert_eq!(allocate(100, &[0, 0], Down, Last), Err(AllocError::NoWeight));
        assert_eq!(allocate(i128::MAX, &[3, 5], Down, Last), Err(AllocError::Overflow));
    }

    #[test]
    fn weights_are_exact_integers() {
        let f = |num, den| Fraction { num, den };
        assert_eq!(fraction_weights(&[f(17, 31), f(28, 28), f(14, 31)]).unwrap(), [17, 31, 14]);
        assert_eq!(fraction_weights(&[f(14, 28), f(16, 30)]).unwrap(), [15, 16]);
        let share = |percent| SplitShare { account: crate::domain::AccountName::new("a"), percent };
        assert_eq!(share_weights(&[share(dec!(70)), share(dec!(30))]).unwrap(), [7, 3]);
        assert_eq!(share_weights(&[share(dec!(33.5)), share(dec!(66.50))]).unwrap(), [67, 133]);
    }
}
