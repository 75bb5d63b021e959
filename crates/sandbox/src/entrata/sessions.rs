//! Entrata sessions: `POST /sessions` (HTTP Basic with the integration token, username, password
//! and TOTP MFA) and `POST /sessions/refresh`, with the 401 bodies of spec/source-api.md §1.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::EntrataShared;
use crate::api_error::{ApiError, ApiResult};
use crate::bearer::{bearer, token_fingerprint};
use crate::dataset::check::check_object;
use crate::dataset::item::timestamp;
use crate::dataset::schema::{Field, Ty};
use crate::locks::lock;

/// Sessions kept at most; beyond it, sessions past their refresh grace are forgotten.
const MAX_SESSIONS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct Session {
    /// Index into the dataset's users.
    pub user: usize,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
pub struct Sessions {
    by_token: HashMap<String, Session>,
    issued: u64,
}

impl Sessions {
    pub fn issue(
        &mut self,
        user: usize,
        now: DateTime<Utc>,
        lifetime_s: u32,
        grace_s: u32,
    ) -> (String, Session) {
        if self.by_token.len() >= MAX_SESSIONS {
            let horizon = now - TimeDelta::seconds(i64::from(grace_s));
            self.by_token.retain(|_, s| s.expires_at > horizon);
        }
        self.issued += 1;
        let token = new_token(self.issued);
        let session =
            Session { user, issued_at: now, expires_at: now + TimeDelta::seconds(i64::from(lifetime_s)) };
        self.by_token.insert(token.clone(), session.clone());
        (token, session)
    }

    pub fn get(&self, token: &str) -> Option<&Session> {
        self.by_token.get(token)
    }

    /// Makes a token expired now (fault action `expire_token`). False when the token is unknown.
    pub fn expire(&mut self, token: &str, now: DateTime<Utc>) -> bool {
        match self.by_token.get_mut(token) {
            Some(session) => {
                session.expires_at = session.expires_at.min(now);
                true
            }
            None => false,
        }
    }

    /// Every session with its token hashed, oldest first.
    pub fn list(&self) -> Vec<(String, &Session)> {
        let mut all: Vec<(String, &Session)> =
            self.by_token.iter().map(|(t, s)| (token_fingerprint(t), s)).collect();
        all.sort_by(|a, b| (a.1.issued_at, &a.0).cmp(&(b.1.issued_at, &b.0)));
        all
    }
}

/// An unguessable token: SHA-256 over a process-random key and a counter.
fn new_token(counter: u64) -> String {
    let mut random = RandomState::new().build_hasher();
    random.write_u64(counter);
    let mut hasher = Sha256::new();
    hasher.update(random.finish().to_le_bytes());
    hasher.update(RandomState::new().build_hasher().finish().to_le_bytes());
    hasher.update(counter.to_le_bytes());
    format!("sbx_{}", data_encoding::HEXLOWER.encode(&hasher.finalize()[..24]))
}

const MFA: &[Field] = &[
    Field { name: "type", ty: Ty::Text, required: false },
    Field { name: "code", ty: Ty::Text, required: false },
];
const LOGIN: &[Field] = &[
    Field { name: "username", ty: Ty::Text, required: true },
    Field { name: "password", ty: Ty::Text, required: true },
    Field { name: "mfa", ty: Ty::Object(MFA), required: false },
];

pub async fn login(State(shared): State<Arc<EntrataShared>>, headers: HeaderMap, body: Bytes) -> Response {
    login_inner(&shared, &headers, &body).unwrap_or_else(IntoResponse::into_response)
}

fn login_inner(shared: &EntrataShared, headers: &HeaderMap, body: &[u8]) -> ApiResult {
    let basic =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.split_once(' '));
    let integration_ok = matches!(basic, Some((scheme, token))
        if scheme.eq_ignore_ascii_case("basic") && constant_time_eq(token.trim(), &shared.integration_token));
    if !integration_ok {
        return Err(ApiError::unauthorized(
            "invalid_credentials",
            "integration token not accepted: send 'Authorization: Basic <integration token>'",
        ));
    }
    let text = std::str::from_utf8(body).map_err(|_| ApiError::invalid_request("body is not UTF-8"))?;
    let checked = check_object(text, LOGIN).map_err(|e| ApiError::invalid_request(format!("body: {e}")))?;
    if let Some(problem) = checked.problems.first() {
        let field = problem.field.as_deref().unwrap_or("body");
        return Err(ApiError::invalid_parameter(field, problem.message.clone()));
    }
    let username = checked.text("username").unwrap_or_default();
    let password = checked.text("password").unwrap_or_default();
    let found = shared.users.iter().position(|u| u.username == username);
    let Some(user_index) = found.filter(|i| constant_time_eq(&shared.users[*i].password, &password)) else {
        tracing::info!(username = %username, "Entrata login refused: unknown username or wrong password");
        return Err(ApiError::unauthorized("invalid_credentials", "username or password is incorrect"));
    };
    let user = &shared.users[user_index];
    if let Some(secret) = &user.totp {
        let mfa = checked.object.get("mfa").and_then(|m| check_object(m.get(), MFA).ok());
        let Some(mfa) = mfa else {
            return Err(ApiError::unauthorized("mfa_required", "this user needs a TOTP code in \"mfa\"")
                .with_extra("methods", json!(["totp"])));
        };
        let method = mfa.text("type").unwrap_or_else(|| "totp".to_owned());
        if method != "totp" {
            return Err(ApiError::unauthorized(
                "invalid_mfa_code",
                format!("MFA type {method:?} is not set up for this user; use \"totp\""),
            ));
        }
        // Real wall-clock time, not the sandbox clock: the user's authenticator app (or the
        // connector's TOTP generator) runs on real time, and advancing the sandbox clock to
        // expire tokens must not invalidate every code.
        let real_now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
        let code = mfa.text("code").unwrap_or_default();
        if !secret.accepts(code.trim(), real_now) {
            tracing::info!(user = %user.id, "Entrata login refused: wrong or stale TOTP code");
            return Err(ApiError::unauthorized("invalid_mfa_code", "the MFA code is wrong or expired"));
        }
    }
    Ok(issue_session(shared, user_index))
}

