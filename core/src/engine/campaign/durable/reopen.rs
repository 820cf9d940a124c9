//! Reopen checks: the configuration a durable campaign runs with is stored
//! with it, and a reopen with different settings is caught.
//!
//! The configuration is kept as text, one `field=value` line per setting
//! (values in their `Debug` form), in every snapshot (section `CONF`) and
//! in the journal (a `config` sub-record when a campaign is created and
//! whenever a change is accepted). On [`Campaign::open_with`] the stored
//! lines are compared with the configuration given:
//!
//! - a **compliance** field (mode, calling window, retry rules and attempt
//!   caps, reserved operator after an abandon, ring timeout and the short
//!   ring permission, abandon limit, abandon target, window and guard,
//!   default country) that differs is refused with [`OpenError::ConfigChanged`]
//!   naming the field and both values — unless the caller sets
//!   [`DurableOptions::accept_config_change`], in which case the change is
//!   applied, journaled and listed in [`RecoveryReport::config_changes`];
//! - a **tuning** field (offer timeout, BCW, ACW, predictive ratio, hopper
//!   size, busy-number delay) that differs is applied, journaled and
//!   listed, without the opt-in: it changes how fast the campaign works,
//!   not what it may do.
//!
//! The default time zone is checked separately (contacts' windows are
//! bound to it) and is never accepted as a change. A directory written
//! before the configuration was stored has none: the configuration given
//! is stored, nothing is compared. A field this build does not know (or no
//! longer has) is compared as missing, so it shows as a change.

use super::*;

/// Whether a changed field needs [`DurableOptions::accept_config_change`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigFieldKind {
    /// What the campaign may do (who, when, how often it dials): refused
    /// unless accepted.
    Compliance,
    /// How fast it works: applied and reported.
    Tuning,
}

/// One configuration field that differs from the stored configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigChange {
    /// The field, as in the configuration file (`retry.max_attempts`).
    pub field: String,
    /// The stored value (`None`: the stored configuration lacks the field).
    pub stored: Option<String>,
    /// The value now configured (`None`: this build lacks the field).
    pub configured: Option<String>,
    /// Compliance or tuning.
    pub kind: ConfigFieldKind,
}

impl fmt::Display for ConfigChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
        write!(
            f,
            "{} changed from {} to {}",
            self.field,
            show(&self.stored),
            show(&self.configured)
        )
    }
}

/// The fields of `c` that are stored, with their kind.
fn fields(c: &CampaignConfig) -> Vec<(&'static str, String, ConfigFieldKind)> {
    use ConfigFieldKind::{Compliance as C, Tuning as T};
    // Every field is named here, so a new field of the configuration does
    // not compile until it is given a line below (and a kind).
    let CampaignConfig {
        mode: _,
        default_country: _,
        default_timezone: _, // checked on its own, never accepted as a change
        calling_window: _,
        retry: _,
        offer_timeout_ms: _,
        bcw_ms: _,
        ring_timeout_ms: _,
        allow_short_ring_timeout: _,
        abandon_limit_ms: _,
        acw_enabled: _,
        acw_limit_ms: _,
        predictive_ratio: _,
        abandon_target: _,
        abandon_window: _,
        abandon_guard: _,
        hopper_size: _,
        number_busy_delay_ms: _,
        caller_id: _,
        caller_id_pool: _,
        max_call_ms: _,
        max_talk_ms: _,
        max_offer_refusals: _,
        agentless_lines: _,
        dispositions: _,
        numbers: _,
    } = c;
    let crate::retry::RetryPolicy {
        busy: _,
        no_answer: _,
        machine: _,
        dial_failed: _,
        abandoned: _,
        max_attempts: _,
        max_attempts_per_24h: _,
        reserve_operator_after_abandon_ms: _,
    } = &c.retry;
    let r = &c.retry;
    vec![
        ("mode", format!("{:?}", c.mode), C),
        ("default_country", format!("{:?}", c.default_country), C),
        ("calling_window", format!("{:?}", c.calling_window), C),
        ("retry.busy", format!("{:?}", r.busy), C),
        ("retry.no_answer", format!("{:?}", r.no_answer), C),
        ("retry.machine", format!("{:?}", r.machine), C),
        ("retry.dial_failed", format!("{:?}", r.dial_failed), C),
        ("retry.abandoned", format!("{:?}", r.abandoned), C),
        ("retry.max_attempts", format!("{:?}", r.max_attempts), C),
        (
            "retry.max_attempts_per_24h",
            format!("{:?}", r.max_attempts_per_24h),
            C,
        ),
        (
            "retry.reserve_operator_after_abandon_ms",
            format!("{:?}", r.reserve_operator_after_abandon_ms),
            C,
        ),
        ("ring_timeout_ms", format!("{:?}", c.ring_timeout_ms), C),
        (
            "allow_short_ring_timeout",
            format!("{:?}", c.allow_short_ring_timeout),
            C,
        ),
        ("abandon_limit_ms", format!("{:?}", c.abandon_limit_ms), C),
        ("abandon_target", format!("{:?}", c.abandon_target), C),
        ("abandon_window", format!("{:?}", c.abandon_window), C),
        ("abandon_guard", format!("{:?}", c.abandon_guard), C),
        ("offer_timeout_ms", format!("{:?}", c.offer_timeout_ms), T),
        ("bcw_ms", format!("{:?}", c.bcw_ms), T),
        ("acw_enabled", format!("{:?}", c.acw_enabled), T),
        ("acw_limit_ms", format!("{:?}", c.acw_limit_ms), T),
        ("predictive_ratio", format!("{:?}", c.predictive_ratio), T),
        ("hopper_size", format!("{:?}", c.hopper_size), T),
        (
            "number_busy_delay_ms",
            format!("{:?}", c.number_busy_delay_ms),
            T,
        ),
        // Changing the caller ID changes what later attempt records show,
        // not whom or when the campaign dials: applied and reported.
        ("caller_id", format!("{:?}", c.caller_id), T),
        ("caller_id_pool", format!("{:?}", c.caller_id_pool), T),
        // The watchdogs end calls the PBX lost; they do not change whom or
        // when the campaign dials.
        ("max_call_ms", format!("{:?}", c.max_call_ms), T),
        ("max_talk_ms", format!("{:?}", c.max_talk_ms), T),
        (
            "max_offer_refusals",
            format!("{:?}", c.max_offer_refusals),
            T,
        ),
        ("agentless_lines", format!("{:?}", c.agentless_lines), T),
        // A wrap-up code may retry, call back or blacklist: whom it dials.
        (
            "dispositions",
            format!("{:?}", crate::config::dispositions_spec(&c.dispositions)),
            T,
        ),
        // Which number is dialed and how often: compliance (per-number caps).
        ("numbers.order", format!("{:?}", c.numbers.order), C),
        (
            "numbers.attempts_per_number",
            format!("{:?}", c.numbers.attempts_per_number),
            C,
        ),
        (
            "numbers.zone_from_number",
            format!("{:?}", c.numbers.zone_from_number),
            C,
        ),
        (
            "numbers.fallback_timezone",
            format!("{:?}", c.numbers.fallback_timezone),
            C,
        ),
        (
            "numbers.zone_mismatch",
            format!("{:?}", c.numbers.zone_mismatch),
            C,
        ),
    ]
}

