//! The C API called from Rust through the rlib: status codes for bad input,
//! the poll buffer, panics inside the lock.

use std::ffi::{c_char, CStr};
use std::ptr;

use dialcore::testing;
use dialcore::*;

fn last_error() -> String {
    // SAFETY: the library returns a NUL-terminated string valid until the
    // next failing call on this thread.
    unsafe { CStr::from_ptr(dc_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fn new_campaign(cfg: &dc_config) -> *mut dc_campaign {
    let mut c = ptr::null_mut();
    // SAFETY: valid pointers.
    let s = unsafe { dc_campaign_new(cfg, &mut c) };
    assert_eq!(s, dc_status::Ok, "{}", last_error());
    assert!(!c.is_null());
    c
}

fn event(kind: dc_event_kind) -> dc_event {
    dc_event {
        kind,
        contact: 0,
        attempt: 0,
        operator_id: 0,
        number: 0,
        disposition: dc_disposition::Done,
        callback_at_ms: 0,
    }
}

fn handle(c: *mut dc_campaign, ev: dc_event, now: u64) -> dc_status {
    // SAFETY: a live campaign and a valid event.
    unsafe { dc_campaign_handle(c, &ev, now) }
}

/// A predictive campaign with `n` contacts and `ops` ready operators.
fn predictive(n: u64, ops: u32) -> *mut dc_campaign {
    let mut cfg = dc_config_default();
    cfg.mode = dc_mode::Predictive;
    // Dial at the ratio from the first poll (the default worst-case guard
    // dials 1:1 until answers fund a budget).
    cfg.abandon_guard = dc_abandon_guard::Expected;
    let c = new_campaign(&cfg);
    let numbers: Vec<u64> = (0..n).map(|i| 49_301_000_000 + i).collect();
    let mut first = 99;
    // SAFETY: valid pointers and length.
    let s = unsafe { dc_campaign_add_numbers(c, numbers.as_ptr(), numbers.len(), 0, &mut first) };
    assert_eq!((s, first), (dc_status::Ok, 0));
    for _ in 0..ops {
        let mut op = 0;
        // SAFETY: valid pointers.
        assert_eq!(
            unsafe { dc_campaign_add_operator(c, &mut op) },
            dc_status::Ok
        );
        let mut ev = event(dc_event_kind::OperatorLogin);
        ev.operator_id = op;
        assert_eq!(handle(c, ev, 0), dc_status::Ok);
        ev.kind = dc_event_kind::OperatorReady;
        assert_eq!(handle(c, ev, 0), dc_status::Ok);
    }
    c
}

#[test]
fn null_pointers_are_reported_not_dereferenced() {
    let cfg = dc_config_default();
    let mut c = ptr::null_mut();
    // SAFETY: NULL pointers are part of the contract; nothing else is passed.
    unsafe {
        assert_eq!(dc_campaign_new(ptr::null(), &mut c), dc_status::NullPointer);
        assert_eq!(last_error(), "config is NULL");
        assert_eq!(
            dc_campaign_new(&cfg, ptr::null_mut()),
            dc_status::NullPointer
        );
        let ev = event(dc_event_kind::Pause);
        assert_eq!(
            dc_campaign_handle(ptr::null_mut(), &ev, 0),
            dc_status::NullPointer
        );
        let mut written = 5;
        assert_eq!(
            dc_campaign_poll(ptr::null_mut(), 0, ptr::null_mut(), 0, &mut written),
            dc_status::NullPointer
        );
        assert_eq!(written, 0);
        dc_campaign_free(ptr::null_mut());
    }
    let c = new_campaign(&cfg);
    // SAFETY: a live campaign; NULL where the test says.
    unsafe {
        assert_eq!(
            dc_campaign_handle(c, ptr::null(), 0),
            dc_status::NullPointer
        );
        let mut n = 0;
        assert_eq!(
            dc_campaign_poll(c, 0, ptr::null_mut(), 4, &mut n),
            dc_status::NullPointer
        );
        assert_eq!(
            dc_campaign_add_contact(c, ptr::null(), ptr::null(), ptr::null(), 0, ptr::null_mut()),
            dc_status::NullPointer
        );
        let phones = [c"+4930123456".as_ptr(), ptr::null()];
        assert_eq!(
            dc_campaign_add_contacts(c, phones.as_ptr(), 2, 0, ptr::null_mut()),
            dc_status::NullPointer
        );
        assert!(last_error().contains("phones[1]"));
        let mut count = 9;
        assert_eq!(dc_campaign_contact_count(c, &mut count), dc_status::Ok);
        assert_eq!(count, 0, "a failed bulk add adds nothing");
        dc_campaign_free(c);
    }
}

#[test]
fn bad_utf8_and_bad_enums() {
    let mut cfg = dc_config_default();
    cfg.default_timezone = c"Europe/\xff".as_ptr();
    let mut c = ptr::null_mut();
    // SAFETY: valid pointers; the string is NUL-terminated.
    assert_eq!(unsafe { dc_campaign_new(&cfg, &mut c) }, dc_status::BadUtf8);
    assert!(
        last_error().contains("default_timezone"),
        "{}",
        last_error()
    );
    let c = new_campaign(&dc_config_default());
    // SAFETY: valid pointers; NUL-terminated strings.
    let s = unsafe {
        dc_campaign_add_contact(
            c,
            c"+49\xc0".as_ptr(),
            ptr::null(),
            ptr::null(),
            0,
            ptr::null_mut(),
        )
    };
    assert_eq!(s, dc_status::BadUtf8);
    // An event whose kind is not a dc_event_kind: built as raw bytes, as C could.
    let mut raw = event(dc_event_kind::Pause);
    // SAFETY: writes a u32 over the u32-sized kind field.
    unsafe { ptr::addr_of_mut!(raw.kind).cast::<u32>().write(77) };
    // SAFETY: the library reads the kind as an integer.
    assert_eq!(
        unsafe { dc_campaign_handle(c, &raw, 0) },
        dc_status::InvalidArgument
    );
    assert!(last_error().contains("77"));
    // SAFETY: a live campaign, freed once.
    unsafe { dc_campaign_free(c) };
}

#[test]
fn stale_illegal_and_unknown_events_have_their_codes() {
    let c = predictive(3, 1);
    let mut out = [dc_command::from_zeroed(); 8];
    let mut n = 0;
    // SAFETY: valid buffer of 8.
    assert_eq!(
        unsafe { dc_campaign_poll(c, 1_000, out.as_mut_ptr(), 8, &mut n) },
        dc_status::Ok
    );
    assert_eq!(n, 2, "1.5 x 1 ready operator → 2 dials");
    assert_eq!(out[0].kind, dc_command_kind::Dial);
    let dial = out[0];
    let mut ev = event(dc_event_kind::Answered);
    ev.contact = dial.contact;
    ev.attempt = dial.attempt + 1;
    assert_eq!(handle(c, ev, 2_000), dc_status::StaleCall);
    ev.attempt = dial.attempt;
    ev.kind = dc_event_kind::CallEnded; // ringing: not answered yet
    assert_eq!(handle(c, ev, 2_000), dc_status::IllegalTransition);
    ev.contact = 1_000;
    assert_eq!(handle(c, ev, 2_000), dc_status::UnknownContact);
    let mut op = event(dc_event_kind::OperatorReady);
    op.operator_id = 9;
    assert_eq!(handle(c, op, 2_000), dc_status::UnknownOperator);
    ev.contact = dial.contact;
    ev.kind = dc_event_kind::Answered;
    assert_eq!(handle(c, ev, 2_000), dc_status::Ok);
    let mut state = 0;
    // SAFETY: valid out-pointer.
    assert_eq!(
        unsafe { dc_campaign_state(c, dial.contact, &mut state) },
        dc_status::Ok
    );
    assert_eq!(
        state,
        dc_state::AwaitingOperator as u8,
        "connected by the next poll"
    );
    let mut pending = 0;
    // SAFETY: valid out-pointer.
    assert_eq!(
        unsafe { dc_campaign_pending(c, &mut pending) },
        dc_status::Ok
    );
    assert_eq!(
        pending, 1,
        "an answered call and a ready operator: poll now"
    );
    // SAFETY: valid buffer of 8.
    assert_eq!(
        unsafe { dc_campaign_poll(c, 2_000, out.as_mut_ptr(), 8, &mut n) },
        dc_status::Ok
    );
    assert_eq!((n, out[0].kind), (1, dc_command_kind::Connect));
    // SAFETY: valid out-pointer.
    assert_eq!(
        unsafe { dc_campaign_state(c, dial.contact, &mut state) },
        dc_status::Ok
    );
    assert_eq!(state, dc_state::CallInProgress as u8);
    assert_eq!(
        handle(c, event(dc_event_kind::Cancel), 3_000),
        dc_status::Ok
    );
    assert_eq!(
        handle(c, event(dc_event_kind::Resume), 3_000),
        dc_status::Canceled
    );
    // SAFETY: a live campaign, freed once.
    unsafe { dc_campaign_free(c) };
}

#[test]
fn poll_keeps_what_does_not_fit_and_never_overflows() {
    let mut cfg = dc_config_default();
    cfg.mode = dc_mode::Predictive;
    cfg.predictive_ratio = 5.0;
    cfg.abandon_guard = dc_abandon_guard::Expected;
    let c = new_campaign(&cfg);
    let numbers: Vec<u64> = (0..50).map(|i| 49_301_000_000 + i).collect();
    // SAFETY: valid pointers and lengths throughout.
    unsafe {
        assert_eq!(
            dc_campaign_add_numbers(c, numbers.as_ptr(), 50, 0, ptr::null_mut()),
            dc_status::Ok
        );
        for _ in 0..2 {
            let mut op = 0;
            dc_campaign_add_operator(c, &mut op);
            let mut ev = event(dc_event_kind::OperatorLogin);
            ev.operator_id = op;
            handle(c, ev, 0);
            ev.kind = dc_event_kind::OperatorReady;
            handle(c, ev, 0);
        }
        // 5 x 2 ready operators = 10 dials; hand them out 3 at a time into a
        // buffer with a guard element after the capacity.
        let sentinel = dc_command {
            kind: dc_command_kind::Revoke,
            contact: u32::MAX,
            ..dc_command::from_zeroed()
        };
        let mut seen = Vec::new();
        let mut pending = 0;
        assert_eq!(
            dc_campaign_poll(c, 10, ptr::null_mut(), 0, &mut pending),
            dc_status::Ok
        );
        assert_eq!(dc_campaign_pending(c, &mut pending), dc_status::Ok);
        assert_eq!(pending, 10, "cap 0 runs the engine and keeps everything");
        let mut deadline = 0;
        dc_campaign_next_deadline(c, &mut deadline);
        assert_eq!(deadline, 10, "held commands ask for a poll now");
        loop {
            let mut buf = [sentinel; 4];
            let mut n = 99;
            assert_eq!(
                dc_campaign_poll(c, 10, buf.as_mut_ptr(), 3, &mut n),
                dc_status::Ok
            );
            assert!(n <= 3);
            assert_eq!(buf[3], sentinel, "wrote past cap");
            seen.extend(buf[..n].iter().copied());
            if n < 3 {
                break;
            }
        }
        assert_eq!(seen.len(), 10);
        let contacts: Vec<u32> = seen.iter().map(|c| c.contact).collect();
        assert_eq!(contacts, (0..10).collect::<Vec<_>>(), "in order, once each");
        assert!(seen
            .iter()
            .all(|c| c.kind == dc_command_kind::Dial && !c.has_operator && c.attempt == 1));
        assert_eq!(dc_campaign_pending(c, &mut pending), dc_status::Ok);
        assert_eq!(pending, 0);
        dc_campaign_free(c);
    }
}

#[test]
fn counts_metrics_and_names() {
    let c = predictive(4, 2);
    let mut counts = [0u32; DC_STATE_COUNT + 2];
    let mut n = 0;
    // SAFETY: valid buffers.
    unsafe {
        assert_eq!(
            dc_campaign_counts(c, counts.as_mut_ptr(), counts.len(), &mut n),
            dc_status::Ok
        );
        assert_eq!(n, DC_STATE_COUNT);
        assert_eq!(counts[dc_state::Initial as usize], 4);
        let mut m = dc_metrics::default();
        assert_eq!(dc_campaign_metrics(c, 0, &mut m), dc_status::Ok);
        assert_eq!(m.ready_operators, 2);
        let mut st = 9;
        assert_eq!(dc_campaign_operator_state(c, 1, &mut st), dc_status::Ok);
        assert_eq!(st, dc_operator_state::Ready as u8);
        dc_campaign_free(c);
    }
    for code in 0..=255u8 {
        // SAFETY: static NUL-terminated strings.
        let name = unsafe { CStr::from_ptr(dc_state_name(code)) }
            .to_str()
            .unwrap();
        assert_eq!(name, testing::engine_state_name(code).unwrap_or("unknown"));
    }
    // SAFETY: static strings.
    unsafe {
        assert_eq!(
            CStr::from_ptr(dc_version()).to_str().unwrap(),
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(
            CStr::from_ptr(dc_status_name(dc_status::StaleCall as u32)).to_str(),
            Ok("DC_STATUS_STALE_CALL")
        );
    }
}

#[test]
fn a_panic_inside_the_lock_is_reported_and_sticks() {
    let c = predictive(2, 1);
    // SAFETY: a live campaign.
    unsafe {
        assert_eq!(testing::panic_inside_lock(c), dc_status::Panic);
        assert!(last_error().contains("test panic"), "{}", last_error());
        assert_eq!(handle(c, event(dc_event_kind::Pause), 0), dc_status::Panic);
        assert!(last_error().contains("earlier call panicked"));
        let mut n = 0;
        assert_eq!(
            dc_campaign_poll(c, 0, ptr::null_mut(), 0, &mut n),
            dc_status::Panic
        );
        dc_campaign_free(c); // still freed cleanly
    }
}

#[test]
fn last_error_copy_truncates_and_terminates() {
    let mut c = ptr::null_mut();
    // SAFETY: NULL config on purpose.
    unsafe { dc_campaign_new(ptr::null(), &mut c) };
    let mut buf = [0x7f as c_char; 6];
    // SAFETY: a 6-byte buffer.
    let len = unsafe { dc_last_error_copy(buf.as_mut_ptr(), buf.len()) };
    assert_eq!(len, "config is NULL".len());
    // SAFETY: the library terminated it.
    assert_eq!(
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str(),
        Ok("confi")
    );
    // SAFETY: NULL with cap 0 only asks for the length.
    assert_eq!(unsafe { dc_last_error_copy(ptr::null_mut(), 0) }, len);
}

#[test]
fn the_dialcore_pacer_starts_progressive_and_bad_pacers_are_refused() {
    let c = predictive(10, 2);
    // SAFETY: a live campaign.
    assert_eq!(
        unsafe { dc_campaign_set_pacer(c, 7) },
        dc_status::InvalidArgument
    );
    assert!(last_error().contains("pacer 7"), "{}", last_error());
    // SAFETY: a live campaign.
    assert_eq!(
        unsafe { dc_campaign_set_pacer(c, dc_pacer::Dialcore as u32) },
        dc_status::Ok
    );
    let mut out = [dc_command::from_zeroed(); 8];
    let mut n = 0;
    // SAFETY: valid buffer of 8.
    assert_eq!(
        unsafe { dc_campaign_poll(c, 1_000, out.as_mut_ptr(), 8, &mut n) },
        dc_status::Ok
    );
    assert_eq!(
        n, 2,
        "warm-up is progressive 1:1: one dial per ready operator"
    );
    // SAFETY: a live campaign, freed once.
    unsafe { dc_campaign_free(c) };
    // SAFETY: NULL is reported, not dereferenced.
    assert_eq!(
        unsafe { dc_campaign_set_pacer(ptr::null_mut(), 0) },
        dc_status::NullPointer
    );
}

#[test]
fn abandon_guard_defaults_to_the_worst_case_and_rejects_unknown_values() {
    let cfg = dc_config_default();
    assert_eq!(cfg.abandon_guard, dc_abandon_guard::WorstCase);
    let mut raw = dc_config_default();
    // SAFETY: writes a u32 over the u32-sized enum field, as C could.
    unsafe { ptr::addr_of_mut!(raw.abandon_guard).cast::<u32>().write(7) };
    let mut c = ptr::null_mut();
    // SAFETY: valid pointers; the library reads the field as an integer.
    assert_eq!(
        unsafe { dc_campaign_new(&raw, &mut c) },
        dc_status::InvalidArgument
    );
    assert!(c.is_null());
    assert!(last_error().contains("abandon_guard 7"), "{}", last_error());
    // Worst case: one predictive dial per ready operator with no budget.
    let c = {
        let mut cfg = dc_config_default();
        cfg.mode = dc_mode::Predictive;
        new_campaign(&cfg)
    };
    let numbers: Vec<u64> = (0..5).map(|i| 49_301_000_000 + i).collect();
    let mut first = 0;
    let mut op = 0;
    let mut out = [dc_command::from_zeroed(); 8];
    let mut n = 0;
    // SAFETY: a live campaign, valid pointers and lengths.
    unsafe {
        assert_eq!(
            dc_campaign_add_numbers(c, numbers.as_ptr(), numbers.len(), 0, &mut first),
            dc_status::Ok
        );
        dc_campaign_add_operator(c, &mut op);
    }
    let mut ev = event(dc_event_kind::OperatorLogin);
    ev.operator_id = op;
    handle(c, ev, 0);
    ev.kind = dc_event_kind::OperatorReady;
    handle(c, ev, 0);
    // SAFETY: valid buffer of 8.
    assert_eq!(
        unsafe { dc_campaign_poll(c, 1_000, out.as_mut_ptr(), 8, &mut n) },
        dc_status::Ok
    );
    assert_eq!(n, 1, "no answers yet: nothing to spend beyond 1:1");
    // SAFETY: a live campaign, freed once.
    unsafe { dc_campaign_free(c) };
}

#[test]
fn operator_leaving_reads_its_time_and_is_checked() {
    let c = predictive(3, 1);
    let mut ev = event(dc_event_kind::OperatorLeaving);
    ev.operator_id = 0;
    ev.callback_at_ms = 60_000;
    assert_eq!(handle(c, ev, 1_000), dc_status::Ok, "{}", last_error());
    ev.operator_id = 9;
    assert_eq!(handle(c, ev, 1_000), dc_status::UnknownOperator);
    ev.operator_id = 0;
    ev.callback_at_ms = u64::MAX;
    assert_eq!(handle(c, ev, 1_000), dc_status::TimeOutOfRange);
    assert!(
        last_error().contains(&u64::MAX.to_string()),
        "{}",
        last_error()
    );
    // SAFETY: a live campaign, freed once.
    unsafe { dc_campaign_free(c) };
}
