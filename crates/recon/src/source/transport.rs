//! Transport failures and request logs in words a person can act on, without secrets: which
//! address could not be reached and why, and each request's method, URL and timing for `-vv`.

use std::error::Error as _;

use reqwest::Url;

/// The HTTP client both Entrata sources use: `request_timeout_seconds` per request, 10 s to
/// connect, and no redirects (a redirect could carry a credential elsewhere; Entrata's APIs do
/// not redirect).
pub fn http_client(config: &crate::config::SourceConfig) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(u64::from(config.request_timeout_seconds)))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("entrata-recon/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// `scheme://host:port` of a URL (the port always shown), for messages: it says where the
/// connector tried to go without the path, the query or any user information.
pub fn origin(url: &str) -> String {
    match Url::parse(url) {
        Ok(url) => {
            let host = url.host_str().unwrap_or("?");
            let host = if host.contains(':') && !host.starts_with('[') {
                format!("[{host}]")
            } else {
                host.to_owned()
            };
            match url.port_or_known_default() {
                Some(port) => format!("{}://{host}:{port}", url.scheme()),
                None => format!("{}://{host}", url.scheme()),
            }
        }
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}

/// Query parameters whose values are never logged, matched as substrings of the lower-cased name.
const SECRET_PARAMETERS: [&str; 7] = ["token", "secret", "password", "key", "signature", "code", "auth"];

/// A URL fit for a log line: no user information, and the values of query parameters that could
/// carry a secret replaced by `***`.
pub fn loggable_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    if url.query().is_some() {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(name, value)| {
                let lower = name.to_lowercase();
                let secret = SECRET_PARAMETERS.iter().any(|s| lower.contains(s));
                (name.into_owned(), if secret { "***".to_owned() } else { value.into_owned() })
            })
            .collect();
        shown.query_pairs_mut().clear().extend_pairs(pairs);
    }
    shown.to_string()
}

/// Nothing listens at the address (the operating system refused the connection): retrying for
/// long will not help.
pub fn is_refused(e: &reqwest::Error) -> bool {
    let mut source = e.source();
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        source = s.source();
    }
    false
}

/// A transport error in words, naming the address (`scheme://host:port`) and the innermost cause:
/// `connection failed (http://127.0.0.1:9): Connection reset by peer`.
pub fn describe_transport(e: &reqwest::Error, origin: &str) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "connection dropped while reading the response"
    } else {
        "connection failed"
    };
    let mut source = e.source();
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() { format!("{kind} ({origin})") } else { format!("{kind} ({origin}): {detail}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_name_scheme_host_and_port() {
        assert_eq!(origin("http://127.0.0.1:9/entrata/integrations/int_1"), "http://127.0.0.1:9");
        assert_eq!(origin("https://api.example.com/integrations/x"), "https://api.example.com:443");
        assert_eq!(origin("https://user:pw@api.example.com:8443/x?token=1"), "https://api.example.com:8443");
        assert_eq!(origin("not a url"), "(an unparsable URL)");
    }

    #[test]
    fn logged_urls_hide_user_information_and_secret_parameters() {
        let url = Url::parse(
            "https://user:pw@api.example.com/i/properties/p1/charges?updatedFrom=2026-02-01T00%3A00%3A00Z&page=2&access_token=abc&apiKey=k",
        )
        .unwrap();
        let shown = loggable_url(&url);
        assert_eq!(
            shown,
            "https://api.example.com/i/properties/p1/charges?updatedFrom=2026-02-01T00%3A00%3A00Z&page=2&access_token=***&apiKey=***"
        );
        assert!(!shown.contains("pw") && !shown.contains("abc"));
    }
}
