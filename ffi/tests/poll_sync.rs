//! `dc_campaign_poll` on a durable campaign: the fdatasync runs after the
//! lock is released, yet every command handed out has its record in the
//! journal; both orderings hand out the same commands; a poller and an
//! event thread share the handle without errors.

use std::ffi::{c_char, CStr, CString};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use dialcore::*;

fn last_error() -> String {
    // SAFETY: a NUL-terminated string valid until the next failing call.
    unsafe { CStr::from_ptr(dc_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dialcore-ffi-poll-sync-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn config() -> dc_config {
    let mut cfg = dc_config_default();
    cfg.mode = dc_mode::Predictive;
    cfg.predictive_ratio = 2.0;
    cfg.abandon_guard = dc_abandon_guard::Expected;
    cfg
}

/// Opens (fsync ALWAYS) the campaign in `dir`; returns it and the
/// number of contacts its recovery reconciled.
fn open(dir: &Path) -> (*mut dc_campaign, u64) {
    let path = CString::new(dir.to_str().unwrap()).unwrap();
    let cfg = config();
    let opts = dc_durable_options_default();
    assert_eq!(opts.fsync_policy, dc_fsync_policy::Always);
    let mut c = ptr::null_mut();
    // SAFETY: all-zero is a valid report (plain integers and bools).
    let mut rep: dc_recovery_report = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers.
    let s = unsafe {
        dc_campaign_open(
            path.as_ptr() as *const c_char,
            &cfg,
            &opts,
            &mut rep,
            &mut c,
        )
    };
    assert_eq!(s, dc_status::Ok, "{}", last_error());
    (c, rep.reconciled_count)
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

/// Adds `n` numbers and `ops` ready operators.
fn populate(c: *mut dc_campaign, n: u64, ops: u32) {
    let numbers: Vec<u64> = (0..n).map(|i| 49_301_000_000 + i).collect();
    // SAFETY: valid pointers and lengths.
    unsafe {
        assert_eq!(
            dc_campaign_add_numbers(c, numbers.as_ptr(), numbers.len(), 0, ptr::null_mut()),
            dc_status::Ok
        );
        for _ in 0..ops {
            let mut op = 0;
            assert_eq!(dc_campaign_add_operator(c, &mut op), dc_status::Ok);
            for kind in [dc_event_kind::OperatorLogin, dc_event_kind::OperatorReady] {
                assert_eq!(dc_campaign_handle(c, &event(kind, op), 0), dc_status::Ok);
            }
        }
    }
}

fn poll(c: *mut dc_campaign, now: u64) -> Vec<dc_command> {
    let mut buf = [dc_command::from_zeroed(); 64];
    let mut n = 0;
    // SAFETY: a live campaign, 64 writable commands.
    let s = unsafe { dc_campaign_poll(c, now, buf.as_mut_ptr(), buf.len(), &mut n) };
    assert_eq!(s, dc_status::Ok, "{}", last_error());
    buf[..n].to_vec()
}

#[test]
fn every_dial_handed_out_is_in_the_journal_in_both_orderings() {
    let mut handed = Vec::new();
    for under_lock in [false, true] {
        let dir = fresh_dir(if under_lock { "under" } else { "outside" });
        let (c, _) = open(&dir);
        // SAFETY: a live handle.
        unsafe { sync_under_lock(c, under_lock) };
        populate(c, 20, 3);
        let dials = poll(c, 1_000);
        assert_eq!(dials.len(), 6, "ratio 2 x 3 operators");
        assert!(dials.iter().all(|d| d.kind == dc_command_kind::Dial));
        handed.push(dials.iter().map(|d| d.contact).collect::<Vec<_>>());
        // A crash now: the handle is leaked with its lock, so the image is
        // read from a copy, as a restarted process would find the disk.
        let image = fresh_dir(if under_lock {
            "under-img"
        } else {
            "outside-img"
        });
        std::fs::create_dir_all(&image).unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            if e.file_name() != "LOCK" {
                std::fs::copy(e.path(), image.join(e.file_name())).unwrap();
            }
        }
        let (back, reconciled) = open(&image);
        assert_eq!(reconciled, 6, "each dialed contact is known to be live");
        // SAFETY: live handles, freed once.
        unsafe {
            dc_campaign_free(back);
            dc_campaign_free(c);
        }
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&image);
    }
    assert_eq!(handed[0], handed[1], "the same commands either way");
}

/// The handle pointer, sent to another thread.
#[derive(Clone, Copy)]
struct Shared(usize);

#[test]
fn a_poller_and_an_event_thread_share_a_durable_handle() {
    let dir = fresh_dir("threads");
    let (c, _) = open(&dir);
    populate(c, 200, 2);
    let stop = Arc::new(AtomicBool::new(false));
    let shared = Shared(c as usize);
    let events = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let c = shared.0 as *mut dc_campaign;
            let mut sent = 0u32;
            while !stop.load(Ordering::Relaxed) {
                // An operator that is not ready and comes back: always legal.
                let kind = if sent.is_multiple_of(2) {
                    dc_event_kind::OperatorPause
                } else {
                    dc_event_kind::OperatorReady
                };
                // SAFETY: the handle outlives this thread (joined below).
                let s = unsafe { dc_campaign_handle(c, &event(kind, 1), 5) };
                assert!(
                    matches!(s, dc_status::Ok | dc_status::IllegalOperatorEvent),
                    "{s:?}: {}",
                    last_error()
                );
                sent += 1;
            }
            sent
        })
    };
    let mut dialed = 0;
    for i in 0..50 {
        dialed += poll(c, 10 + i)
            .iter()
            .filter(|d| d.kind == dc_command_kind::Dial)
            .count();
    }
    stop.store(true, Ordering::Relaxed);
    assert!(events.join().unwrap() > 0);
    assert!(dialed > 0);
    // SAFETY: a live handle; then freed once.
    unsafe {
        assert_eq!(
            dc_campaign_durability_error(c),
            dc_status::Ok,
            "{}",
            last_error()
        );
        dc_campaign_free(c);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
