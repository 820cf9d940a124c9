//! The campaign configuration as C sees it (`dc_config` with its enums and
//! `dc_retry_rule`), its default (`dc_config_default`), and the one reader
//! that turns a host's `dc_config` into the engine's `CampaignConfig`.
//! Enum fields are read as integers and checked, strings are checked as
//! UTF-8 and copied, and the text fields go through the engine's settings
//! table, so a bad value is an error naming the field, never undefined
//! behavior. `dc_campaign_new`, `dc_campaign_open` and the floor all read
//! their configuration here.

use std::ffi::c_char;
use std::ptr;

use engine::config::{AbandonGuard, AbandonWindow};
use engine::retry::{RetryPolicy, RetryRule};
use engine::window::WeeklyWindow;
use engine::{CampaignConfig, Mode};

use crate::{dc_status, opt_str, Fail};

/// How contacts reach operators.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_mode {
    /// The operator sees the contact first and decides to dial it or not.
    Preview = 0,
    /// One call per free operator, dialed after the operator accepts.
    Progressive = 1,
    /// More calls than free operators; answered calls go to the longest-idle operator.
    Predictive = 2,
    /// Voice broadcast: no operators; up to `agentless_lines` calls, an
    /// answered call gets `DC_COMMAND_KIND_PLAY`.
    Agentless = 3,
}

/// Over which window the abandon-rate guard measures.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_abandon_window {
    /// The last 24 hours.
    Day = 0,
    /// The last 30 days (the US rule).
    ThirtyDays = 1,
}

/// How the abandon guard bounds the predictive pacer.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_abandon_guard {
    /// Never more uncovered calls in flight than the ready operators plus
    /// the abandons the budget still allows if all were answered and
    /// dropped: the rate cannot pass the target (the default).
    WorstCase = 0,
    /// The pacer's expected risk decides; the guard only holds one call per
    /// ready operator while the rate is above the target.
    Expected = 1,
}

/// Whether and when to retry one kind of outcome.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_retry_rule {
    /// Try again (while attempts are left).
    pub retry: bool,
    /// How long after the attempt ended, ms.
    pub delay_ms: u64,
}

