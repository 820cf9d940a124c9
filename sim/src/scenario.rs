//! Scenarios: who is called, by how many operators, how customers and
//! operators behave, and the campaign settings, read from TOML.
//!
//! Every field has a default (the built-in scenario: 100k contacts, 20
//! operators, predictive, 30% human answers, 180 s talk, 20 s ACW), so a
//! scenario file names only what it changes. Unknown fields are errors, and
//! [`Scenario::validate`] names the field and the bad value. Times are in
//! seconds (`*_s`) for the behaviour models and in milliseconds (`*_ms`)
//! where they map one to one onto [`CampaignConfig`] fields.

use std::fmt;
use std::path::Path;

use dialcore::retry::{RetryPolicy, RetryRule};
use dialcore::window::WeeklyWindow;
use dialcore::{CampaignConfig, Mode};
use serde::{Deserialize, Serialize};

use crate::world::World;

/// 2026-01-05T09:00:00Z (a Monday morning) in ms since the Unix epoch.
pub const DEFAULT_START_MS: u64 = 1_767_603_600_000;

/// The campaign mode as written in a scenario: `"preview"`, `"progressive"`
/// or `"predictive"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ModeName {
    /// [`Mode::Preview`].
    Preview,
    /// [`Mode::Progressive`].
    Progressive,
    /// [`Mode::Predictive`].
    #[default]
    Predictive,
    /// [`Mode::Agentless`] (voice broadcast; the message lasts a talk-time sample).
    Agentless,
}

impl From<ModeName> for Mode {
    fn from(m: ModeName) -> Mode {
        match m {
            ModeName::Preview => Mode::Preview,
            ModeName::Progressive => Mode::Progressive,
            ModeName::Predictive => Mode::Predictive,
            ModeName::Agentless => Mode::Agentless,
        }
    }
}

impl From<Mode> for ModeName {
    fn from(m: Mode) -> ModeName {
        match m {
            Mode::Preview => ModeName::Preview,
            Mode::Progressive => ModeName::Progressive,
            Mode::Predictive => ModeName::Predictive,
            Mode::Agentless => ModeName::Agentless,
        }
    }
}

/// How the called population behaves. Outcome probabilities are drawn per
/// attempt; whatever the five probabilities leave (1 − their sum) is "no
/// answer": the phone rings until the engine's ring timeout hangs up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CustomerModel {
    /// A human answers.
    pub p_human: f64,
    /// An answering machine answers (the PBX detects and reports it).
    pub p_machine: f64,
    /// The line is busy / the client rejects the call.
    pub p_busy: f64,
    /// The number is unreachable (switched off, out of coverage).
    pub p_unreachable: f64,
    /// The PBX cannot place the call at all.
    pub p_dial_failed: f64,
    /// Mean ring time before a human or a machine answers, s (lognormal).
    pub ring_mean_s: f64,
    /// Standard deviation of the ring time, s.
    pub ring_sd_s: f64,
    /// Time for the PBX to detect an answering machine after it answers, s.
    pub machine_detect_s: f64,
    /// Time until a busy or unreachable signal comes back, s.
    pub signal_s: f64,
    /// Mean talk time, s (lognormal).
    pub talk_mean_s: f64,
    /// Standard deviation of the talk time, s.
    pub talk_sd_s: f64,
    /// Predictive: mean time an answered client waits for an operator
    /// before hanging up, s (lognormal).
    pub patience_mean_s: f64,
    /// Standard deviation of the patience, s.
    pub patience_sd_s: f64,
    /// When set, busy/unreachable signals come back after a time drawn
    /// uniformly between `signal_s` and this, s.
    pub signal_max_s: Option<f64>,
    /// When set, an answering machine is reported this long after the dial
    /// (lognormal, s) instead of after a ring time plus `machine_detect_s`.
    pub machine_mean_s: Option<f64>,
    /// Standard deviation of that time, s.
    pub machine_sd_s: f64,
    /// Several numbers a customer: one extra number per entry, each with
    /// its human-answer probability (`p_human` is number #0's; the other
    /// outcomes scale to the rest). Empty (the default): one number each.
    pub extra_numbers_p_human: Vec<f64>,
}

