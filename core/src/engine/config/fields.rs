//! The settings table: every [`CampaignConfig`] setting a host may change,
//! by name, with its type, its documentation and a getter and a setter.
//!
//! The Python keyword arguments (`Campaign(**config)`), the C `dc_config`
//! struct and the simulator's scenario `[campaign]` section are all checked
//! against [`CONFIG_FIELDS`]: Python parses its keywords through it, and the
//! C and simulator crates have drift tests that fail when a field of the
//! table is missing on their side without a stated reason. A new setting
//! is added here once, and the other three cannot forget it silently.
//!
//! Values cross the table as [`FieldValue`]s; a setter converts one into the
//! field's Rust type and refuses a value of the wrong kind or out of range
//! with a message (the caller adds the field's name). Setters do not run
//! [`CampaignConfig::validate`]: rules spanning fields (a short ring timeout
//! needs `allow_short_ring_timeout`) are checked once all are set.

use std::fmt;

use super::{
    dispositions_spec, parse_dispositions, AbandonGuard, AbandonWindow, CampaignConfig, Mode,
};
use crate::retry::RetryRule;
use crate::window::WeeklyWindow;

/// The type of a setting, as a binding presents it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// `true` / `false`.
    Bool,
    /// A non-negative integer up to `max`.
    UInt {
        /// The largest value the field holds.
        max: u64,
    },
    /// A non-negative integer up to `max`, or none (`None` / `0` in C).
    OptionalUInt {
        /// The largest value the field holds.
        max: u64,
    },
    /// A finite floating-point number.
    Float,
    /// Free text (a time zone name, a window specification).
    Text,
    /// One of a few names (the first is the canonical spelling of each value).
    Choice(&'static [&'static str]),
}

impl FieldKind {
    /// The kind's name in error messages and docs (`"int"`, `"float"`, …).
    pub fn type_name(self) -> &'static str {
        match self {
            FieldKind::Bool => "bool",
            FieldKind::UInt { .. } => "int",
            FieldKind::OptionalUInt { .. } => "int or None",
            FieldKind::Float => "float",
            FieldKind::Text | FieldKind::Choice(_) => "str",
        }
    }
}

/// A setting's value on its way into or out of a [`CampaignConfig`].
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A [`FieldKind::Bool`] value.
    Bool(bool),
    /// A [`FieldKind::UInt`] or [`FieldKind::OptionalUInt`] value.
    UInt(u64),
    /// A [`FieldKind::Float`] value.
    Float(f64),
    /// A [`FieldKind::Text`] or [`FieldKind::Choice`] value.
    Text(String),
    /// No value ([`FieldKind::OptionalUInt`] only).
    None,
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Bool(b) => write!(f, "{b}"),
            FieldValue::UInt(u) => write!(f, "{u}"),
            FieldValue::Float(x) => write!(f, "{x}"),
            FieldValue::Text(s) => write!(f, "{s:?}"),
            FieldValue::None => f.write_str("none"),
        }
    }
}

/// One row of [`CONFIG_FIELDS`].
#[derive(Clone, Copy)]
pub struct ConfigField {
    /// The setting's name (a Python keyword, a `dc_config` member).
    pub name: &'static str,
    /// Its type.
    pub kind: FieldKind,
    /// One line of documentation, with the default.
    pub doc: &'static str,
    /// Reads the setting.
    pub get: fn(&CampaignConfig) -> FieldValue,
    /// Writes the setting; a wrong kind or a value out of range is refused
    /// with a message (without the field's name) and changes nothing.
    pub set: fn(&mut CampaignConfig, FieldValue) -> Result<(), String>,
}

impl fmt::Debug for ConfigField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigField")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

fn wrong(v: &FieldValue, want: &str) -> String {
    format!("{v} is not {want}")
}

fn uint<T: TryFrom<u64>>(v: FieldValue) -> Result<T, String> {
    match v {
        FieldValue::UInt(u) => T::try_from(u).map_err(|_| format!("{u} is out of range")),
        other => Err(wrong(&other, "a non-negative integer")),
    }
}

fn opt_uint<T: TryFrom<u64>>(v: FieldValue) -> Result<Option<T>, String> {
    match v {
        FieldValue::None => Ok(None),
        other => uint(other).map(Some),
    }
}