/// Campaign configuration; start from `dc_config_default()` and change fields.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dc_config {
    /// Preview, progressive or predictive. Default progressive.
    pub mode: dc_mode,
    /// Country calling code for national numbers (1, 49, …); 0 = none.
    pub default_country: u16,
    /// IANA time zone of contacts added without one; NULL = "UTC".
    pub default_timezone: *const c_char,
    /// Weekly calling window in each contact's local time, e.g.
    /// `"Mon-Fri 09:00-20:00; Sat 10:00-14:00"`; NULL = `"always"`.
    pub calling_window: *const c_char,
    /// Client rejected the call (busy). Default: retry after 5 minutes.
    pub retry_busy: dc_retry_rule,
    /// No answer or unreachable. Default: after 30 minutes.
    pub retry_no_answer: dc_retry_rule,
    /// Answering machine. Default: after 2 hours.
    pub retry_machine: dc_retry_rule,
    /// The dial could not be initiated. Default: after 5 minutes.
    pub retry_dial_failed: dc_retry_rule,
    /// Answered and dropped before an operator came. Default: no retry.
    pub retry_abandoned: dc_retry_rule,
    /// Attempts per contact over its life (1..=254). Default 5.
    pub max_attempts: u8,
    /// Attempts per number in any rolling 24 hours (0 = no cap).
    pub max_attempts_per_24h: u8,
    /// After an abandon, redial only with an operator reserved for this long (0 = off).
    pub reserve_operator_after_abandon_ms: u64,
    /// How long an operator has to accept an offer. Default 30 s.
    pub offer_timeout_ms: u64,
    /// Before-call work countdown (0 dials at once). Default 5 s.
    pub bcw_ms: u64,
    /// Ring time before "no answer". Default 25 s; below 15 s needs
    /// `allow_short_ring_timeout`.
    pub ring_timeout_ms: u64,
    /// Allow `ring_timeout_ms` below 15 s (not US-compliant).
    pub allow_short_ring_timeout: bool,
    /// Predictive: how long an answered call may wait for an operator. Default 2 s.
    pub abandon_limit_ms: u64,
    /// After-call work after each connected call. Default true.
    pub acw_enabled: bool,
    /// Longest ACW before the contact is closed as Success (0 = no limit). Default 120 s.
    pub acw_limit_ms: u64,
    /// Predictive: calls per ready operator (1.0..=20.0). Default 1.5.
    pub predictive_ratio: f64,
    /// Predictive: the abandon rate not to exceed. Default 0.03.
    pub abandon_target: f64,
    /// Predictive: the window the abandon guard measures. Default 30 days.
    pub abandon_window: dc_abandon_window,
    /// Predictive: how the abandon guard bounds the pacer. Default worst case.
    pub abandon_guard: dc_abandon_guard,
    /// Preview/progressive: hopper size (0 = one per logged-in operator).
    pub hopper_size: u32,
    /// Delay before trying a contact whose number is in another call. Default 60 s.
    pub number_busy_delay_ms: u64,
    /// Caller ID the host shows on the campaign's calls, `"+E.164"`; NULL or
    /// `""` = none (the PBX picks one). Copied; journaled with the
    /// configuration and shown in the attempt records.
    pub caller_id: *const c_char,
    /// Caller IDs for local presence and rotation, `"+E.164"` each,
    /// comma-separated; NULL or `""` = none. A dial presents a pool number
    /// with the dialed area code (least used in the last hour), else
    /// `caller_id`. Copied.
    pub caller_id_pool: *const c_char,
    /// Watchdog: longest call from dial to end, ms (0 = none, the default).
    pub max_call_ms: u64,
    /// Watchdog: longest connected call without CALL_ENDED, ms (0 = none).
    pub max_talk_ms: u64,
    /// Offers missed or declined in a row before the engine pauses the
    /// operator (0 = a miss or a progressive decline pauses at once).
    pub max_offer_refusals: u32,
    /// Agentless mode: calls in flight at most. Default 10.
    pub agentless_lines: u32,
    /// Wrap-up codes for `DC_DISPOSITION_CODE`: `"1=success, 2=failure,
    /// 3=retry:MS, 4=callback:MS, 5=personal_callback:MS:EXPIRY_MS,
    /// 6=blacklist"`; NULL or `""` = none. Copied.
    pub dispositions: *const c_char,
    /// Contacts with several numbers: 0 = in order (the default: the next
    /// number after busy, no answer or a failed dial, in the contact's
    /// window), 1 = each number in its own zone's window.
    pub number_order: u8,
    /// Attempts on one number before the next is dialed, and its cap
    /// (0 = no per-number cap, the default; at most 15).
    pub attempts_per_number: u8,
    /// Numbers added without a time zone take the zone their number implies
    /// (NANP area code, single-zone country). Default false.
    pub zone_from_number: bool,
    /// With `zone_from_number`: the IANA zone of numbers whose zone is
    /// ambiguous or unknown; NULL or "" = none (such numbers are left out).
    pub fallback_timezone: *const c_char,
    /// A number given a zone other than the one its number implies:
    /// 0 = dialed in the given zone (the default), 1 = in the number's zone,
    /// 2 = most restrictive: only while the window and rules are open in both.
    pub zone_mismatch: u8,
}

fn rule_to_c(rule: RetryRule) -> dc_retry_rule {
    dc_retry_rule {
        retry: rule.retry,
        delay_ms: rule.delay_ms,
    }
}

