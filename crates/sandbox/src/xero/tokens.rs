//! Xero Identity's state: authorization codes, grants, access and refresh tokens, connections.
//!
//! Codes live 5 minutes and are single-use; access tokens 30 minutes (JWT-shaped, as Xero's are,
//! so that clients which decode them find `exp` and `authentication_event_id`; the signature is
//! HS256 with a key no one else has); refresh tokens are opaque, single-use, and the previous one
//! still works for 30 minutes after it was used (it answers with a fresh pair), then
//! `invalid_grant`. A `client_credentials` grant (a custom connection) reaches one tenant and has
//! no refresh token. A consent connects the app to each tenant it covers (one connection per app
//! and tenant, renewed by a later consent covering it again); an authorization-code token reaches
//! the tenants the app is connected to. Revoking a refresh token ends its grant and removes the
//! app's connections.
//!
//! Invariant: no token or code is kept, only the SHA-256 of each; lifetimes run on the sandbox clock.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::limits::XeroLimits;
use super::wire::new_guid;

pub fn hash(token: &str) -> String {
    data_encoding::HEXLOWER.encode(&Sha256::digest(token.as_bytes()))
}

/// How `/_sandbox/state` and logs name a token: the first bytes of its hash.
pub fn fingerprint(hash: &str) -> String {
    format!("sha256:{}", &hash[..hash.len().min(12)])
}

