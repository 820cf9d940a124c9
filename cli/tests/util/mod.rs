//! Helpers shared by the crash tests (`crash.rs`, `floor_crash.rs`): a
//! scratch directory, the `dialcore` binary, JSON output checks and the
//! kill times spread over a measured run (see `crash.rs`'s module doc).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A scratch directory under the system temp dir, removed when dropped.
pub struct Scratch(PathBuf);

impl Scratch {
    /// A new, empty scratch directory named after the process and `name`.
    pub fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("dialcore-crash-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(dir)
    }

    /// A path inside the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `dialcore` binary under test.
pub fn dialcore() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dialcore"));
    cmd.env_remove("RUST_BACKTRACE");
    cmd
}

/// `dialcore simulate` of `scenario` in the data directory `dir` with
/// `seed`, no fsync (a killed process keeps the page cache's bytes), and
/// `extra` arguments.
pub fn simulate_durable(scenario: &Path, dir: &Path, seed: u64, extra: &[&str]) -> Command {
    let mut cmd = dialcore();
    cmd.arg("simulate")
        .arg("--scenario")
        .arg(scenario)
        .arg("--seed")
        .arg(seed.to_string())
        .arg("--data-dir")
        .arg(dir)
        .arg("--fsync")
        .arg("never")
        .args(extra);
    cmd
}

/// Bytes as text, lossily.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts exit 0 and one JSON object on stdout; returns it.
pub fn json_ok(out: &Output, what: &str) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{what}: stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{what}: stdout is not JSON ({e}): {}", text(&out.stdout)))
}

/// splitmix64: a fixed, well-mixed function of the seed.
pub fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The kill time of run `i` of `runs`: `length × span × x²`, `x` drawn (by
/// splitmix64 of the seed) inside the `i`-th of `runs` equal slices of
/// `[0, 1]`.
pub fn kill_time(i: usize, runs: usize, seed: u64, length: Duration, span: f64) -> Duration {
    let unit = (splitmix(seed) >> 11) as f64 / (1u64 << 53) as f64;
    let x = (i as f64 + unit) / runs as f64;
    Duration::from_secs_f64(length.as_secs_f64() * span * x * x)
}

/// Spawns `cmd` (stdout discarded), kills it with SIGKILL after `at` and
/// waits for it; returns whether it ended on its own (exit 0) first. A run
/// that failed on its own is a test failure (`what` names it).
pub fn run_and_kill(mut cmd: Command, at: Duration, what: &str) -> bool {
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the process starts");
    std::thread::sleep(at);
    // SIGKILL on Unix; harmless if the run already ended.
    let _ = child.kill();
    let status = child.wait().expect("wait for the process");
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    let ended = status.success();
    assert!(
        ended || status.code().is_none(),
        "{what}: the process failed on its own ({status}): {stderr}"
    );
    ended
}
