//! `dialcore.Floor`: many campaigns sharing operators, trunks, do-not-call
//! lists and caps in one engine (`dialcore::Floor`).
//!
//! Campaigns, pools, trunks and lists are named by the `int` ids the
//! `add_*` methods return; operators by their floor-wide ids. The floor sits
//! behind one mutex, released from the GIL around long work (a CSV import,
//! a registry load), like `Campaign`. `counts()` and `pool_counts()` return
//! one dict per campaign (per pool), a list ready for
//! `pandas.DataFrame(...)`.

use std::path::PathBuf;
use std::sync::Arc;

use dialcore::floor::dnc::{ListId, Scope};
use dialcore::floor::trunk::{TrunkConfig, TrunkId};
use dialcore::floor::{CampaignId, PoolId};
use dialcore::{
    ContactId, Floor as CoreFloor, FloorError as CoreFloorError, FloorEvent, OperatorId, State,
};
use parking_lot::Mutex;
use pyo3::create_exception;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyInt, PyList, PyString};

use crate::campaign::{state_enum, Command, Event, ImportReport};
use crate::config::build_config;
use crate::errors::{config_err, engine_err, import_err, no_panic, DialcoreError};

create_exception!(
    dialcore,
    FloorError,
    DialcoreError,
    "A floor call names an unknown campaign, pool, trunk or list, a pool not assigned to the campaign, a name used twice, or a campaign still busy; nothing changed."
);

/// A floor error as a Python exception: what a campaign refuses keeps the
/// campaign's exception class (`IllegalTransition`, `StaleCall`, …).
fn floor_err(e: CoreFloorError) -> PyErr {
    match e {
        CoreFloorError::Campaign { error, .. } => engine_err(error),
        CoreFloorError::Config(e) => config_err(e),
        other => FloorError::new_err(other.to_string()),
    }
}

struct Inner {
    floor: CoreFloor,
    /// The pools in the order added, with their names (for `pool_counts()`).
    pools: Vec<(PoolId, String)>,
}

/// Many campaigns over shared operators, trunks, do-not-call lists and
/// caps. `Floor()` makes an empty floor; `add_campaign`, `add_pool`,
/// `assign`, `add_operator`, `add_trunk` + `route`, `add_list` +
/// `list_add` set it up; `handle(campaign, event, now_ms)` and
/// `poll(now_ms)` run it.
#[pyclass(frozen, module = "dialcore._native")]
pub(crate) struct Floor {
    inner: Mutex<Inner>,
}

impl Floor {
    /// Runs `f` under the lock (without the GIL when `long`); a panic
    /// becomes `DialcoreError`.
    fn with<R: Send>(
        &self,
        py: Python<'_>,
        long: bool,
        f: impl FnOnce(&mut Inner) -> R + Send,
    ) -> PyResult<R> {
        if !long {
            if let Some(mut guard) = self.inner.try_lock() {
                return no_panic(|| f(&mut guard));
            }
        }
        py.detach(|| {
            let mut guard = self.inner.lock();
            no_panic(|| f(&mut guard))
        })
    }

    /// `f` on the floor, its error raised.
    fn floor<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut CoreFloor) -> Result<R, CoreFloorError> + Send,
    ) -> PyResult<R> {
        self.with(py, false, |i| f(&mut i.floor))?
            .map_err(floor_err)
    }
}

/// The `scope` argument of `add_list`: `"floor"`, one campaign id, or a
/// list of them.
fn read_scope(scope: &Bound<'_, PyAny>) -> PyResult<Scope> {
    if scope.is_instance_of::<PyString>() {
        let s: String = scope.extract()?;
        return match s.as_str() {
            "floor" => Ok(Scope::Floor),
            _ => Err(PyValueError::new_err(format!(
                "argument 'scope': {s:?} is not \"floor\", a campaign id or a list of campaign ids"
            ))),
        };
    }
    if scope.is_instance_of::<PyInt>() {
        return Ok(Scope::Campaign(CampaignId(scope.extract()?)));
    }
    if let Ok(ids) = scope.extract::<Vec<u32>>() {
        if ids.is_empty() {
            return Err(PyValueError::new_err(
                "argument 'scope': an empty list of campaigns",
            ));
        }
        return Ok(Scope::Campaigns(ids.into_iter().map(CampaignId).collect()));
    }
    Err(PyTypeError::new_err(
        "argument 'scope': expected \"floor\", an int campaign id or a list of them",
    ))
}