pub async fn refresh(State(shared): State<Arc<EntrataShared>>, headers: HeaderMap) -> Response {
    refresh_inner(&shared, &headers).unwrap_or_else(IntoResponse::into_response)
}

fn refresh_inner(shared: &EntrataShared, headers: &HeaderMap) -> ApiResult {
    let token = bearer(headers).ok_or_else(missing_token)?;
    let now = shared.clock.now();
    let grace = TimeDelta::seconds(i64::from(shared.limits.refresh_grace_s));
    let user = {
        let sessions = lock(&shared.sessions);
        let session = sessions.get(token).ok_or_else(unknown_token)?;
        if now >= session.expires_at + grace {
            return Err(ApiError::unauthorized("session_expired", "the session has expired; log in again"));
        }
        session.user
    };
    Ok(issue_session(shared, user))
}

fn issue_session(shared: &EntrataShared, user_index: usize) -> Response {
    let limits = &shared.limits;
    let now = shared.clock.now();
    let (token, session) =
        lock(&shared.sessions).issue(user_index, now, limits.token_lifetime_s, limits.refresh_grace_s);
    let user = &shared.users[user_index];
    tracing::info!(user = %user.id, token = %token_fingerprint(&token), expires_at = %timestamp(session.expires_at), "Entrata session issued");
    let body = json!({
        "authToken": token,
        "expiresIn": limits.token_lifetime_s,
        "user": {"id": user.id, "name": user.name, "entitlements": user.entitlements},
    });
    (StatusCode::OK, axum::Json(body)).into_response()
}

pub fn missing_token() -> ApiError {
    ApiError::unauthorized("invalid_token", "missing 'Authorization: Bearer <authToken>'")
}

pub fn unknown_token() -> ApiError {
    ApiError::unauthorized("invalid_token", "the auth token is not one this service issued")
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
