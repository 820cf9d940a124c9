//! The floor through the C API (`dc_floor_*`), called from Rust through the
//! rlib: one operator serving two campaigns, a trunk's line limit, a shared
//! do-not-call list, and the status codes naming unknown ids.

use std::ffi::{c_char, CStr};
use std::ptr;

use dialcore::*;

fn last_error() -> String {
    // SAFETY: the library returns a NUL-terminated string valid until the
    // next failing call on this thread.
    unsafe { CStr::from_ptr(dc_last_error_message()) }
        .to_string_lossy()
        .into_owned()
}

fn ok(s: dc_status) {
    assert_eq!(s, dc_status::Ok, "{}", last_error());
}

fn cstr(s: &CStr) -> *const c_char {
    s.as_ptr()
}

fn new_floor() -> *mut dc_floor {
    let mut f = ptr::null_mut();
    // SAFETY: a valid out-pointer.
    ok(unsafe { dc_floor_new(&mut f) });
    assert!(!f.is_null());
    f
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
        callback_expires_ms: 0,
        retry_delay_ms: 0,
        disposition_code: 0,
    }
}

fn handle(f: *mut dc_floor, campaign: u32, ev: dc_event, now: u64) -> dc_status {
    let fe = dc_floor_event {
        campaign,
        event: ev,
    };
    // SAFETY: a live floor and a valid event.
    unsafe { dc_floor_handle(f, &fe, now) }
}

fn op_event(f: *mut dc_floor, kind: dc_event_kind, op: u32, now: u64) {
    let mut ev = event(kind);
    ev.operator_id = op;
    ok(handle(f, DC_FLOOR_NO_CAMPAIGN, ev, now));
}

/// A call event about the call of command `c`.
fn call_event(f: *mut dc_floor, kind: dc_event_kind, c: &dc_floor_command, now: u64) -> dc_status {
    let mut ev = event(kind);
    ev.contact = c.command.contact;
    ev.attempt = c.command.attempt;
    ev.operator_id = c.command.operator_id;
    handle(f, c.campaign, ev, now)
}

fn poll(f: *mut dc_floor, now: u64) -> Vec<dc_floor_command> {
    let mut buf = [dc_floor_command::from_zeroed(); 64];
    let mut n = 0;
    // SAFETY: a live floor and a buffer of 64.
    ok(unsafe { dc_floor_poll(f, now, buf.as_mut_ptr(), buf.len(), &mut n) });
    buf[..n].to_vec()
}

fn campaign(f: *mut dc_floor, name: &CStr, mode: dc_mode, priority: u8, weight: u32) -> u32 {
    let mut cfg = dc_config_default();
    cfg.mode = mode;
    cfg.bcw_ms = 0;
    cfg.abandon_guard = dc_abandon_guard::Expected;
    let mut id = u32::MAX;
    // SAFETY: valid pointers.
    ok(unsafe { dc_floor_add_campaign(f, cstr(name), &cfg, priority, weight, &mut id) });
    id
}

fn numbers(f: *mut dc_floor, campaign: u32, numbers: &[u64]) -> u32 {
    let mut first = u32::MAX;
    // SAFETY: valid pointers and length.
    ok(unsafe {
        dc_floor_add_numbers(f, campaign, numbers.as_ptr(), numbers.len(), 0, &mut first)
    });
    first
}

fn pool_with(f: *mut dc_floor, name: &CStr, campaigns: &[u32], operators: u32) -> (u32, Vec<u32>) {
    let mut pool = u32::MAX;
    // SAFETY: valid pointers.
    ok(unsafe { dc_floor_add_pool(f, cstr(name), &mut pool) });
    for &c in campaigns {
        // SAFETY: a live floor.
        ok(unsafe { dc_floor_assign(f, pool, c, true) });
    }
    let ops = (0..operators)
        .map(|_| {
            let mut op = u32::MAX;
            // SAFETY: valid pointers.
            ok(unsafe { dc_floor_add_operator(f, pool, &mut op) });
            op
        })
        .collect();
    (pool, ops)
}