fn boolean(v: FieldValue) -> Result<bool, String> {
    match v {
        FieldValue::Bool(b) => Ok(b),
        other => Err(wrong(&other, "true or false")),
    }
}

fn float(v: FieldValue) -> Result<f64, String> {
    match v {
        FieldValue::Float(x) => Ok(x),
        FieldValue::UInt(u) => Ok(u as f64),
        other => Err(wrong(&other, "a number")),
    }
}

fn text(v: FieldValue) -> Result<String, String> {
    match v {
        FieldValue::Text(s) => Ok(s),
        other => Err(wrong(&other, "text")),
    }
}

fn rule_get(rule: RetryRule) -> FieldValue {
    if rule.retry {
        FieldValue::UInt(rule.delay_ms)
    } else {
        FieldValue::None
    }
}

fn rule_set(v: FieldValue) -> Result<RetryRule, String> {
    Ok(match opt_uint::<u64>(v)? {
        Some(ms) => RetryRule::after(ms),
        None => RetryRule::never(),
    })
}

const MODES: &[&str] = &["preview", "progressive", "predictive", "agentless"];
const WINDOWS: &[&str] = &["thirty_days", "day", "30d"];
const GUARDS: &[&str] = &["worst_case", "expected"];
const NUMBER_ORDERS: &[&str] = &["in_order", "own_window"];
const ZONE_MISMATCHES: &[&str] = &["given", "number", "most_restrictive"];

/// `$name: $kind, $doc, |c| get, |c, v| set` as a [`ConfigField`].
macro_rules! field {
    ($name:literal, $kind:expr, $doc:literal, |$c:ident| $get:expr, |$cs:ident, $v:ident| $set:expr) => {
        ConfigField {
            name: $name,
            kind: $kind,
            doc: $doc,
            get: |$c: &CampaignConfig| $get,
            set: |$cs: &mut CampaignConfig, $v: FieldValue| {
                $set;
                Ok(())
            },
        }
    };
}

