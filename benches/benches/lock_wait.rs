//! How long `dc_campaign_handle` waits for the campaign's lock while
//! another thread polls a durable campaign (fsync ALWAYS) 100 times a
//! second: before (the fdatasync inside `dc_campaign_poll`'s lock, as it
//! was) and after (the sync after the lock is released, as it is now).
//!
//! Through the C API's Rust face (the `dialcore-ffi` rlib): a poller thread
//! calls `dc_campaign_poll` every 10 ms (each poll moves the clock, so each
//! writes a record and syncs); the measuring thread sends an operator
//! event about every 200 µs and times each call. Printed: median, p99,
//! p99.9 and max per ordering, and the p99 ratio.
//!
//! `cargo bench -p dialcore-benches --bench lock_wait` (prints; no criterion
//! groups).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use dcffi::*;

fn quick() -> bool {
    std::env::var_os("DIALCORE_BENCH_QUICK").is_some()
}

fn bench_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("DIALCORE_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("dialcore-bench-lock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn event(kind: dc_event_kind, operator_id: u32) -> dc_event {
    dc_event {
        kind,
        contact: 0,
        attempt: 0,
        operator_id,
        number: 0,
        disposition: dc_disposition::Done,
        callback_at_ms: 0,
        callback_expires_ms: 0,
        retry_delay_ms: 0,
        disposition_code: 0,
    }
}

/// A durable predictive campaign with 100k contacts and 50 ready operators
/// plus one logged-in operator the event thread toggles.
fn open(dir: &Path) -> (*mut dc_campaign, u32) {
    let path = CString::new(dir.to_str().expect("utf-8 path")).unwrap();
    let mut cfg = dc_config_default();
    cfg.mode = dc_mode::Predictive;
    let opts = dc_durable_options_default();
    let mut c = ptr::null_mut();
    // SAFETY: valid pointers and lengths throughout.
    unsafe {
        assert_eq!(
            dc_campaign_open(path.as_ptr(), &cfg, &opts, ptr::null_mut(), &mut c),
            dc_status::Ok
        );
        let numbers: Vec<u64> = (0..100_000).map(|i| 12_010_000_000 + i * 7).collect();
        assert_eq!(
            dc_campaign_add_numbers(c, numbers.as_ptr(), numbers.len(), 0, ptr::null_mut()),
            dc_status::Ok
        );
        let mut op = 0;
        for i in 0..51 {
            assert_eq!(dc_campaign_add_operator(c, &mut op), dc_status::Ok);
            dc_campaign_handle(c, &event(dc_event_kind::OperatorLogin, op), 0);
            if i < 50 {
                dc_campaign_handle(c, &event(dc_event_kind::OperatorReady, op), 0);
            }
        }
        (c, op)
    }
}

#[derive(Clone, Copy)]
struct Shared(usize);
// SAFETY: the C API's handle is thread-safe (its own mutex); the pointer
// outlives both threads (joined before the free).
unsafe impl Send for Shared {}

/// Sorted wait times of `dc_campaign_handle` over `run`.
fn measure(under_lock: bool, run: Duration) -> (Vec<Duration>, u64) {
    let dir = bench_dir(if under_lock { "before" } else { "after" });
    let (c, toggled) = open(&dir);
    // SAFETY: a live handle.
    unsafe { sync_under_lock(c, under_lock) };
    let stop = Arc::new(AtomicBool::new(false));
    let shared = Shared(c as usize);
    let poller = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let shared = shared;
            let c = shared.0 as *mut dc_campaign;
            let mut buf = vec![dc_command::from_zeroed(); 256];
            let started = Instant::now();
            let mut polls = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let now = 1_000 + started.elapsed().as_millis() as u64;
                let mut n = 0;
                // SAFETY: live handle, 256 writable commands.
                let s = unsafe { dc_campaign_poll(c, now, buf.as_mut_ptr(), buf.len(), &mut n) };
                assert_eq!(s, dc_status::Ok);
                polls += 1;
                std::thread::sleep(Duration::from_millis(10));
            }
            polls
        })
    };
    let mut waits = Vec::new();
    let started = Instant::now();
    let mut i = 0u64;
    while started.elapsed() < run {
        let kind = if i.is_multiple_of(2) {
            dc_event_kind::OperatorReady
        } else {
            dc_event_kind::OperatorPause
        };
        let ev = event(kind, toggled);
        let now = 1_000 + started.elapsed().as_millis() as u64;
        let t = Instant::now();
        // SAFETY: live handle, valid event.
        unsafe { dc_campaign_handle(c, &ev, now) };
        waits.push(t.elapsed());
        i += 1;
        std::thread::sleep(Duration::from_micros(200));
    }
    stop.store(true, Ordering::Relaxed);
    let polls = poller.join().expect("poller");
    // SAFETY: both threads are done with it.
    unsafe { dc_campaign_free(c) };
    let _ = std::fs::remove_dir_all(&dir);
    waits.sort_unstable();
    (waits, polls)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    // Criterion's arguments (report.sh passes them) are ignored.
    let run = Duration::from_secs(if quick() { 4 } else { 15 });
    println!("\n== lock_wait: dc_campaign_handle from another thread while a 100 Hz poller syncs (fsync ALWAYS) ==");
    let mut p99s = Vec::new();
    for (name, under_lock) in [
        ("before (sync inside the lock)", true),
        ("after (sync outside the lock)", false),
    ] {
        let (w, polls) = measure(under_lock, run);
        println!(
            "{name}: {} calls, {polls} polls; wait median {:.1?}, p99 {:.1?}, p99.9 {:.1?}, max {:.1?}",
            w.len(),
            pct(&w, 0.5),
            pct(&w, 0.99),
            pct(&w, 0.999),
            w[w.len() - 1]
        );
        p99s.push(pct(&w, 0.99));
    }
    println!(
        "summary lock_wait p99_before_us={:.1} p99_after_us={:.1} ratio={:.1}",
        p99s[0].as_secs_f64() * 1e6,
        p99s[1].as_secs_f64() * 1e6,
        p99s[0].as_secs_f64() / p99s[1].as_secs_f64().max(1e-9)
    );
}
