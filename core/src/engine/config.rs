//! Campaign configuration and its validation.
//!
//! Every field has a default a contact center can start with; `validate`
//! rejects values that are unsafe or meaningless with a [`ConfigError`] that
//! names the field. The US rules are the defaults where a rule exists: a ring
//! of at least 15 s before "no answer", at most 3% abandoned calls over 30
//! days, 2 s to connect an answered call before it counts as abandoned.
//!
//! [`CONFIG_FIELDS`] (in `fields`) lists the settings a host may change by
//! name; the Python, C and simulator bindings are derived from or checked
//! against it.

mod fields;
mod numbers;

pub use fields::{config_field, ConfigField, FieldKind, FieldValue, CONFIG_FIELDS};
pub use numbers::{NumberOrder, NumberPolicy, ZoneMismatch};

use std::fmt;

use crate::phone::PhoneRules;
use crate::retry::RetryPolicy;
use crate::window::WeeklyWindow;
use crate::zones::ZoneTable;

/// How contacts reach operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Mode {
    /// The operator sees the contact first and decides to dial it or not.
    Preview = 0,
    /// One call per free operator, dialed after the operator accepts.
    #[default]
    Progressive = 1,
    /// More calls than free operators; answered calls go to the longest-idle operator.
    Predictive = 2,
    /// Voice broadcast: no operators; up to `agentless_lines` calls at once,
    /// an answered call gets `Play` (the host plays a message) and ends.
    Agentless = 3,
}

impl Mode {
    /// The mode's name in lower case (`"predictive"`).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Preview => "preview",
            Mode::Progressive => "progressive",
            Mode::Predictive => "predictive",
            Mode::Agentless => "agentless",
        }
    }

    /// Parses a mode name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Mode> {
        [
            Mode::Preview,
            Mode::Progressive,
            Mode::Predictive,
            Mode::Agentless,
        ]
        .into_iter()
        .find(|m| m.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Over which window the abandon-rate guard measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AbandonWindow {
    /// The last 24 hours.
    Day,
    /// The last 30 days (the US rule).
    #[default]
    ThirtyDays,
}

/// How the engine's abandon guard bounds a predictive pacer (see
/// [`crate::pacing`], "The guard stays outside").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum AbandonGuard {
    /// Never more calls without an operator in flight than the operators
    /// ready now plus the abandons the budget still allows if every one of
    /// them were answered and dropped: the guarded rate cannot pass the
    /// target whatever the pacer predicts (the default).
    #[default]
    WorstCase = 0,
    /// The pacer's expected risk decides; the guard only holds the campaign
    /// at one call in flight per ready operator while the guarded rate is
    /// already above the target (the behaviour before the worst-case guard).
    Expected = 1,
}

impl AbandonGuard {
    /// The guard's name (`"worst_case"`, `"expected"`).
    pub fn name(self) -> &'static str {
        match self {
            AbandonGuard::WorstCase => "worst_case",
            AbandonGuard::Expected => "expected",
        }
    }

    /// Parses a guard name, case-insensitively; `-` and `_` are the same.
    pub fn from_name(name: &str) -> Option<AbandonGuard> {
        let name = name.trim().replace('-', "_");
        [AbandonGuard::WorstCase, AbandonGuard::Expected]
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(&name))
    }
}

impl fmt::Display for AbandonGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The minimum ring time before a call may be declared unanswered (US rule).
pub const MIN_RING_TIMEOUT_MS: u64 = 15_000;