/// Every setting of a campaign, in documentation order.
pub const CONFIG_FIELDS: &[ConfigField] = &[
    field!("mode", FieldKind::Choice(MODES),
        "Preview, progressive (the default), predictive or agentless (voice broadcast, no operators).",
        |c| FieldValue::Text(c.mode.name().to_owned()),
        |c, v| c.mode = {
            let s = text(v)?;
            Mode::from_name(&s).ok_or_else(|| format!("{s:?} is not preview, progressive, predictive or agentless"))?
        }),
    field!("default_country", FieldKind::OptionalUInt { max: u16::MAX as u64 },
        "Country calling code for national numbers (1, 49, ...); none (the default) accepts only +E.164.",
        |c| c.default_country.map_or(FieldValue::None, |cc| FieldValue::UInt(cc.into())),
        |c, v| c.default_country = opt_uint(v)?),
    field!("default_timezone", FieldKind::Text,
        "IANA time zone of contacts added without one (default \"UTC\").",
        |c| FieldValue::Text(c.default_timezone.clone()),
        |c, v| c.default_timezone = text(v)?),
    field!("caller_id", FieldKind::Text,
        "Caller ID the host shows on the campaign's calls, +E.164 (\"+12025550100\"); empty (the default): the PBX picks one. Journaled, and in the attempt records.",
        |c| FieldValue::Text(c.caller_id.clone()),
        |c, v| c.caller_id = text(v)?),
    field!("caller_id_pool", FieldKind::Text,
        "Caller IDs for local presence and rotation, +E.164, comma-separated; a dial shows a pool number with the dialed area code, least used in the last hour, else caller_id (default empty).",
        |c| FieldValue::Text(c.caller_id_pool.join(",")),
        |c, v| c.caller_id_pool = text(v)?
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect()),
    field!("calling_window", FieldKind::Text,
        "When contacts may be called, in their local time (\"Mon-Fri 09:00-20:00; Sat 10:00-14:00\"; default \"always\").",
        |c| FieldValue::Text(c.calling_window.to_string()),
        |c, v| c.calling_window = {
            let spec = text(v)?;
            WeeklyWindow::parse(&spec).map_err(|e| format!("{spec:?}: {e}"))?
        }),
    field!("offer_timeout_ms", FieldKind::UInt { max: u64::MAX },
        "How long an operator has to accept an offer, ms (default 30000).",
        |c| FieldValue::UInt(c.offer_timeout_ms),
        |c, v| c.offer_timeout_ms = uint(v)?),
    field!("bcw_ms", FieldKind::UInt { max: u64::MAX },
        "Before-call work countdown from accept to dial, ms; 0 dials at once (default 5000).",
        |c| FieldValue::UInt(c.bcw_ms),
        |c, v| c.bcw_ms = uint(v)?),
    field!("ring_timeout_ms", FieldKind::UInt { max: u64::MAX },
        "How long a call may ring before it is declared unanswered, ms (default 25000; below 15000 needs allow_short_ring_timeout).",
        |c| FieldValue::UInt(c.ring_timeout_ms),
        |c, v| c.ring_timeout_ms = uint(v)?),
    field!("allow_short_ring_timeout", FieldKind::Bool,
        "Allow ring_timeout_ms below 15000 (not US-compliant; default false).",
        |c| FieldValue::Bool(c.allow_short_ring_timeout),
        |c, v| c.allow_short_ring_timeout = boolean(v)?),
    field!("abandon_limit_ms", FieldKind::UInt { max: u64::MAX },
        "Predictive: how long an answered call may wait for an operator before it is abandoned, ms (default 2000).",
        |c| FieldValue::UInt(c.abandon_limit_ms),
        |c, v| c.abandon_limit_ms = uint(v)?),
    field!("acw_enabled", FieldKind::Bool,
        "After-call work after each connected call (default true).",
        |c| FieldValue::Bool(c.acw_enabled),
        |c, v| c.acw_enabled = boolean(v)?),
    field!("acw_limit_ms", FieldKind::UInt { max: u64::MAX },
        "Longest after-call work before the contact is closed as Success, ms; 0 = no limit (default 120000).",
        |c| FieldValue::UInt(c.acw_limit_ms),
        |c, v| c.acw_limit_ms = uint(v)?),
    field!("predictive_ratio", FieldKind::Float,
        "Predictive: calls per ready operator of the fixed-ratio pacer, 1.0..=20.0 (default 1.5).",
        |c| FieldValue::Float(c.predictive_ratio),
        |c, v| c.predictive_ratio = float(v)?),
    field!("abandon_target", FieldKind::Float,
        "Predictive: the abandon rate not to exceed, 0..1 (default 0.03 = 3%).",
        |c| FieldValue::Float(c.abandon_target),
        |c, v| c.abandon_target = float(v)?),
    field!("abandon_window", FieldKind::Choice(WINDOWS),
        "Predictive: the window the abandon guard measures, \"thirty_days\" (the default; also \"30d\") or \"day\".",
        |c| FieldValue::Text(match c.abandon_window {
            AbandonWindow::ThirtyDays => "thirty_days",
            AbandonWindow::Day => "day",
        }.to_owned()),
        |c, v| c.abandon_window = match text(v)?.as_str() {
            "day" => AbandonWindow::Day,
            "30d" | "thirty_days" => AbandonWindow::ThirtyDays,
            s => return Err(format!("{s:?} is not \"thirty_days\" (\"30d\") or \"day\"")),
        }),
    field!("abandon_guard", FieldKind::Choice(GUARDS),
        "Predictive: how the abandon guard bounds the pacer, \"worst_case\" (the default) or \"expected\".",
        |c| FieldValue::Text(c.abandon_guard.name().to_owned()),
        |c, v| c.abandon_guard = {
            let s = text(v)?;
            AbandonGuard::from_name(&s).ok_or_else(|| format!("{s:?} is not \"worst_case\" or \"expected\""))?
        }),
    field!("hopper_size", FieldKind::UInt { max: u32::MAX as u64 },
        "Preview/progressive: contacts kept ready while no operator is free; 0 = one per logged-in operator (the default).",
        |c| FieldValue::UInt(c.hopper_size.into()),
        |c, v| c.hopper_size = uint(v)?),
    field!("number_order", FieldKind::Choice(NUMBER_ORDERS),
        "Contacts with several numbers: \"in_order\" (the default: move on after busy, no answer or a failed dial, in the contact's window) or \"own_window\" (each number in its own zone's window).",
        |c| FieldValue::Text(c.numbers.order.name().to_owned()),
        |c, v| c.numbers.order = {
            let s = text(v)?;
            crate::config::NumberOrder::from_name(&s).ok_or_else(|| format!("{s:?} is not \"in_order\" or \"own_window\""))?
        }),
    field!("attempts_per_number", FieldKind::UInt { max: 15 },
        "Attempts on one number before the next is dialed, and its cap; 0 = no per-number cap (the default), at most 15.",
        |c| FieldValue::UInt(c.numbers.attempts_per_number.into()),
        |c, v| c.numbers.attempts_per_number = {
            let n: u8 = uint(v)?;
            if n > crate::store::MAX_NUMBER_ATTEMPTS {
                return Err(format!("{n} is out of range (at most 15)"));
            }
            n
        }),
    field!("zone_from_number", FieldKind::Bool,
        "Numbers added without a time zone take the zone their number implies (NANP area code, single-zone country); default false.",
        |c| FieldValue::Bool(c.numbers.zone_from_number),
        |c, v| c.numbers.zone_from_number = boolean(v)?),
    field!("fallback_timezone", FieldKind::Text,
        "With zone_from_number: the IANA zone of numbers whose zone is ambiguous or unknown; empty (the default) leaves such numbers out, reported and counted.",
        |c| FieldValue::Text(c.numbers.fallback_timezone.clone()),
        |c, v| c.numbers.fallback_timezone = text(v)?),
    field!("zone_mismatch", FieldKind::Choice(ZONE_MISMATCHES),
        "A number given a zone other than the one its number implies: dialed in the \"given\" zone (the default), the \"number\"'s, or \"most_restrictive\": only while the window and rules are open in both.",
        |c| FieldValue::Text(c.numbers.zone_mismatch.name().to_owned()),
        |c, v| c.numbers.zone_mismatch = {
            let s = text(v)?;
            crate::config::ZoneMismatch::from_name(&s).ok_or_else(|| format!("{s:?} is not \"given\", \"number\" or \"most_restrictive\""))?
        }),
    field!("number_busy_delay_ms", FieldKind::UInt { max: u64::MAX },
        "Delay before trying a contact whose number is in another call right now, ms (default 60000).",
        |c| FieldValue::UInt(c.number_busy_delay_ms),
        |c, v| c.number_busy_delay_ms = uint(v)?),
    field!("max_call_ms", FieldKind::UInt { max: u64::MAX },
        "Watchdog: longest call from dial to end, ms; past it the engine hangs up and frees the operator; 0 = no limit (the default).",
        |c| FieldValue::UInt(c.max_call_ms),
        |c, v| c.max_call_ms = uint(v)?),
    field!("max_talk_ms", FieldKind::UInt { max: u64::MAX },
        "Watchdog: longest an operator holds a connected call without CallEnded, ms; past it the engine hangs up and frees the operator; 0 = no limit (the default).",
        |c| FieldValue::UInt(c.max_talk_ms),
        |c, v| c.max_talk_ms = uint(v)?),
    field!("max_offer_refusals", FieldKind::UInt { max: u32::MAX as u64 },
        "Offers an operator may miss or decline in a row before the engine pauses them; 0 = a miss (or a progressive decline) pauses at once (the default).",
        |c| FieldValue::UInt(c.max_offer_refusals.into()),
        |c, v| c.max_offer_refusals = uint(v)?),
    field!("agentless_lines", FieldKind::UInt { max: u32::MAX as u64 },
        "Agentless mode: calls in flight at most (default 10).",
        |c| FieldValue::UInt(c.agentless_lines.into()),
        |c, v| c.agentless_lines = uint(v)?),
    field!("dispositions", FieldKind::Text,
        "Wrap-up codes: \"1=success, 2=failure, 3=retry:MS, 4=callback:MS, 5=personal_callback:MS:EXPIRY_MS, 6=blacklist, 7=blacklist_number\" (default empty).",
        |c| FieldValue::Text(dispositions_spec(&c.dispositions)),
        |c, v| c.dispositions = parse_dispositions(&text(v)?)?),
    field!("max_attempts", FieldKind::UInt { max: 255 },
        "Attempts per contact over its life, 1..=254; used up means NotReached (default 5).",
        |c| FieldValue::UInt(c.retry.max_attempts.into()),
        |c, v| c.retry.max_attempts = uint(v)?),
    field!("max_attempts_per_24h", FieldKind::UInt { max: 255 },
        "Attempts per number in any rolling 24 hours; reaching it delays the next dial; 0 = no cap (the default).",
        |c| FieldValue::UInt(c.retry.max_attempts_per_24h.into()),
        |c, v| c.retry.max_attempts_per_24h = uint(v)?),
    field!("reserve_operator_after_abandon_ms", FieldKind::UInt { max: u64::MAX },
        "For this long after an abandoned call, redial the contact only with an operator reserved first, ms; 0 = off (the default).",
        |c| FieldValue::UInt(c.retry.reserve_operator_after_abandon_ms),
        |c, v| c.retry.reserve_operator_after_abandon_ms = uint(v)?),
    field!("retry_busy_ms", FieldKind::OptionalUInt { max: u64::MAX },
        "Retry delay after busy, ms; none = never retry (default 300000).",
        |c| rule_get(c.retry.busy),
        |c, v| c.retry.busy = rule_set(v)?),
    field!("retry_no_answer_ms", FieldKind::OptionalUInt { max: u64::MAX },
        "Retry delay after no answer or unreachable, ms; none = never (default 1800000).",
        |c| rule_get(c.retry.no_answer),
        |c, v| c.retry.no_answer = rule_set(v)?),
    field!("retry_machine_ms", FieldKind::OptionalUInt { max: u64::MAX },
        "Retry delay after an answering machine, ms; none = never (default 7200000).",
        |c| rule_get(c.retry.machine),
        |c, v| c.retry.machine = rule_set(v)?),
    field!("retry_dial_failed_ms", FieldKind::OptionalUInt { max: u64::MAX },
        "Retry delay after a dial the PBX could not start, ms; none = never (default 300000).",
        |c| rule_get(c.retry.dial_failed),
        |c, v| c.retry.dial_failed = rule_set(v)?),
    field!("retry_abandoned_ms", FieldKind::OptionalUInt { max: u64::MAX },
        "Retry delay after an abandoned call, ms; none = never (the default).",
        |c| rule_get(c.retry.abandoned),
        |c, v| c.retry.abandoned = rule_set(v)?),
];

