use std::sync::Mutex;

use indicatif::TermLike;

use super::*;

/// A terminal that keeps what is on screen: rows of text and the cursor's row.
#[derive(Debug, Clone, Default)]
struct Screen(Arc<Mutex<Rows>>);

#[derive(Debug, Default)]
struct Rows {
    rows: Vec<String>,
    cursor: usize,
}

impl Screen {
    fn with<R>(&self, f: impl FnOnce(&mut Rows) -> R) -> R {
        f(&mut self.0.lock().unwrap())
    }

    fn rows(&self) -> Vec<String> {
        self.with(|s| s.rows.iter().map(|r| r.trim_end().to_owned()).filter(|r| !r.is_empty()).collect())
    }
}

impl Rows {
    fn row(&mut self) -> &mut String {
        while self.rows.len() <= self.cursor {
            self.rows.push(String::new());
        }
        &mut self.rows[self.cursor]
    }
}

impl TermLike for Screen {
    fn width(&self) -> u16 {
        120
    }
    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        self.with(|s| s.cursor = s.cursor.saturating_sub(n));
        Ok(())
    }
    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        self.with(|s| s.cursor += n);
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, text: &str) -> std::io::Result<()> {
        self.with(|s| {
            s.row().push_str(text);
            s.cursor += 1;
        });
        Ok(())
    }
    fn write_str(&self, text: &str) -> std::io::Result<()> {
        self.with(|s| s.row().push_str(text));
        Ok(())
    }
    fn clear_line(&self) -> std::io::Result<()> {
        self.with(|s| s.row().clear());
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_total_is_unknown_until_set_then_never_moves_and_rates_are_whole() {
    let screen = Screen::default();
    let bars = MultiProgress::with_draw_target(ProgressDrawTarget::term_like(Box::new(screen.clone())));
    let progress = Progress::on(&bars, "pull");
    progress.advance(1_234);
    let rows = screen.rows();
    let bar = rows.last().expect("a bar");
    assert!(bar.contains("pull · 1234 items · ") && !bar.contains("properties"), "{bar}");

    progress.set_total(3, "properties");
    progress.step();
    progress.set_total(40, "properties"); // a later count changes nothing: the bar never jumps back
    progress.advance(1);
    let rows = screen.rows();
    let bar = rows.last().expect("a bar");
    assert!(bar.contains("1/3 properties · 1235 items · "), "{bar}");
    let rate = bar.split(" · ").find(|part| part.ends_with("/s")).expect("a rate");
    assert!(rate.trim_end_matches("/s").chars().all(|c| c.is_ascii_digit()), "whole items a second: {rate}");
    progress.finish();
}

#[test]
fn log_lines_are_written_above_the_bar_not_on_its_row() {
    let screen = Screen::default();
    let bars = MultiProgress::with_draw_target(ProgressDrawTarget::term_like(Box::new(screen.clone())));
    let progress = Progress::on(&bars, "pull");
    progress.set_total(2, "properties");
    progress.advance(10);
    for n in 1..=3 {
        let log = screen.clone();
        suspend_bars(&bars, || {
            log.write_line(&format!("INFO waiting {n} s for the rate-limit window")).unwrap()
        });
        progress.advance(10);
    }
    let rows = screen.rows();
    assert_eq!(rows.len(), 4, "{rows:#?}");
    for (n, row) in rows[..3].iter().enumerate() {
        assert_eq!(row, &format!("INFO waiting {} s for the rate-limit window", n + 1));
    }
    assert!(rows[3].contains("0/2 properties · 40 items"), "{rows:#?}");
}

#[test]
fn a_bar_without_items_shows_only_its_steps() {
    let screen = Screen::default();
    let bars = MultiProgress::with_draw_target(ProgressDrawTarget::term_like(Box::new(screen.clone())));
    let progress = Progress::on(&bars, "post qbo");
    progress.set_total(30, "entries");
    progress.step();
    let rows = screen.rows();
    let bar = rows.last().expect("a bar");
    assert!(bar.contains("1/30 entries · ") && !bar.contains("items"), "{bar}");
}

#[test]
fn rates_are_whole_items_a_second() {
    assert_eq!(per_second(0, Duration::ZERO), 0);
    assert_eq!(per_second(1_000, Duration::from_millis(3_000)), 333);
    assert_eq!(per_second(7, Duration::from_millis(2)), 3_500);
}

#[test]
fn the_log_line_says_how_far_and_about_how_long_is_left() {
    assert_eq!(
        progress_line("post to qbo", 120, 706, "entries", Duration::from_secs(65)),
        "post to qbo: 120 of 706 entries, 1 min 5 s in, about 5 min 17 s left"
    );
    assert_eq!(
        progress_line("pull: ledgers", 0, 5, "properties", Duration::from_secs(3)),
        "pull: ledgers: 0 of 5 properties, 3 s in"
    );
    assert_eq!(
        progress_line("post to xero", 1, 3, "entries", Duration::from_secs(3700)),
        "post to xero: 1 of 3 entries, 1 h 1 min in, about 2 h 3 min left"
    );
}

/// Off a terminal, a phase's steps are logged at most once per interval: with none, every step
/// but the last (the phase's own end says the rest).
#[test]
fn off_a_terminal_steps_are_logged_at_most_once_per_interval() {
    let often = Progress::logged("post", Duration::ZERO);
    often.set_message("post to qbo");
    often.set_total(3, "entries");
    for _ in 0..3 {
        often.step();
    }
    let lines = |p: &Progress| p.logged.as_ref().expect("logged").state.lock().unwrap().lines;
    assert_eq!(lines(&often), 2);
    let rarely = Progress::logged("post", Duration::from_secs(3600));
    rarely.set_total(3, "entries");
    rarely.step();
    rarely.step();
    assert_eq!(lines(&rarely), 0, "no line within the hour");
}

/// A wait (a rate limit, a Retry-After) is on the bar with its reason and what is left, and gone
/// from it once it ends (issue 16, item 13).
#[test]
fn a_wait_is_on_the_bar_with_its_reason_until_it_ends() {
    let screen = Screen::default();
    let bars = MultiProgress::with_draw_target(ProgressDrawTarget::term_like(Box::new(screen.clone())));
    let progress = Progress::on(&bars, "post to xero");
    progress.set_total(3, "entries");
    let noted = crate::http::waiting::note("xero's minute rate limit", Duration::from_secs(42));
    progress.step();
    let bar = screen.rows().last().cloned().expect("a bar");
    assert!(bar.contains("1/3 entries · ") && bar.contains(" · waiting 4"), "{bar}");
    assert!(bar.ends_with(" s for xero's minute rate limit"), "{bar}");
    crate::http::waiting::done(noted);
    progress.step();
    let bar = screen.rows().last().cloned().expect("a bar");
    assert!(bar.contains("2/3 entries") && !bar.contains("waiting"), "{bar}");
    progress.finish();
}