/// Configuration of one campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignConfig {
    /// Preview, progressive, predictive or agentless.
    pub mode: Mode,
    /// Country calling code for national numbers (`Some(1)`, `Some(49)`), or none.
    pub default_country: Option<u16>,
    /// IANA time zone of contacts imported without one.
    pub default_timezone: String,
    /// When contacts may be called, in their local time.
    pub calling_window: WeeklyWindow,
    /// Retries per outcome and attempt caps.
    pub retry: RetryPolicy,
    /// How long an operator has to accept an offer.
    pub offer_timeout_ms: u64,
    /// Before-call work: countdown from accept to dial (0 dials at once).
    pub bcw_ms: u64,
    /// How long a call may ring before it is declared unanswered.
    pub ring_timeout_ms: u64,
    /// Allow `ring_timeout_ms` below 15 s (not US-compliant).
    pub allow_short_ring_timeout: bool,
    /// Predictive: how long an answered call may wait for an operator before
    /// the engine abandons it (plays the message and hangs up).
    pub abandon_limit_ms: u64,
    /// After-call work after each connected call.
    pub acw_enabled: bool,
    /// Longest ACW before the contact is closed as Success (0 = no limit).
    pub acw_limit_ms: u64,
    /// Predictive: calls per ready operator (the simple pacer).
    pub predictive_ratio: f64,
    /// Predictive: the abandon rate not to exceed (0.03 = 3%).
    pub abandon_target: f64,
    /// Predictive: the window the abandon guard measures.
    pub abandon_window: AbandonWindow,
    /// Predictive: how the abandon guard bounds the pacer (default: the
    /// worst case, which cannot overspend the budget).
    pub abandon_guard: AbandonGuard,
    /// Preview/progressive: contacts kept ready in the hopper while no
    /// operator is free (0 = one per logged-in operator).
    pub hopper_size: u32,
    /// How long to wait before trying a contact whose number is in another
    /// call right now.
    pub number_busy_delay_ms: u64,
    /// The caller ID the host shows on this campaign's calls, `+E.164`
    /// (`"+12025550100"`), or empty: the PBX picks one. Each `Dial` carries
    /// the caller ID it presents: this one, or a `caller_id_pool` number
    /// (see there); journaled with the dial, it fills the attempt records'
    /// `caller_id` column.
    pub caller_id: String,
    /// A pool of caller IDs (`+E.164` each) for local presence and
    /// rotation: a dial presents a pool number with the dialed number's
    /// area code, least used in the last hour, else `caller_id`, else
    /// (no default) the pool's least-used number. Empty: `caller_id` always.
    pub caller_id_pool: Vec<String>,
    /// Watchdog: the longest a call may last from its dial to its end
    /// (0 = no limit). Past it the engine sends `Hangup`, ends the call
    /// as if `CallEnded` came and frees the operator.
    pub max_call_ms: u64,
    /// Watchdog: the longest an operator may hold an answered call
    /// without `CallEnded`, from the connect (0 = no limit); as
    /// `max_call_ms` when it passes.
    pub max_talk_ms: u64,
    /// An operator who misses or declines this many offers in a row is
    /// paused by the engine, with the reason (0 = as before: a missed
    /// offer or a progressive decline pauses at once, preview declines
    /// never pause).
    pub max_offer_refusals: u32,
    /// Agentless mode: calls in flight at most (the lines).
    pub agentless_lines: u32,
    /// The campaign's wrap-up codes: what `Disposition::Code(code)` means.
    pub dispositions: Vec<(u16, WrapUp)>,
    /// Contacts with several numbers: which is dialed, and the per-number cap.
    pub numbers: NumberPolicy,
}

/// What one of the campaign's wrap-up codes does (the `dispositions`
/// table, written `"1=success, 2=failure, 3=retry:600000,
/// 4=callback:86400000, 5=personal_callback:86400000:3600000,
/// 6=blacklist, 7=blacklist_number"`; times in ms, a callback's relative to the wrap-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WrapUp {
    /// The contact is done: Success.
    Success,
    /// The contact is done without success: RejectedByOperator.
    Failure,
    /// Try again after the delay, ms.
    Retry(u64),
    /// A campaign-wide callback after the delay, ms.
    Callback(u64),
    /// A personal callback after `delay` ms, only this operator's for
    /// `expiry` ms more.
    PersonalCallback {
        /// From the wrap-up to the callback, ms.
        delay: u64,
        /// From the callback's due time until any operator may take it, ms.
        expiry: u64,
    },
    /// Blacklist every number of the contact.
    Blacklist,
    /// Blacklist only the number dialed; the contact goes on with its others.
    BlacklistNumber,
}

impl WrapUp {
    /// The table's text for this action (`"retry:600000"`).
    pub fn spec(self) -> String {
        match self {
            WrapUp::Success => "success".into(),
            WrapUp::Failure => "failure".into(),
            WrapUp::Retry(d) => format!("retry:{d}"),
            WrapUp::Callback(d) => format!("callback:{d}"),
            WrapUp::PersonalCallback { delay, expiry } => {
                format!("personal_callback:{delay}:{expiry}")
            }
            WrapUp::Blacklist => "blacklist".into(),
            WrapUp::BlacklistNumber => "blacklist_number".into(),
        }
    }

    /// Parses one action (`"retry:600000"`).
    pub fn parse(text: &str) -> Result<WrapUp, String> {
        let mut parts = text.trim().split(':').map(str::trim);
        let name = parts.next().unwrap_or("");
        let mut ms = |what: &str| -> Result<u64, String> {
            let p = parts
                .next()
                .ok_or_else(|| format!("{text:?}: {name} needs {what} in ms"))?;
            p.parse()
                .map_err(|_| format!("{text:?}: {p:?} is not a number of ms"))
        };
        let action = match name.to_ascii_lowercase().as_str() {
            "success" => WrapUp::Success,
            "failure" => WrapUp::Failure,
            "retry" => WrapUp::Retry(ms("a delay")?),
            "callback" => WrapUp::Callback(ms("a delay")?),
            "personal_callback" => WrapUp::PersonalCallback {
                delay: ms("a delay")?,
                expiry: ms("an expiry")?,
            },
            "blacklist" => WrapUp::Blacklist,
            "blacklist_number" => WrapUp::BlacklistNumber,
            _ => {
                return Err(format!(
                    "{text:?} is not success, failure, retry:MS, callback:MS, personal_callback:MS:MS, blacklist or blacklist_number"
                ))
            }
        };
        if parts.next().is_some() {
            return Err(format!("{text:?}: too many ':' parts"));
        }
        Ok(action)
    }
}