fn state(f: *mut dc_floor, campaign: u32, contact: u32) -> u8 {
    let mut s = 99;
    // SAFETY: valid pointers.
    ok(unsafe { dc_floor_state(f, campaign, contact, &mut s) });
    s
}

fn kinds(cmds: &[dc_floor_command]) -> Vec<(u32, dc_command_kind)> {
    cmds.iter().map(|c| (c.campaign, c.command.kind)).collect()
}

/// Drives the offer, accept, dial, answer, end and ACW of the next contact
/// the floor gives `op`; returns the campaign it came from.
fn serve_one(f: *mut dc_floor, op: u32, now: &mut u64) -> u32 {
    let cmds = poll(f, *now);
    let offer = cmds
        .iter()
        .find(|c| c.command.kind == dc_command_kind::Offer)
        .unwrap_or_else(|| panic!("no offer in {:?}", kinds(&cmds)));
    assert_eq!(offer.command.operator_id, op);
    let campaign = offer.campaign;
    *now += 1_000;
    ok(call_event(f, dc_event_kind::OperatorAccepted, offer, *now));
    let cmds = poll(f, *now);
    let dial = cmds
        .iter()
        .find(|c| c.command.kind == dc_command_kind::Dial)
        .unwrap_or_else(|| panic!("no dial in {:?}", kinds(&cmds)));
    assert_eq!(dial.campaign, campaign);
    assert!(dial.command.has_operator);
    assert_eq!(dial.command.operator_id, op);
    *now += 5_000;
    ok(call_event(f, dc_event_kind::Answered, dial, *now));
    poll(f, *now);
    *now += 60_000;
    ok(call_event(f, dc_event_kind::CallEnded, dial, *now));
    poll(f, *now);
    *now += 10_000;
    let mut done = event(dc_event_kind::AcwDone);
    done.operator_id = op;
    done.contact = dial.command.contact;
    ok(handle(f, campaign, done, *now));
    *now += 1;
    campaign
}

const T0: u64 = 1_767_603_600_000;

#[test]
fn one_operator_serves_two_campaigns_higher_priority_first() {
    let f = new_floor();
    let collections = campaign(f, c"collections", dc_mode::Progressive, 2, 1);
    let sales = campaign(f, c"sales", dc_mode::Progressive, 1, 1);
    assert_ne!(collections, sales);
    numbers(f, collections, &[12_125_550_100]);
    numbers(f, sales, &[12_125_550_200, 12_125_550_201]);
    let (_, ops) = pool_with(f, c"english", &[collections, sales], 1);
    let op = ops[0];
    op_event(f, dc_event_kind::OperatorLogin, op, T0);
    op_event(f, dc_event_kind::OperatorReady, op, T0);
    let mut now = T0 + 1;
    // Priority 2 first; then, collections done, the same operator serves sales.
    assert_eq!(serve_one(f, op, &mut now), collections);
    assert_eq!(state(f, collections, 0), dc_state::Success as u8);
    assert_eq!(serve_one(f, op, &mut now), sales);
    assert_eq!(serve_one(f, op, &mut now), sales);
    let mut counts = [0u32; DC_STATE_COUNT];
    let mut n = 0;
    // SAFETY: valid pointers, cap = the array's length.
    ok(unsafe { dc_floor_counts(f, sales, counts.as_mut_ptr(), counts.len(), &mut n) });
    assert_eq!(n, DC_STATE_COUNT);
    assert_eq!(counts[dc_state::Success as usize], 2);
    // SAFETY: the floor is not used after this.
    unsafe { dc_floor_free(f) };
}

