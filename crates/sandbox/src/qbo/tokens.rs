//! Intuit OAuth 2.0 grants as the sandbox remembers them: authorization codes (single use, a few
//! minutes), refresh tokens (rotated on every use: the old one is then refused) and access tokens
//! (an hour), all on the sandbox clock. A grant reaches the one realm its consent chose: the code
//! carries it, and every token of the grant.
//!
//! Invariants: tokens are random opaque strings and only their SHA-256 hashes are kept, so neither
//! `/_sandbox/state` nor a log can show one; revoking any token of a grant (the tokens descended
//! from one authorization code) revokes every token of that grant.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::QboLimits;
use crate::bearer::token_fingerprint;
use crate::dataset::item::timestamp;

/// Past this many remembered codes or tokens, expired ones are forgotten.
const MAX_REMEMBERED: usize = 10_000;

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// `bytes` random bytes as lower-case hex: SHA-256 over process-random keys and a counter.
pub fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut random = RandomState::new().build_hasher();
        random.write_u64(counter);
        let mut hasher = Sha256::new();
        hasher.update(random.finish().to_le_bytes());
        hasher.update(RandomState::new().build_hasher().finish().to_le_bytes());
        hasher.update(counter.to_le_bytes());
        out.push_str(&data_encoding::HEXLOWER.encode(&hasher.finalize()));
    }
    out.truncate(bytes * 2);
    out
}

fn hash(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

fn after(now: DateTime<Utc>, seconds: u32) -> DateTime<Utc> {
    now + TimeDelta::seconds(i64::from(seconds))
}

#[derive(Debug)]
struct AuthCode {
    redirect_uri: String,
    realm_id: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used: bool,
    /// Shown in `/_sandbox/state` instead of the code.
    fingerprint: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RefreshState {
    Active,
    Rotated,
    Revoked,
}

#[derive(Debug)]
struct RefreshToken {
    grant: u64,
    realm_id: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    state: RefreshState,
    fingerprint: String,
}

#[derive(Debug)]
struct AccessToken {
    grant: u64,
    realm_id: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    revoked: bool,
    fingerprint: String,
}

/// Why a token request's grant is refused (`invalid_grant`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantError {
    Unknown,
    Used,
    Expired,
    RedirectMismatch,
    Rotated,
    Revoked,
}

impl GrantError {
    pub fn description(self) -> &'static str {
        match self {
            GrantError::Unknown => "Incorrect or invalid code or token",
            GrantError::Used => "The authorization code has already been used",
            GrantError::Expired => "Token has been expired or revoked.",
            GrantError::RedirectMismatch => {
                "redirect_uri does not match the one of the authorization request"
            }
            GrantError::Rotated => "Incorrect or invalid refresh token",
            GrantError::Revoked => "Token has been expired or revoked.",
        }
    }
}

/// A fresh access and refresh token pair; the only place the tokens exist in clear.
pub struct Issued {
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires_in_s: u32,
    pub refresh_expires_in_s: u32,
}

#[derive(Debug, Default)]
pub struct Tokens {
    codes: HashMap<String, AuthCode>,
    refresh: HashMap<String, RefreshToken>,
    access: HashMap<String, AccessToken>,
    grants: u64,
    /// The realm each grant reaches.
    grant_realms: HashMap<u64, String>,
}

impl Tokens {
    /// A code for a consent that chose `realm_id`.
    pub fn issue_code(
        &mut self,
        redirect_uri: &str,
        realm_id: &str,
        now: DateTime<Utc>,
        limits: &QboLimits,
    ) -> String {
        if self.codes.len() >= MAX_REMEMBERED {
            self.codes.retain(|_, c| c.expires_at > now && !c.used);
        }
        let code = format!("AB11{}", random_hex(24));
        let fingerprint = token_fingerprint(&code);
        self.codes.insert(
            hash(&code),
            AuthCode {
                redirect_uri: redirect_uri.to_owned(),
                realm_id: realm_id.to_owned(),
                issued_at: now,
                expires_at: after(now, limits.auth_code_lifetime_s),
                used: false,
                fingerprint,
            },
        );
        code
    }

