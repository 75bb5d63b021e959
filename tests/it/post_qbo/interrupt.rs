//! Issue 16, item 14: Ctrl-C during a post finishes the request in flight, records its outcome,
//! says what was done and what the next run does, and exits 130; the next run sends the rest and
//! nothing twice. (Before, the process ended with no word: SIGINT's default.)

use super::support::{books, connect, entries, world};
use super::{MONTH, plan_json};

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_finishes_the_batch_in_flight_records_it_and_exits_130() {
    let h = world(MONTH).await;
    assert_eq!(connect(&h, false).await.code, Some(0));
    let want =
        plan_json(&h.run(&["plan", "--format", "json"]).await)["entries"].as_array().expect("entries").len();
    // Every batch is held 1.5 s before QuickBooks answers it: Ctrl-C lands while one is in flight.
    h.set_faults(
        r#"[{"service": "qbo", "method": "POST", "path": "**/batch", "action": {"delay_ms": 1500}}]"#,
    )
    .await;
    let child = h.command(&["post"]).spawn().expect("post starts");
    h.wait_until_fired(0, 1).await;
    let pid = i32::try_from(child.id().expect("a running child")).expect("pid");
    // SAFETY: kill(2) with a pid this test spawned and has not reaped.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let output = child.wait_with_output().await.expect("post ends");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("Interrupted (Ctrl-C): finishing the request in flight"), "{stderr}");
    assert!(stdout.contains("Interrupted (Ctrl-C): stopped after the request in flight"), "{stdout}");
    assert!(stdout.contains("interrupted (Ctrl-C)"), "the target's line says why it stopped: {stdout}");
    // The batch in flight was answered and recorded: what QuickBooks holds is confirmed, nothing is
    // left without an answer, and the rest was not sent.
    let held = entries(&books(&h).await).len();
    assert!(held > 0 && held < want, "one batch of {want}: {held}");
    let status: serde_json::Value =
        serde_json::from_str(&h.run(&["status", "--format", "json"]).await.stdout).expect("status JSON");
    let postings = &status["targets"][0]["postings"];
    assert_eq!(postings["confirmed"], held, "{status}");
    assert_eq!(postings["uncertain"].as_u64().unwrap_or(0), 0, "{status}");

    h.control(reqwest::Method::DELETE, "/_sandbox/faults", None).await;
    let again = h.run(&["post"]).await;
    assert!(matches!(again.code, Some(0 | 1)), "{again:?}");
    // `entries` fails on a document number held twice.
    assert_eq!(entries(&books(&h).await).len(), want, "{}", again.stdout);
}
