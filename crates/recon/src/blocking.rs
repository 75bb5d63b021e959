//! CPU-bound work off the async runtime's workers.

/// Runs `work` on the blocking pool and waits for it. A panic in `work` is a bug: it is resumed
/// here, so it surfaces as one rather than as an error of whatever the caller was doing. The
/// only error left is the runtime shutting down before `work` ran.
pub async fn run<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    match tokio::task::spawn_blocking(work).await {
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        done => done,
    }
}
