//! Drift test between the engine's settings table
//! (`engine::config::CONFIG_FIELDS`) and the C struct `dc_config`: every
//! setting of the table is a member of `dc_config` (under its table name,
//! or a stated C name with the reason), every member of `dc_config` is a
//! setting of the table, and `dc_config_default()` holds the engine's
//! defaults.

use std::collections::BTreeSet;
use std::ffi::{c_char, CStr};

use dialcore::*;
use engine::config::{FieldValue, CONFIG_FIELDS};
use engine::CampaignConfig;

/// Table settings whose C member has another name or shape, and why.
const C_NAMES: &[(&str, &str, &str)] = &[
    (
        "retry_busy_ms",
        "retry_busy",
        "a dc_retry_rule {retry, delay_ms}: C has no None",
    ),
    ("retry_no_answer_ms", "retry_no_answer", "a dc_retry_rule"),
    ("retry_machine_ms", "retry_machine", "a dc_retry_rule"),
    (
        "retry_dial_failed_ms",
        "retry_dial_failed",
        "a dc_retry_rule",
    ),
    ("retry_abandoned_ms", "retry_abandoned", "a dc_retry_rule"),
];

fn c_name(field: &str) -> &str {
    C_NAMES
        .iter()
        .find(|(f, _, _)| *f == field)
        .map_or(field, |(_, c, _)| c)
}

/// The members of `struct dc_config` in the committed header.
fn header_members() -> BTreeSet<String> {
    let header = include_str!("../../include/dialcore.h");
    let start = header
        .find("typedef struct dc_config {")
        .expect("the header declares dc_config");
    let body = &header[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("} dc_config;").unwrap()];
    let mut out = BTreeSet::new();
    let mut in_comment = false;
    for line in body.lines().map(str::trim) {
        if line.starts_with("/*") {
            in_comment = !line.ends_with("*/");
            continue;
        }
        if in_comment {
            in_comment = !line.ends_with("*/");
            continue;
        }
        if let Some(decl) = line.strip_suffix(';') {
            let name = decl
                .split_whitespace()
                .last()
                .unwrap()
                .trim_start_matches('*');
            out.insert(name.to_owned());
        }
    }
    out
}

#[test]
fn every_table_setting_is_a_dc_config_member_and_back() {
    let members = header_members();
    assert!(members.contains("ring_timeout_ms"), "{members:?}");
    let mut wanted = BTreeSet::new();
    for f in CONFIG_FIELDS {
        let name = c_name(f.name);
        assert!(
            members.contains(name),
            "setting {} has no dc_config member {name}: add it to ffi/src/config.rs (dc_config, dc_config_default, read_config)",
            f.name
        );
        wanted.insert(name.to_owned());
    }
    let extra: Vec<_> = members.difference(&wanted).collect();
    assert!(
        extra.is_empty(),
        "dc_config members not in CONFIG_FIELDS: {extra:?}"
    );
    for (_, _, reason) in C_NAMES {
        assert!(!reason.is_empty());
    }
}

