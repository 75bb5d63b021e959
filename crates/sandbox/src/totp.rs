//! RFC 6238 time-based one-time passwords as the Entrata sandbox checks them: HMAC-SHA-1, 6 digits,
//! 30-second steps, secrets in base32 (RFC 4648, case and padding forgiven as authenticator apps do).

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: u64 = 30;
pub const DIGITS: u32 = 6;

/// A decoded TOTP secret. Its `Debug` never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret {
    key: Vec<u8>,
}

impl std::fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpSecret(<redacted>)")
    }
}

impl TotpSecret {
    /// Decodes a base32 secret such as `JBSWY3DPEHPK3PXP`.
    pub fn from_base32(text: &str) -> Result<TotpSecret, String> {
        let normalized: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if normalized.is_empty() {
            return Err("TOTP secret is empty".to_owned());
        }
        let key = data_encoding::BASE32_NOPAD
            .decode(normalized.as_bytes())
            .map_err(|e| format!("TOTP secret is not valid base32 ({e})"))?;
        Ok(TotpSecret { key })
    }

    pub fn from_bytes(key: &[u8]) -> TotpSecret {
        TotpSecret { key: key.to_vec() }
    }

    /// The code for the step that contains `unix_seconds`.
    pub fn code_at(&self, unix_seconds: u64) -> String {
        self.code_for_step(unix_seconds / STEP_SECONDS)
    }

    /// Whether `code` is the code of the current or the previous step at `unix_seconds`.
    pub fn accepts(&self, code: &str, unix_seconds: u64) -> bool {
        let step = unix_seconds / STEP_SECONDS;
        let candidates = [Some(step), step.checked_sub(1)];
        candidates
            .into_iter()
            .flatten()
            .any(|s| constant_time_eq(self.code_for_step(s).as_bytes(), code.as_bytes()))
    }

    fn code_for_step(&self, step: u64) -> String {
        // HMAC accepts keys of any length, so `new_from_slice` cannot fail.
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.key) else {
            return String::new();
        };
        mac.update(&step.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        // RFC 4226 §5.3 dynamic truncation: the low nibble of the last byte picks 4 bytes.
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        let bytes = [digest[offset] & 0x7f, digest[offset + 1], digest[offset + 2], digest[offset + 3]];
        let value = u32::from_be_bytes(bytes) % 10u32.pow(DIGITS);
        format!("{value:0width$}", width = DIGITS as usize)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B vectors (SHA-1 key), truncated from 8 to 6 digits.
    #[test]
    fn rfc6238_vectors() {
        let secret = TotpSecret::from_bytes(b"12345678901234567890");
        for (time, code8) in [
            (59u64, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ] {
            assert_eq!(secret.code_at(time), code8[2..], "time {time}");
        }
    }

    #[test]
    fn accepts_current_and_previous_step_only() {
        let secret = TotpSecret::from_base32("jbswy3dpehpk3pxp").expect("valid base32");
        let now = 1_800_000_015;
        assert!(secret.accepts(&secret.code_at(now), now));
        assert!(secret.accepts(&secret.code_at(now - 30), now));
        assert!(!secret.accepts(&secret.code_at(now - 60), now));
        assert!(!secret.accepts(&secret.code_at(now + 30), now));
        assert!(!secret.accepts("12345", now));
    }

    #[test]
    fn refuses_bad_secrets() {
        assert!(TotpSecret::from_base32("not base32!").is_err());
        assert!(TotpSecret::from_base32(" = ").is_err());
        assert_eq!(
            TotpSecret::from_base32("JBSW Y3DP EHPK 3PXP===="),
            TotpSecret::from_base32("JBSWY3DPEHPK3PXP")
        );
    }
}
