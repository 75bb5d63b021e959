//! `Idempotency-Key` on `PUT`/`POST` (reference B.4): per app, a key's first answer, errors
//! included, is kept for 6 minutes (sandbox clock) from the first call and replayed to a request
//! with the same method, URL and body; the same key with another request is `400`. After the
//! window the key is new again. A second request with a key whose first is still being handled
//! gets `409` (the sandbox's choice: it never runs one key's work twice).
//!
//! Invariant: the work of a key runs at most once per window.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};
use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest, Sha256};

/// Xero's limit on a key's length.
pub const MAX_KEY_CHARS: usize = 128;
/// Keys kept at most; past it, expired ones are dropped first.
const MAX_KEYS: usize = 100_000;

/// A stored answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<HeaderValue>,
    pub body: Bytes,
}

#[derive(Debug)]
struct Entry {
    fingerprint: String,
    first_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    answer: Option<Answer>,
}

#[derive(Debug)]
pub enum Lookup {
    /// Not seen (or expired): run the request, then `finish`.
    Fresh,
    Replay(Answer),
    /// The key was used with another method, URL or body.
    Conflict,
    /// The key's first request is still running.
    InProgress,
}

/// A live key as `/_sandbox/state` shows it (the status is `None` while its request runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyState {
    pub key: String,
    pub first_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: Option<u16>,
}

#[derive(Debug, Default)]
pub struct Cache {
    entries: HashMap<(String, String), Entry>,
}

/// What identifies "the same request": method, path with query, and body.
pub fn fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b" ");
    hasher.update(path_and_query.as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    data_encoding::HEXLOWER.encode(&hasher.finalize())
}

impl Cache {
    pub fn begin(
        &mut self,
        client: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        window_s: u32,
    ) -> Lookup {
        let id = (client.to_owned(), key.to_owned());
        if let Some(entry) = self.entries.get(&id)
            && now < entry.expires_at
        {
            return match (&entry.answer, entry.fingerprint == fingerprint) {
                (_, false) => Lookup::Conflict,
                (Some(answer), true) => Lookup::Replay(answer.clone()),
                (None, true) => Lookup::InProgress,
            };
        }
        if self.entries.len() >= MAX_KEYS {
            self.entries.retain(|_, e| now < e.expires_at);
        }
        let expires_at = now + TimeDelta::seconds(i64::from(window_s));
        let entry = Entry { fingerprint: fingerprint.to_owned(), first_at: now, expires_at, answer: None };
        self.entries.insert(id, entry);
        Lookup::Fresh
    }

    pub fn finish(&mut self, client: &str, key: &str, answer: Answer) {
        if let Some(entry) = self.entries.get_mut(&(client.to_owned(), key.to_owned())) {
            entry.answer = Some(answer);
        }
    }

    /// Forgets a key whose request ended without an answer (the client went away mid-request).
    pub fn abandon(&mut self, client: &str, key: &str) {
        let id = (client.to_owned(), key.to_owned());
        if self.entries.get(&id).is_some_and(|e| e.answer.is_none()) {
            self.entries.remove(&id);
        }
    }

    /// The live keys, oldest first, for `/_sandbox/state`.
    pub fn describe(&self, now: DateTime<Utc>) -> Vec<KeyState> {
        let mut live: Vec<_> = self
            .entries
            .iter()
            .filter(|(_, e)| now < e.expires_at)
            .map(|((_, key), e)| KeyState {
                key: key.clone(),
                first_at: e.first_at,
                expires_at: e.expires_at,
                status: e.answer.as_ref().map(|a| a.status.as_u16()),
            })
            .collect();
        live.sort_by(|a, b| (a.first_at, &a.key).cmp(&(b.first_at, &b.key)));
        live
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replays_within_the_window() {
        let at = |s: i64| DateTime::from_timestamp(1_767_225_600 + s, 0).expect("valid");
        let answer =
            Answer { status: StatusCode::BAD_REQUEST, content_type: None, body: Bytes::from_static(b"{}") };
        let mut cache = Cache::default();
        let same = fingerprint("PUT", "/x", b"{}");
        assert!(matches!(cache.begin("app", "k", &same, at(0), 360), Lookup::Fresh));
        assert!(matches!(cache.begin("app", "k", &same, at(1), 360), Lookup::InProgress));
        cache.finish("app", "k", answer);
        assert!(matches!(cache.begin("app", "k", &same, at(359), 360), Lookup::Replay(a) if a.status == 400));
        assert!(matches!(
            cache.begin("app", "k", &fingerprint("PUT", "/x", b"[]"), at(2), 360),
            Lookup::Conflict
        ));
        assert!(matches!(cache.begin("other", "k", &same, at(2), 360), Lookup::Fresh), "keys are per app");
        assert!(matches!(cache.begin("app", "k", &same, at(360), 360), Lookup::Fresh), "expired");
        cache.abandon("app", "k");
        assert!(matches!(cache.begin("app", "k", &same, at(361), 360), Lookup::Fresh));
    }
}
