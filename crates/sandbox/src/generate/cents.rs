//! Exact money for the simulation: whole cents in an `i64`, with the few roundings the
//! generator needs done by `rust_decimal` (never floating point).

use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use rust_decimal::{Decimal, RoundingStrategy};

/// An exact amount in whole cents: the simulation's money.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(pub i64);

impl Cents {
    pub const ZERO: Cents = Cents(0);

    pub fn dollars(dollars: i64) -> Cents {
        Cents(dollars * 100)
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// `value` rounded to cents with `strategy`.
    pub fn round(value: Decimal, strategy: RoundingStrategy) -> Cents {
        let mut rounded = value.round_dp_with_strategy(2, strategy);
        rounded.rescale(2);
        // Invariant: generated amounts are far below i64::MAX cents.
        Cents(i64::try_from(rounded.mantissa()).unwrap_or(i64::MAX))
    }

    /// `self × percent_bp / 10_000`, half up: a tax or a percentage in basis points.
    pub fn percent_bp(self, basis_points: i64) -> Cents {
        let value = self.to_decimal() * Decimal::from(basis_points) / Decimal::from(10_000);
        Cents::round(value, RoundingStrategy::MidpointAwayFromZero)
    }

    /// Rounded to a whole multiple of `step` dollars (half up).
    pub fn to_step(self, step_dollars: i64) -> Cents {
        let step = step_dollars * 100;
        Cents((self.0 + step / 2).div_euclid(step) * step)
    }

    pub fn is_positive(self) -> bool {
        self.0 > 0
    }
}

impl Add for Cents {
    type Output = Cents;
    fn add(self, other: Cents) -> Cents {
        Cents(self.0 + other.0)
    }
}

impl AddAssign for Cents {
    fn add_assign(&mut self, other: Cents) {
        self.0 += other.0;
    }
}

impl Sub for Cents {
    type Output = Cents;
    fn sub(self, other: Cents) -> Cents {
        Cents(self.0 - other.0)
    }
}

impl SubAssign for Cents {
    fn sub_assign(&mut self, other: Cents) {
        self.0 -= other.0;
    }
}

impl Neg for Cents {
    type Output = Cents;
    fn neg(self) -> Cents {
        Cents(-self.0)
    }
}

impl std::iter::Sum for Cents {
    fn sum<I: Iterator<Item = Cents>>(iter: I) -> Cents {
        Cents(iter.map(|c| c.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_helpers() {
        assert_eq!(Cents(6000).percent_bp(700), Cents(420));
        assert_eq!(Cents(5).percent_bp(5000), Cents(3)); // 0.025 -> 0.03, half up
        assert_eq!(Cents(129_740).to_step(5), Cents(129_500));
        assert_eq!(Cents(129_750).to_step(5), Cents(130_000));
        let third = Decimal::new(1, 0) / Decimal::new(3, 0);
        assert_eq!(Cents::round(third, RoundingStrategy::MidpointNearestEven), Cents(33));
    }
}
