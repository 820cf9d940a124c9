//! Floor scenarios: several campaigns sharing pools of operators, trunks
//! and caps, read from TOML.
//!
//! A floor scenario is told from a one-campaign [`Scenario`] by its
//! `[[campaigns]]` tables ([`FloorScenario::is_floor_toml`]). Each campaign
//! has a name, a mode, a number of contacts, a priority and a weight, its
//! own answer model (`[campaigns.customers]`, the fields of
//! [`CustomerModel`]: `p_human` is the answer rate, `talk_mean_s` the talk
//! time) and its own engine settings (`[campaigns.settings]`, the fields of
//! [`CampaignSettings`]). `[[pools]]` name a number of operators and the
//! campaigns they serve (a pool is one skill set; operators are numbered
//! floor-wide in pool order). `[[trunks]]` (optional) limit the calls in
//! flight and the calls per second of the campaigns routed to them; `[caps]`
//! (optional) cap the dials to one number over the whole floor. Every value
//! is checked by [`FloorScenario::validate`], which names the field
//! (`campaigns[1].weight`, `pools[0].campaigns`) and the bad value.

use std::collections::HashSet;
use std::path::Path;

use dialcore::floor::caps::CapsConfig;
use dialcore::floor::trunk::TrunkConfig;
use dialcore::CampaignConfig;
use serde::{Deserialize, Serialize};

use crate::scenario::{
    CampaignSettings, CustomerModel, ModeName, OperatorModel, Scenario, ScenarioError,
    DEFAULT_START_MS,
};

/// The largest weight a campaign may have (as `dialcore::floor::share`).
pub const MAX_WEIGHT: u32 = 1_000_000;

/// One campaign of a floor scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FloorCampaign {
    /// Its name on the floor and in reports (unique, not empty).
    pub name: String,
    /// Preview, progressive, predictive or agentless.
    pub mode: ModeName,
    /// Number of contacts.
    pub contacts: usize,
    /// Strict priority: a bigger number is served first.
    pub priority: u8,
    /// Weighted share among campaigns of the same priority, 1 ..= 1,000,000.
    pub weight: u32,
    /// Its customers: the answer model (answer rate `p_human`, talk time…).
    pub customers: CustomerModel,
    /// Its engine settings (abandon target, retries, ring timeout…).
    pub settings: CampaignSettings,
}

impl Default for FloorCampaign {
    fn default() -> Self {
        FloorCampaign {
            name: String::new(),
            mode: ModeName::Predictive,
            contacts: 1_000,
            priority: 0,
            weight: 1,
            customers: CustomerModel::default(),
            settings: CampaignSettings::default(),
        }
    }
}

/// One pool of operators (one skill set).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FloorPool {
    /// Its name (unique, not empty).
    pub name: String,
    /// Operators in the pool (all log in at the start).
    pub operators: usize,
    /// The campaigns it serves, by name (at least one).
    pub campaigns: Vec<String>,
    /// Operators kept free for inbound work (`Floor::set_inbound_target`).
    pub inbound_target: u32,
}

/// One trunk: lines and a calls-per-second limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FloorTrunk {
    /// Its name (unique, not empty).
    pub name: String,
    /// Simultaneous calls at most (≥ 1).
    pub max_calls: u32,
    /// New calls a second (> 0; fractions allowed, kept in thousandths).
    pub cps: f64,
    /// The campaigns routed to it, by name (a campaign on several trunks
    /// uses them in the order of the `[[trunks]]` tables).
    pub campaigns: Vec<String>,
}

impl Default for FloorTrunk {
    fn default() -> Self {
        FloorTrunk {
            name: String::new(),
            max_calls: 30,
            cps: 5.0,
            campaigns: Vec::new(),
        }
    }
}

impl FloorTrunk {
    /// The engine's trunk configuration.
    pub fn config(&self) -> TrunkConfig {
        let cps_milli = (self.cps * 1000.0).round().clamp(1.0, f64::from(u32::MAX)) as u32;
        TrunkConfig {
            max_calls: self.max_calls,
            cps_milli,
            burst: (cps_milli / 1000).max(1),
            min_cps_milli: (cps_milli / 10).max(1),
        }
    }
}

/// Per-number caps over the whole floor (0 = no cap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FloorCaps {
    /// Dials to one number in any rolling 24 hours, at most.
    pub per_24h: u16,
    /// Dials to one number in any rolling `days` days, at most.
    pub per_days: u16,
    /// The second window, days (1 ..= 366 when `per_days` is set).
    pub days: u16,
}

impl From<FloorCaps> for CapsConfig {
    fn from(c: FloorCaps) -> CapsConfig {
        CapsConfig {
            per_24h: c.per_24h,
            per_days: c.per_days,
            days: c.days,
        }
    }
}

