//! Entrata's per-service rate limits as its answers state them (docs/sources.md §2.5, §4.4):
//! `X-RateLimit-Limit: 15000/DAY;1000/HOUR;150/MINUTE`, `X-RateLimit-Remaining` in the same form,
//! and `X-RateLimit-Reset: 36686;686;26`, the seconds until each window starts again, in the same
//! order. Before its next call to a service the adapter asks `wait_before_next`: a window whose
//! remaining calls are down to the reserve is waited out (and the wait is said), so the limit is
//! never hit rather than hit and retried.

use std::time::Duration;

/// One window of a service's limits, as the last answer stated it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// `DAY`, `HOUR`, `MINUTE` (as sent, upper case).
    pub unit: String,
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the window starts again.
    pub reset_s: u64,
}

/// The windows an answer's headers state, in their order; `None` when the headers are missing
/// or do not read (the adapter then paces by its configured floor alone, and a 429 by
/// `Retry-After`).
pub fn windows(limit: Option<&str>, remaining: Option<&str>, reset: Option<&str>) -> Option<Vec<Window>> {
    let limits = parts(limit?)?;
    let remaining = parts(remaining?)?;
    let resets: Vec<u64> = reset?.split(';').map(|n| n.trim().parse().ok()).collect::<Option<_>>()?;
    if remaining.len() != limits.len() || resets.len() != limits.len() {
        return None;
    }
    limits
        .into_iter()
        .zip(remaining)
        .zip(resets)
        .map(|(((limit, unit), (left, left_unit)), reset_s)| {
            (unit == left_unit).then_some(Window { unit, limit, remaining: left, reset_s })
        })
        .collect()
}

/// `15000/DAY;1000/HOUR;150/MINUTE` as (count, unit) pairs.
fn parts(text: &str) -> Option<Vec<(u64, String)>> {
    text.split(';')
        .map(|part| {
            let (count, unit) = part.trim().split_once('/')?;
            Some((count.trim().parse().ok()?, unit.trim().to_ascii_uppercase()))
        })
        .collect()
}

/// How long to wait before the next call to the service, and why (`None`: go now). A window is
/// spent when its remaining calls are at or below `reserve_percent` of its limit (at least one
/// call is always kept back, for a retry); the wait is the longest reset among spent windows.
pub fn wait_before_next(windows: &[Window], reserve_percent: u64) -> Option<(Duration, String)> {
    windows
        .iter()
        .filter(|w| w.remaining <= (w.limit * reserve_percent / 100).max(1))
        .max_by_key(|w| w.reset_s)
        .map(|w| {
            let why = format!(
                "{} of Entrata's {} calls a {} left",
                w.remaining,
                w.limit,
                w.unit.to_ascii_lowercase()
            );
            (Duration::from_secs(w.reset_s.max(1)), why)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(remaining: &str, reset: &str) -> Vec<Window> {
        windows(Some("15000/DAY;1000/HOUR;150/MINUTE"), Some(remaining), Some(reset)).expect("readable")
    }

    #[test]
    fn the_three_windows_read_as_sent() {
        let w = observed("14996/DAY;999/HOUR;149/MINUTE", "36686;686;26");
        assert_eq!(w.len(), 3);
        assert_eq!(w[2], Window { unit: "MINUTE".into(), limit: 150, remaining: 149, reset_s: 26 });
        assert_eq!(wait_before_next(&w, 10), None, "plenty left: go now");
        for (limit, remaining, reset) in [
            (None, Some("1/DAY"), Some("1")),
            (Some("15000/DAY;150/MINUTE"), Some("14996/DAY"), Some("36686;26")),
            (Some("15000/DAY"), Some("14996/HOUR"), Some("36686")),
            (Some("lots"), Some("1/DAY"), Some("1")),
        ] {
            assert_eq!(windows(limit, remaining, reset), None, "{limit:?} {remaining:?} {reset:?}");
        }
    }

    #[test]
    fn a_spent_window_is_waited_out_before_the_limit_is_hit() {
        // The minute is down to its reserve (10% of 150): wait until it starts again.
        let (wait, why) =
            wait_before_next(&observed("9000/DAY;500/HOUR;15/MINUTE", "36686;686;26"), 10).expect("a wait");
        assert_eq!(wait, Duration::from_secs(26));
        assert_eq!(why, "15 of Entrata's 150 calls a minute left");
        // The hour and the minute both spent: the longer reset.
        let both = observed("9000/DAY;1/HOUR;1/MINUTE", "36686;686;26");
        assert_eq!(wait_before_next(&both, 0).map(|(d, _)| d), Some(Duration::from_secs(686)));
        // With no reserve asked, the last call is still kept for a retry.
        assert!(wait_before_next(&observed("9000/DAY;500/HOUR;1/MINUTE", "1;1;0"), 0).is_some());
    }
}
