//! Connecting the binary to the QuickBooks sandbox, and reading back what the sandbox holds.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::process::Stdio;

use reqwest::Method;
use rust_decimal::Decimal;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::common::{Harness, Run, generated};

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    listener.local_addr().expect("address").port()
}

/// A sandbox with a generated portfolio, the example mappings, QBO only, pulled.
pub async fn world(spec: &str) -> Harness {
    let h = Harness::start(generated(spec)).await;
    h.write_mappings();
    h.set_target("xero", "enabled", Some(false.into()));
    let pull = h.run(&["pull"]).await;
    assert!(matches!(pull.code, Some(0 | 1)), "{pull:?}");
    h
}

/// Runs `connect qbo`: follows the printed URL with a browser-like client (loopback redirect), or
/// pastes the redirected address at the prompt (`paste`: a redirect URI that is not loopback).
pub async fn connect(h: &Harness, paste: bool) -> Run {
    connect_with(h, paste, &[]).await
}

/// `connect qbo` with more arguments (`--switch-company`). A refusal after the consent ends the
/// command like any other answer.
pub async fn connect_with(h: &Harness, paste: bool, extra: &[&str]) -> Run {
    connect_target(h, "qbo", paste, extra).await
}

/// `connect <target>` (`qbo` or `xero`) with more arguments, as `connect_with` runs it.
pub async fn connect_target(h: &Harness, target: &str, paste: bool, extra: &[&str]) -> Run {
    let redirect = if paste {
        format!("https://recon.example.com/{target}/callback")
    } else {
        format!("http://127.0.0.1:{}/callback", free_port())
    };
    h.set_target(target, "redirect_uri", Some(redirect.clone().into()));
    let args: Vec<&str> = ["connect", target].into_iter().chain(extra.iter().copied()).collect();
    let mut child = h.command(&args).stdin(Stdio::piped()).spawn().expect("connect starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut printed = Vec::new();
    let url = loop {
        let line = stdout.next_line().await.expect("stdout").expect("the URL is printed");
        printed.push(line.clone());
        if line.starts_with("http") {
            break line;
        }
    };
    let browser = reqwest::Client::builder()
        .no_proxy()
        .redirect(if paste {
            reqwest::redirect::Policy::none()
        } else {
            reqwest::redirect::Policy::limited(5)
        })
        .build()
        .expect("client");
    // The listener may take a moment to bind after the URL is printed.
    let mut answer = None;
    for _ in 0..50 {
        match browser.get(&url).send().await {
            Ok(response) => {
                answer = Some(response);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
        }
    }
    let answer = answer.expect("the consent page answered");
    if paste {
        let location = answer.headers()["location"].to_str().expect("location").to_owned();
        assert!(location.starts_with(&redirect), "{location}");
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(format!("{location}\n").as_bytes()).await.expect("paste");
    } else {
        assert!(answer.status().is_success(), "{:?}", answer.status());
    }
    let mut rest = Vec::new();
    while let Ok(Some(line)) = stdout.next_line().await {
        rest.push(line);
    }
    let output = child.wait_with_output().await.expect("connect ends");
    printed.extend(rest);
    Run {
        code: output.status.code(),
        stdout: printed.join("\n"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The QBO part of `/_sandbox/state`.
pub async fn books(h: &Harness) -> Value {
    h.control(Method::GET, "/_sandbox/state?items=false", None).await["qbo"].clone()
}

/// Journal entries the sandbox holds, by document number.
pub fn entries(books: &Value) -> BTreeMap<String, Value> {
    let mut by_number = BTreeMap::new();
    for entry in books["journalEntries"].as_array().expect("journalEntries") {
        let number = entry["DocNumber"].as_str().expect("DocNumber").to_owned();
        assert!(by_number.insert(number.clone(), entry.clone()).is_none(), "{number} is in QuickBooks twice");
    }
    by_number
}

/// AcctNum of each account id.
pub fn account_numbers(books: &Value) -> BTreeMap<String, String> {
    books["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            (a["Id"].as_str().expect("Id").to_owned(), a["AcctNum"].as_str().unwrap_or_default().to_owned())
        })
        .collect()
}

/// An account id by its number.
pub fn account_id(books: &Value, number: &str) -> String {
    account_numbers(books).into_iter().find(|(_, n)| n == number).map(|(id, _)| id).expect("account number")
}

pub fn decimal(value: &Value) -> Decimal {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.parse().unwrap_or_else(|_| panic!("not a decimal: {value}"))
}

/// Requests the sandbox served to an endpoint whose route ends with `suffix` (`POST .../batch`).
pub async fn served_count(h: &Harness, method: &str, suffix: &str) -> u64 {
    let state = h.control(Method::GET, "/_sandbox/state?items=false", None).await;
    state["requests"]
        .as_object()
        .expect("requests")
        .iter()
        .filter(|(endpoint, _)| endpoint.starts_with(method) && endpoint.ends_with(suffix))
        .map(|(_, n)| n.as_u64().unwrap_or(0))
        .sum()
}