/// The default configuration (progressive mode, the US rules where a rule
/// exists). Never fails.
#[no_mangle]
pub extern "C" fn dc_config_default() -> dc_config {
    let d = CampaignConfig::default();
    dc_config {
        mode: dc_mode::Progressive,
        default_country: 0,
        default_timezone: ptr::null(),
        calling_window: ptr::null(),
        retry_busy: rule_to_c(d.retry.busy),
        retry_no_answer: rule_to_c(d.retry.no_answer),
        retry_machine: rule_to_c(d.retry.machine),
        retry_dial_failed: rule_to_c(d.retry.dial_failed),
        retry_abandoned: rule_to_c(d.retry.abandoned),
        max_attempts: d.retry.max_attempts,
        max_attempts_per_24h: d.retry.max_attempts_per_24h,
        reserve_operator_after_abandon_ms: d.retry.reserve_operator_after_abandon_ms,
        offer_timeout_ms: d.offer_timeout_ms,
        bcw_ms: d.bcw_ms,
        ring_timeout_ms: d.ring_timeout_ms,
        allow_short_ring_timeout: d.allow_short_ring_timeout,
        abandon_limit_ms: d.abandon_limit_ms,
        acw_enabled: d.acw_enabled,
        acw_limit_ms: d.acw_limit_ms,
        predictive_ratio: d.predictive_ratio,
        abandon_target: d.abandon_target,
        abandon_window: dc_abandon_window::ThirtyDays,
        abandon_guard: dc_abandon_guard::WorstCase,
        hopper_size: d.hopper_size,
        number_busy_delay_ms: d.number_busy_delay_ms,
        caller_id: ptr::null(),
        caller_id_pool: ptr::null(),
        max_call_ms: d.max_call_ms,
        max_talk_ms: d.max_talk_ms,
        max_offer_refusals: d.max_offer_refusals,
        agentless_lines: d.agentless_lines,
        dispositions: ptr::null(),
        number_order: 0,
        attempts_per_number: d.numbers.attempts_per_number,
        zone_from_number: d.numbers.zone_from_number,
        fallback_timezone: ptr::null(),
        zone_mismatch: 0,
    }
}

unsafe fn read_rule(rule: *const dc_retry_rule) -> RetryRule {
    RetryRule {
        retry: read_bool!(rule, retry),
        delay_ms: read_plain!(rule, delay_ms),
    }
}

