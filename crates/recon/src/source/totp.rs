//! RFC 6238 time-based one-time passwords (SHA-1, 6 digits, 30-second steps), from the user's
//! base32 secret, for Entrata's TOTP MFA.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: u64 = 30;
const DIGITS: u32 = 6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("the TOTP secret is not valid base32")]
    BadSecret,
}

/// Decodes a base32 secret as authenticator apps show it (any case, spaces, optional padding).
pub fn decode_secret(secret: &str) -> Result<Vec<u8>, TotpError> {
    let cleaned: String = secret
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=' && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if cleaned.is_empty() {
        return Err(TotpError::BadSecret);
    }
    data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()).map_err(|_| TotpError::BadSecret)
}

/// The code for the step containing `unix_seconds`.
pub fn code_at(key: &[u8], unix_seconds: u64) -> String {
    hotp(key, unix_seconds / STEP_SECONDS, DIGITS)
}

/// RFC 4226 HOTP with dynamic truncation.
fn hotp(key: &[u8], counter: u64, digits: u32) -> String {
    // Invariant: HMAC accepts keys of any length.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else { return String::new() };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[digest.len() - 1] & 0x0f);
    let binary = u32::from_be_bytes([
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ]);
    format!("{:0width$}", binary % 10u32.pow(digits), width = digits as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_sha1_vectors() {
        // RFC 6238 Appendix B, SHA-1 key "12345678901234567890", 8 digits.
        let key = b"12345678901234567890";
        for (time, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(hotp(key, time / STEP_SECONDS, 8), expected, "t={time}");
        }
        assert_eq!(code_at(key, 59), "287082");
    }

    #[test]
    fn secrets_decode_as_apps_show_them() {
        let key = decode_secret("JBSWY3DPEHPK3PXP").unwrap();
        assert_eq!(key, b"Hello!\xde\xad\xbe\xef");
        assert_eq!(decode_secret("jbsw y3dp ehpk 3pxp").unwrap(), key);
        assert_eq!(decode_secret("not base32!"), Err(TotpError::BadSecret));
        assert_eq!(decode_secret(""), Err(TotpError::BadSecret));
    }
}