#[test]
fn a_trunk_never_carries_more_calls_than_its_lines() {
    let f = new_floor();
    let c = campaign(f, c"sales", dc_mode::Predictive, 0, 1);
    numbers(
        f,
        c,
        &(0..20).map(|i| 12_125_550_100 + i).collect::<Vec<_>>(),
    );
    let (_, ops) = pool_with(f, c"english", &[c], 4);
    let mut trunk = u32::MAX;
    let config = dc_trunk_config_default(2, 10);
    // SAFETY: valid pointers.
    ok(unsafe { dc_floor_add_trunk(f, &config, T0, &mut trunk) });
    // SAFETY: one trunk id.
    ok(unsafe { dc_floor_route(f, c, &trunk, 1) });
    for &op in &ops {
        op_event(f, dc_event_kind::OperatorLogin, op, T0);
        op_event(f, dc_event_kind::OperatorReady, op, T0);
    }
    let mut in_flight: Vec<dc_floor_command> = Vec::new();
    let mut dialed = 0;
    let mut now = T0 + 1;
    for round in 0..10 {
        for cmd in poll(f, now) {
            if cmd.command.kind == dc_command_kind::Dial {
                assert_eq!(cmd.trunk, trunk);
                in_flight.push(cmd);
                dialed += 1;
            }
        }
        assert!(
            in_flight.len() <= 2,
            "round {round}: {} calls on 2 lines",
            in_flight.len()
        );
        assert_eq!(in_flight.len(), 2, "round {round}: the lines are used");
        // The oldest call was busy: its line is free again.
        let first = in_flight.remove(0);
        now += 1_000;
        ok(call_event(f, dc_event_kind::Rejected, &first, now));
    }
    assert!(dialed >= 11, "{dialed} dials");
    // SAFETY: the floor is not used after this.
    unsafe { dc_floor_free(f) };
}

#[test]
fn a_floor_list_blocks_its_numbers_in_every_campaign() {
    let f = new_floor();
    let a = campaign(f, c"a", dc_mode::Predictive, 0, 1);
    let b = campaign(f, c"b", dc_mode::Predictive, 0, 1);
    numbers(f, a, &[12_125_550_100, 12_125_550_101]);
    numbers(f, b, &[12_125_550_100, 12_125_550_102]);
    let (_, ops) = pool_with(f, c"english", &[a, b], 4);
    let mut list = u32::MAX;
    let scope = dc_list_scope {
        kind: dc_scope_kind::Floor,
        campaigns: ptr::null(),
        count: 0,
    };
    // SAFETY: valid pointers.
    ok(unsafe { dc_floor_add_list(f, cstr(c"company"), &scope, &mut list) });
    let blocked = [12_125_550_100u64];
    // SAFETY: one number.
    ok(unsafe { dc_floor_list_add(f, list, blocked.as_ptr(), 1, 0) });
    for &op in &ops {
        op_event(f, dc_event_kind::OperatorLogin, op, T0);
        op_event(f, dc_event_kind::OperatorReady, op, T0);
    }
    let mut dialed = Vec::new();
    for k in 0..4 {
        for cmd in poll(f, T0 + 1 + k * 1_000) {
            if cmd.command.kind == dc_command_kind::Dial {
                dialed.push((cmd.campaign, cmd.command.number));
            }
        }
    }
    dialed.sort_unstable();
    assert_eq!(dialed, vec![(a, 12_125_550_101), (b, 12_125_550_102)]);
    assert_eq!(state(f, a, 0), dc_state::Blacklisted as u8);
    assert_eq!(state(f, b, 0), dc_state::Blacklisted as u8);
    // SAFETY: the floor is not used after this.
    unsafe { dc_floor_free(f) };
}