/// Fields added after configurations were first stored: a stored
/// configuration without one ran with its default.
const NEWER_FIELDS: &[&str] = &[
    "numbers.order",
    "numbers.attempts_per_number",
    "numbers.zone_from_number",
    "numbers.fallback_timezone",
    "numbers.zone_mismatch",
];

/// The stored text of `c`: `field=value` lines (values hold no newline).
pub(super) fn config_text(c: &CampaignConfig) -> String {
    let mut s = String::new();
    for (name, value, _) in fields(c) {
        s.push_str(name);
        s.push('=');
        s.push_str(&value.replace('\n', " "));
        s.push('\n');
    }
    s
}

/// The fields of `configured` that differ from the `stored` text, in
/// field order (then stored fields this build lacks).
pub(super) fn config_changes(stored: &str, configured: &CampaignConfig) -> Vec<ConfigChange> {
    let mut old: Vec<(&str, &str)> = stored.lines().filter_map(|l| l.split_once('=')).collect();
    let mut changes = Vec::new();
    let defaults = fields(&CampaignConfig::default());
    for (name, value, kind) in fields(configured) {
        let was = old
            .iter()
            .position(|(n, _)| *n == name)
            .map(|i| old.remove(i).1);
        // A field newer than the stored configuration, left at its default
        // (which is what the older build did): not a change.
        let newer_at_default = was.is_none()
            && NEWER_FIELDS.contains(&name)
            && defaults.iter().any(|(n, v, _)| *n == name && *v == value);
        if was != Some(value.as_str()) && !newer_at_default {
            changes.push(ConfigChange {
                field: name.to_owned(),
                stored: was.map(str::to_owned),
                configured: Some(value),
                kind,
            });
        }
    }
    for (name, value) in old {
        changes.push(ConfigChange {
            field: name.to_owned(),
            stored: Some(value.to_owned()),
            configured: None,
            kind: ConfigFieldKind::Compliance,
        });
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Mode;

    #[test]
    fn the_same_configuration_has_no_changes() {
        let c = CampaignConfig::default();
        assert!(config_changes(&config_text(&c), &c).is_empty());
    }

    #[test]
    fn a_changed_field_is_named_with_both_values() {
        let c = CampaignConfig::default();
        let mut d = c.clone();
        d.mode = Mode::Predictive;
        d.retry.max_attempts = 9;
        d.bcw_ms = 1;
        let ch = config_changes(&config_text(&c), &d);
        let names: Vec<&str> = ch.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(names, ["mode", "retry.max_attempts", "bcw_ms"]);
        assert_eq!(ch[0].stored.as_deref(), Some("Progressive"));
        assert_eq!(ch[0].configured.as_deref(), Some("Predictive"));
        assert_eq!(ch[0].kind, ConfigFieldKind::Compliance);
        assert_eq!(ch[2].kind, ConfigFieldKind::Tuning);
    }

    #[test]
    fn a_newer_field_missing_from_the_stored_text_is_a_change_only_off_its_default() {
        let c = CampaignConfig::default();
        let old: String = config_text(&c)
            .lines()
            .filter(|l| !l.starts_with("numbers."))
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(config_changes(&old, &c).is_empty());
        let mut d = c.clone();
        d.numbers.attempts_per_number = 2;
        let ch = config_changes(&old, &d);
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].field, "numbers.attempts_per_number");
        assert_eq!(ch[0].stored, None);
    }

    #[test]
    fn a_stored_field_unknown_here_is_a_change() {
        let c = CampaignConfig::default();
        let text = format!("{}future_field=1\n", config_text(&c));
        let ch = config_changes(&text, &c);
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].field, "future_field");
        assert_eq!(ch[0].configured, None);
    }
}
