//! The host's one TOML file: campaign settings, the contact list, the trunk,
//! the operators and the data directory.
//!
//! Every field but `contacts`, `[trunk] address` and `[operators] uris` has a
//! default; unknown keys are refused (a typo must not silently fall back to a
//! default). Relative paths are taken relative to the config file's folder.
//! [`HostConfig::campaign_config`] turns `[campaign]` into a
//! [`CampaignConfig`], which the engine validates again (its error names the
//! field).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use dialcore::config::{AbandonGuard, AbandonWindow};
use dialcore::retry::RetryRule;
use dialcore::{CampaignConfig, Mode};
use serde::Deserialize;

/// The whole configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostConfig {
    /// The campaign's data directory (journal, snapshots, the host's call
    /// log and event log).
    pub data_dir: PathBuf,
    /// The contact list (CSV with a `phone` column), imported on the first
    /// start only (a reopen keeps the journaled contacts).
    pub contacts: PathBuf,
    /// The event log (JSON lines); default `<data_dir>/events.jsonl`.
    #[serde(default)]
    pub event_log: Option<PathBuf>,
    /// Campaign settings.
    #[serde(default)]
    pub campaign: CampaignSection,
    /// The SIP trunk the customers are dialed through.
    pub trunk: TrunkSection,
    /// The operators and their console.
    pub operators: OperatorSection,
    /// Warm standby over NATS JetStream (absent: no replication).
    #[serde(default)]
    pub replica: Option<ReplicaSection>,
}

/// `[replica]`: the options of `dialcore simulate --replicate`, for the SIP
/// host. With it, the replicated campaign directory is `<data_dir>/campaign`
/// (rebuilt from the stream at every start); the call log and the event log
/// stay in `data_dir`, so a restarted process still reaps its own dialogs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaSection {
    /// NATS server URLs, e.g. `["nats://127.0.0.1:4222"]`.
    pub servers: Vec<String>,
    /// `primary` or `standby`: which process is expected to win the lease
    /// first (both follow the stream until they hold it).
    #[serde(default = "default_role")]
    pub role: String,
    /// `sync` (a Dial is INVITEd only once JetStream acknowledged it) or
    /// `async` (at most `window` messages unacknowledged; may re-dial).
    #[serde(default = "default_replica_mode")]
    pub mode: String,
    /// Async mode: the most unacknowledged messages.
    #[serde(default = "default_window")]
    pub window: usize,
    /// The stream (`DIALCORE_<name>`) and lease bucket name.
    #[serde(default = "default_replica_name")]
    pub name: String,
    /// Copies of the stream and the bucket (3 on a 3-node cluster).
    #[serde(default = "default_replicas")]
    pub replicas: usize,
    /// The lease's time to live, ms (renewed every quarter of it).
    #[serde(default = "default_lease_ttl")]
    pub lease_ttl_ms: u64,
}

fn default_role() -> String {
    "standby".into()
}
fn default_replica_mode() -> String {
    "sync".into()
}
fn default_window() -> usize {
    64
}
fn default_replica_name() -> String {
    "campaign".into()
}
fn default_replicas() -> usize {
    1
}
fn default_lease_ttl() -> u64 {
    2000
}

impl ReplicaSection {
    /// The replica crate's settings; a bad value names its `replica.` key.
    pub fn settings(&self) -> Result<dialcore_replica::node::Settings, String> {
        if !matches!(self.role.as_str(), "primary" | "standby") {
            return Err(format!(
                "replica.role: {:?} is neither \"primary\" nor \"standby\"",
                self.role
            ));
        }
        let mode = match self.mode.as_str() {
            "sync" => dialcore_replica::Mode::Sync,
            "async" => dialcore_replica::Mode::Async {
                window: self.window,
            },
            other => {
                return Err(format!(
                    "replica.mode: {other:?} is neither \"sync\" nor \"async\""
                ))
            }
        };
        if self.window == 0 {
            return Err("replica.window: must be above 0".into());
        }
        Ok(dialcore_replica::node::Settings {
            servers: self.servers.join(","),
            name: self.name.clone(),
            replicas: self.replicas,
            mode,
            lease_ttl_ms: self.lease_ttl_ms,
        })
    }
}