impl Default for CustomerModel {
    fn default() -> Self {
        CustomerModel {
            p_human: 0.3,
            p_machine: 0.1,
            p_busy: 0.1,
            p_unreachable: 0.1,
            p_dial_failed: 0.01,
            ring_mean_s: 8.0,
            ring_sd_s: 4.0,
            machine_detect_s: 3.0,
            signal_s: 3.0,
            talk_mean_s: 180.0,
            talk_sd_s: 120.0,
            patience_mean_s: 8.0,
            patience_sd_s: 4.0,
            signal_max_s: None,
            machine_mean_s: None,
            machine_sd_s: 0.0,
            extra_numbers_p_human: Vec::new(),
        }
    }
}

/// How operators behave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OperatorModel {
    /// Mean after-call work, s (lognormal).
    pub acw_mean_s: f64,
    /// Standard deviation of the ACW, s.
    pub acw_sd_s: f64,
    /// Preview/progressive: mean time to accept or decline an offer, s (lognormal).
    pub accept_delay_mean_s: f64,
    /// Standard deviation of the accept delay, s.
    pub accept_delay_sd_s: f64,
    /// Preview/progressive: probability that an operator declines an offer.
    pub p_decline: f64,
    /// Progressive: how long an operator stays paused after a decline or a
    /// missed offer before pressing Ready again, s.
    pub ready_after_pause_s: f64,
    /// Minutes of work between breaks (0 = no breaks).
    pub break_every_min: f64,
    /// Length of a break, minutes.
    pub break_min: f64,
    /// When both are set, ACW is drawn uniformly between these, s (instead
    /// of the lognormal).
    pub acw_min_s: Option<f64>,
    /// Upper end of the uniform ACW, s.
    pub acw_max_s: Option<f64>,
}

impl Default for OperatorModel {
    fn default() -> Self {
        OperatorModel {
            acw_mean_s: 20.0,
            acw_sd_s: 10.0,
            accept_delay_mean_s: 3.0,
            accept_delay_sd_s: 2.0,
            p_decline: 0.02,
            ready_after_pause_s: 10.0,
            break_every_min: 0.0,
            break_min: 10.0,
            acw_min_s: None,
            acw_max_s: None,
        }
    }
}

/// A retry delay in seconds, or `"never"` (the outcome is not retried).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RetryDelay {
    /// Retry after this many seconds.
    Seconds(f64),
    /// Do not retry.
    Never,
}

impl Serialize for RetryDelay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RetryDelay::Seconds(v) => s.serialize_f64(*v),
            RetryDelay::Never => s.serialize_str("never"),
        }
    }
}