/// The `dispositions` table as text (`"1=success, 2=retry:600000"`).
pub fn dispositions_spec(table: &[(u16, WrapUp)]) -> String {
    table
        .iter()
        .map(|(code, w)| format!("{code}={}", w.spec()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses the `dispositions` table; a code given twice is refused.
pub fn parse_dispositions(text: &str) -> Result<Vec<(u16, WrapUp)>, String> {
    let mut table: Vec<(u16, WrapUp)> = Vec::new();
    for item in text
        .split([',', ';'])
        .map(str::trim)
        .filter(|i| !i.is_empty())
    {
        let (code, action) = item
            .split_once('=')
            .ok_or_else(|| format!("{item:?} is not CODE=ACTION"))?;
        let code: u16 = code
            .trim()
            .parse()
            .map_err(|_| format!("{item:?}: {:?} is not a code 0..=65535", code.trim()))?;
        if table.iter().any(|(c, _)| *c == code) {
            return Err(format!("code {code} is given twice"));
        }
        table.push((code, WrapUp::parse(action)?));
    }
    Ok(table)
}

impl Default for CampaignConfig {
    fn default() -> Self {
        CampaignConfig {
            mode: Mode::Progressive,
            default_country: None,
            default_timezone: "UTC".to_owned(),
            calling_window: WeeklyWindow::always(),
            retry: RetryPolicy::default(),
            offer_timeout_ms: 30_000,
            bcw_ms: 5_000,
            ring_timeout_ms: 25_000,
            allow_short_ring_timeout: false,
            abandon_limit_ms: 2_000,
            acw_enabled: true,
            acw_limit_ms: 120_000,
            predictive_ratio: 1.5,
            abandon_target: 0.03,
            abandon_window: AbandonWindow::ThirtyDays,
            abandon_guard: AbandonGuard::WorstCase,
            hopper_size: 0,
            number_busy_delay_ms: 60_000,
            caller_id: String::new(),
            caller_id_pool: Vec::new(),
            max_call_ms: 0,
            max_talk_ms: 0,
            max_offer_refusals: 0,
            agentless_lines: 10,
            dispositions: Vec::new(),
            numbers: NumberPolicy::default(),
        }
    }
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The field, as named in [`CampaignConfig`].
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// `+` then 2 to 15 digits, the first not 0 (ITU-T E.164).
fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (2..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

fn bad(field: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError {
        field,
        message: message.into(),
    }
}

impl CampaignConfig {
    /// The defaults in the given mode.
    pub fn new(mode: Mode) -> Self {
        CampaignConfig {
            mode,
            ..Self::default()
        }
    }

    /// The phone rules these settings imply.
    pub fn phone_rules(&self) -> PhoneRules {
        PhoneRules {
            default_country: self.default_country,
        }
    }

    /// Checks every field; the first bad one is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(cc) = self.default_country {
            if !(1..=999).contains(&cc) {
                return Err(bad(
                    "default_country",
                    format!("{cc} is not a country calling code (1..=999)"),
                ));
            }
        }
        ZoneTable::new(&self.default_timezone)
            .map_err(|e| bad("default_timezone", e.to_string()))?;
        if !self.caller_id.is_empty() && !is_e164(&self.caller_id) {
            return Err(bad(
                "caller_id",
                format!(
                    "{:?} is not +E.164 (a '+' and 2 to 15 digits, the first not 0) nor empty",
                    self.caller_id
                ),
            ));
        }
        if let Some(bad_id) = self.caller_id_pool.iter().find(|n| !is_e164(n)) {
            return Err(bad(
                "caller_id_pool",
                format!("{bad_id:?} is not +E.164 (a '+' and 2 to 15 digits, the first not 0)"),
            ));
        }
        if self.mode == Mode::Agentless && self.agentless_lines == 0 {
            return Err(bad("agentless_lines", "must be above 0 in agentless mode"));
        }
        if self.numbers.attempts_per_number > crate::store::MAX_NUMBER_ATTEMPTS {
            return Err(bad(
                "attempts_per_number",
                format!(
                    "{} is above {} (per-number attempts count up to it)",
                    self.numbers.attempts_per_number,
                    crate::store::MAX_NUMBER_ATTEMPTS
                ),
            ));
        }
        if !self.numbers.fallback_timezone.is_empty() {
            ZoneTable::new(&self.numbers.fallback_timezone)
                .map_err(|e| bad("fallback_timezone", e.to_string()))?;
        }
        if self.offer_timeout_ms == 0 {
            return Err(bad("offer_timeout_ms", "must be above 0"));
        }
        if self.ring_timeout_ms == 0 {
            return Err(bad("ring_timeout_ms", "must be above 0"));
        }
        if self.ring_timeout_ms < MIN_RING_TIMEOUT_MS && !self.allow_short_ring_timeout {
            return Err(bad(
                "ring_timeout_ms",
                format!(
                    "{} ms is below the 15000 ms minimum ring time (US rule); set allow_short_ring_timeout to use it anyway",
                    self.ring_timeout_ms
                ),
            ));
        }
        if self.abandon_limit_ms == 0 {
            return Err(bad("abandon_limit_ms", "must be above 0"));
        }
        if !(self.predictive_ratio.is_finite() && (1.0..=20.0).contains(&self.predictive_ratio)) {
            return Err(bad(
                "predictive_ratio",
                format!("{} is not between 1.0 and 20.0", self.predictive_ratio),
            ));
        }
        if !(self.abandon_target.is_finite()
            && self.abandon_target > 0.0
            && self.abandon_target < 1.0)
        {
            return Err(bad(
                "abandon_target",
                format!("{} is not between 0 and 1 (0.03 = 3%)", self.abandon_target),
            ));
        }
        if self.retry.max_attempts == 0 {
            return Err(bad("retry.max_attempts", "must be at least 1"));
        }
        if self.retry.max_attempts == u8::MAX {
            return Err(bad("retry.max_attempts", "must be at most 254"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_bad_values_name_their_field() {
        assert_eq!(CampaignConfig::default().validate(), Ok(()));
        let short = CampaignConfig {
            ring_timeout_ms: 10_000,
            ..Default::default()
        };
        let err = short.validate().unwrap_err();
        assert_eq!(err.field, "ring_timeout_ms");
        assert!(err.to_string().contains("15000"), "{err}");
        let allowed = CampaignConfig {
            allow_short_ring_timeout: true,
            ..short
        };
        assert_eq!(allowed.validate(), Ok(()));
        let cases: Vec<(CampaignConfig, &str)> = vec![
            (
                CampaignConfig {
                    predictive_ratio: f64::NAN,
                    ..Default::default()
                },
                "predictive_ratio",
            ),
            (
                CampaignConfig {
                    abandon_target: 1.5,
                    ..Default::default()
                },
                "abandon_target",
            ),
            (
                CampaignConfig {
                    default_timezone: "Atlantis/Central".into(),
                    ..Default::default()
                },
                "default_timezone",
            ),
            (
                CampaignConfig {
                    default_country: Some(0),
                    ..Default::default()
                },
                "default_country",
            ),
            (
                CampaignConfig {
                    offer_timeout_ms: 0,
                    ..Default::default()
                },
                "offer_timeout_ms",
            ),
        ];
        let mut cases = cases;
        for bad_id in [
            "12025550100",
            "+0123",
            "+1",
            "+1202555010012345",
            "+1 202",
            "tel:+1202",
        ] {
            cases.push((
                CampaignConfig {
                    caller_id: bad_id.into(),
                    ..Default::default()
                },
                "caller_id",
            ));
        }
        for good_id in ["", "+12025550100", "+49301234567"] {
            let c = CampaignConfig {
                caller_id: good_id.into(),
                ..Default::default()
            };
            assert_eq!(c.validate(), Ok(()), "{good_id:?}");
        }
        for (config, field) in cases {
            assert_eq!(config.validate().unwrap_err().field, field);
        }
    }

    #[test]
    fn abandon_guard_names_and_default() {
        assert_eq!(
            CampaignConfig::default().abandon_guard,
            AbandonGuard::WorstCase
        );
        for g in [AbandonGuard::WorstCase, AbandonGuard::Expected] {
            assert_eq!(AbandonGuard::from_name(&g.to_string()), Some(g));
        }
        assert_eq!(
            AbandonGuard::from_name(" Worst-Case "),
            Some(AbandonGuard::WorstCase)
        );
        assert_eq!(AbandonGuard::from_name("optimistic"), None);
    }

    #[test]
    fn mode_names() {
        assert_eq!(Mode::from_name("Predictive"), Some(Mode::Predictive));
        assert_eq!(Mode::from_name("nope"), None);
        assert_eq!(Mode::Preview.to_string(), "preview");
    }
}