#[test]
fn unknown_ids_are_named_and_change_nothing() {
    let f = new_floor();
    let c = campaign(f, c"sales", dc_mode::Progressive, 0, 1);
    let n = [12_125_550_100u64];
    let mut first = 7;
    // SAFETY: valid pointers.
    let s = unsafe { dc_floor_add_numbers(f, c + 99, n.as_ptr(), 1, 0, &mut first) };
    assert_eq!(s, dc_status::UnknownCampaign);
    assert!(
        last_error().contains(&(c + 99).to_string()),
        "{}",
        last_error()
    );
    assert_eq!(first, 7, "nothing written on error");
    let mut ev = event(dc_event_kind::Answered);
    ev.contact = 0;
    ev.attempt = 1;
    assert_eq!(handle(f, 42, ev, T0), dc_status::UnknownCampaign);
    let mut op = 0;
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { dc_floor_add_operator(f, 5, &mut op) },
        dc_status::UnknownPool
    );
    let (pool, ops) = pool_with(f, c"english", &[], 1);
    // Unassigning a pool that was not assigned is a no-op.
    // SAFETY: a live floor.
    ok(unsafe { dc_floor_assign(f, pool, c, false) });
    op_event(f, dc_event_kind::OperatorLogin, ops[0], T0);
    let mut done = event(dc_event_kind::AcwDone);
    done.operator_id = ops[0];
    assert_eq!(
        handle(f, c, done, T0),
        dc_status::NotAssigned,
        "not working for it"
    );
    assert!(last_error().contains("not working for"), "{}", last_error());
    // An operator event naming a campaign, a call event naming none.
    let mut ready = event(dc_event_kind::OperatorReady);
    ready.operator_id = ops[0];
    assert_eq!(handle(f, c, ready, T0), dc_status::InvalidArgument);
    let mut answered = event(dc_event_kind::Answered);
    answered.attempt = 1;
    assert_eq!(
        handle(f, DC_FLOOR_NO_CAMPAIGN, answered, T0),
        dc_status::InvalidArgument
    );
    let mut camp = 0;
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { dc_floor_operator_campaign(f, 77, &mut camp) },
        dc_status::UnknownOperator
    );
    // SAFETY: valid pointers.
    ok(unsafe { dc_floor_operator_campaign(f, ops[0], &mut camp) });
    assert_eq!(camp, DC_FLOOR_NO_CAMPAIGN);
    let t = [3u32];
    // SAFETY: one trunk id.
    assert_eq!(
        unsafe { dc_floor_route(f, c, t.as_ptr(), 1) },
        dc_status::UnknownTrunk
    );
    // SAFETY: one number.
    assert_eq!(
        unsafe { dc_floor_list_add(f, 9, n.as_ptr(), 1, 0) },
        dc_status::UnknownList
    );
    let mut id = 0;
    // SAFETY: valid pointers.
    let cfg = dc_config_default();
    assert_eq!(
        unsafe { dc_floor_add_campaign(f, cstr(c"sales"), &cfg, 0, 1, &mut id) },
        dc_status::InvalidArgument,
        "a name used twice"
    );
    assert!(last_error().contains("sales"), "{}", last_error());
    assert_eq!(
        unsafe { dc_floor_campaign_id(f, cstr(c"nope"), &mut id) },
        dc_status::UnknownCampaign
    );
    // SAFETY: valid pointers.
    ok(unsafe { dc_floor_campaign_id(f, cstr(c"sales"), &mut id) });
    assert_eq!(id, c);
    let bad = dc_list_scope {
        kind: dc_scope_kind::Campaigns,
        campaigns: ptr::null(),
        count: 0,
    };
    let mut list = 0;
    // SAFETY: valid pointers.
    assert_eq!(
        unsafe { dc_floor_add_list(f, cstr(c"x"), &bad, &mut list) },
        dc_status::InvalidArgument
    );
    for (code, name) in [
        (dc_status::UnknownCampaign, "DC_STATUS_UNKNOWN_CAMPAIGN"),
        (dc_status::UnknownPool, "DC_STATUS_UNKNOWN_POOL"),
        (dc_status::UnknownTrunk, "DC_STATUS_UNKNOWN_TRUNK"),
        (dc_status::UnknownList, "DC_STATUS_UNKNOWN_LIST"),
        (dc_status::NotAssigned, "DC_STATUS_NOT_ASSIGNED"),
        (dc_status::CampaignBusy, "DC_STATUS_CAMPAIGN_BUSY"),
    ] {
        // SAFETY: a static string.
        let got = unsafe { CStr::from_ptr(dc_status_name(code as u32)) };
        assert_eq!(got.to_str().unwrap(), name);
    }
    // SAFETY: NULL pointers are part of the contract.
    assert_eq!(
        unsafe { dc_floor_new(ptr::null_mut()) },
        dc_status::NullPointer
    );
    // SAFETY: NULL floor.
    assert_eq!(
        unsafe { dc_floor_add_pool(ptr::null_mut(), cstr(c"p"), &mut id) },
        dc_status::NullPointer
    );
    // SAFETY: the floor is not used after this; NULL is a no-op.
    unsafe {
        dc_floor_free(f);
        dc_floor_free(ptr::null_mut());
    }
}

