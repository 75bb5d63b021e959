//! Ctrl-C (issue 16, item 14). A command that changes nothing ends at once. One that posts
//! (`pull`, `post`, `run`, `demo`) finishes the request in flight and records its outcome: the
//! posting engine sends no further batch once Ctrl-C was pressed, says what it did and what the
//! next run will look up, and the process exits 130. A wait (a rate limit, a backoff, a settle
//! interval) has no request in flight: Ctrl-C during one ends the process at once, as safe as a
//! kill, because every request's intent is committed before it leaves. Ctrl-C twice ends it at
//! once whatever it is doing.

use std::sync::OnceLock;
use std::time::Duration;

use tokio::sync::watch;

/// The exit code after Ctrl-C (128 + SIGINT), as shells report it.
pub const EXIT_CODE: u8 = 130;

fn channel() -> &'static watch::Sender<bool> {
    static CHANNEL: OnceLock<watch::Sender<bool>> = OnceLock::new();
    CHANNEL.get_or_init(|| watch::channel(false).0)
}

/// Whether Ctrl-C was pressed (only ever in a process that `listen`s).
pub fn requested() -> bool {
    *channel().borrow()
}

/// Resolves once Ctrl-C was pressed; never, in a process that does not `listen`.
pub async fn pressed() {
    let mut seen = channel().subscribe();
    let _ = seen.wait_for(|pressed| *pressed).await;
}

/// What Ctrl-C does to this command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Finish the request in flight, record it, report, exit 130.
    Graceful,
    /// Nothing to finish: exit 130 at once.
    AtOnce,
}

/// Starts listening for Ctrl-C (inside the runtime).
pub fn listen(mode: Mode) {
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        if mode == Mode::AtOnce {
            eprintln!("\nInterrupted (Ctrl-C).");
            std::process::exit(i32::from(EXIT_CODE));
        }
        channel().send_replace(true);
        eprintln!(
            "\nInterrupted (Ctrl-C): finishing the request in flight and recording its outcome, then stopping. \
             Ctrl-C again stops at once (what was sent is then looked up on the next run)."
        );
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "Stopped at once (Ctrl-C twice). Every request's intent was recorded before it left: the next run \
                 looks up whatever has no answer before it sends anything again."
            );
            std::process::exit(i32::from(EXIT_CODE));
        }
    });
}

/// Ends the process during a wait of `duration` because Ctrl-C was pressed: no request is in
/// flight, and everything done so far is recorded.
pub fn stop_waiting(duration: Duration) -> ! {
    eprintln!(
        "Stopped during a {:.0} s wait (Ctrl-C); no request was in flight. What was done is recorded; the next \
         run looks up whatever has no answer and sends the rest.",
        duration.as_secs_f64()
    );
    std::process::exit(i32::from(EXIT_CODE))
}

/// The last line of a command that stopped after Ctrl-C.
pub fn closing_line() -> &'static str {
    "Interrupted (Ctrl-C): stopped after the request in flight. What was sent is recorded; the next run \
     looks up whatever has no answer and sends the rest."
}