impl<'de> Deserialize<'de> for RetryDelay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = RetryDelay;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a delay in seconds or \"never\"")
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RetryDelay, E> {
                Ok(RetryDelay::Seconds(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RetryDelay, E> {
                Ok(RetryDelay::Seconds(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RetryDelay, E> {
                Ok(RetryDelay::Seconds(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RetryDelay, E> {
                if v.trim().eq_ignore_ascii_case("never") {
                    Ok(RetryDelay::Never)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(v), &self))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// The campaign settings a scenario may change, mapped onto [`CampaignConfig`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignSettings {
    /// Predictive: calls per ready operator.
    pub predictive_ratio: f64,
    /// Predictive: the abandon rate not to exceed (0.03 = 3%).
    pub abandon_target: f64,
    /// Predictive: how long an answered call may wait for an operator, ms.
    pub abandon_limit_ms: u64,
    /// Before-call work countdown, ms (0 dials at once on accept).
    pub bcw_ms: u64,
    /// How long an operator has to accept an offer, ms.
    pub offer_timeout_ms: u64,
    /// Ring time before the engine declares no answer, ms.
    pub ring_timeout_ms: u64,
    /// After-call work after each connected call.
    pub acw_enabled: bool,
    /// Longest ACW before the engine closes it, ms (0 = no limit).
    pub acw_limit_ms: u64,
    /// Attempts per contact.
    pub max_attempts: u8,
    /// Attempts per number in any rolling 24 hours (0 = no cap).
    pub max_attempts_per_24h: u8,
    /// After an abandoned call, redial only with an operator reserved for
    /// this long, ms (0 = off).
    pub reserve_operator_after_abandon_ms: u64,
    /// Allow `ring_timeout_ms` below 15000 (not US-compliant).
    pub allow_short_ring_timeout: bool,
    /// Preview/progressive: contacts kept ready while no operator is free
    /// (0 = one per logged-in operator).
    pub hopper_size: u32,
    /// Delay before trying a contact whose number is in another call, ms.
    pub number_busy_delay_ms: u64,
    /// Caller ID shown, +E.164, or empty (the PBX picks one); in the records.
    pub caller_id: String,
    /// Watchdog: longest call from dial to end, ms (0 = none).
    pub max_call_ms: u64,
    /// Watchdog: longest connected call without CallEnded, ms (0 = none).
    pub max_talk_ms: u64,
    /// Offers missed or declined in a row before the engine pauses an
    /// operator (0 = a miss pauses at once).
    pub max_offer_refusals: u32,
    /// Agentless mode: calls in flight at most.
    pub agentless_lines: u32,
    /// Retry delay after busy, s (or `"never"`).
    pub retry_busy_s: RetryDelay,
    /// Retry delay after no answer / unreachable, s (or `"never"`).
    pub retry_no_answer_s: RetryDelay,
    /// Retry delay after an answering machine, s (or `"never"`).
    pub retry_machine_s: RetryDelay,
    /// Retry delay after a dial failure, s (or `"never"`).
    pub retry_dial_failed_s: RetryDelay,
    /// Retry delay after an abandoned call, s (or `"never"`, the default).
    pub retry_abandoned_s: RetryDelay,
    /// IANA time zone of the contacts.
    pub timezone: String,
    /// Predictive: the pacer (`"dialcore"`, the default, or
    /// `"fixed_ratio"` at `predictive_ratio`).
    pub pacer: PacerName,
    /// Predictive: the engine's abandon guard (`"worst_case"`, the default,
    /// or `"expected"`; see `dialcore::pacing`).
    pub abandon_guard: GuardName,
    /// Predictive: the window the abandon guard measures (`"thirty_days"`,
    /// the default, or `"day"`).
    pub abandon_window: WindowName,
}

/// The window of the abandon guard (`CampaignConfig::abandon_window`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum WindowName {
    /// The last 30 days.
    #[default]
    ThirtyDays,
    /// The last 24 hours.
    Day,
}

impl WindowName {
    /// The engine's setting.
    pub fn window(self) -> dialcore::config::AbandonWindow {
        match self {
            WindowName::ThirtyDays => dialcore::config::AbandonWindow::ThirtyDays,
            WindowName::Day => dialcore::config::AbandonWindow::Day,
        }
    }
}

/// The abandon guard a scenario runs with (`CampaignConfig::abandon_guard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GuardName {
    /// [`dialcore::config::AbandonGuard::WorstCase`].
    #[default]
    WorstCase,
    /// [`dialcore::config::AbandonGuard::Expected`].
    Expected,
}

impl GuardName {
    /// The engine's setting.
    pub fn guard(self) -> dialcore::config::AbandonGuard {
        match self {
            GuardName::WorstCase => dialcore::config::AbandonGuard::WorstCase,
            GuardName::Expected => dialcore::config::AbandonGuard::Expected,
        }
    }
}

/// The predictive pacer a scenario runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PacerName {
    /// [`dialcore::DialcorePacer`].
    #[default]
    Dialcore,
    /// [`dialcore::FixedRatioPacer`] at `predictive_ratio`.
    FixedRatio,
}

/// A staffing change during the run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffStep {
    /// When, hours after the start.
    pub at_hour: f64,
    /// Operators logged in from then on.
    pub operators: usize,
}

/// Changes during the day, for stress tests (all off by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Drift {
    /// The human-answer probability drifts linearly from `customers.p_human`
    /// to this at `until_hours` (the other outcomes keep their shares of the
    /// rest).
    pub p_human_end: Option<f64>,
    /// Staffing steps (operators log in or out; those in a call finish it).
    pub staffing: Vec<StaffStep>,
    /// From `talk_shift_at_hour` on, talk time has this mean, s (the
    /// coefficient of variation is kept).
    pub talk_mean_after_s: Option<f64>,
    /// When the talk time shifts, hours after the start.
    pub talk_shift_at_hour: f64,
}

impl Drift {
    /// The most operators logged in at any time under these steps.
    pub fn max_operators(&self, initial: usize) -> usize {
        self.staffing
            .iter()
            .map(|s| s.operators)
            .fold(initial, usize::max)
    }
}

impl Default for CampaignSettings {
    fn default() -> Self {
        let c = CampaignConfig::default();
        let r = RetryPolicy::default();
        let delay = |rule: RetryRule| {
            if rule.retry {
                RetryDelay::Seconds(rule.delay_ms as f64 / 1000.0)
            } else {
                RetryDelay::Never
            }
        };
        CampaignSettings {
            predictive_ratio: c.predictive_ratio,
            abandon_target: c.abandon_target,
            abandon_limit_ms: c.abandon_limit_ms,
            bcw_ms: c.bcw_ms,
            offer_timeout_ms: c.offer_timeout_ms,
            ring_timeout_ms: c.ring_timeout_ms,
            acw_enabled: c.acw_enabled,
            acw_limit_ms: c.acw_limit_ms,
            max_attempts: r.max_attempts,
            max_attempts_per_24h: r.max_attempts_per_24h,
            reserve_operator_after_abandon_ms: r.reserve_operator_after_abandon_ms,
            allow_short_ring_timeout: c.allow_short_ring_timeout,
            hopper_size: c.hopper_size,
            number_busy_delay_ms: c.number_busy_delay_ms,
            caller_id: c.caller_id,
            max_call_ms: c.max_call_ms,
            max_talk_ms: c.max_talk_ms,
            max_offer_refusals: c.max_offer_refusals,
            agentless_lines: c.agentless_lines,
            retry_busy_s: delay(r.busy),
            retry_no_answer_s: delay(r.no_answer),
            retry_machine_s: delay(r.machine),
            retry_dial_failed_s: delay(r.dial_failed),
            retry_abandoned_s: delay(r.abandoned),
            timezone: c.default_timezone,
            pacer: PacerName::default(),
            abandon_guard: GuardName::default(),
            abandon_window: WindowName::default(),
        }
    }
}

/// One simulation scenario. See the module docs; every field has a default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// A name for reports.
    pub name: String,
    /// The PRNG seed: the same seed gives the same report, byte for byte.
    pub seed: u64,
    /// Number of contacts.
    pub contacts: usize,
    /// Number of operators (all log in at the start).
    pub operators: usize,
    /// Preview, progressive or predictive.
    pub mode: ModeName,
    /// Stop after this much simulated time, hours (none: run to completion).
    pub until_hours: Option<f64>,
    /// Simulated start time, ms since the Unix epoch.
    pub start_ms: u64,
    /// The weekly calling window (`"always"`, `"Mon-Fri 09:00-20:00"`).
    pub calling_window: String,
    /// The customer population.
    pub customers: CustomerModel,
    /// The operators.
    pub operator_model: OperatorModel,
    /// Campaign settings.
    pub campaign: CampaignSettings,
    /// Changes during the day (stress scenarios).
    pub drift: Drift,
    /// The text of a calling-rule file (`dialcore::rules`), loaded into the
    /// campaign before it starts (`dialcore simulate --rules FILE`).
    pub rules: Option<String>,
    /// The less kind world: AMD, latency, lines, bad periods, announced
    /// leaving (all off by default; [`crate::world`]).
    pub world: World,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "default".to_owned(),
            seed: 1,
            contacts: 100_000,
            operators: 20,
            mode: ModeName::Predictive,
            until_hours: None,
            start_ms: DEFAULT_START_MS,
            calling_window: "always".to_owned(),
            customers: CustomerModel::default(),
            operator_model: OperatorModel::default(),
            campaign: CampaignSettings::default(),
            drift: Drift::default(),
            rules: None,
            world: World::default(),
        }
    }
}