/// `[campaign]`: the engine's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignSection {
    /// `preview`, `progressive` or `predictive`.
    pub mode: String,
    /// Country calling code for national numbers.
    pub default_country: Option<u16>,
    /// IANA time zone of contacts without one.
    pub timezone: String,
    /// Weekly calling window, e.g. `"Mon-Fri 09:00-20:00"` or `"always"`.
    pub calling_window: String,
    /// Ring time before CANCEL, ms.
    pub ring_timeout_ms: u64,
    /// Allow a ring timeout below 15 s (not US-compliant; tests).
    pub allow_short_ring_timeout: bool,
    /// Predictive: how long an answered call waits for an operator, ms.
    pub abandon_limit_ms: u64,
    /// Predictive: abandon rate not to exceed.
    pub abandon_target: f64,
    /// Predictive: `"dialcore"` (default) or `"fixed_ratio"`.
    pub pacer: String,
    /// Predictive: ratio of the fixed-ratio pacer.
    pub predictive_ratio: f64,
    /// Predictive: `"worst_case"` (default) or `"expected"`.
    pub abandon_guard: String,
    /// Predictive: `"thirty_days"` (default) or `"day"`.
    pub abandon_window: String,
    /// Preview/progressive: how long an operator has to accept an offer, ms.
    pub offer_timeout_ms: u64,
    /// Before-call work, ms.
    pub bcw_ms: u64,
    /// After-call work after each connected call.
    pub acw_enabled: bool,
    /// Longest ACW, ms (0 = none).
    pub acw_limit_ms: u64,
    /// Attempts per contact.
    pub max_attempts: u8,
    /// Retry delay after busy (486/600/603), s; negative = never.
    pub retry_busy_s: f64,
    /// Retry delay after no answer / unreachable, s; negative = never.
    pub retry_no_answer_s: f64,
    /// Retry delay after an answering machine, s; negative = never.
    pub retry_machine_s: f64,
    /// Retry delay after a failed dial (transport error, 503, 429), s;
    /// negative = never.
    pub retry_dial_failed_s: f64,
    /// Journal fsync: 0 = at every poll (the engine's `Always`), n > 0 =
    /// at most every n ms of engine time.
    pub fsync_every_ms: u64,
}

impl Default for CampaignSection {
    fn default() -> Self {
        let c = CampaignConfig::default();
        let r = c.retry;
        let s = |rule: RetryRule| {
            if rule.retry {
                rule.delay_ms as f64 / 1000.0
            } else {
                -1.0
            }
        };
        CampaignSection {
            mode: "progressive".into(),
            default_country: None,
            timezone: c.default_timezone.clone(),
            calling_window: "always".into(),
            ring_timeout_ms: c.ring_timeout_ms,
            allow_short_ring_timeout: false,
            abandon_limit_ms: c.abandon_limit_ms,
            abandon_target: c.abandon_target,
            pacer: "dialcore".into(),
            predictive_ratio: c.predictive_ratio,
            abandon_guard: "worst_case".into(),
            abandon_window: "thirty_days".into(),
            offer_timeout_ms: c.offer_timeout_ms,
            bcw_ms: 0,
            acw_enabled: c.acw_enabled,
            acw_limit_ms: c.acw_limit_ms,
            max_attempts: r.max_attempts,
            retry_busy_s: s(r.busy),
            retry_no_answer_s: s(r.no_answer),
            retry_machine_s: s(r.machine),
            retry_dial_failed_s: s(r.dial_failed),
            fsync_every_ms: 0,
        }
    }
}

/// `[trunk]`: where INVITEs go and how fast.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkSection {
    /// The trunk (SBC / carrier / PBX) address, `ip:port`; UDP.
    pub address: SocketAddr,
    /// The host's own SIP address to bind, `ip:port` (default
    /// `127.0.0.1:5062`).
    #[serde(default = "default_local")]
    pub local: SocketAddr,
    /// The caller ID (user part of From).
    #[serde(default = "default_caller_id")]
    pub caller_id: String,
    /// Most simultaneous customer calls (INVITEs sent and not ended).
    #[serde(default = "default_max_calls")]
    pub max_calls: usize,
    /// Most new INVITEs per second.
    #[serde(default = "default_cps")]
    pub cps: u32,
}

fn default_local() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5062))
}
fn default_caller_id() -> String {
    "dialcore".into()
}
fn default_max_calls() -> usize {
    100
}
fn default_cps() -> u32 {
    10
}

/// `[operators]`: one SIP URI per operator and how offers are answered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorSection {
    /// Each operator's endpoint (`sip:agent1@10.0.0.5:5060`); the host
    /// INVITEs it at Connect. Operator `i` of the engine is `uris[i]`.
    pub uris: Vec<String>,
    /// `"stdin"` (type `accept OP CONTACT` …, see the README) or `"auto"`
    /// (every offer accepted, every ACW done after `auto_acw_ms`).
    #[serde(default = "default_console")]
    pub console: String,
    /// Auto console: ACW length, ms.
    #[serde(default = "default_auto_acw")]
    pub auto_acw_ms: u64,
}

