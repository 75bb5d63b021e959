//! The real binary, run in the foreground or kept in the background (a `sandbox` serving until the
//! test ends), with a cleared environment: only `PATH` and what a test sets.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use super::Run;

pub const BIN: &str = env!("CARGO_BIN_EXE_entrata-recon");

/// The binary with a cleared environment (but `PATH`), run in `cwd`.
pub fn command(cwd: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TMPDIR", cwd)
        .current_dir(cwd)
        .args(args)
        .stdin(Stdio::null());
    command
}

/// Runs the binary to its end.
pub fn run(cwd: &Path, args: &[&str]) -> Run {
    let output = command(cwd, args).output().expect("the binary runs");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A long-running command (`sandbox`) started in the background; killed when dropped.
pub struct Background {
    child: Child,
    /// What it printed up to its ready line.
    pub stdout: String,
}

/// The line `sandbox` prints once it serves (and has written its config).
pub const READY_LINE: &str = "Press Ctrl-C to stop.";

impl Background {
    /// Starts `command` and waits until it prints [`READY_LINE`]; fails the test, with its stderr,
    /// if it ends first.
    pub fn start(mut command: Command) -> Background {
        let mut child =
            command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("the binary starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout"));
        let mut stdout = String::new();
        loop {
            let mut line = String::new();
            if lines.read_line(&mut line).expect("read stdout") == 0 {
                let status = child.wait().expect("wait");
                let mut stderr = String::new();
                child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("read stderr");
                panic!(
                    "{command:?} ended ({status}) before it was ready\nstdout:\n{stdout}\nstderr:\n{stderr}"
                );
            }
            stdout.push_str(&line);
            if line.trim_end() == READY_LINE {
                break;
            }
        }
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        let mut stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Background { child, stdout }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
