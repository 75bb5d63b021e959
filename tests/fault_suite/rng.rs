//! The schedule generator's dice: SplitMix64 (`entrata_recon::http::Jitter`, which the sandbox's
//! fault engine uses too), so a seed gives the same schedule on every machine and in every build.

use entrata_recon::http::Jitter;

#[derive(Debug, Clone)]
pub struct Rng(Jitter);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Mixed once, so that seeds 1, 2, 3 do not start from neighbouring states.
        let mut rng = Rng(Jitter::new(seed ^ 0x5eed_fa17_5eed_fa17));
        rng.next_u64();
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `low..=high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        assert!(low <= high, "{low}..={high}");
        low + self.next_u64() % (high - low + 1)
    }

    /// True with chance `percent` in 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        assert!(!items.is_empty(), "pick from nothing");
        &items[(self.next_u64() % items.len() as u64) as usize]
    }

    /// A child generator for one part of a schedule, so that adding a draw to one part does not
    /// change the others.
    pub fn fork(&mut self) -> Rng {
        Rng::new(self.next_u64())
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let draws_a: Vec<u64> = (0..5).map(|_| a.range(1, 100)).collect();
        let draws_b: Vec<u64> = (0..5).map(|_| b.range(1, 100)).collect();
        assert_eq!(draws_a, draws_b);
        // SplitMix64 from the mixed seed, as every earlier schedule was drawn (seeds replay).
        assert_eq!(Rng::new(7).next_u64(), 0xeac1_aad4_dc3f_4e67_u64, "{:#x}", Rng::new(7).next_u64());
        let mut c = Rng::new(8);
        assert_ne!(draws_a, (0..5).map(|_| c.range(1, 100)).collect::<Vec<_>>());
    }
}