/// A scenario that cannot be read or used.
#[derive(Debug)]
pub enum ScenarioError {
    /// The file could not be read.
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The text is not a valid scenario (TOML syntax, unknown field, wrong type).
    Parse {
        /// The file, if read from one.
        path: Option<String>,
        /// The parser's message (names the line, the key and the value).
        message: String,
    },
    /// A value is out of range.
    Invalid {
        /// The field, dotted (`customers.p_human`).
        field: String,
        /// What is wrong, with the value.
        message: String,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Io { path, source } => {
                write!(f, "cannot read scenario {path}: {source}")
            }
            ScenarioError::Parse {
                path: Some(path),
                message,
            } => write!(f, "invalid scenario {path}: {message}"),
            ScenarioError::Parse {
                path: None,
                message,
            } => write!(f, "invalid scenario: {message}"),
            ScenarioError::Invalid { field, message } => {
                write!(f, "invalid scenario field {field}: {message}")
            }
        }
    }
}

impl std::error::Error for ScenarioError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ScenarioError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn invalid(field: &str, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Seconds (a validated, finite, non-negative value) to whole milliseconds.
pub(crate) fn secs_to_ms(s: f64) -> u64 {
    (s * 1000.0).round().max(0.0) as u64
}

impl Scenario {
    /// Parses a scenario from TOML text and validates it.
    pub fn from_toml_str(text: &str) -> Result<Scenario, ScenarioError> {
        let scenario = Scenario::parse_toml_str(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Parses a scenario from TOML text without validating its values, for
    /// callers that apply overrides first (the CLI) and validate after.
    pub fn parse_toml_str(text: &str) -> Result<Scenario, ScenarioError> {
        toml::from_str(text).map_err(|e| ScenarioError::Parse {
            path: None,
            message: e.to_string().trim_end().to_owned(),
        })
    }

    /// Reads, parses and validates a scenario file.
    pub fn from_path(path: &Path) -> Result<Scenario, ScenarioError> {
        let scenario = Scenario::parse_path(path)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads and parses a scenario file without validating its values.
    pub fn parse_path(path: &Path) -> Result<Scenario, ScenarioError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: shown.clone(),
            source,
        })?;
        Scenario::parse_toml_str(&text).map_err(|e| match e {
            ScenarioError::Parse {
                path: None,
                message,
            } => ScenarioError::Parse {
                path: Some(shown),
                message,
            },
            other => other,
        })
    }

    /// The scenario as TOML text (round-trips through [`Scenario::from_toml_str`]).
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("a scenario always serializes")
    }

    /// The campaign mode.
    pub fn mode(&self) -> Mode {
        self.mode.into()
    }

    /// Sets the campaign mode.
    pub fn set_mode(&mut self, mode: Mode) {
        self.mode = mode.into();
    }

    /// Checks every value; the first bad one is returned, naming the field
    /// and the value.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.contacts == 0 {
            return Err(invalid("contacts", "0 contacts: must be at least 1"));
        }
        if self.contacts > u32::MAX as usize / 2 {
            return Err(invalid(
                "contacts",
                format!("{} contacts is more than the engine holds", self.contacts),
            ));
        }
        if self.operators == 0 {
            return Err(invalid("operators", "0 operators: must be at least 1"));
        }
        if self.operators > 100_000 {
            return Err(invalid(
                "operators",
                format!("{} operators is more than 100000", self.operators),
            ));
        }
        if let Some(h) = self.until_hours {
            if !(h.is_finite() && h > 0.0) {
                return Err(invalid(
                    "until_hours",
                    format!("{h} is not a positive number of hours"),
                ));
            }
        }
        if let Err(e) = self.calling_window.parse::<WeeklyWindow>() {
            return Err(invalid(
                "calling_window",
                format!("{:?}: {e}", self.calling_window),
            ));
        }
        let c = &self.customers;
        let probabilities = [
            ("customers.p_human", c.p_human),
            ("customers.p_machine", c.p_machine),
            ("customers.p_busy", c.p_busy),
            ("customers.p_unreachable", c.p_unreachable),
            ("customers.p_dial_failed", c.p_dial_failed),
            ("operator_model.p_decline", self.operator_model.p_decline),
        ];
        if c.extra_numbers_p_human.len() > 15 {
            return Err(invalid(
                "customers.extra_numbers_p_human",
                "at most 15 extra numbers a customer".to_owned(),
            ));
        }
        for &p in &c.extra_numbers_p_human {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(invalid(
                    "customers.extra_numbers_p_human",
                    format!("{p} is not a probability between 0 and 1"),
                ));
            }
        }
        for (field, p) in probabilities {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(invalid(
                    field,
                    format!("{p} is not a probability between 0 and 1"),
                ));
            }
        }
        let sum = c.p_human + c.p_machine + c.p_busy + c.p_unreachable + c.p_dial_failed;
        if sum > 1.0 + 1e-9 {
            return Err(invalid(
                "customers",
                format!(
                    "p_human + p_machine + p_busy + p_unreachable + p_dial_failed = {} is above 1 (the rest is \"no answer\")",
                    (sum * 1e9).round() / 1e9
                ),
            ));
        }
        let o = &self.operator_model;
        let means = [
            ("customers.ring_mean_s", c.ring_mean_s),
            ("customers.talk_mean_s", c.talk_mean_s),
            ("customers.patience_mean_s", c.patience_mean_s),
            ("operator_model.acw_mean_s", o.acw_mean_s),
            ("operator_model.accept_delay_mean_s", o.accept_delay_mean_s),
        ];
        for (field, v) in means {
            if !(v.is_finite() && v > 0.0 && v < 1e9) {
                return Err(invalid(
                    field,
                    format!("{v} is not a positive number of seconds"),
                ));
            }
        }
        let non_negative = [
            ("customers.ring_sd_s", c.ring_sd_s),
            ("customers.machine_detect_s", c.machine_detect_s),
            ("customers.signal_s", c.signal_s),
            ("customers.talk_sd_s", c.talk_sd_s),
            ("customers.patience_sd_s", c.patience_sd_s),
            ("operator_model.acw_sd_s", o.acw_sd_s),
            ("operator_model.accept_delay_sd_s", o.accept_delay_sd_s),
            ("operator_model.ready_after_pause_s", o.ready_after_pause_s),
            ("operator_model.break_every_min", o.break_every_min),
        ];
        for (field, v) in non_negative {
            if !(v.is_finite() && (0.0..1e9).contains(&v)) {
                return Err(invalid(
                    field,
                    format!("{v} is not a number of seconds (minutes) >= 0"),
                ));
            }
        }
        if o.break_every_min > 0.0 && !(o.break_min.is_finite() && o.break_min > 0.0) {
            return Err(invalid(
                "operator_model.break_min",
                format!("{} is not a positive number of minutes", o.break_min),
            ));
        }
        let retries = [
            ("campaign.retry_busy_s", self.campaign.retry_busy_s),
            (
                "campaign.retry_no_answer_s",
                self.campaign.retry_no_answer_s,
            ),
            ("campaign.retry_machine_s", self.campaign.retry_machine_s),
            (
                "campaign.retry_dial_failed_s",
                self.campaign.retry_dial_failed_s,
            ),
            (
                "campaign.retry_abandoned_s",
                self.campaign.retry_abandoned_s,
            ),
        ];
        for (field, delay) in retries {
            if let RetryDelay::Seconds(v) = delay {
                if !(v.is_finite() && (0.0..1e9).contains(&v)) {
                    return Err(invalid(
                        field,
                        format!("{v} is not a number of seconds >= 0 (or \"never\")"),
                    ));
                }
            }
        }
        self.validate_models()?;
        self.world.validate()?;
        self.campaign_config().map_err(|e| ScenarioError::Invalid {
            field: format!("campaign.{}", campaign_field(e.field)),
            message: e.message,
        })?;
        Ok(())
    }

    /// Checks the optional distributions and the drifts.
    fn validate_models(&self) -> Result<(), ScenarioError> {
        let c = &self.customers;
        let o = &self.operator_model;
        let seconds = |field: &str, v: Option<f64>| match v {
            Some(v) if !(v.is_finite() && (0.0..1e9).contains(&v)) => Err(invalid(
                field,
                format!("{v} is not a number of seconds >= 0"),
            )),
            _ => Ok(()),
        };
        seconds("customers.signal_max_s", c.signal_max_s)?;
        seconds("customers.machine_mean_s", c.machine_mean_s)?;
        seconds("customers.machine_sd_s", Some(c.machine_sd_s))?;
        seconds("operator_model.acw_min_s", o.acw_min_s)?;
        seconds("operator_model.acw_max_s", o.acw_max_s)?;
        if let Some(max) = c.signal_max_s {
            if max < c.signal_s {
                return Err(invalid(
                    "customers.signal_max_s",
                    format!("{max} is below signal_s ({})", c.signal_s),
                ));
            }
        }
        match (o.acw_min_s, o.acw_max_s) {
            (Some(lo), Some(hi)) if hi < lo => {
                return Err(invalid(
                    "operator_model.acw_max_s",
                    format!("{hi} is below acw_min_s ({lo})"),
                ))
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(invalid(
                    "operator_model.acw_min_s",
                    "acw_min_s and acw_max_s go together",
                ))
            }
            _ => {}
        }
        let d = &self.drift;
        if let Some(p) = d.p_human_end {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(invalid(
                    "drift.p_human_end",
                    format!("{p} is not a probability between 0 and 1"),
                ));
            }
            if self.until_hours.is_none() {
                return Err(invalid(
                    "drift.p_human_end",
                    "a drift needs until_hours (it ends there)",
                ));
            }
        }
        for step in &d.staffing {
            if !(step.at_hour.is_finite() && step.at_hour >= 0.0) {
                return Err(invalid(
                    "drift.staffing.at_hour",
                    format!("{} is not a number of hours >= 0", step.at_hour),
                ));
            }
            if step.operators > 100_000 {
                return Err(invalid(
                    "drift.staffing.operators",
                    format!("{} operators is more than 100000", step.operators),
                ));
            }
        }
        if let Some(m) = d.talk_mean_after_s {
            if !(m.is_finite() && m > 0.0 && m < 1e9) {
                return Err(invalid(
                    "drift.talk_mean_after_s",
                    format!("{m} is not a positive number of seconds"),
                ));
            }
        }
        if !(d.talk_shift_at_hour.is_finite() && d.talk_shift_at_hour >= 0.0) {
            return Err(invalid(
                "drift.talk_shift_at_hour",
                format!("{} is not a number of hours >= 0", d.talk_shift_at_hour),
            ));
        }
        Ok(())
    }

    /// The engine configuration this scenario implies, checked by the engine.
    ///
    /// Every `[campaign]` key that names a setting of the engine's table
    /// ([`dialcore::config::CONFIG_FIELDS`], see [`scenario_key`]) is applied
    /// through the table's setter, so the scenario cannot map one wrongly;
    /// `mode` and `calling_window` come from the top level.
    pub fn campaign_config(&self) -> Result<CampaignConfig, dialcore::ConfigError> {
        let calling_window =
            self.calling_window
                .parse::<WeeklyWindow>()
                .map_err(|e| dialcore::ConfigError {
                    field: "calling_window",
                    message: e.to_string(),
                })?;
        let mut config = CampaignConfig {
            calling_window,
            ..CampaignConfig::new(self.mode())
        };
        let settings = serde_json::to_value(&self.campaign).expect("the settings serialize");
        for field in dialcore::config::CONFIG_FIELDS {
            let Ok(key) = scenario_key(field.name) else {
                continue;
            };
            let Some(leaf) = key.strip_prefix("campaign.") else {
                continue;
            };
            let value = setting_value(leaf, &settings[leaf]);
            (field.set)(&mut config, value).map_err(|message| dialcore::ConfigError {
                field: field.name,
                message,
            })?;
        }
        config.validate()?;
        Ok(config)
    }
}

