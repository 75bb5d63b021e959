//! Progress on a terminal; nothing (the log lines say enough) when not a terminal or when quiet.
//!
//! A bar counts steps (a pull's property ledgers, a posting's entries) against a total that is
//! known before they start and is never changed after, so it never jumps back; until then it shows
//! no total at all. Items (a pull's) and their rate, in whole items a second, ride along. Every
//! bar is drawn through one process-wide [`MultiProgress`], and log lines are written with it
//! suspended ([`LogWriter`]), so a log line is printed above the bar, never on its row.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// The process's bars, drawn on stderr.
fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

/// How often a shown bar is redrawn while nothing advances (its rate and clock stay current).
const STEADY_TICK: Duration = Duration::from_millis(250);

pub struct Progress {
    shown: Option<Shown>,
    /// Off a terminal: a log line at most once a minute while steps go on, with an estimate.
    logged: Option<Logged>,
}

/// How often, at most, progress is written to the log off a terminal.
const LOG_EVERY: Duration = Duration::from_secs(60);

struct Logged {
    every: Duration,
    state: std::sync::Mutex<LoggedState>,
}

struct LoggedState {
    message: String,
    unit: &'static str,
    total: u64,
    done: u64,
    started: std::time::Instant,
    last: std::time::Instant,
    /// Lines written.
    lines: u64,
}

struct Shown {
    bar: ProgressBar,
    items: Arc<AtomicU64>,
}

impl Progress {
    /// A bar on stderr when it is a terminal and `enabled`.
    pub fn new(label: &str, enabled: bool) -> Progress {
        use std::io::IsTerminal;
        if !enabled {
            return Progress::hidden();
        }
        if !std::io::stderr().is_terminal() {
            return Progress::logged(label, LOG_EVERY);
        }
        let _ = BARS_IF_ANY.set(());
        let progress = Progress::on(bars(), label);
        if let Some(shown) = &progress.shown {
            shown.bar.enable_steady_tick(STEADY_TICK);
        }
        progress
    }

    /// A bar drawn by `bars` (tests draw on a recording terminal).
    pub fn on(bars: &MultiProgress, label: &str) -> Progress {
        let items = Arc::new(AtomicU64::new(0));
        let bar = bars.add(ProgressBar::no_length());
        bar.set_style(style(&items, None));
        bar.set_message(label.to_owned());
        Progress { shown: Some(Shown { bar, items }), logged: None }
    }

    pub fn hidden() -> Progress {
        Progress { shown: None, logged: None }
    }

    /// No bar: a log line every `every` at most while steps go on (`post: 120 of 706 entries, 1
    /// min in, about 5 min left`).
    pub fn logged(label: &str, every: Duration) -> Progress {
        let now = std::time::Instant::now();
        let state = LoggedState {
            message: label.to_owned(),
            unit: "steps",
            total: 0,
            done: 0,
            started: now,
            last: now,
            lines: 0,
        };
        Progress { shown: None, logged: Some(Logged { every, state: std::sync::Mutex::new(state) }) }
    }