    /// Exchanges a code (once) for a new grant.
    pub fn redeem_code(
        &mut self,
        code: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, GrantError> {
        let found = self.codes.get_mut(&hash(code)).ok_or(GrantError::Unknown)?;
        if found.used {
            return Err(GrantError::Used);
        }
        if now >= found.expires_at {
            return Err(GrantError::Expired);
        }
        if found.redirect_uri != redirect_uri {
            return Err(GrantError::RedirectMismatch);
        }
        found.used = true;
        self.grants += 1;
        self.grant_realms.insert(self.grants, found.realm_id.clone());
        Ok(self.grants)
    }

    /// Uses a refresh token: it is rotated (refused from now on) and its grant continues.
    pub fn use_refresh(&mut self, token: &str, now: DateTime<Utc>) -> Result<u64, GrantError> {
        let found = self.refresh.get_mut(&hash(token)).ok_or(GrantError::Unknown)?;
        match found.state {
            RefreshState::Rotated => return Err(GrantError::Rotated),
            RefreshState::Revoked => return Err(GrantError::Revoked),
            RefreshState::Active => {}
        }
        if now >= found.expires_at {
            return Err(GrantError::Expired);
        }
        found.state = RefreshState::Rotated;
        Ok(found.grant)
    }

    pub fn issue_pair(&mut self, grant: u64, now: DateTime<Utc>, limits: &QboLimits) -> Issued {
        if self.access.len() >= MAX_REMEMBERED {
            self.access.retain(|_, t| t.expires_at > now && !t.revoked);
        }
        if self.refresh.len() >= MAX_REMEMBERED {
            self.refresh.retain(|_, t| t.expires_at > now && t.state == RefreshState::Active);
        }
        let realm_id = self.grant_realms.get(&grant).cloned().unwrap_or_default();
        let access_token = format!("eyJzYngiOiJxYm8ifQ.{}", random_hex(32));
        let refresh_token = format!("AB11{}", random_hex(24));
        self.access.insert(
            hash(&access_token),
            AccessToken {
                grant,
                realm_id: realm_id.clone(),
                issued_at: now,
                expires_at: after(now, limits.access_token_lifetime_s),
                revoked: false,
                fingerprint: token_fingerprint(&access_token),
            },
        );
        self.refresh.insert(
            hash(&refresh_token),
            RefreshToken {
                grant,
                realm_id,
                issued_at: now,
                expires_at: after(now, limits.refresh_token_lifetime_s),
                state: RefreshState::Active,
                fingerprint: token_fingerprint(&refresh_token),
            },
        );
        Issued {
            access_token,
            refresh_token,
            access_expires_in_s: limits.access_token_lifetime_s,
            refresh_expires_in_s: limits.refresh_token_lifetime_s,
        }
    }

    /// Revokes the grant the token (refresh or access) belongs to. False for an unknown token.
    pub fn revoke(&mut self, token: &str) -> bool {
        let key = hash(token);
        let grant = match (self.refresh.get(&key), self.access.get(&key)) {
            (Some(refresh), _) => refresh.grant,
            (None, Some(access)) => access.grant,
            (None, None) => return false,
        };
        for refresh in self.refresh.values_mut().filter(|t| t.grant == grant) {
            refresh.state = RefreshState::Revoked;
        }
        for access in self.access.values_mut().filter(|t| t.grant == grant) {
            access.revoked = true;
        }
        true
    }

    /// The realm an access token may call now; `None` when it is unknown, expired or revoked.
    pub fn access_realm(&self, token: &str, now: DateTime<Utc>) -> Option<String> {
        self.access.get(&hash(token)).filter(|t| !t.revoked && now < t.expires_at).map(|t| t.realm_id.clone())
    }

    /// Fault action `expire_token`: the access token expires now. False when it is unknown.
    pub fn expire(&mut self, token: &str, now: DateTime<Utc>) -> bool {
        match self.access.get_mut(&hash(token)) {
            Some(access) => {
                access.expires_at = access.expires_at.min(now);
                true
            }
            None => false,
        }
    }

    /// Every code and token as fingerprints with their times, oldest first, for `/_sandbox/state`.
    pub fn dump(&self, now: DateTime<Utc>) -> Value {
        let mut codes: Vec<&AuthCode> = self.codes.values().collect();
        codes.sort_by_key(|c| (c.issued_at, c.fingerprint.clone()));
        let mut refresh: Vec<&RefreshToken> = self.refresh.values().collect();
        refresh.sort_by_key(|t| (t.issued_at, t.fingerprint.clone()));
        let mut access: Vec<&AccessToken> = self.access.values().collect();
        access.sort_by_key(|t| (t.issued_at, t.fingerprint.clone()));
        json!({
            "authorizationCodes": codes.iter().map(|c| json!({
                "code": c.fingerprint, "realmId": c.realm_id, "issuedAt": timestamp(c.issued_at), "expiresAt": timestamp(c.expires_at),
                "used": c.used,
            })).collect::<Vec<Value>>(),
            "refreshTokens": refresh.iter().map(|t| json!({
                "token": t.fingerprint, "grant": t.grant, "realmId": t.realm_id, "issuedAt": timestamp(t.issued_at),
                "expiresAt": timestamp(t.expires_at),
                "state": match t.state {
                    RefreshState::Active if now >= t.expires_at => "expired",
                    RefreshState::Active => "active",
                    RefreshState::Rotated => "rotated",
                    RefreshState::Revoked => "revoked",
                },
            })).collect::<Vec<Value>>(),
            "accessTokens": access.iter().map(|t| json!({
                "token": t.fingerprint, "grant": t.grant, "realmId": t.realm_id, "issuedAt": timestamp(t.issued_at),
                "expiresAt": timestamp(t.expires_at), "expired": now >= t.expires_at, "revoked": t.revoked,
            })).collect::<Vec<Value>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_rotates_and_revoke_ends_the_grant() {
        let limits = QboLimits::default();
        let now = DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z").expect("valid").to_utc();
        let mut tokens = Tokens::default();
        let code = tokens.issue_code("http://localhost/cb", "111", now, &limits);
        assert_eq!(tokens.redeem_code(&code, "http://other/cb", now), Err(GrantError::RedirectMismatch));
        let grant = tokens.redeem_code(&code, "http://localhost/cb", now).expect("first use");
        assert_eq!(tokens.redeem_code(&code, "http://localhost/cb", now), Err(GrantError::Used));
        let first = tokens.issue_pair(grant, now, &limits);
        assert_eq!(tokens.access_realm(&first.access_token, now).as_deref(), Some("111"));
        assert_eq!(tokens.use_refresh(&first.refresh_token, now), Ok(grant));
        let second = tokens.issue_pair(grant, now, &limits);
        assert_eq!(tokens.use_refresh(&first.refresh_token, now), Err(GrantError::Rotated));
        assert!(tokens.revoke(&second.refresh_token));
        assert_eq!(tokens.access_realm(&first.access_token, now), None);
        assert_eq!(tokens.use_refresh(&second.refresh_token, now), Err(GrantError::Revoked));
        let later = now + TimeDelta::seconds(3600);
        let third = tokens.issue_pair(99, now, &limits);
        assert_eq!(tokens.access_realm(&third.access_token, later), None);
        let dump = tokens.dump(now).to_string();
        assert!(!dump.contains(&third.access_token) && !dump.contains(&code));
    }
}