/// A `[campaign]` value as the engine table's value: retry delays in
/// seconds (or `"never"`) become milliseconds (or none).
fn setting_value(leaf: &str, v: &serde_json::Value) -> dialcore::config::FieldValue {
    use dialcore::config::FieldValue;
    use serde_json::Value;
    match v {
        Value::String(s) if leaf.starts_with("retry_") && s == "never" => FieldValue::None,
        Value::Number(n) if leaf.starts_with("retry_") => {
            FieldValue::UInt(secs_to_ms(n.as_f64().unwrap_or(f64::NAN)))
        }
        Value::Bool(b) => FieldValue::Bool(*b),
        Value::Number(n) => match n.as_u64() {
            Some(u) => FieldValue::UInt(u),
            None => FieldValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => FieldValue::Text(s.clone()),
        _ => FieldValue::None,
    }
}

/// Where a setting of the engine's table
/// ([`dialcore::config::CONFIG_FIELDS`]) lives in a scenario file, as a
/// dotted key: `mode` and `calling_window` at the top, the others in
/// `[campaign]`, with `default_timezone` as `timezone` and the retry delays
/// in seconds (`retry_busy_ms` as `retry_busy_s`). None for the settings a
/// simulation has no use for, with the reason.
pub fn scenario_key(field: &str) -> Result<String, &'static str> {
    Ok(match field {
        "mode" | "calling_window" => field.to_owned(),
        "default_timezone" => "campaign.timezone".to_owned(),
        "default_country" => {
            return Err("the simulator dials generated +E.164 numbers: no national numbers to read")
        }
        "caller_id_pool" => {
            return Err("the simulated PBX shows no caller ID: a pool changes no simulated outcome")
        }
        "dispositions" => {
            return Err("simulated operators wrap up with Done; wrap-up codes have no model here")
        }
        "number_order"
        | "attempts_per_number"
        | "zone_from_number"
        | "fallback_timezone"
        | "zone_mismatch" => return Err("the simulator's customers have one number each"),
        f => match f.strip_prefix("retry_").and_then(|r| r.strip_suffix("_ms")) {
            Some(kind) => format!("campaign.retry_{kind}_s"),
            None => format!("campaign.{f}"),
        },
    })
}

/// The scenario's name for a [`CampaignConfig`] field.
fn campaign_field(field: &str) -> &str {
    match field {
        "retry.max_attempts" => "max_attempts",
        "default_timezone" => "timezone",
        other => other,
    }
}