#[test]
fn a_dial_held_back_by_cap_meets_a_list_entry_added_before_it_is_handed_out() {
    let f = new_floor();
    let c = campaign(f, c"sales", dc_mode::Predictive, 0, 1);
    let pair = [12_125_550_100u64, 12_125_550_101];
    numbers(f, c, &pair);
    let (_, ops) = pool_with(f, c"english", &[c], 2);
    let mut list = u32::MAX;
    let scope = dc_list_scope {
        kind: dc_scope_kind::Floor,
        campaigns: ptr::null(),
        count: 0,
    };
    // SAFETY: valid pointers.
    ok(unsafe { dc_floor_add_list(f, cstr(c"company"), &scope, &mut list) });
    for &op in &ops {
        op_event(f, dc_event_kind::OperatorLogin, op, T0);
        op_event(f, dc_event_kind::OperatorReady, op, T0);
    }
    let poll_one = |now: u64| -> Vec<dc_floor_command> {
        let mut buf = [dc_floor_command::from_zeroed(); 1];
        let mut n = 0;
        // SAFETY: a live floor and a buffer of 1.
        ok(unsafe { dc_floor_poll(f, now, buf.as_mut_ptr(), 1, &mut n) });
        buf[..n].to_vec()
    };
    let pending = || {
        let mut n = usize::MAX;
        // SAFETY: a live floor and a valid out-pointer.
        ok(unsafe { dc_floor_pending(f, &mut n) });
        n
    };
    let first = poll_one(T0 + 1);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].command.kind, dc_command_kind::Dial);
    assert_eq!(pending(), 1, "the second Dial is held back by cap = 1");
    let held_number = pair
        .into_iter()
        .find(|&n| n != first[0].command.number)
        .expect("two numbers");
    // The number of the held Dial goes on the list before the next poll.
    // SAFETY: one number.
    ok(unsafe { dc_floor_list_add(f, list, &held_number, 1, 0) });
    let mut later = Vec::new();
    for k in 2..8 {
        later.extend(poll_one(T0 + k * 1_000));
    }
    assert_eq!(pending(), 0);
    assert!(
        !later
            .iter()
            .any(|c| c.command.kind == dc_command_kind::Dial && c.command.number == held_number),
        "the held Dial was handed out: {:?}",
        kinds(&later)
    );
    let held_contact = u32::from(first[0].command.contact == 0);
    assert_eq!(state(f, c, held_contact), dc_state::Blacklisted as u8);
    // SAFETY: the floor is not used after this.
    unsafe { dc_floor_free(f) };
}

#[test]
fn a_dial_held_back_by_cap_that_is_still_allowed_is_handed_out_as_made() {
    let f = new_floor();
    let c = campaign(f, c"sales", dc_mode::Predictive, 0, 1);
    numbers(f, c, &[12_125_550_100, 12_125_550_101]);
    let (_, ops) = pool_with(f, c"english", &[c], 2);
    for &op in &ops {
        op_event(f, dc_event_kind::OperatorLogin, op, T0);
        op_event(f, dc_event_kind::OperatorReady, op, T0);
    }
    let mut all = [dc_floor_command::from_zeroed(); 2];
    let mut n = 0;
    let mut buf = [dc_floor_command::from_zeroed(); 1];
    // SAFETY: a live floor and a buffer of 1.
    ok(unsafe { dc_floor_poll(f, T0 + 1, buf.as_mut_ptr(), 1, &mut n) });
    assert_eq!(n, 1);
    all[0] = buf[0];
    // SAFETY: as above.
    ok(unsafe { dc_floor_poll(f, T0 + 2, buf.as_mut_ptr(), 1, &mut n) });
    assert_eq!(n, 1);
    all[1] = buf[0];
    assert!(all.iter().all(|c| c.command.kind == dc_command_kind::Dial));
    assert_ne!(all[0].command.contact, all[1].command.contact);
    for c in &all {
        assert_eq!(
            state(f, c.campaign, c.command.contact),
            dc_state::Calling as u8
        );
    }
    // SAFETY: the floor is not used after this.
    unsafe { dc_floor_free(f) };
}