fn pool_row<'py>(
    py: Python<'py>,
    id: PoolId,
    name: &str,
    c: dialcore::floor::pool::PoolCounts,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("pool", id.0)?;
    d.set_item("name", name)?;
    d.set_item("logged_out", c.logged_out)?;
    d.set_item("paused", c.paused)?;
    d.set_item("ready", c.ready)?;
    d.set_item("reserved", c.reserved)?;
    d.set_item("outbound", c.outbound)?;
    d.set_item("inbound", c.inbound)?;
    Ok(d)
}

#[pymethods]
impl Floor {
    /// An empty floor.
    #[new]
    fn new() -> PyResult<Self> {
        let floor = no_panic(CoreFloor::new)?;
        Ok(Floor {
            inner: Mutex::new(Inner {
                floor,
                pools: Vec::new(),
            }),
        })
    }

    /// `add_campaign(name, mode="progressive", *, priority=0, weight=1, **config)`:
    /// adds a campaign with the settings of `Campaign(...)`, its priority (a
    /// bigger number is served first) and weight (its share among campaigns
    /// of its priority, 1..=1000000); returns its id. A name used twice
    /// raises `FloorError`, a bad setting `InvalidConfig`.
    #[pyo3(signature = (name, mode=None, *, priority=0, weight=1, **config))]
    fn add_campaign(
        &self,
        py: Python<'_>,
        name: String,
        mode: Option<&Bound<'_, PyAny>>,
        priority: u8,
        weight: u32,
        config: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<u32> {
        let cfg = build_config(mode, config)?;
        self.floor(py, |f| f.add_campaign(&name, cfg, priority, weight))
            .map(|c| c.0)
    }

    /// Removes a campaign and its contacts; raises `FloorError` while it
    /// has calls in flight or busy operators.
    fn remove_campaign(&self, py: Python<'_>, campaign: u32) -> PyResult<()> {
        self.floor(py, |f| f.remove_campaign(CampaignId(campaign)))
    }

    /// Changes a campaign's priority and weight.
    fn set_share(&self, py: Python<'_>, campaign: u32, priority: u8, weight: u32) -> PyResult<()> {
        self.floor(py, |f| f.set_share(CampaignId(campaign), priority, weight))
    }

    /// The id of the campaign named `name`, or None.
    fn campaign_id(&self, py: Python<'_>, name: String) -> PyResult<Option<u32>> {
        self.with(py, false, |i| i.floor.campaign_id(&name).map(|c| c.0))
    }

    /// The name of campaign `campaign`, or None.
    fn campaign_name(&self, py: Python<'_>, campaign: u32) -> PyResult<Option<String>> {
        self.with(py, false, |i| {
            i.floor
                .campaign_name(CampaignId(campaign))
                .map(str::to_owned)
        })
    }

    /// The ids of the campaigns, in the order added.
    fn campaigns(&self, py: Python<'_>) -> PyResult<Vec<u32>> {
        self.with(py, false, |i| i.floor.campaign_ids().map(|c| c.0).collect())
    }

    /// Adds a pool of operators (one skill set); returns its id.
    fn add_pool(&self, py: Python<'_>, name: String) -> PyResult<u32> {
        self.with(py, false, |i| {
            let id = i.floor.add_pool(&name)?;
            i.pools.push((id, name));
            Ok(id.0)
        })?
        .map_err(floor_err)
    }

    /// Lets the operators of `pool` serve `campaign`.
    fn assign(&self, py: Python<'_>, pool: u32, campaign: u32) -> PyResult<()> {
        self.floor(py, |f| f.assign(PoolId(pool), CampaignId(campaign)))
    }

    /// Stops `pool` serving `campaign` (`FloorError` if it did not).
    fn unassign(&self, py: Python<'_>, pool: u32, campaign: u32) -> PyResult<()> {
        self.floor(py, |f| f.unassign(PoolId(pool), CampaignId(campaign)))
    }

    /// Adds an operator to `pool` (logged out until `Event.operator_login`
    /// handled with campaign None); returns its floor-wide id.
    fn add_operator(&self, py: Python<'_>, pool: u32) -> PyResult<u32> {
        self.floor(py, |f| f.add_operator(PoolId(pool)))
            .map(|o| o.0)
    }

    /// Keeps `operators` of the pool's ready operators free for inbound work.
    fn set_inbound_target(&self, py: Python<'_>, pool: u32, operators: u32) -> PyResult<()> {
        self.floor(py, |f| f.set_inbound_target(PoolId(pool), operators))
    }

    /// `add_trunk(max_calls, cps, *, burst=None, min_cps=None, now_ms=0)`:
    /// adds a trunk of `max_calls` lines and `cps` calls a second (a float;
    /// kept in thousandths), `burst` calls at once after a quiet spell (a
    /// second's calls by default), backing off to `min_cps` (a tenth of the
    /// rate by default) on congestion; returns its id.
    #[pyo3(signature = (max_calls, cps, *, burst=None, min_cps=None, now_ms=0))]
    fn add_trunk(
        &self,
        py: Python<'_>,
        max_calls: u32,
        cps: f64,
        burst: Option<u32>,
        min_cps: Option<f64>,
        now_ms: u64,
    ) -> PyResult<u32> {
        let milli = |name: &str, v: f64| -> PyResult<u32> {
            if !(v.is_finite() && v > 0.0 && v * 1000.0 <= f64::from(u32::MAX)) {
                return Err(PyValueError::new_err(format!(
                    "argument '{name}': {v} is not a positive rate of calls a second"
                )));
            }
            Ok(((v * 1000.0).round() as u32).max(1))
        };
        let cps_milli = milli("cps", cps)?;
        let config = TrunkConfig {
            max_calls,
            cps_milli,
            burst: burst.unwrap_or((cps_milli / 1000).max(1)),
            min_cps_milli: match min_cps {
                Some(m) => milli("min_cps", m)?,
                None => (cps_milli / 10).max(1),
            },
        };
        self.floor(py, |f| f.add_trunk(config, now_ms)).map(|t| t.0)
    }

    /// Routes `campaign` over `trunks`, tried in order (an empty list: no
    /// trunk limit).
    fn route(&self, py: Python<'_>, campaign: u32, trunks: Vec<u32>) -> PyResult<()> {
        let ids: Vec<TrunkId> = trunks.into_iter().map(TrunkId).collect();
        self.floor(py, |f| f.route(CampaignId(campaign), &ids))
    }

    /// `add_list(name, scope="floor")`: adds a do-not-call list over
    /// `"floor"` (every campaign), one campaign id, or a list of them;
    /// returns its id.
    #[pyo3(signature = (name, scope=None))]
    fn add_list(
        &self,
        py: Python<'_>,
        name: String,
        scope: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<u32> {
        let scope = match scope {
            Some(s) => read_scope(s)?,
            None => Scope::Floor,
        };
        self.floor(py, |f| f.add_list(&name, scope)).map(|l| l.0)
    }

    /// Adds `numbers` (E.164 digits) to `list`, until `until_ms` (None: for
    /// good). Effective at the next emission.
    #[pyo3(signature = (list, numbers, until_ms=None))]
    fn list_add(
        &self,
        py: Python<'_>,
        list: u32,
        numbers: Vec<u64>,
        until_ms: Option<u64>,
    ) -> PyResult<()> {
        self.floor(py, |f| f.list_add(ListId(list), &numbers, until_ms))
    }

    /// Removes `numbers` from `list`.
    fn list_remove(&self, py: Python<'_>, list: u32, numbers: Vec<u64>) -> PyResult<()> {
        self.floor(py, |f| f.list_remove(ListId(list), &numbers))
    }

    /// `load_registry(path, default_country=None)`: loads a national
    /// do-not-call registry (one number a line; national numbers read as
    /// numbers of `default_country`) as the floor's registry, shared by
    /// every campaign; returns the valid numbers read. Releases the GIL.
    #[pyo3(signature = (path, default_country=None))]
    fn load_registry(
        &self,
        py: Python<'_>,
        path: PathBuf,
        default_country: Option<u16>,
    ) -> PyResult<u64> {
        let rules = match default_country {
            Some(cc) => dialcore::phone::PhoneRules::with_country(cc),
            None => dialcore::phone::PhoneRules::international_only(),
        };
        let loaded = py.detach(|| {
            no_panic(|| -> std::io::Result<_> {
                let file = std::fs::File::open(&path)?;
                let mut registry = dialcore::blacklist::Blacklist::new();
                let report = registry
                    .load_registry(std::io::BufReader::with_capacity(1 << 20, file), rules)?;
                registry.shrink_to_fit();
                Ok((registry, report.added + report.already_present))
            })
        })?;
        let (registry, numbers) = loaded.map_err(|e| {
            pyo3::exceptions::PyOSError::new_err(format!("cannot read {}: {e}", path.display()))
        })?;
        let registry = Arc::new(registry);
        self.with(py, false, move |i| i.floor.set_registry(registry))?;
        Ok(numbers)
    }

    /// `set_caps(per_24h=0, per_days=0, days=0)`: caps the dials to one
    /// number over the whole floor (0 = no cap).
    #[pyo3(signature = (per_24h=0, per_days=0, days=0))]
    fn set_caps(&self, py: Python<'_>, per_24h: u16, per_days: u16, days: u16) -> PyResult<()> {
        let caps = dialcore::floor::caps::CapsConfig {
            per_24h,
            per_days,
            days,
        };
        self.floor(py, |f| f.set_caps(caps))
    }

    /// Feeds one event at `now_ms`: `campaign` is the campaign of the call
    /// (as `poll` gave it), None for an operator event (login, ready,
    /// pause, logout, leaving). Raises and changes nothing when the event
    /// does not fit.
    #[pyo3(signature = (campaign, event, now_ms))]
    fn handle(
        &self,
        py: Python<'_>,
        campaign: Option<u32>,
        event: &Bound<'_, Event>,
        now_ms: u64,
    ) -> PyResult<()> {
        let ev = FloorEvent {
            campaign: campaign.map(CampaignId),
            event: event.get().inner,
        };
        self.floor(py, |f| f.handle(ev, now_ms))
    }

    /// Runs what is due at `now_ms` over every campaign and returns the
    /// commands as `(campaign, command)` pairs.
    fn poll(&self, py: Python<'_>, now_ms: u64) -> PyResult<Vec<(u32, Command)>> {
        let cmds = self.floor(py, |f| {
            let mut out = Vec::new();
            f.poll(now_ms, &mut out).map(|()| out)
        })?;
        Ok(cmds
            .iter()
            .map(|c| (c.campaign.0, Command::from_core(&c.command)))
            .collect())
    }

    /// As `poll`, with the trunk each Dial holds a line on (None for other
    /// commands or a campaign routed to no trunk): `(campaign, trunk, command)`.
    fn poll_with_trunks(
        &self,
        py: Python<'_>,
        now_ms: u64,
    ) -> PyResult<Vec<(u32, Option<u32>, Command)>> {
        let cmds = self.floor(py, |f| {
            let mut out = Vec::new();
            f.poll(now_ms, &mut out).map(|()| out)
        })?;
        Ok(cmds
            .iter()
            .map(|c| {
                (
                    c.campaign.0,
                    c.trunk.map(|t| t.0),
                    Command::from_core(&c.command),
                )
            })
            .collect())
    }

    /// When to call `poll` next (ms since the epoch), or None.
    fn next_deadline(&self, py: Python<'_>) -> PyResult<Option<u64>> {
        self.with(py, false, |i| i.floor.next_deadline())
    }

    /// The campaign `operator` is attached to now, or None.
    fn operator_campaign(&self, py: Python<'_>, operator: u32) -> PyResult<Option<u32>> {
        self.with(py, false, |i| {
            i.floor.operator_campaign(OperatorId(operator)).map(|c| c.0)
        })
    }

    /// Contacts per state, one dict per campaign: `{"campaign": id, "name":
    /// "sales", "Initial": 10, …}` (all 17 state names); a list ready for
    /// `pandas.DataFrame(floor.counts())`. With `campaign`, that
    /// campaign's row only.
    #[pyo3(signature = (campaign=None))]
    fn counts<'py>(&self, py: Python<'py>, campaign: Option<u32>) -> PyResult<Bound<'py, PyList>> {
        let rows = self
            .with(py, false, |i| {
                let ids: Vec<CampaignId> = match campaign {
                    Some(c) => vec![CampaignId(c)],
                    None => i.floor.campaign_ids().collect(),
                };
                ids.into_iter()
                    .map(|c| {
                        let camp = i.floor.campaign(c)?;
                        let name = i.floor.campaign_name(c).unwrap_or("").to_owned();
                        Ok((c.0, name, camp.counts().0))
                    })
                    .collect::<Result<Vec<_>, CoreFloorError>>()
            })?
            .map_err(floor_err)?;
        let out = PyList::empty(py);
        for (id, name, counts) in rows {
            let d = PyDict::new(py);
            d.set_item("campaign", id)?;
            d.set_item("name", name)?;
            for s in State::ALL {
                d.set_item(s.name(), counts[s.code() as usize])?;
            }
            out.append(d)?;
        }
        Ok(out)
    }

