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
}

struct Shown {
    bar: ProgressBar,
    items: Arc<AtomicU64>,
}

impl Progress {
    /// A bar on stderr when it is a terminal and `enabled`.
    pub fn new(label: &str, enabled: bool) -> Progress {
        use std::io::IsTerminal;
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress::hidden();
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
        Progress { shown: Some(Shown { bar, items }) }
    }

    pub fn hidden() -> Progress {
        Progress { shown: None }
    }

    /// What the bar is doing now (`pull: properties and AR codes`).
    pub fn set_message(&self, message: &str) {
        if let Some(shown) = &self.shown {
            shown.bar.set_message(message.to_owned());
        }
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
    }

    /// One step is done.
    pub fn step(&self) {
        if let Some(shown) = &self.shown {
            shown.bar.inc(1);
        }
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
/// items counted, if any, and their rate in whole items a second.
fn style(items: &Arc<AtomicU64>, unit: Option<&'static str>) -> ProgressStyle {
    let template = match unit {
        Some(unit) => format!("{{msg}} [{{bar:30}}] {{pos}}/{{len}} {unit}{{items}} · {{elapsed}}"),
        None => "{spinner} {msg}{items} · {elapsed}".to_owned(),
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