/// A scenario of several campaigns on one floor. See the module docs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FloorScenario {
    /// A name for reports.
    pub name: String,
    /// The PRNG seed: the same seed gives the same report.
    pub seed: u64,
    /// Stop after this much simulated time, hours (none: run to completion).
    pub until_hours: Option<f64>,
    /// Simulated start time, ms since the Unix epoch.
    pub start_ms: u64,
    /// The weekly calling window of every campaign.
    pub calling_window: String,
    /// How the operators behave (all pools).
    pub operator_model: OperatorModel,
    /// The campaigns.
    pub campaigns: Vec<FloorCampaign>,
    /// The pools of operators.
    pub pools: Vec<FloorPool>,
    /// The trunks (none: no line or rate limit).
    pub trunks: Vec<FloorTrunk>,
    /// Caps over the whole floor.
    pub caps: FloorCaps,
}

impl Default for FloorScenario {
    fn default() -> Self {
        FloorScenario {
            name: "floor".to_owned(),
            seed: 1,
            until_hours: None,
            start_ms: DEFAULT_START_MS,
            calling_window: "always".to_owned(),
            operator_model: OperatorModel::default(),
            campaigns: Vec::new(),
            pools: Vec::new(),
            trunks: Vec::new(),
            caps: FloorCaps::default(),
        }
    }
}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

impl FloorScenario {
    /// Whether a scenario text is a floor scenario (it has `[[campaigns]]`).
    /// Text that is not TOML is not (the one-campaign parser reports it).
    pub fn is_floor_toml(text: &str) -> bool {
        text.parse::<toml::Table>()
            .map(|t| t.contains_key("campaigns"))
            .unwrap_or(false)
    }