    /// The figures of `campaign` at `now_ms` (its clock by default): the
    /// keys of `Campaign.metrics()` — dials, connected, abandoned,
    /// abandon_rate (the law counts per campaign), …
    #[pyo3(signature = (campaign, now_ms=None))]
    fn metrics<'py>(
        &self,
        py: Python<'py>,
        campaign: u32,
        now_ms: Option<u64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let m = self
            .with(py, false, |i| {
                let c = i.floor.campaign_mut(CampaignId(campaign))?;
                let now = now_ms.unwrap_or_else(|| c.now_ms());
                c.metrics(now).map_err(|e| CoreFloorError::Campaign {
                    campaign: CampaignId(campaign),
                    error: e,
                })
            })?
            .map_err(floor_err)?;
        let d = PyDict::new(py);
        d.set_item("dials", m.dials)?;
        d.set_item("answered", m.answered)?;
        d.set_item("machine", m.machine)?;
        d.set_item("connected", m.connected)?;
        d.set_item("abandoned", m.abandoned)?;
        d.set_item("abandon_rate", m.abandon_rate)?;
        d.set_item("abandon_rate_24h", m.abandon_rate_24h)?;
        d.set_item("abandon_rate_30d", m.abandon_rate_30d)?;
        d.set_item("occupancy", m.occupancy)?;
        d.set_item("talk_ms", m.talk_ms)?;
        d.set_item("ringing", m.ringing)?;
        d.set_item("waiting", m.waiting)?;
        Ok(d)
    }

    /// Operators by state, one dict per pool: `{"pool": id, "name": …,
    /// "logged_out", "paused", "ready", "reserved", "outbound", "inbound"}`;
    /// a list ready for `pandas.DataFrame(...)`. With `pool`, that pool's
    /// dict only.
    #[pyo3(signature = (pool=None))]
    fn pool_counts<'py>(&self, py: Python<'py>, pool: Option<u32>) -> PyResult<Bound<'py, PyAny>> {
        let rows = self
            .with(py, false, |i| {
                i.pools
                    .iter()
                    .filter(|(id, _)| pool.is_none_or(|p| id.0 == p))
                    .map(|(id, name)| Ok((*id, name.clone(), i.floor.pool_counts(*id)?)))
                    .collect::<Result<Vec<_>, CoreFloorError>>()
            })?
            .map_err(floor_err)?;
        if let Some(p) = pool {
            let Some((id, name, c)) = rows.into_iter().next() else {
                return Err(floor_err(CoreFloorError::UnknownPool(PoolId(p))));
            };
            return Ok(pool_row(py, id, &name, c)?.into_any());
        }
        let out = PyList::empty(py);
        for (id, name, c) in rows {
            out.append(pool_row(py, id, &name, c)?)?;
        }
        Ok(out.into_any())
    }

    /// Adds contacts with normalized numbers (E.164 digits) to `campaign`;
    /// returns their ids.
    #[pyo3(signature = (campaign, numbers, priority=0))]
    fn add_numbers(
        &self,
        py: Python<'_>,
        campaign: u32,
        numbers: Vec<u64>,
        priority: u8,
    ) -> PyResult<Vec<u32>> {
        self.with(py, numbers.len() > 100_000, |i| {
            let c = i.floor.campaign_mut(CampaignId(campaign))?;
            c.add_numbers(&numbers, priority)
                .map(|r| r.collect::<Vec<u32>>())
                .map_err(|e| CoreFloorError::Campaign {
                    campaign: CampaignId(campaign),
                    error: e,
                })
        })?
        .map_err(floor_err)
    }

    /// Adds one contact with one or several numbers (text, normalized with
    /// the campaign's `default_country`) to `campaign`; returns its id.
    #[pyo3(signature = (campaign, phones, external_id=None, priority=0))]
    fn add_contact(
        &self,
        py: Python<'_>,
        campaign: u32,
        phones: Vec<String>,
        external_id: Option<String>,
        priority: u8,
    ) -> PyResult<u32> {
        self.with(py, false, |i| {
            let c = i.floor.campaign_mut(CampaignId(campaign))?;
            let inputs: Vec<dialcore::campaign::several::PhoneInput<'_>> = phones
                .iter()
                .map(|p| dialcore::campaign::several::PhoneInput::new(p))
                .collect();
            c.add_contact_numbers(&inputs, external_id.as_deref().unwrap_or(""), priority)
                .map(|(id, _)| id.0)
                .map_err(|e| CoreFloorError::Campaign {
                    campaign: CampaignId(campaign),
                    error: e,
                })
        })?
        .map_err(floor_err)
    }

    /// Imports a CSV contact list into `campaign` (as `Campaign.import_csv`).
    fn import_csv(&self, py: Python<'_>, campaign: u32, path: PathBuf) -> PyResult<ImportReport> {
        let r = self.with(py, true, |i| {
            i.floor
                .campaign_mut(CampaignId(campaign))
                .map(|c| c.import_csv_path(&path))
        })?;
        let r = r.map_err(floor_err)?;
        Ok(ImportReport::from_core(r.map_err(import_err)?))
    }

    /// Loads numbers into `campaign`'s own blacklist (for a list several
    /// campaigns share, use `add_list`).
    fn blacklist(&self, py: Python<'_>, campaign: u32, numbers: Vec<u64>) -> PyResult<()> {
        self.floor(py, |f| {
            f.campaign_mut(CampaignId(campaign))
                .map(|c| c.blacklist_numbers(&numbers))
        })
    }

    /// The `State` of one contact of `campaign`.
    fn state<'py>(
        &self,
        py: Python<'py>,
        campaign: u32,
        contact: u32,
    ) -> PyResult<Bound<'py, PyAny>> {
        let s = self
            .with(py, false, |i| {
                i.floor
                    .campaign(CampaignId(campaign))
                    .map(|c| c.state(ContactId(contact)))
            })?
            .map_err(floor_err)?;
        match s {
            Some(s) => state_enum(py, s),
            None => Err(engine_err(dialcore::EngineError::UnknownContact(
                ContactId(contact),
            ))),
        }
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.with(py, false, |i| i.floor.campaign_ids().count())
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        self.with(py, false, |i| {
            format!(
                "Floor(campaigns={}, pools={})",
                i.floor.campaign_ids().count(),
                i.pools.len()
            )
        })
        .unwrap_or_else(|_| "Floor(?)".to_owned())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Floor>()?;
    m.add("FloorError", m.py().get_type::<FloorError>())?;
    Ok(())
}