/// A fresh unguessable opaque token.
pub fn opaque() -> String {
    hash(&format!("{}{}", new_guid(), new_guid()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantKind {
    AuthorizationCode,
    ClientCredentials,
}

#[derive(Debug, Clone)]
pub struct Grant {
    pub kind: GrantKind,
    pub client_id: String,
    pub scope: String,
    pub auth_event_id: String,
    /// Exchanged without a client secret (a PKCE public client).
    pub public: bool,
    pub created_at: DateTime<Utc>,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    /// The S256 `code_challenge`, when the client used PKCE.
    pub challenge: Option<String>,
    pub nonce: Option<String>,
    pub auth_event_id: String,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

#[derive(Debug, Clone)]
pub struct AccessToken {
    pub grant: usize,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct RefreshToken {
    pub grant: usize,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Connection {
    pub id: String,
    pub auth_event_id: String,
    pub client_id: String,
    pub tenant_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A token pair as issued (the caller turns it into the token endpoint's answer).
#[derive(Debug, Clone)]
pub struct Issued {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub grant: usize,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Unknown,
    Expired(DateTime<Utc>),
}

#[derive(Debug)]
pub struct Identity {
    pub limits: XeroLimits,
    /// Signs the access tokens' JWTs; random per run.
    key: String,
    /// The sandbox's one Xero user.
    pub user_id: String,
    pub codes: HashMap<String, AuthCode>,
    pub grants: Vec<Grant>,
    pub access: HashMap<String, AccessToken>,
    pub refresh: HashMap<String, RefreshToken>,
    pub connections: Vec<Connection>,
}

fn seconds(s: u32) -> TimeDelta {
    TimeDelta::seconds(i64::from(s))
}

impl Identity {
    pub fn new(limits: XeroLimits) -> Identity {
        Identity {
            limits,
            key: opaque(),
            user_id: new_guid(),
            codes: HashMap::new(),
            grants: Vec::new(),
            access: HashMap::new(),
            refresh: HashMap::new(),
            connections: Vec::new(),
        }
    }

    /// Consent: records the code and connects the app to each of `tenant_ids` (the consent's
    /// `authEventId` on each connection it made or renewed).
    pub fn consent(&mut self, mut code: AuthCode, tenant_ids: &[String], now: DateTime<Utc>) -> String {
        let text = opaque();
        code.expires_at = now + seconds(self.limits.auth_code_lifetime_s);
        for tenant_id in tenant_ids {
            let existing = self
                .connections
                .iter_mut()
                .find(|c| c.client_id == code.client_id && c.tenant_id == *tenant_id);
            match existing {
                Some(existing) => {
                    existing.auth_event_id = code.auth_event_id.clone();
                    existing.updated_at = now;
                }
                None => self.connections.push(Connection {
                    id: new_guid(),
                    auth_event_id: code.auth_event_id.clone(),
                    client_id: code.client_id.clone(),
                    tenant_id: tenant_id.clone(),
                    created_at: now,
                    updated_at: now,
                }),
            }
        }
        self.codes.insert(hash(&text), code);
        text
    }

    /// Takes a code for exchange: unknown, used, expired or another client's → `None`. A code is
    /// spent by the attempt, right or wrong.
    pub fn take_code(&mut self, code: &str, client_id: &str, now: DateTime<Utc>) -> Option<AuthCode> {
        let found = self.codes.get_mut(&hash(code))?;
        let usable = !found.used && now < found.expires_at && found.client_id == client_id;
        found.used = true;
        usable.then(|| found.clone())
    }

    pub fn new_grant(
        &mut self,
        kind: GrantKind,
        client_id: &str,
        scope: &str,
        auth_event_id: String,
        public: bool,
        now: DateTime<Utc>,
    ) -> usize {
        self.grants.push(Grant {
            kind,
            client_id: client_id.to_owned(),
            scope: scope.to_owned(),
            auth_event_id,
            public,
            created_at: now,
            revoked: false,
        });
        self.grants.len() - 1
    }

    /// A new access token (and a refresh token when the grant may have one) for `grant`.
    pub fn issue(&mut self, grant: usize, issuer: &str, now: DateTime<Utc>) -> Issued {
        let lifetime = seconds(self.limits.access_token_lifetime_s);
        let g = &self.grants[grant];
        let scopes: Vec<&str> = g.scope.split_whitespace().collect();
        let mut claims = json!({
            "nbf": now.timestamp(), "exp": (now + lifetime).timestamp(), "iss": issuer,
            "aud": format!("{issuer}/resources"), "client_id": g.client_id, "auth_time": g.created_at.timestamp(),
            "jti": new_guid().replace('-', ""), "authentication_event_id": g.auth_event_id, "scope": scopes,
        });
        if g.kind == GrantKind::AuthorizationCode
            && let Value::Object(o) = &mut claims
        {
            for (key, value) in
                [("sub", json!(self.user_id.replace('-', ""))), ("xero_userid", json!(self.user_id))]
            {
                o.insert(key.to_owned(), value);
            }
        }
        let access_token = jwt(&claims, &self.key);
        self.access
            .insert(hash(&access_token), AccessToken { grant, issued_at: now, expires_at: now + lifetime });
        let wants_refresh = g.kind == GrantKind::AuthorizationCode && scopes.contains(&"offline_access");
        let refresh_token = wants_refresh.then(|| {
            let token = opaque();
            let expires_at = now + seconds(self.limits.refresh_token_lifetime_s);
            self.refresh
                .insert(hash(&token), RefreshToken { grant, issued_at: now, expires_at, used_at: None });
            token
        });
        Issued { access_token, refresh_token, grant }
    }

    /// The grant a refresh token may renew: single use, with the grace for the previous token.
    pub fn use_refresh(&mut self, token: &str, client_id: &str, now: DateTime<Utc>) -> Option<usize> {
        let grace = seconds(self.limits.refresh_grace_s);
        let found = self.refresh.get_mut(&hash(token))?;
        let grant = self.grants.get(found.grant)?;
        if grant.revoked || grant.client_id != client_id || now >= found.expires_at {
            return None;
        }
        match found.used_at {
            Some(used) if now >= used + grace => None,
            Some(_) => Some(found.grant),
            None => {
                found.used_at = Some(now);
                Some(found.grant)
            }
        }
    }

    /// Revokes the grant of a refresh (or access) token and removes the app's connections.
    pub fn revoke(&mut self, token: &str, client_id: &str) -> bool {
        let key = hash(token);
        let grant =
            self.refresh.get(&key).map(|r| r.grant).or_else(|| self.access.get(&key).map(|a| a.grant));
        let Some(grant) = grant.filter(|g| self.grants.get(*g).is_some_and(|g| g.client_id == client_id))
        else {
            return false;
        };
        self.grants[grant].revoked = true;
        self.connections.retain(|c| c.client_id != client_id);
        true
    }

    /// The grant behind a bearer token, if the token is good now.
    pub fn authenticate(&self, token: &str, now: DateTime<Utc>) -> Result<&Grant, Refused> {
        let found = self.access.get(&hash(token)).ok_or(Refused::Unknown)?;
        let grant = self.grants.get(found.grant).filter(|g| !g.revoked).ok_or(Refused::Unknown)?;
        if now >= found.expires_at {
            return Err(Refused::Expired(found.expires_at));
        }
        Ok(grant)
    }

    /// Fault action `expire_token`.
    pub fn expire(&mut self, token: &str, now: DateTime<Utc>) -> bool {
        match self.access.get_mut(&hash(token)) {
            Some(found) => {
                found.expires_at = found.expires_at.min(now);
                true
            }
            None => false,
        }
    }

    /// The app's connection to a tenant, if it has one.
    pub fn connected(&self, client_id: &str, tenant_id: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.client_id == client_id && c.tenant_id == tenant_id)
    }

    pub fn disconnect(&mut self, client_id: &str, id: &str) -> bool {
        let before = self.connections.len();
        self.connections.retain(|c| !(c.client_id == client_id && c.id.eq_ignore_ascii_case(id)));
        self.connections.len() != before
    }
}

/// An HS256 JWT over `claims`.
pub fn jwt(claims: &Value, key: &str) -> String {
    use hmac::{Hmac, Mac};
    let b64 = |bytes: &[u8]| data_encoding::BASE64URL_NOPAD.encode(bytes);
    let header = json!({"alg": "HS256", "kid": "sandbox", "typ": "JWT"});
    let signing_input =
        format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
    // HMAC accepts a key of any length.
    let signature = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    };
    format!("{signing_input}.{}", b64(&signature))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_767_225_600 + s, 0).expect("valid")
    }

    fn code(challenge: Option<&str>) -> AuthCode {
        AuthCode {
            client_id: "app".into(),
            redirect_uri: "http://localhost/cb".into(),
            scope: "openid offline_access accounting.transactions".into(),
            challenge: challenge.map(str::to_owned),
            nonce: None,
            auth_event_id: new_guid(),
            expires_at: at(0),
            used: false,
        }
    }

    #[test]
    fn codes_are_single_use_and_short_lived() {
        let mut identity = Identity::new(XeroLimits::default());
        let one = ["t1".to_owned()];
        let text = identity.consent(code(None), &one, at(0));
        assert!(identity.take_code(&text, "other", at(1)).is_none(), "another client's attempt spends it");
        let text = identity.consent(code(None), &one, at(0));
        assert!(identity.take_code(&text, "app", at(299)).is_some());
        assert!(identity.take_code(&text, "app", at(299)).is_none());
        let text = identity.consent(code(None), &one, at(0));
        assert!(identity.take_code(&text, "app", at(300)).is_none());
        assert_eq!(identity.connections.len(), 1, "one connection per app and tenant, refreshed on consent");
        identity.consent(code(None), &["t1".to_owned(), "t2".to_owned()], at(5));
        assert_eq!(identity.connections.len(), 2, "a consent covering two tenants connects both");
        assert!(identity.connected("app", "t2").is_some() && identity.connected("other", "t2").is_none());
        assert_eq!(identity.connections[0].updated_at, at(5), "t1's connection renewed");
    }

    #[test]
    fn refresh_rotation_with_grace() {
        let mut identity = Identity::new(XeroLimits::default());
        let grant = identity.new_grant(
            GrantKind::AuthorizationCode,
            "app",
            "offline_access",
            new_guid(),
            false,
            at(0),
        );
        let first = identity.issue(grant, "iss", at(0)).refresh_token.expect("offline_access gives one");
        assert_eq!(identity.use_refresh(&first, "app", at(10)), Some(grant));
        assert_eq!(identity.use_refresh(&first, "app", at(10 + 1_799)), Some(grant), "grace");
        assert_eq!(identity.use_refresh(&first, "app", at(10 + 1_800)), None, "after the grace");
        assert_eq!(identity.use_refresh("nope", "app", at(0)), None);
        let token = identity.issue(grant, "iss", at(0)).access_token;
        assert_eq!(token.split('.').count(), 3);
        assert!(identity.authenticate(&token, at(1_799)).is_ok());
        assert_eq!(identity.authenticate(&token, at(1_800)).err(), Some(Refused::Expired(at(1_800))));
        assert!(identity.revoke(&first, "app"));
        assert_eq!(identity.authenticate(&token, at(1)).err(), Some(Refused::Unknown));
    }
}