fn default_console() -> String {
    "auto".into()
}
fn default_auto_acw() -> u64 {
    500
}

/// A configuration that cannot be used.
#[derive(Debug)]
pub struct ConfigFileError {
    /// The file.
    pub path: PathBuf,
    /// What is wrong, naming the field.
    pub message: String,
}

impl fmt::Display for ConfigFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl std::error::Error for ConfigFileError {}

impl HostConfig {
    /// Reads and checks a config file; relative paths become relative to it.
    pub fn from_path(path: &Path) -> Result<HostConfig, ConfigFileError> {
        let err = |message: String| ConfigFileError {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        let mut cfg = HostConfig::from_toml_str(&text).map_err(err)?;
        let base = path.parent().unwrap_or(Path::new("."));
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        fix(&mut cfg.data_dir);
        fix(&mut cfg.contacts);
        if let Some(p) = cfg.event_log.as_mut() {
            fix(p);
        }
        Ok(cfg)
    }

    /// Parses and checks the TOML text (paths as written).
    pub fn from_toml_str(text: &str) -> Result<HostConfig, String> {
        let cfg: HostConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> Result<(), String> {
        if self.operators.uris.is_empty() {
            return Err("operators.uris: at least one operator URI is needed".into());
        }
        for u in &self.operators.uris {
            if !u.starts_with("sip:") {
                return Err(format!("operators.uris: {u:?} is not a sip: URI"));
            }
        }
        if !matches!(self.operators.console.as_str(), "stdin" | "auto") {
            return Err(format!(
                "operators.console: {:?} is neither \"stdin\" nor \"auto\"",
                self.operators.console
            ));
        }
        if self.trunk.max_calls == 0 {
            return Err("trunk.max_calls: must be above 0".into());
        }
        if self.trunk.cps == 0 {
            return Err("trunk.cps: must be above 0".into());
        }
        self.campaign_config().map_err(|e| e.to_string())?;
        if let Some(r) = &self.replica {
            r.settings()?
                .node_options(&self.campaign_dir(), |k| format!("replica.{k}"))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The campaign's own directory (journal and snapshots):
    /// `<data_dir>/campaign` when replicated, else `data_dir`.
    pub fn campaign_dir(&self) -> PathBuf {
        match self.replica {
            Some(_) => self.data_dir.join("campaign"),
            None => self.data_dir.clone(),
        }
    }

    /// The event log's path.
    pub fn event_log_path(&self) -> PathBuf {
        self.event_log
            .clone()
            .unwrap_or_else(|| self.data_dir.join("events.jsonl"))
    }

    /// `[campaign]` as the engine's configuration, validated.
    pub fn campaign_config(&self) -> Result<CampaignConfig, dialcore::ConfigError> {
        let c = &self.campaign;
        let bad = |field: &'static str, message: String| dialcore::ConfigError { field, message };
        let mode = Mode::from_name(&c.mode).ok_or_else(|| {
            bad(
                "mode",
                format!("{:?} is not preview, progressive or predictive", c.mode),
            )
        })?;
        let window = c
            .calling_window
            .parse()
            .map_err(|e| bad("calling_window", format!("{e}")))?;
        let guard = match c.abandon_guard.as_str() {
            "worst_case" => AbandonGuard::WorstCase,
            "expected" => AbandonGuard::Expected,
            g => {
                return Err(bad(
                    "abandon_guard",
                    format!("{g:?} is not worst_case or expected"),
                ))
            }
        };
        let abandon_window = match c.abandon_window.as_str() {
            "thirty_days" => AbandonWindow::ThirtyDays,
            "day" => AbandonWindow::Day,
            w => {
                return Err(bad(
                    "abandon_window",
                    format!("{w:?} is not thirty_days or day"),
                ))
            }
        };
        if !matches!(c.pacer.as_str(), "dialcore" | "fixed_ratio") {
            return Err(bad(
                "pacer",
                format!("{:?} is not dialcore or fixed_ratio", c.pacer),
            ));
        }
        let rule = |field: &'static str, s: f64| -> Result<RetryRule, dialcore::ConfigError> {
            if !s.is_finite() {
                return Err(bad(field, format!("{s} is not a number of seconds")));
            }
            Ok(if s < 0.0 {
                RetryRule::never()
            } else {
                RetryRule::after((s * 1000.0).round() as u64)
            })
        };
        let mut config = CampaignConfig {
            default_country: c.default_country,
            default_timezone: c.timezone.clone(),
            calling_window: window,
            ring_timeout_ms: c.ring_timeout_ms,
            allow_short_ring_timeout: c.allow_short_ring_timeout,
            abandon_limit_ms: c.abandon_limit_ms,
            abandon_target: c.abandon_target,
            predictive_ratio: c.predictive_ratio,
            abandon_guard: guard,
            abandon_window,
            offer_timeout_ms: c.offer_timeout_ms,
            bcw_ms: c.bcw_ms,
            acw_enabled: c.acw_enabled,
            acw_limit_ms: c.acw_limit_ms,
            ..CampaignConfig::new(mode)
        };
        config.retry.max_attempts = c.max_attempts;
        config.retry.busy = rule("retry_busy_s", c.retry_busy_s)?;
        config.retry.no_answer = rule("retry_no_answer_s", c.retry_no_answer_s)?;
        config.retry.machine = rule("retry_machine_s", c.retry_machine_s)?;
        config.retry.dial_failed = rule("retry_dial_failed_s", c.retry_dial_failed_s)?;
        config.validate()?;
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = r#"
data_dir = "data"
contacts = "contacts.csv"
[trunk]
address = "127.0.0.1:5080"
[operators]
uris = ["sip:op1@127.0.0.1:5090"]
"#;

    #[test]
    fn minimal_file_takes_defaults() {
        let cfg = HostConfig::from_toml_str(MIN).unwrap();
        let c = cfg.campaign_config().unwrap();
        assert_eq!(c.mode, Mode::Progressive);
        assert_eq!(c.ring_timeout_ms, 25_000);
        assert_eq!(cfg.trunk.local, default_local());
        assert_eq!(cfg.operators.console, "auto");
        assert!(cfg.replica.is_none());
        assert_eq!(cfg.campaign_dir(), PathBuf::from("data"));
        let text = format!("{MIN}\n[replica]\nservers = [\"nats://a:4222\", \"nats://b:4222\"]\n");
        let cfg = HostConfig::from_toml_str(&text).unwrap();
        let s = cfg.replica.as_ref().unwrap().settings().unwrap();
        assert_eq!(s.servers, "nats://a:4222,nats://b:4222");
        assert_eq!(s.mode, dialcore_replica::Mode::Sync);
        assert_eq!(cfg.campaign_dir(), PathBuf::from("data/campaign"));
    }

    #[test]
    fn short_ring_needs_the_opt_in_and_errors_name_the_field() {
        let text = format!("{MIN}\n[campaign]\nring_timeout_ms = 2000\n");
        let err = HostConfig::from_toml_str(&text).unwrap_err();
        assert!(err.contains("ring_timeout_ms"), "{err}");
        let text = format!("{MIN}\n[campaign]\nring_timeout_ms = 2000\nallow_short_ring_timeout = true\nretry_busy_s = -1\n");
        let cfg = HostConfig::from_toml_str(&text).unwrap();
        let c = cfg.campaign_config().unwrap();
        assert_eq!(c.ring_timeout_ms, 2000);
        assert!(!c.retry.busy.retry);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let err =
            HostConfig::from_toml_str(&format!("{MIN}\n[campaign]\nmdoe = \"x\"\n")).unwrap_err();
        assert!(err.contains("mdoe"), "{err}");
        let err = HostConfig::from_toml_str(&format!("{MIN}\n[campaign]\nmode = \"blast\"\n"))
            .unwrap_err();
        assert!(err.contains("mode") && err.contains("blast"), "{err}");
        for (bad, key) in [
            ("servers = []", "replica.servers"),
            (
                "servers = [\"nats://127.0.0.1:4222\"]\nrole = \"leader\"",
                "replica.role",
            ),
            (
                "servers = [\"nats://127.0.0.1:4222\"]\nmode = \"semi\"",
                "replica.mode",
            ),
            (
                "servers = [\"nats://127.0.0.1:4222\"]\nlease_ttl_ms = 50",
                "replica.lease_ttl_ms",
            ),
            (
                "servers = [\"nats://127.0.0.1:4222\"]\nreplicas = 0",
                "replica.replicas",
            ),
        ] {
            let err = HostConfig::from_toml_str(&format!("{MIN}\n[replica]\n{bad}\n")).unwrap_err();
            assert!(err.contains(key), "{bad}: {err}");
        }
        let bad_uri = MIN.replace("sip:op1@", "op1@");
        assert!(HostConfig::from_toml_str(&bad_uri)
            .unwrap_err()
            .contains("operators.uris"));
    }
}
