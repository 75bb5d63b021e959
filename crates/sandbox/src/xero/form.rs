//! `application/x-www-form-urlencoded` both ways: query strings (whose parameter names Xero
//! matches in any case: `summarizeErrors`, `SummarizeErrors`), the token endpoint's form bodies,
//! and the redirect back to the client.

/// Decodes `%XX` and `+`; `None` when an escape is broken or the result is not UTF-8.
pub fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The pairs of a query string or form body, in order; broken pairs are skipped.
pub fn pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

/// The first value of `name`, matched in any case.
pub fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The query's pairs (none when there is no query).
pub fn query(uri: &axum::http::Uri) -> Vec<(String, String)> {
    uri.query().map(pairs).unwrap_or_default()
}

/// `summarizeErrors` as the SDKs send it (`true`, `False`); Xero summarizes unless told not to.
pub fn summarize_errors(query: &[(String, String)]) -> bool {
    !get(query, "summarizeErrors").is_some_and(|v| v.trim().eq_ignore_ascii_case("false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let text = "a b&c=d/é";
        assert_eq!(decode(&encode(text)).as_deref(), Some(text));
        assert_eq!(decode("%zz"), None);
        let form =
            pairs("grant_type=authorization_code&redirect_uri=http%3A%2F%2Flocalhost%2Fcb&scope=a+b&x");
        assert_eq!(get(&form, "REDIRECT_URI"), Some("http://localhost/cb"));
        assert_eq!(get(&form, "scope"), Some("a b"));
        assert_eq!(get(&form, "x"), Some(""));
        assert!(!summarize_errors(&pairs("SummarizeErrors=False")));
        assert!(summarize_errors(&pairs("summarizeErrors=true")));
        assert!(summarize_errors(&[]));
    }
}
