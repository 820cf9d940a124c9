//! `dc_campaign_load_rules` / `dc_campaign_load_rules_file`: status codes
//! and messages for bad rule files, and rules that take effect.

use std::ffi::{CStr, CString};
use std::ptr;

use dialcore::*;

fn last_error() -> String {
    // SAFETY: the library returns a NUL-terminated string.
    unsafe { CStr::from_ptr(dc_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fn campaign() -> *mut dc_campaign {
    let mut cfg = dc_config_default();
    cfg.mode = dc_mode::Predictive;
    cfg.abandon_guard = dc_abandon_guard::Expected;
    let mut c = ptr::null_mut();
    // SAFETY: valid pointers.
    assert_eq!(unsafe { dc_campaign_new(&cfg, &mut c) }, dc_status::Ok);
    c
}

fn load(c: *mut dc_campaign, text: &str) -> dc_status {
    // SAFETY: a live campaign, `text.len()` readable bytes.
    unsafe { dc_campaign_load_rules(c, text.as_ptr(), text.len()) }
}

/// Dials the one contact polled at `now` would get.
fn dials_at(c: *mut dc_campaign, now: u64) -> usize {
    let mut cmds: Vec<dc_command> = Vec::with_capacity(16);
    let mut n = 0;
    // SAFETY: valid pointers; the library writes at most `cap` commands and
    // says how many, which are then initialized.
    unsafe {
        let s = dc_campaign_poll(c, now, cmds.as_mut_ptr(), cmds.capacity(), &mut n);
        assert_eq!(s, dc_status::Ok, "{}", last_error());
        cmds.set_len(n);
    }
    cmds.iter()
        .filter(|c| c.kind == dc_command_kind::Dial)
        .count()
}

/// Adds an operator and logs it in ready, at time 0.
fn ready_operator(c: *mut dc_campaign) {
    let mut op = 0;
    // SAFETY: a live campaign from dc_campaign_new and a valid out pointer.
    assert_eq!(
        unsafe { dc_campaign_add_operator(c, &mut op) },
        dc_status::Ok
    );
    for kind in [dc_event_kind::OperatorLogin, dc_event_kind::OperatorReady] {
        let ev = dc_event {
            kind,
            contact: 0,
            attempt: 0,
            operator_id: op,
            number: 0,
            disposition: dc_disposition::Done,
            callback_at_ms: 0,
            callback_expires_ms: 0,
            retry_delay_ms: 0,
            disposition_code: 0,
        };
        // SAFETY: a live campaign and an event on the stack.
        assert_eq!(unsafe { dc_campaign_handle(c, &ev, 0) }, dc_status::Ok);
    }
}

#[test]
fn bad_rules_name_line_and_field_and_change_nothing() {
    let c = campaign();
    assert_eq!(
        load(c, "[regions.US-NY]\nhours = \"Mon-Sun 08:00-21:00\"\n"),
        dc_status::Ok
    );
    assert_eq!(
        load(c, "[regions.US-NY]\n\nhours = \"Mon 08:00-25:00\"\n"),
        dc_status::InvalidArgument
    );
    let err = last_error();
    assert!(
        err.contains("line 3") && err.contains("regions.US-NY.hours"),
        "{err}"
    );
    assert_eq!(load(c, "[campaign"), dc_status::InvalidArgument);
    assert!(last_error().contains("line 1"), "{}", last_error());
    let bad_utf8 = [0xffu8, 0xfe];
    // SAFETY: a live campaign, 2 readable bytes.
    assert_eq!(
        unsafe { dc_campaign_load_rules(c, bad_utf8.as_ptr(), 2) },
        dc_status::BadUtf8
    );
    // SAFETY: NULL data with a length is refused, not read.
    assert_eq!(
        unsafe { dc_campaign_load_rules(c, ptr::null(), 3) },
        dc_status::NullPointer
    );
    let missing = CString::new("/nonexistent/rules.toml").unwrap();
    // SAFETY: a live campaign and a NUL-terminated path.
    assert_eq!(
        unsafe { dc_campaign_load_rules_file(c, missing.as_ptr()) },
        dc_status::Io
    );
    assert!(last_error().contains("/nonexistent/rules.toml"));
    // SAFETY: NULL campaign / path are reported.
    unsafe {
        assert_eq!(
            dc_campaign_load_rules_file(c, ptr::null()),
            dc_status::NullPointer
        );
        assert_eq!(
            dc_campaign_load_rules(ptr::null_mut(), ptr::null(), 0),
            dc_status::NullPointer
        );
        dc_campaign_free(c);
    }
}

#[test]
fn loaded_rules_hold_dials_back() {
    let c = campaign();
    // A New York number; the rule closes New York all week.
    let phone = CString::new("+1 212 555 0100").unwrap();
    let zone = CString::new("America/New_York").unwrap();
    let mut id = 0;
    // SAFETY: valid pointers.
    unsafe {
        assert_eq!(
            dc_campaign_add_contact(c, phone.as_ptr(), ptr::null(), zone.as_ptr(), 0, &mut id),
            dc_status::Ok,
            "{}",
            last_error()
        );
        ready_operator(c);
    }
    let dir = std::env::temp_dir().join(format!("dc-rules-{}.toml", std::process::id()));
    std::fs::write(&dir, "[regions.US-NY]\nhours = \"never\"\n").unwrap();
    let path = CString::new(dir.to_str().unwrap()).unwrap();
    // SAFETY: a live campaign and a NUL-terminated path.
    assert_eq!(
        unsafe { dc_campaign_load_rules_file(c, path.as_ptr()) },
        dc_status::Ok,
        "{}",
        last_error()
    );
    assert_eq!(dials_at(c, 1_000), 0);
    assert_eq!(
        load(c, "[regions.US-TX]\nhours = \"never\"\n"),
        dc_status::Ok
    );
    assert_eq!(dials_at(c, 2_000), 1);
    std::fs::remove_file(&dir).ok();
    // SAFETY: a live campaign, freed once.
    unsafe { dc_campaign_free(c) };
}

#[test]
fn an_explicit_region_moves_a_contact_under_other_rules() {
    let c = campaign();
    let phone = CString::new("+1 212 555 0100").unwrap();
    let mut id = 0;
    // SAFETY: valid pointers.
    unsafe {
        assert_eq!(
            dc_campaign_add_contact(c, phone.as_ptr(), ptr::null(), ptr::null(), 0, &mut id),
            dc_status::Ok
        );
        ready_operator(c);
    }
    assert_eq!(
        load(c, "[regions.US-NY]\nhours = \"never\"\n"),
        dc_status::Ok
    );
    let bad = CString::new("Texas").unwrap();
    let tx = CString::new("US-TX").unwrap();
    // SAFETY: a live campaign and NUL-terminated strings.
    unsafe {
        assert_eq!(
            dc_campaign_set_contact_region(c, id, bad.as_ptr()),
            dc_status::InvalidArgument
        );
        assert!(last_error().contains("Texas"));
        assert_eq!(
            dc_campaign_set_contact_region(c, 77, tx.as_ptr()),
            dc_status::UnknownContact
        );
        assert_eq!(
            dc_campaign_set_contact_region(c, id, tx.as_ptr()),
            dc_status::Ok
        );
    }
    assert_eq!(dials_at(c, 1_000), 1);
    // SAFETY: NULL clears it; a live campaign, freed once.
    unsafe {
        assert_eq!(
            dc_campaign_set_contact_region(c, id, ptr::null()),
            dc_status::Ok
        );
        dc_campaign_free(c);
    }
}