    /// Parses and validates a floor scenario from TOML text.
    pub fn from_toml_str(text: &str) -> Result<FloorScenario, ScenarioError> {
        let scenario: FloorScenario = toml::from_str(text).map_err(|e| ScenarioError::Parse {
            path: None,
            message: e.to_string().trim_end().to_owned(),
        })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Reads, parses and validates a floor scenario file.
    pub fn from_path(path: &Path) -> Result<FloorScenario, ScenarioError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: shown.clone(),
            source,
        })?;
        FloorScenario::from_toml_str(&text).map_err(|e| match e {
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

    /// The scenario as TOML text (round-trips through [`FloorScenario::from_toml_str`]).
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("a floor scenario always serializes")
    }

    /// Operators over all pools.
    pub fn operators(&self) -> usize {
        self.pools.iter().map(|p| p.operators).sum()
    }

    /// Contacts over all campaigns.
    pub fn contacts(&self) -> usize {
        self.campaigns.iter().map(|c| c.contacts).sum()
    }

    /// The index of the campaign named `name`.
    pub fn campaign_index(&self, name: &str) -> Option<usize> {
        self.campaigns.iter().position(|c| c.name == name)
    }

    /// Campaign `index` as a one-campaign [`Scenario`]: what its models and
    /// settings are checked and configured by.
    pub fn campaign_scenario(&self, index: usize) -> Scenario {
        let c = &self.campaigns[index];
        Scenario {
            name: c.name.clone(),
            seed: self.seed,
            contacts: c.contacts,
            operators: self.operators().max(1),
            mode: c.mode,
            until_hours: self.until_hours,
            start_ms: self.start_ms,
            calling_window: self.calling_window.clone(),
            customers: c.customers.clone(),
            operator_model: self.operator_model.clone(),
            campaign: c.settings.clone(),
            ..Scenario::default()
        }
    }

    /// The engine configuration of campaign `index`.
    pub fn campaign_config(&self, index: usize) -> Result<CampaignConfig, dialcore::ConfigError> {
        self.campaign_scenario(index).campaign_config()
    }

    /// Checks every value; the first bad one is returned, naming the field
    /// and the value.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if let Some(h) = self.until_hours {
            if !(h.is_finite() && h > 0.0) {
                return Err(invalid(
                    "until_hours",
                    format!("{h} is not a positive number of hours"),
                ));
            }
        }
        if self.campaigns.is_empty() {
            return Err(invalid("campaigns", "no [[campaigns]]: at least one"));
        }
        if self.campaigns.len() > 10_000 {
            return Err(invalid(
                "campaigns",
                format!("{} campaigns is more than 10000", self.campaigns.len()),
            ));
        }
        let mut names = HashSet::new();
        for (i, c) in self.campaigns.iter().enumerate() {
            let at = |f: &str| format!("campaigns[{i}].{f}");
            if c.name.trim().is_empty() {
                return Err(invalid(at("name"), "a campaign needs a name"));
            }
            if !names.insert(c.name.as_str()) {
                return Err(invalid(
                    at("name"),
                    format!("{:?} names two campaigns", c.name),
                ));
            }
            if c.weight == 0 || c.weight > MAX_WEIGHT {
                return Err(invalid(
                    at("weight"),
                    format!("{} is not a weight in 1..={MAX_WEIGHT}", c.weight),
                ));
            }
            if c.contacts > 50_000_000 {
                return Err(invalid(
                    at("contacts"),
                    format!("{} contacts is more than 50000000", c.contacts),
                ));
            }
        }
        self.validate_pools()?;
        self.validate_trunks()?;
        for i in 0..self.campaigns.len() {
            let at = |f: &str| format!("campaigns[{i}].{f}");
            // The models and settings, checked as a one-campaign scenario
            // does; the operator model is the floor's (not the campaign's).
            self.campaign_scenario(i).validate().map_err(|e| match e {
                ScenarioError::Invalid { field, message } => {
                    if field.starts_with("operator_model") || field == "calling_window" {
                        ScenarioError::Invalid { field, message }
                    } else {
                        let field = match field.strip_prefix("campaign.") {
                            Some(rest) => format!("settings.{rest}"),
                            None => field,
                        };
                        invalid(at(&field), message)
                    }
                }
                other => other,
            })?;
        }
        let caps = self.caps;
        if caps.per_days > 0 && !(1..=366).contains(&caps.days) {
            return Err(invalid(
                "caps.days",
                format!("{} is not a number of days in 1..=366", caps.days),
            ));
        }
        Ok(())
    }

    /// A list of campaign names: each known, none twice.
    fn check_names(&self, field: &str, list: &[String]) -> Result<(), ScenarioError> {
        let mut seen = HashSet::new();
        for name in list {
            if self.campaign_index(name).is_none() {
                return Err(invalid(
                    field,
                    format!("{name:?} is not the name of a [[campaigns]] table"),
                ));
            }
            if !seen.insert(name.as_str()) {
                return Err(invalid(field, format!("{name:?} is listed twice")));
            }
        }
        Ok(())
    }

    fn validate_pools(&self) -> Result<(), ScenarioError> {
        if self.pools.is_empty() {
            return Err(invalid("pools", "no [[pools]]: at least one"));
        }
        let mut names = HashSet::new();
        let mut served = vec![false; self.campaigns.len()];
        for (i, p) in self.pools.iter().enumerate() {
            let at = |f: &str| format!("pools[{i}].{f}");
            if p.name.trim().is_empty() {
                return Err(invalid(at("name"), "a pool needs a name"));
            }
            if !names.insert(p.name.as_str()) {
                return Err(invalid(at("name"), format!("{:?} names two pools", p.name)));
            }
            if p.campaigns.is_empty() {
                return Err(invalid(
                    at("campaigns"),
                    "a pool serves at least one campaign",
                ));
            }
            self.check_names(&at("campaigns"), &p.campaigns)?;
            for name in &p.campaigns {
                if let Some(k) = self.campaign_index(name) {
                    served[k] = true;
                }
            }
            if p.inbound_target as usize > p.operators {
                return Err(invalid(
                    at("inbound_target"),
                    format!(
                        "{} is more than the pool's {} operators",
                        p.inbound_target, p.operators
                    ),
                ));
            }
        }
        let operators = self.operators();
        if operators == 0 {
            return Err(invalid("pools", "0 operators over all pools: at least 1"));
        }
        if operators > 100_000 {
            return Err(invalid(
                "pools",
                format!("{operators} operators is more than 100000"),
            ));
        }
        let agentless = |k: usize| self.campaigns[k].mode == ModeName::Agentless;
        if let Some(k) = (0..served.len()).find(|&k| !served[k] && !agentless(k)) {
            return Err(invalid(
                format!("campaigns[{k}]"),
                format!(
                    "{:?} is served by no pool: name it in a [[pools]] table's campaigns",
                    self.campaigns[k].name
                ),
            ));
        }
        Ok(())
    }

    fn validate_trunks(&self) -> Result<(), ScenarioError> {
        let mut names = HashSet::new();
        for (i, t) in self.trunks.iter().enumerate() {
            let at = |f: &str| format!("trunks[{i}].{f}");
            if t.name.trim().is_empty() {
                return Err(invalid(at("name"), "a trunk needs a name"));
            }
            if !names.insert(t.name.as_str()) {
                return Err(invalid(
                    at("name"),
                    format!("{:?} names two trunks", t.name),
                ));
            }
            if t.max_calls == 0 {
                return Err(invalid(at("max_calls"), "0 lines: at least 1"));
            }
            if !(t.cps.is_finite() && t.cps >= 0.001 && t.cps <= 1_000_000.0) {
                return Err(invalid(
                    at("cps"),
                    format!(
                        "{} is not a rate of calls a second in 0.001..=1000000",
                        t.cps
                    ),
                ));
            }
            if t.campaigns.is_empty() {
                return Err(invalid(
                    at("campaigns"),
                    "a trunk carries at least one campaign",
                ));
            }
            self.check_names(&at("campaigns"), &t.campaigns)?;
        }
        Ok(())
    }

    /// The trunks (indexes into `trunks`) campaign `index` is routed to, in order.
    pub fn routes_of(&self, index: usize) -> Vec<usize> {
        let name = &self.campaigns[index].name;
        self.trunks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.campaigns.iter().any(|c| c == name))
            .map(|(i, _)| i)
            .collect()
    }
}