fn text(p: *const c_char) -> Option<String> {
    // SAFETY: NULL or a static string of dc_config_default.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

fn rule(r: dc_retry_rule) -> FieldValue {
    if r.retry {
        FieldValue::UInt(r.delay_ms)
    } else {
        FieldValue::None
    }
}

/// A `dc_config` member as the table's value (the C conventions: 0 is no
/// country code, NULL the default zone or window).
fn c_value(c: &dc_config, name: &str) -> Option<FieldValue> {
    use FieldValue::*;
    Some(match name {
        "mode" => Text(
            match c.mode {
                dc_mode::Preview => "preview",
                dc_mode::Progressive => "progressive",
                dc_mode::Predictive => "predictive",
                dc_mode::Agentless => "agentless",
            }
            .to_owned(),
        ),
        "default_country" => match c.default_country {
            0 => None,
            cc => UInt(cc.into()),
        },
        "default_timezone" => Text(text(c.default_timezone).unwrap_or_else(|| "UTC".into())),
        "calling_window" => Text(text(c.calling_window).unwrap_or_else(|| "always".into())),
        "retry_busy" => rule(c.retry_busy),
        "retry_no_answer" => rule(c.retry_no_answer),
        "retry_machine" => rule(c.retry_machine),
        "retry_dial_failed" => rule(c.retry_dial_failed),
        "retry_abandoned" => rule(c.retry_abandoned),
        "max_attempts" => UInt(c.max_attempts.into()),
        "max_attempts_per_24h" => UInt(c.max_attempts_per_24h.into()),
        "reserve_operator_after_abandon_ms" => UInt(c.reserve_operator_after_abandon_ms),
        "offer_timeout_ms" => UInt(c.offer_timeout_ms),
        "bcw_ms" => UInt(c.bcw_ms),
        "ring_timeout_ms" => UInt(c.ring_timeout_ms),
        "allow_short_ring_timeout" => Bool(c.allow_short_ring_timeout),
        "abandon_limit_ms" => UInt(c.abandon_limit_ms),
        "acw_enabled" => Bool(c.acw_enabled),
        "acw_limit_ms" => UInt(c.acw_limit_ms),
        "predictive_ratio" => Float(c.predictive_ratio),
        "abandon_target" => Float(c.abandon_target),
        "abandon_window" => Text(
            match c.abandon_window {
                dc_abandon_window::Day => "day",
                dc_abandon_window::ThirtyDays => "thirty_days",
            }
            .to_owned(),
        ),
        "abandon_guard" => Text(
            match c.abandon_guard {
                dc_abandon_guard::WorstCase => "worst_case",
                dc_abandon_guard::Expected => "expected",
            }
            .to_owned(),
        ),
        "hopper_size" => UInt(c.hopper_size.into()),
        "number_busy_delay_ms" => UInt(c.number_busy_delay_ms),
        "caller_id" => Text(text(c.caller_id).unwrap_or_default()),
        "caller_id_pool" => Text(text(c.caller_id_pool).unwrap_or_default()),
        "max_call_ms" => UInt(c.max_call_ms),
        "max_talk_ms" => UInt(c.max_talk_ms),
        "max_offer_refusals" => UInt(c.max_offer_refusals.into()),
        "agentless_lines" => UInt(c.agentless_lines.into()),
        "dispositions" => Text(text(c.dispositions).unwrap_or_default()),
        "number_order" => Text(
            match c.number_order {
                0 => "in_order",
                _ => "own_window",
            }
            .to_owned(),
        ),
        "attempts_per_number" => UInt(c.attempts_per_number.into()),
        "zone_from_number" => Bool(c.zone_from_number),
        "fallback_timezone" => Text(text(c.fallback_timezone).unwrap_or_default()),
        "zone_mismatch" => Text(
            ["given", "number", "most_restrictive"][usize::from(c.zone_mismatch.min(2))].to_owned(),
        ),
        _ => return Option::None,
    })
}

#[test]
fn dc_config_default_holds_the_engine_defaults() {
    let c = dc_config_default();
    let engine = CampaignConfig::default();
    for f in CONFIG_FIELDS {
        let name = c_name(f.name);
        let got = c_value(&c, name).unwrap_or_else(|| panic!("no reader for dc_config.{name}"));
        let want = (f.get)(&engine);
        if f.name == "calling_window" {
            assert_eq!(
                engine::window::WeeklyWindow::parse(&got.to_string().replace('"', "")).ok(),
                Some(engine.calling_window.clone()),
                "{got}"
            );
        } else {
            assert_eq!(got, want, "dc_config_default().{name}");
        }
    }
}

#[test]
fn zone_mismatch_takes_0_to_2_and_a_bad_value_is_refused() {
    for value in 0u8..=2 {
        let mut cfg = dc_config_default();
        cfg.zone_mismatch = value;
        let mut c: *mut dc_campaign = std::ptr::null_mut();
        // SAFETY: a valid config and out pointer.
        assert_eq!(unsafe { dc_campaign_new(&cfg, &mut c) }, dc_status::Ok);
        // SAFETY: `c` was just created and is freed once.
        unsafe { dc_campaign_free(c) };
    }
    let mut cfg = dc_config_default();
    cfg.zone_mismatch = 3;
    let mut c: *mut dc_campaign = std::ptr::null_mut();
    // SAFETY: a valid config and out pointer.
    let status = unsafe { dc_campaign_new(&cfg, &mut c) };
    assert_eq!(status, dc_status::InvalidArgument);
    assert!(c.is_null());
    // SAFETY: the message of this thread's last call.
    let msg = unsafe { CStr::from_ptr(dc_last_error_message()) }.to_string_lossy();
    assert!(msg.contains("zone_mismatch 3"), "{msg}");
}
