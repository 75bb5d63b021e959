//! `properties=N,months=M,seed=S`: what to generate.

use std::fmt;
use std::str::FromStr;

/// What `entrata-recon sandbox --generate` makes. Every key is optional; see the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateSpec {
    pub properties: u32,
    pub months: u32,
    pub seed: u64,
}

impl GenerateSpec {
    pub const DEFAULT_PROPERTIES: u32 = 3;
    pub const DEFAULT_MONTHS: u32 = 3;
    pub const DEFAULT_SEED: u64 = 1;
    pub const MAX_PROPERTIES: u32 = 1_000;
    /// Ten years back from the anchor month.
    pub const MAX_MONTHS: u32 = 120;
    /// properties × months: about 5 million ledger items, 2.5 GB of JSON held in memory.
    pub const MAX_PROPERTY_MONTHS: u64 = 6_000;
}

impl Default for GenerateSpec {
    fn default() -> Self {
        GenerateSpec {
            properties: Self::DEFAULT_PROPERTIES,
            months: Self::DEFAULT_MONTHS,
            seed: Self::DEFAULT_SEED,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("generate spec: `{0}` is not key=value (expected e.g. properties=3,months=2,seed=7)")]
    NotKeyValue(String),
    #[error("generate spec: unknown key `{0}` (known keys: properties, months, seed)")]
    UnknownKey(String),
    #[error("generate spec: `{0}` is given more than once")]
    Duplicate(String),
    #[error("generate spec: `{key}={value}` is not a whole number")]
    BadNumber { key: String, value: String },
    #[error("generate spec: `{key}={value}` is out of range (allowed {min}..={max})")]
    OutOfRange { key: String, value: u64, min: u64, max: u64 },
    #[error(
        "generate spec: properties × months = {0} is too large (at most {max}); \
         fewer properties or months, please",
        max = GenerateSpec::MAX_PROPERTY_MONTHS
    )]
    TooLarge(u64),
}

impl FromStr for GenerateSpec {
    type Err = SpecError;

    /// `properties=3,months=2,seed=7`, keys in any order, each optional; spaces around keys and
    /// values are ignored, and so is an empty spec.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut spec = GenerateSpec::default();
        let mut seen: Vec<&str> = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| SpecError::NotKeyValue(part.to_owned()))?;
            let (key, value) = (key.trim(), value.trim());
            let key = match key {
                "properties" | "months" | "seed" => key,
                _ => return Err(SpecError::UnknownKey(key.to_owned())),
            };
            if seen.contains(&key) {
                return Err(SpecError::Duplicate(key.to_owned()));
            }
            seen.push(key);
            let number: u64 = value
                .parse()
                .map_err(|_| SpecError::BadNumber { key: key.to_owned(), value: value.to_owned() })?;
            match key {
                "properties" => spec.properties = bounded(key, number, GenerateSpec::MAX_PROPERTIES)?,
                "months" => spec.months = bounded(key, number, GenerateSpec::MAX_MONTHS)?,
                _ => spec.seed = number,
            }
        }
        let size = u64::from(spec.properties) * u64::from(spec.months);
        if size > GenerateSpec::MAX_PROPERTY_MONTHS {
            return Err(SpecError::TooLarge(size));
        }
        Ok(spec)
    }
}

fn bounded(key: &str, value: u64, max: u32) -> Result<u32, SpecError> {
    match u32::try_from(value) {
        Ok(v) if (1..=max).contains(&v) => Ok(v),
        _ => Err(SpecError::OutOfRange { key: key.to_owned(), value, min: 1, max: u64::from(max) }),
    }
}

impl fmt::Display for GenerateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "properties={},months={},seed={}", self.properties, self.months, self.seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<(u32, u32, u64), &str>) {
        let got =
            text.parse::<GenerateSpec>().map(|s| (s.properties, s.months, s.seed)).map_err(|e| e.to_string());
        match expected {
            Ok(want) => assert_eq!(got, Ok(want), "{text:?}"),
            Err(fragment) => {
                let message = got.expect_err(text);
                assert!(message.contains(fragment), "{text:?}: {message}");
            }
        }
    }

    #[test]
    fn parses_specs() {
        check("properties=3,months=2,seed=7", Ok((3, 2, 7)));
        check("seed=7,properties=3", Ok((3, 3, 7)));
        check("months=12", Ok((3, 12, 1)));
        check("", Ok((3, 3, 1)));
        check(" properties = 100 , months = 12 ", Ok((100, 12, 1)));
        check("seed=18446744073709551615", Ok((3, 3, u64::MAX)));
        check("properties=1000,months=6", Ok((1000, 6, 1)));
    }

    #[test]
    fn rejects_bad_specs_naming_the_culprit() {
        check("propertys=3", Err("unknown key `propertys`"));
        check("properties=three", Err("`properties=three` is not a whole number"));
        check("months=-1", Err("`months=-1` is not a whole number"));
        check("seed=1.5", Err("`seed=1.5` is not a whole number"));
        check("properties", Err("`properties` is not key=value"));
        check("properties=0", Err("`properties=0` is out of range (allowed 1..=1000)"));
        check("months=121", Err("`months=121` is out of range"));
        check("months=99999999999", Err("out of range"));
        check("seed=1,seed=2", Err("`seed` is given more than once"));
        check("properties=1000,months=12", Err("too large"));
    }

    #[test]
    fn display_round_trips() {
        let spec: GenerateSpec = "seed=9,months=4,properties=2".parse().unwrap();
        assert_eq!(spec.to_string(), "properties=2,months=4,seed=9");
        assert_eq!(spec.to_string().parse::<GenerateSpec>().unwrap(), spec);
    }
}
