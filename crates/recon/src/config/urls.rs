//! The URLs a config names (Entrata's base, each target's API, authorization, token and revocation
//! endpoints): `https://`, or `http://` only to a loopback host (127.0.0.0/8, `localhost`,
//! `[::1]`: the sandboxes), because credentials, codes and tokens travel to them. A URL that breaks
//! the rule is refused when the config is read, with `file:line:col` of its value.

use std::net::IpAddr;
use std::path::Path;

use toml::Spanned;

use super::{ConfigError, line_col};

/// The value of `key` in the config at `path` (whose text is `text`), checked; trailing `/` removed.
pub(super) fn checked(
    path: &Path,
    text: &str,
    key: &str,
    value: &Spanned<String>,
) -> Result<String, ConfigError> {
    match problem(value.get_ref()) {
        None => Ok(value.get_ref().trim_end_matches('/').to_owned()),
        Some(problem) => {
            let (line, col) = line_col(text, value.span().start);
            Err(ConfigError::Syntax {
                path: path.to_owned(),
                line,
                col,
                message: format!("{key} = \"{}\": {problem}", value.get_ref()),
            })
        }
    }
}

/// What is wrong with `url`, if anything.
pub(super) fn problem(url: &str) -> Option<&'static str> {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return Some("expected an https:// URL");
    };
    match parsed.scheme() {
        "https" if parsed.host_str().is_some() => None,
        "http" if parsed.host_str().is_some_and(is_loopback) => None,
        "http" if parsed.host_str().is_some() => Some(
            "http:// is allowed only for a loopback host (127.0.0.1, localhost, [::1]); secrets and tokens \
             travel to this address, so it must be https://",
        ),
        _ => Some("expected an https:// URL"),
    }
}

/// `host` as the URL parser gives it: IPv4 normalized (`127.1` is `127.0.0.1`), IPv6 in brackets.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost") || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::problem;

    fn check(url: &str, accepted: bool) {
        assert_eq!(problem(url).is_none(), accepted, "{url}: {:?}", problem(url));
    }

    #[test]
    fn https_anywhere_and_http_only_to_loopback() {
        for url in [
            "https://quickbooks.api.intuit.com",
            "https://identity.xero.com/connect/token",
            "http://127.0.0.1:8080/qbo",
            "http://127.5.6.7/entrata/",
            "http://localhost:9/x",
            "http://LOCALHOST/x",
            "http://[::1]:8080/xero",
        ] {
            check(url, true);
        }
        for url in [
            "http://quickbooks.api.intuit.com",
            "http://10.0.0.5:8080/qbo",
            "http://128.0.0.1/",
            "http://0.0.0.0:80/",
            "http://[::2]/",
            "http://localhost.example.com/",
            "http://127.0.0.1.nip.io/",
            "ftp://127.0.0.1/",
            "quickbooks.api.intuit.com",
            "https://",
            "",
        ] {
            check(url, false);
        }
    }
}