    fn with_logged(&self, f: impl FnOnce(&mut LoggedState, Duration)) {
        if let Some(logged) = &self.logged {
            let mut state = logged.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&mut state, logged.every);
        }
    }

    /// What the bar is doing now (`pull: properties and AR codes`).
    pub fn set_message(&self, message: &str) {
        if let Some(shown) = &self.shown {
            shown.bar.set_message(message.to_owned());
        }
        self.with_logged(|state, _| state.message = message.to_owned());
    }

    /// How many steps there are, of what (`properties`, `entries`). Set once: later calls change
    /// nothing, so the bar never jumps back.
    pub fn set_total(&self, steps: u64, unit: &'static str) {
        if let Some(shown) = &self.shown
            && shown.bar.length().is_none()
        {
            shown.bar.set_length(steps);
            shown.bar.set_style(style(&shown.items, Some(unit)));
        }
        // In the log each phase (a target's posting) counts afresh.
        self.with_logged(|state, _| {
            let now = std::time::Instant::now();
            (state.total, state.done, state.unit, state.started, state.last) = (steps, 0, unit, now, now);
        });
    }

    /// One step is done.
    pub fn step(&self) {
        if let Some(shown) = &self.shown {
            shown.bar.inc(1);
        }
        self.with_logged(|state, every| {
            state.done += 1;
            let now = std::time::Instant::now();
            if state.total > 0 && state.done < state.total && now.duration_since(state.last) >= every {
                state.last = now;
                state.lines += 1;
                let line =
                    progress_line(&state.message, state.done, state.total, state.unit, now - state.started);
                tracing::info!(done = state.done, total = state.total, "{line}");
            }
        });
    }

    /// `n` more items pulled.
    pub fn advance(&self, n: u64) {
        if let Some(shown) = &self.shown {
            shown.items.fetch_add(n, Ordering::Relaxed);
            shown.bar.tick();
        }
    }

    pub fn finish(&self) {
        if let Some(shown) = &self.shown {
            shown.bar.finish_and_clear();
        }
    }
}

/// The bar's look: with a known total, a bar of steps (`unit`); without, a spinner. Both show the
/// items counted, if any, and their rate in whole items a second, and the wait going on now, if
/// any, with its reason (issue 16, item 13).
fn style(items: &Arc<AtomicU64>, unit: Option<&'static str>) -> ProgressStyle {
    let template = match unit {
        Some(unit) => {
            format!(
                "{{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit}{{items}} · {{elapsed}}, about {{eta}} left{{wait}}"
            )
        }
        None => "{spinner} {msg}{items} · {elapsed}{wait}".to_owned(),
    };
    let items = Arc::clone(items);
    ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
        .with_key("items", move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
            let n = items.load(Ordering::Relaxed);
            if n > 0 {
                let _ = write!(w, " · {n} items · {}/s", per_second(n, state.elapsed()));
            }
        })
        .with_key("wait", |_: &ProgressState, w: &mut dyn std::fmt::Write| {
            if let Some((why, left)) = crate::http::waiting::current() {
                let _ = write!(w, " · waiting {} for {why}", duration_text(left.max(Duration::from_secs(1))));
            }
        })
}

/// `post: qbo: 120 of 706 entries, 1 min 5 s in, about 5 min 17 s left` (the estimate from the
/// pace so far).
pub fn progress_line(message: &str, done: u64, total: u64, unit: &str, elapsed: Duration) -> String {
    let mut line = format!("{message}: {done} of {total} {unit}, {} in", duration_text(elapsed));
    if done > 0 && total > done {
        let per_step = elapsed.as_secs_f64() / done as f64;
        let left = Duration::from_secs_f64(per_step * (total - done) as f64);
        line.push_str(&format!(", about {} left", duration_text(left)));
    }
    line
}

/// `45 s`, `1 min 5 s`, `2 h 3 min`.
fn duration_text(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Whole items a second.
fn per_second(items: u64, elapsed: Duration) -> u64 {
    let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    items.saturating_mul(1000).checked_div(ms).unwrap_or(0)
}

/// Runs `write` with `bars` cleared from the screen, then draws them again below what it wrote.
pub fn suspend_bars<R>(bars: &MultiProgress, write: impl FnOnce() -> R) -> R {
    bars.suspend(write)
}

/// The log's writer: stderr, with the progress bars (if any) suspended while a line is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct LogWriter;

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        LogWriter
    }
}

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let write = || std::io::stderr().lock().write_all(buf);
        // Only suspend bars that exist: creating them here would be pointless.
        match BARS_IF_ANY.get() {
            Some(()) => suspend_bars(bars(), write),
            None => write(),
        }?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

/// Set once a bar is shown on stderr.
static BARS_IF_ANY: OnceLock<()> = OnceLock::new();

#[cfg(test)]
mod tests;
