//! Rejected numbers through the C API from Rust: the one-contact and the
//! bulk several-number adds list each number left out (contact index,
//! number index, reason), fill at most `capacity` entries while counting
//! all, and a bad row fails the bulk add naming its index, adding nothing.

use std::ffi::{c_char, CStr};
use std::ptr;

use dialcore::*;

fn new_campaign() -> *mut dc_campaign {
    let mut cfg = dc_config_default();
    cfg.default_country = 1;
    let mut c = ptr::null_mut();
    // SAFETY: valid pointers.
    assert_eq!(unsafe { dc_campaign_new(&cfg, &mut c) }, dc_status::Ok);
    c
}

fn number(phone: &CStr, kind: u8) -> dc_number {
    dc_number {
        phone: phone.as_ptr(),
        kind,
        timezone: ptr::null(),
    }
}

fn text(buf: &[c_char]) -> String {
    // SAFETY: the library NUL-terminates every copy.
    unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned()
}

fn contacts(c: *mut dc_campaign) -> usize {
    let mut n = 0;
    // SAFETY: a live campaign, a writable count.
    assert_eq!(
        unsafe { dc_campaign_contact_count(c, &mut n) },
        dc_status::Ok
    );
    n
}

const EMPTY: dc_rejected_number = dc_rejected_number {
    contact_index: usize::MAX,
    number_index: usize::MAX,
    error: 0,
    reason: [0; 24],
    message: [0; 160],
};

#[test]
fn one_contact_lists_its_rejected_numbers_in_order() {
    let c = new_campaign();
    let numbers = [
        number(c"212 555 0100", 0),
        number(c"555-CALL-NOW", 0),
        number(c"", 0),
        number(c"+99 1234 5678", 0),
    ];
    let mut out = [EMPTY; 4];
    let (mut id, mut n) = (99, 99);
    // SAFETY: valid arrays and lengths.
    let s = unsafe {
        dc_campaign_add_contact_numbers_rejected(
            c,
            numbers.as_ptr(),
            numbers.len(),
            ptr::null(),
            0,
            &mut id,
            out.as_mut_ptr(),
            out.len(),
            &mut n,
        )
    };
    assert_eq!(s, dc_status::Ok);
    assert_eq!(
        (id, n),
        (0, 2),
        "the blank one is no number, not a rejection"
    );
    assert_eq!((out[0].contact_index, out[0].number_index), (0, 1));
    assert_eq!(text(&out[0].reason), "letters");
    assert!(text(&out[0].message).contains("555-CALL-NOW"));
    assert_eq!(out[1].number_index, 3);
    assert_eq!(text(&out[1].reason), "unknown_country_code");
    assert_eq!(out[1].error, 8);
    assert_eq!(out[2], EMPTY, "nothing past the rejections");
    // The old entry point still counts them.
    let mut count = 0;
    // SAFETY: as above.
    let s = unsafe {
        dc_campaign_add_contact_numbers(
            c,
            numbers.as_ptr(),
            numbers.len(),
            ptr::null(),
            0,
            ptr::null_mut(),
            &mut count,
        )
    };
    assert_eq!((s, count), (dc_status::Ok, 2));
    // SAFETY: created above.
    unsafe { dc_campaign_free(c) };
}

#[test]
fn the_bulk_add_lists_rejections_per_row_and_counts_past_capacity() {
    let c = new_campaign();
    let a = [number(c"312 555 0100", 1), number(c"12", 0)];
    let b = [number(c"312 555 0200", 0), number(c"312 555 0201", 2)];
    let d = [number(c"x", 0), number(c"911", 0)];
    let row = |n: &[dc_number]| dc_contact_numbers {
        numbers: n.as_ptr(),
        count: n.len(),
        external_id: ptr::null(),
        priority: 0,
    };
    let rows = [row(&a), row(&b), row(&d)];
    let mut out = [EMPTY; 2];
    let (mut first, mut bad, mut n) = (99, 99, 99);
    // SAFETY: valid arrays and lengths.
    let s = unsafe {
        dc_campaign_add_contacts_numbers(
            c,
            rows.as_ptr(),
            rows.len(),
            &mut first,
            &mut bad,
            out.as_mut_ptr(),
            out.len(),
            &mut n,
        )
    };
    assert_eq!(s, dc_status::Ok);
    assert_eq!((first, bad, n), (0, 99, 3), "three rejected, two written");
    assert_eq!((out[0].contact_index, out[0].number_index), (0, 1));
    assert_eq!(text(&out[0].reason), "too_short");
    assert_eq!((out[1].contact_index, out[1].number_index), (2, 0));
    assert_eq!(text(&out[1].reason), "letters");
    let mut state = 255;
    // SAFETY: a live campaign, a writable state.
    assert_eq!(
        unsafe { dc_campaign_state(c, 2, &mut state) },
        dc_status::Ok
    );
    assert_eq!(state, dc_state::InvalidRecord as u8, "no valid number");
    // Count only.
    // SAFETY: NULL/0 asks for the count.
    let s = unsafe {
        dc_campaign_add_contacts_numbers(
            c,
            rows.as_ptr(),
            rows.len(),
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            0,
            &mut n,
        )
    };
    assert_eq!((s, n), (dc_status::Ok, 3));
    assert_eq!(contacts(c), 6);
    // SAFETY: created above.
    unsafe { dc_campaign_free(c) };
}

#[test]
fn a_bad_row_fails_the_bulk_add_with_its_index_and_adds_nothing() {
    let c = new_campaign();
    let good = [number(c"312 555 0100", 0)];
    let bad_kind = [number(c"312 555 0101", 9)];
    let not_utf8 = [dc_number {
        phone: c"\xff".as_ptr(),
        kind: 0,
        timezone: ptr::null(),
    }];
    for (numbers, status, says) in [
        (
            &bad_kind[..],
            dc_status::InvalidArgument,
            "rows[1].numbers[0].kind",
        ),
        (
            &not_utf8[..],
            dc_status::BadUtf8,
            "rows[1].numbers[0].phone",
        ),
    ] {
        let rows = [
            dc_contact_numbers {
                numbers: good.as_ptr(),
                count: 1,
                external_id: ptr::null(),
                priority: 0,
            },
            dc_contact_numbers {
                numbers: numbers.as_ptr(),
                count: 1,
                external_id: ptr::null(),
                priority: 0,
            },
        ];
        let mut bad = 99;
        let mut n = 99;
        // SAFETY: valid arrays and lengths.
        let s = unsafe {
            dc_campaign_add_contacts_numbers(
                c,
                rows.as_ptr(),
                2,
                ptr::null_mut(),
                &mut bad,
                ptr::null_mut(),
                0,
                &mut n,
            )
        };
        assert_eq!((s, bad), (status, 1));
        // SAFETY: the library returns a NUL-terminated message.
        let msg = unsafe { CStr::from_ptr(dc_last_error_message()) }.to_string_lossy();
        assert!(msg.contains(says), "{msg}");
        assert_eq!(n, 99, "nothing written on an error");
        assert_eq!(contacts(c), 0);
    }
    // NULL rows with a count.
    // SAFETY: NULL is checked.
    let s = unsafe {
        dc_campaign_add_contacts_numbers(
            c,
            ptr::null(),
            1,
            ptr::null_mut(),
            ptr::null_mut(),
            ptr::null_mut(),
            0,
            ptr::null_mut(),
        )
    };
    assert_eq!(s, dc_status::NullPointer);
    // SAFETY: created above.
    unsafe { dc_campaign_free(c) };
}