/// The row of the setting called `name`.
pub fn config_field(name: &str) -> Option<&'static ConfigField> {
    CONFIG_FIELDS.iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_found() {
        let mut seen = HashSet::new();
        for f in CONFIG_FIELDS {
            assert!(seen.insert(f.name), "{} twice", f.name);
            assert_eq!(config_field(f.name).map(|g| g.name), Some(f.name));
            assert!(!f.doc.is_empty(), "{} has no doc", f.name);
        }
        assert!(config_field("ring_timout_ms").is_none());
    }

    /// Every getter reads what its setter wrote, and setting one field
    /// changes no other.
    #[test]
    fn get_returns_what_set_wrote_and_nothing_else_moves() {
        let base = CampaignConfig::default();
        for f in CONFIG_FIELDS {
            let mut c = base.clone();
            // A value that differs from the default, per kind.
            let v = match (f.kind, (f.get)(&base)) {
                (FieldKind::Bool, FieldValue::Bool(b)) => FieldValue::Bool(!b),
                (FieldKind::UInt { max } | FieldKind::OptionalUInt { max }, old) => {
                    let u = if old == FieldValue::UInt(3) { 4 } else { 3 };
                    FieldValue::UInt(u.min(max))
                }
                (FieldKind::Float, FieldValue::Float(x)) => FieldValue::Float(x + 0.01),
                (FieldKind::Choice(names), FieldValue::Text(old)) => {
                    let n = names.iter().find(|n| **n != old && **n != "30d").unwrap();
                    FieldValue::Text((*n).to_owned())
                }
                (FieldKind::Text, _) if f.name == "calling_window" => {
                    FieldValue::Text("Mon-Fri 09:00-17:00".to_owned())
                }
                (FieldKind::Text, _) if f.name == "caller_id_pool" => {
                    FieldValue::Text("+12025550100,+13125550100".to_owned())
                }
                (FieldKind::Text, _) if f.name == "dispositions" => FieldValue::Text(
                    "1=success, 2=failure, 3=retry:600000, 4=callback:60000, 5=personal_callback:60000:3600000, 6=blacklist"
                        .to_owned(),
                ),
                (FieldKind::Text, _) => FieldValue::Text("Europe/Berlin".to_owned()),
                (kind, old) => panic!("{}: {kind:?} holds {old:?}", f.name),
            };
            (f.set)(&mut c, v.clone()).unwrap_or_else(|e| panic!("{}: {e}", f.name));
            assert_ne!(c, base, "{} did not change", f.name);
            let got = (f.get)(&c);
            match (&v, &got) {
                (FieldValue::Text(a), FieldValue::Text(b)) if f.name == "calling_window" => {
                    assert_eq!(WeeklyWindow::parse(a), WeeklyWindow::parse(b))
                }
                _ => assert_eq!(got, v, "{}", f.name),
            }
            for other in CONFIG_FIELDS.iter().filter(|o| o.name != f.name) {
                assert_eq!(
                    (other.get)(&c),
                    (other.get)(&base),
                    "{} moved {}",
                    f.name,
                    other.name
                );
            }
        }
    }

    #[test]
    fn bad_dispositions_tables_name_what_is_wrong() {
        let set = config_field("dispositions").unwrap().set;
        for (text, says) in [
            ("1", "CODE=ACTION"),
            ("x=success", "not a code"),
            ("70000=success", "not a code"),
            ("1=win", "is not success"),
            ("1=retry", "needs a delay"),
            ("1=retry:soon", "not a number"),
            ("1=personal_callback:60000", "needs an expiry"),
            ("1=success:5", "too many"),
            ("1=success, 1=failure", "twice"),
        ] {
            let mut c = CampaignConfig::default();
            let err = set(&mut c, FieldValue::Text(text.into())).unwrap_err();
            assert!(err.contains(says), "{text:?}: {err}");
            assert_eq!(c, CampaignConfig::default());
        }
        let mut c = CampaignConfig::default();
        set(
            &mut c,
            FieldValue::Text(" 7 = Retry : 5 ; 9=BLACKLIST; 10=Blacklist_Number ".into()),
        )
        .unwrap();
        assert_eq!(
            c.dispositions,
            vec![
                (7, super::super::WrapUp::Retry(5)),
                (9, super::super::WrapUp::Blacklist),
                (10, super::super::WrapUp::BlacklistNumber)
            ]
        );
    }

    #[test]
    fn wrong_kinds_and_ranges_are_refused_and_change_nothing() {
        let base = CampaignConfig::default();
        for f in CONFIG_FIELDS {
            let mut c = base.clone();
            let bad = match f.kind {
                FieldKind::Bool => FieldValue::UInt(1),
                FieldKind::UInt { .. } => FieldValue::Text("5".into()),
                FieldKind::OptionalUInt { .. } => FieldValue::Float(1.5),
                FieldKind::Float => FieldValue::Text("1.5".into()),
                FieldKind::Text | FieldKind::Choice(_) => FieldValue::UInt(3),
            };
            assert!((f.set)(&mut c, bad).is_err(), "{}", f.name);
            if let FieldKind::UInt { max } | FieldKind::OptionalUInt { max } = f.kind {
                if max < u64::MAX {
                    assert!(
                        (f.set)(&mut c, FieldValue::UInt(max + 1)).is_err(),
                        "{}",
                        f.name
                    );
                    assert!(
                        (f.set)(&mut c.clone(), FieldValue::UInt(max)).is_ok(),
                        "{}",
                        f.name
                    );
                }
            }
            assert_eq!(c, base, "{} changed on error", f.name);
        }
        let mut c = base.clone();
        let err = (config_field("calling_window").unwrap().set)(
            &mut c,
            FieldValue::Text("Funday 9-5".into()),
        )
        .unwrap_err();
        assert!(err.contains("Funday"), "{err}");
    }

    #[test]
    fn optional_retry_delays_mean_never() {
        let mut c = CampaignConfig::default();
        let f = config_field("retry_busy_ms").unwrap();
        (f.set)(&mut c, FieldValue::None).unwrap();
        assert_eq!(c.retry.busy, RetryRule::never());
        assert_eq!((f.get)(&c), FieldValue::None);
        assert_eq!(
            (config_field("retry_no_answer_ms").unwrap().get)(&c),
            FieldValue::UInt(30 * 60_000)
        );
    }
}