pub(crate) unsafe fn read_config(p: *const dc_config) -> Result<CampaignConfig, Fail> {
    let mode = match read_u32!(p, mode) {
        0 => Mode::Preview,
        1 => Mode::Progressive,
        2 => Mode::Predictive,
        3 => Mode::Agentless,
        m => return Err(Fail::invalid(format!("config.mode {m} is not a dc_mode"))),
    };
    let abandon_window = match read_u32!(p, abandon_window) {
        0 => AbandonWindow::Day,
        1 => AbandonWindow::ThirtyDays,
        w => {
            return Err(Fail::invalid(format!(
                "config.abandon_window {w} is not a dc_abandon_window"
            )))
        }
    };
    let abandon_guard = match read_u32!(p, abandon_guard) {
        0 => AbandonGuard::WorstCase,
        1 => AbandonGuard::Expected,
        g => {
            return Err(Fail::invalid(format!(
                "config.abandon_guard {g} is not a dc_abandon_guard"
            )))
        }
    };
    // SAFETY: `p` is valid (caller); the pointer fields are read as pointers
    // and then checked by `opt_str`.
    let (tz, window, caller_id, pool, dispositions) = unsafe {
        (
            (*p).default_timezone,
            (*p).calling_window,
            (*p).caller_id,
            (*p).caller_id_pool,
            (*p).dispositions,
        )
    };
    // SAFETY: the caller guarantees a NUL-terminated string or NULL.
    let caller_id = unsafe { opt_str(caller_id, "config.caller_id") }?;
    // SAFETY: as above.
    let pool = unsafe { opt_str(pool, "config.caller_id_pool") }?;
    // SAFETY: as above.
    let dispositions = unsafe { opt_str(dispositions, "config.dispositions") }?;
    let mut text_fields = CampaignConfig::default();
    for (name, value) in [("caller_id_pool", pool), ("dispositions", dispositions)] {
        let field = engine::config::config_field(name).expect("a settings-table field");
        (field.set)(
            &mut text_fields,
            engine::config::FieldValue::Text(value.unwrap_or("").to_owned()),
        )
        .map_err(|e| Fail::new(dc_status::InvalidConfig, format!("invalid {name}: {e}")))?;
    }
    // SAFETY: the caller guarantees NUL-terminated strings or NULL.
    let tz = unsafe { opt_str(tz, "config.default_timezone") }?;
    // SAFETY: as above.
    let window = unsafe { opt_str(window, "config.calling_window") }?;
    let calling_window = match window {
        None => WeeklyWindow::always(),
        Some(spec) => spec.parse::<WeeklyWindow>().map_err(|e| {
            Fail::new(
                dc_status::InvalidConfig,
                format!("invalid calling_window {spec:?}: {e}"),
            )
        })?,
    };
    let country = read_plain!(p, default_country);
    // SAFETY: the nested rule structs are inside the valid `*p`.
    let (busy, no_answer, machine, dial_failed, abandoned) = unsafe {
        (
            read_rule(ptr::addr_of!((*p).retry_busy)),
            read_rule(ptr::addr_of!((*p).retry_no_answer)),
            read_rule(ptr::addr_of!((*p).retry_machine)),
            read_rule(ptr::addr_of!((*p).retry_dial_failed)),
            read_rule(ptr::addr_of!((*p).retry_abandoned)),
        )
    };
    let retry = RetryPolicy {
        busy,
        no_answer,
        machine,
        dial_failed,
        abandoned,
        max_attempts: read_plain!(p, max_attempts),
        max_attempts_per_24h: read_plain!(p, max_attempts_per_24h),
        reserve_operator_after_abandon_ms: read_plain!(p, reserve_operator_after_abandon_ms),
    };
    // SAFETY: `p` is valid per the contract; a NUL-terminated string or NULL.
    let fallback = unsafe { opt_str((*p).fallback_timezone, "config.fallback_timezone") }?;
    let order = match read_plain!(p, number_order) {
        0u8 => engine::config::NumberOrder::InOrder,
        1 => engine::config::NumberOrder::OwnWindow,
        other => {
            return Err(Fail::invalid(format!(
                "config.number_order {other} is not 0 (in order) or 1 (own window)"
            )))
        }
    };
    let zone_mismatch = match read_plain!(p, zone_mismatch) {
        0u8 => engine::config::ZoneMismatch::Given,
        1 => engine::config::ZoneMismatch::Number,
        2 => engine::config::ZoneMismatch::MostRestrictive,
        other => {
            return Err(Fail::invalid(format!(
                "config.zone_mismatch {other} is not 0 (given), 1 (number) or 2 (most restrictive)"
            )))
        }
    };
    Ok(CampaignConfig {
        mode,
        default_country: (country != 0).then_some(country),
        default_timezone: tz.unwrap_or("UTC").to_owned(),
        calling_window,
        retry,
        offer_timeout_ms: read_plain!(p, offer_timeout_ms),
        bcw_ms: read_plain!(p, bcw_ms),
        ring_timeout_ms: read_plain!(p, ring_timeout_ms),
        allow_short_ring_timeout: read_bool!(p, allow_short_ring_timeout),
        abandon_limit_ms: read_plain!(p, abandon_limit_ms),
        acw_enabled: read_bool!(p, acw_enabled),
        acw_limit_ms: read_plain!(p, acw_limit_ms),
        predictive_ratio: read_plain!(p, predictive_ratio),
        abandon_target: read_plain!(p, abandon_target),
        abandon_window,
        abandon_guard,
        hopper_size: read_plain!(p, hopper_size),
        number_busy_delay_ms: read_plain!(p, number_busy_delay_ms),
        caller_id: caller_id.unwrap_or("").to_owned(),
        caller_id_pool: text_fields.caller_id_pool,
        max_call_ms: read_plain!(p, max_call_ms),
        max_talk_ms: read_plain!(p, max_talk_ms),
        max_offer_refusals: read_plain!(p, max_offer_refusals),
        agentless_lines: read_plain!(p, agentless_lines),
        dispositions: text_fields.dispositions,
        numbers: engine::config::NumberPolicy {
            order,
            attempts_per_number: read_plain!(p, attempts_per_number),
            zone_from_number: read_bool!(p, zone_from_number),
            fallback_timezone: fallback.unwrap_or("").to_owned(),
            zone_mismatch,
        },
    })
}
