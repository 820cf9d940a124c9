//! The floor from C: many campaigns sharing operators, trunks, do-not-call
//! lists and caps in one `dc_floor` (`dialcore::Floor`).
//!
//! **Model.** A `dc_floor` is an opaque handle around one `Floor` behind a
//! mutex, with the conventions of `dc_campaign` (every call takes the lock
//! once; a status code, `dc_last_error_message` naming the bad input, no
//! panic across the boundary, a handle whose call panicked answers
//! `DC_STATUS_PANIC` from then on). Campaigns are added and removed at run
//! time and named by the `uint32_t` id `dc_floor_add_campaign` gives; pools,
//! trunks and lists likewise. Operators are the floor's (ids 0, 1, 2, … in
//! the order `dc_floor_add_operator` adds them, whatever their pool); an
//! operator event names no campaign (`DC_FLOOR_NO_CAMPAIGN`), a call event
//! names the campaign of the command it answers. One `dc_floor_poll` hands
//! out the commands of every campaign, each with its campaign and the trunk
//! its Dial holds a line on.
//!
//! Split by job: this file holds the handle, its errors and the floor's
//! structure (campaigns, pools, operators, trunks, lists, caps);
//! `floor/calls.rs` the events, the poll and the queries; `floor/contacts.rs`
//! the contacts of a campaign (through its id); `floor/durable.rs` a floor
//! kept in a data directory and the inbound reserve.

use std::collections::VecDeque;
use std::ffi::c_char;
use std::sync::Arc;

use engine::floor::dnc::{ListId, Scope};
use engine::floor::trunk::{TrunkConfig, TrunkId};
use engine::floor::{CampaignId, PoolId};
use engine::{Floor, FloorCommand, FloorError};
use parking_lot::Mutex;

use super::{dc_config, dc_status, read_config, req_str, run, run_or, slice, write_out, Fail};

mod calls;
mod contacts;
mod durable;
pub use calls::*;
pub use contacts::*;
pub use durable::*;

/// The `campaign` of a `dc_floor_event` that names no campaign (operator
/// events), and of a query result where there is none
/// (`dc_floor_operator_campaign` of an operator attached nowhere).
pub const DC_FLOOR_NO_CAMPAIGN: u32 = u32::MAX;

/// The `trunk` of a `dc_floor_command` that holds no trunk line (not a
/// Dial, or a campaign routed to no trunk).
pub const DC_FLOOR_NO_TRUNK: u32 = u32::MAX;

/// Many campaigns sharing operators, trunks, lists and caps, behind a lock.
/// Opaque; create with `dc_floor_new`, free with `dc_floor_free`. Every
/// function may be called from any thread, concurrently.
pub struct dc_floor {
    _private: [u8; 0],
}

pub(crate) struct FloorInner {
    pub(crate) floor: Floor,
    /// Commands produced but not yet handed out (the caller's buffer was full).
    pub(crate) pending: VecDeque<FloorCommand>,
    pub(crate) scratch: Vec<FloorCommand>,
    /// Set while a call runs inside the lock; still set after a panic there.
    pub(crate) broken: bool,
}

pub(crate) struct FloorHandle {
    pub(crate) inner: Mutex<FloorInner>,
}

/// The handle behind a floor pointer.
pub(crate) unsafe fn floor_ref<'a>(f: *const dc_floor) -> Result<&'a FloorHandle, Fail> {
    if f.is_null() {
        return Err(Fail::null("floor"));
    }
    // SAFETY: non-NULL; the caller guarantees it came from `dc_floor_new`
    // (a leaked `Box<FloorHandle>`) and is not freed during the call. Only
    // shared access is taken; mutation goes through the mutex.
    Ok(unsafe { &*f.cast::<FloorHandle>() })
}

/// `floor_ref` then `locked_floor`.
pub(crate) unsafe fn with_floor<R>(
    f: *const dc_floor,
    body: impl FnOnce(&mut FloorInner) -> Result<R, Fail>,
) -> Result<R, Fail> {
    // SAFETY: forwarded contract.
    locked_floor(unsafe { floor_ref(f) }?, body)
}

/// Locks the floor and runs `body` on it. A panic inside `body` leaves the
/// handle marked broken: later calls answer `DC_STATUS_PANIC`.
pub(crate) fn locked_floor<R>(
    handle: &FloorHandle,
    body: impl FnOnce(&mut FloorInner) -> Result<R, Fail>,
) -> Result<R, Fail> {
    let mut inner = handle.inner.lock();
    if inner.broken {
        return Err(Fail::new(
            dc_status::Panic,
            "an earlier call panicked inside this floor; its state may be inconsistent: free it",
        ));
    }
    inner.broken = true;
    let result = body(&mut inner);
    inner.broken = false;
    result
}

impl From<FloorError> for Fail {
    fn from(e: FloorError) -> Fail {
        let status = match &e {
            FloorError::UnknownCampaign(_) => dc_status::UnknownCampaign,
            FloorError::UnknownPool(_) => dc_status::UnknownPool,
            FloorError::UnknownOperator(_) => dc_status::UnknownOperator,
            FloorError::UnknownTrunk(_) => dc_status::UnknownTrunk,
            FloorError::UnknownList(_) => dc_status::UnknownList,
            FloorError::NotAssigned { .. }
            | FloorError::Pool(engine::floor::pool::PoolError::NotAssigned { .. }) => {
                dc_status::NotAssigned
            }
            FloorError::CampaignBusy(_) => dc_status::CampaignBusy,
            FloorError::Campaign { error, .. } => Fail::from(error.clone()).0,
            FloorError::Config(_) => dc_status::InvalidConfig,
            FloorError::TimeOutOfRange { .. } => dc_status::TimeOutOfRange,
            FloorError::Durable(_) => dc_status::Io,
            FloorError::DuplicateName(_)
            | FloorError::WrongTarget { .. }
            | FloorError::Pool(_)
            | FloorError::Trunk(_)
            | FloorError::Share(_)
            | FloorError::Caps(_) => dc_status::InvalidArgument,
        };
        Fail::new(status, e)
    }
}

/// `Ok` of a floor call, its error as a `Fail`.
pub(crate) fn floor_ok<T>(r: Result<T, FloorError>) -> Result<T, Fail> {
    r.map_err(Fail::from)
}

/// Creates an empty floor (no campaign, pool, operator, trunk or list) into
/// `*out`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_new(out: *mut *mut dc_floor) -> dc_status {
    run(|| {
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        let handle = Box::new(FloorHandle {
            inner: Mutex::new(FloorInner {
                floor: Floor::new(),
                pending: VecDeque::new(),
                scratch: Vec::new(),
                broken: false,
            }),
        });
        // SAFETY: non-NULL (checked above), writable per the contract.
        unsafe { out.write(Box::into_raw(handle).cast::<dc_floor>()) };
        Ok(())
    })
}

/// Frees a floor and every campaign on it. NULL is a no-op. No other
/// thread may use the handle during or after this call.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_free(floor: *mut dc_floor) {
    if floor.is_null() {
        return;
    }
    run_or((), || {
        // SAFETY: non-NULL; the caller guarantees it came from
        // `dc_floor_new` and is freed once, with no other user left.
        drop(unsafe { Box::from_raw(floor.cast::<FloorHandle>()) });
    });
}

// ----------------------------------------------------------------------
// Campaigns
// ----------------------------------------------------------------------

/// Adds a campaign named `name` (unique on the floor) with its own
/// `config` (every mode, window, rules, abandon target of a
/// `dc_campaign`), its `priority` (a bigger number is served first) and
/// `weight` (its share among campaigns of the same priority,
/// 1..=1000000); its id goes to `*out_campaign`. A bad `config` is
/// `DC_STATUS_INVALID_CONFIG` naming the field, a name already used
/// `DC_STATUS_INVALID_ARGUMENT`; nothing is added then. The campaign dials
/// only once a pool serving it (`dc_floor_assign`) has ready operators.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_add_campaign(
    floor: *mut dc_floor,
    name: *const c_char,
    config: *const dc_config,
    priority: u8,
    weight: u32,
    out_campaign: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let name = unsafe { req_str(name, "name") }?;
        if config.is_null() {
            return Err(Fail::null("config"));
        }
        if out_campaign.is_null() {
            return Err(Fail::null("out_campaign"));
        }
        // SAFETY: non-NULL, valid per the contract.
        let config = unsafe { read_config(config) }?;
        // SAFETY: the floor pointer per the contract.
        let id = unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.add_campaign(name, config, priority, weight))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_campaign, id.0, "out_campaign") }
    })
}

/// Removes a campaign and its contacts. `DC_STATUS_CAMPAIGN_BUSY` while it
/// has calls in flight or operators busy in it (end them first: pause the
/// campaign with a `DC_EVENT_KIND_PAUSE` event and let its calls end);
/// `DC_STATUS_UNKNOWN_CAMPAIGN` for an id that names none. Its id is not
/// reused.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_remove_campaign(
    floor: *mut dc_floor,
    campaign: u32,
) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.remove_campaign(CampaignId(campaign)))
            })
        }
    })
}

/// Changes a campaign's priority and weight (1..=1000000).
#[no_mangle]
pub unsafe extern "C" fn dc_floor_set_share(
    floor: *mut dc_floor,
    campaign: u32,
    priority: u8,
    weight: u32,
) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(
                    inner
                        .floor
                        .set_share(CampaignId(campaign), priority, weight),
                )
            })
        }
    })
}

/// Writes the id of the campaign named `name` to `*out_campaign`;
/// `DC_STATUS_UNKNOWN_CAMPAIGN` when no campaign has that name.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_campaign_id(
    floor: *const dc_floor,
    name: *const c_char,
    out_campaign: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let name = unsafe { req_str(name, "name") }?;
        // SAFETY: the floor pointer per the contract.
        let id = unsafe {
            with_floor(floor, |inner| {
                inner.floor.campaign_id(name).ok_or_else(|| {
                    Fail::new(
                        dc_status::UnknownCampaign,
                        format!("no campaign is named {name:?}"),
                    )
                })
            })
        }?;
        // SAFETY: out-parameter per the contract.
        unsafe { write_out(out_campaign, id.0, "out_campaign") }
    })
}

// ----------------------------------------------------------------------
// Pools and operators
// ----------------------------------------------------------------------

/// Adds a pool of operators (one skill set) named `name` (unique); its id
/// goes to `*out_pool`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_add_pool(
    floor: *mut dc_floor,
    name: *const c_char,
    out_pool: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let name = unsafe { req_str(name, "name") }?;
        if out_pool.is_null() {
            return Err(Fail::null("out_pool"));
        }
        // SAFETY: the floor pointer per the contract.
        let id = unsafe { with_floor(floor, |inner| floor_ok(inner.floor.add_pool(name))) }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_pool, id.0, "out_pool") }
    })
}

/// Lets the operators of `pool` serve `campaign` (`assigned` true) or stops
/// it (false: its operators finish their work there and are not given it
/// again; a pool not assigned is a no-op). An operator may serve every
/// campaign its pool is assigned to, one campaign at a time.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_assign(
    floor: *mut dc_floor,
    pool: u32,
    campaign: u32,
    assigned: bool,
) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                let (p, c) = (PoolId(pool), CampaignId(campaign));
                floor_ok(if assigned {
                    inner.floor.assign(p, c)
                } else {
                    inner.floor.unassign(p, c)
                })
            })
        }
    })
}

/// Adds an operator to `pool` (logged out until a
/// `DC_EVENT_KIND_OPERATOR_LOGIN` event naming no campaign); its floor-wide
/// id goes to `*out_operator`.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_add_operator(
    floor: *mut dc_floor,
    pool: u32,
    out_operator: *mut u32,
) -> dc_status {
    run(|| {
        if out_operator.is_null() {
            return Err(Fail::null("out_operator"));
        }
        // SAFETY: the floor pointer per the contract.
        let id = unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.add_operator(PoolId(pool)))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_operator, id.0, "out_operator") }
    })
}

/// Keeps `operators` of `pool`'s ready operators free for inbound work:
/// pacing and outbound calls count only the rest.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_set_inbound_target(
    floor: *mut dc_floor,
    pool: u32,
    operators: u32,
) -> dc_status {
    run(|| {
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.set_inbound_target(PoolId(pool), operators))
            })
        }
    })
}

// ----------------------------------------------------------------------
// Trunks
// ----------------------------------------------------------------------

/// The limits of one trunk (`dc_floor_add_trunk`); start from
/// `dc_trunk_config_default`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct dc_trunk_config {
    /// Simultaneous calls at most (the lines), >= 1.
    pub max_calls: u32,
    /// New calls a second, in thousandths (5000 = 5 calls a second), >= 1.
    pub cps_milli: u32,
    /// Calls that may start in the same millisecond after a quiet spell, >= 1.
    pub burst: u32,
    /// The lowest rate a congestion backoff goes down to, thousandths of a
    /// call a second, 1..=cps_milli.
    pub min_cps_milli: u32,
}

/// A trunk of `max_calls` lines and `cps` calls a second, a burst of one
/// second's calls, backing off to a tenth of the rate at most.
#[no_mangle]
pub extern "C" fn dc_trunk_config_default(max_calls: u32, cps: u32) -> dc_trunk_config {
    let t = TrunkConfig::new(max_calls, cps);
    dc_trunk_config {
        max_calls: t.max_calls,
        cps_milli: t.cps_milli,
        burst: t.burst,
        min_cps_milli: t.min_cps_milli,
    }
}

/// Adds a trunk at `now_ms` (its bucket starts full); its id goes to
/// `*out_trunk`. A zero limit is `DC_STATUS_INVALID_ARGUMENT` naming the
/// field. A Dial is never handed out past a trunk's lines or rate; a
/// `DC_EVENT_KIND_CONGESTION` on a call halves its trunk's rate.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_add_trunk(
    floor: *mut dc_floor,
    config: *const dc_trunk_config,
    now_ms: u64,
    out_trunk: *mut u32,
) -> dc_status {
    run(|| {
        if config.is_null() {
            return Err(Fail::null("config"));
        }
        if out_trunk.is_null() {
            return Err(Fail::null("out_trunk"));
        }
        // SAFETY: non-NULL, valid per the contract; every field is a u32.
        let c = unsafe { config.read() };
        let config = TrunkConfig {
            max_calls: c.max_calls,
            cps_milli: c.cps_milli,
            burst: c.burst,
            min_cps_milli: c.min_cps_milli,
        };
        // SAFETY: the floor pointer per the contract.
        let id = unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.add_trunk(config, now_ms))
            })
        }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_trunk, id.0, "out_trunk") }
    })
}

/// Routes `campaign` over `count` trunks, tried in order (replacing its
/// route; `count` 0: no trunk, no line limit). `trunks` may be NULL when
/// `count` is 0.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_route(
    floor: *mut dc_floor,
    campaign: u32,
    trunks: *const u32,
    count: usize,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable ids per the contract.
        let ids: Vec<TrunkId> = unsafe { slice(trunks, count, "trunks") }?
            .iter()
            .map(|&t| TrunkId(t))
            .collect();
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.route(CampaignId(campaign), &ids))
            })
        }
    })
}

// ----------------------------------------------------------------------
// Do-not-call lists and caps
// ----------------------------------------------------------------------

/// Which campaigns a do-not-call list applies to.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum dc_scope_kind {
    /// Every campaign of the floor (also those added later).
    Floor = 0,
    /// One campaign: `campaigns[0]`.
    Campaign = 1,
    /// The `count` campaigns at `campaigns`.
    Campaigns = 2,
}

/// The scope of a do-not-call list (`dc_floor_add_list`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct dc_list_scope {
    /// Floor, one campaign, or several.
    pub kind: dc_scope_kind,
    /// The campaign ids (`DC_SCOPE_KIND_CAMPAIGN`: one; `_CAMPAIGNS`:
    /// `count`); NULL for `DC_SCOPE_KIND_FLOOR`.
    pub campaigns: *const u32,
    /// How many ids `campaigns` holds.
    pub count: usize,
}

unsafe fn read_scope(p: *const dc_list_scope) -> Result<Scope, Fail> {
    let kind = read_u32!(p, kind);
    let count: usize = read_plain!(p, count);
    let ptr: *const u32 = read_plain!(p, campaigns);
    // SAFETY: `count` readable ids at `campaigns` per the contract.
    let ids: Vec<CampaignId> = unsafe { slice(ptr, count, "scope.campaigns") }?
        .iter()
        .map(|&c| CampaignId(c))
        .collect();
    match kind {
        0 => Ok(Scope::Floor),
        1 => match ids.as_slice() {
            [one] => Ok(Scope::Campaign(*one)),
            _ => Err(Fail::invalid(format!(
                "scope.count {count}: DC_SCOPE_KIND_CAMPAIGN names exactly one campaign"
            ))),
        },
        2 if !ids.is_empty() => Ok(Scope::Campaigns(ids)),
        2 => Err(Fail::invalid(
            "scope.count 0: DC_SCOPE_KIND_CAMPAIGNS names at least one campaign",
        )),
        k => Err(Fail::invalid(format!(
            "scope.kind {k} is not a dc_scope_kind"
        ))),
    }
}

/// Adds a do-not-call list named `name` over `scope`; its id goes to
/// `*out_list`. A scope naming an unknown campaign is
/// `DC_STATUS_UNKNOWN_CAMPAIGN`. A number on a list in scope is never
/// dialed for the campaign: its contact ends Blacklisted at its next
/// emission.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_add_list(
    floor: *mut dc_floor,
    name: *const c_char,
    scope: *const dc_list_scope,
    out_list: *mut u32,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let name = unsafe { req_str(name, "name") }?;
        if scope.is_null() {
            return Err(Fail::null("scope"));
        }
        if out_list.is_null() {
            return Err(Fail::null("out_list"));
        }
        // SAFETY: non-NULL, valid per the contract.
        let scope = unsafe { read_scope(scope) }?;
        // SAFETY: the floor pointer per the contract.
        let id = unsafe { with_floor(floor, |inner| floor_ok(inner.floor.add_list(name, scope))) }?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out_list, id.0, "out_list") }
    })
}

/// Adds `count` numbers (E.164 digits) to `list`, until `until_ms` (ms
/// since the epoch; 0 = for good). Effective at the next emission.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_list_add(
    floor: *mut dc_floor,
    list: u32,
    numbers: *const u64,
    count: usize,
    until_ms: u64,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable numbers per the contract.
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        let until = (until_ms != 0).then_some(until_ms);
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.list_add(ListId(list), numbers, until))
            })
        }
    })
}

/// Removes `count` numbers from `list` (numbers not on it are ignored).
#[no_mangle]
pub unsafe extern "C" fn dc_floor_list_remove(
    floor: *mut dc_floor,
    list: u32,
    numbers: *const u64,
    count: usize,
) -> dc_status {
    run(|| {
        // SAFETY: `count` readable numbers per the contract.
        let numbers = unsafe { slice(numbers, count, "numbers") }?;
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                floor_ok(inner.floor.list_remove(ListId(list), numbers))
            })
        }
    })
}

/// Loads a national do-not-call registry (one number a line, national
/// numbers read with `default_country`, e.g. 1, or 0 for international
/// numbers only; `#` comments and blank
/// lines skipped) from the file at `path` and makes it the floor's
/// registry (it applies to every campaign; memory counted once, replacing
/// any registry loaded before). Invalid lines are counted, not fatal;
/// the valid numbers read go to `*out_numbers` (optional). A file that
/// cannot be read is `DC_STATUS_IO` and changes nothing.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_load_registry(
    floor: *mut dc_floor,
    path: *const c_char,
    default_country: u16,
    out_numbers: *mut u64,
) -> dc_status {
    run(|| {
        // SAFETY: NUL-terminated string or NULL per the contract.
        let path = unsafe { req_str(path, "path") }?;
        let file = std::fs::File::open(path)
            .map_err(|e| Fail::new(dc_status::Io, format!("cannot open {path}: {e}")))?;
        let mut registry = engine::blacklist::Blacklist::new();
        let rules = match default_country {
            0 => engine::phone::PhoneRules::international_only(),
            cc => engine::phone::PhoneRules::with_country(cc),
        };
        let report = registry
            .load_registry(std::io::BufReader::with_capacity(1 << 20, file), rules)
            .map_err(|e| Fail::new(dc_status::Io, format!("cannot read {path}: {e}")))?;
        registry.shrink_to_fit();
        // SAFETY: the floor pointer per the contract.
        unsafe {
            with_floor(floor, |inner| {
                inner.floor.set_registry(Arc::new(registry));
                Ok(())
            })
        }?;
        if !out_numbers.is_null() {
            // SAFETY: non-NULL, writable per the contract.
            unsafe { out_numbers.write(report.added + report.already_present) };
        }
        Ok(())
    })
}

/// Caps the dials to one number over the whole floor, every campaign
/// counted: at most `per_24h` in any rolling 24 hours and `per_days` in any
/// rolling `days` days (0 = no cap; `days` 1..=366 when `per_days` is set).
/// A number is also never in two calls at once, whichever campaigns dial it.
/// A dial a cap refuses is not an attempt: the contact is retried when the
/// cap allows.
#[no_mangle]
pub unsafe extern "C" fn dc_floor_set_caps(
    floor: *mut dc_floor,
    per_24h: u16,
    per_days: u16,
    days: u16,
) -> dc_status {
    run(|| {
        let caps = engine::floor::caps::CapsConfig {
            per_24h,
            per_days,
            days,
        };
        // SAFETY: the floor pointer per the contract.
        unsafe { with_floor(floor, |inner| floor_ok(inner.floor.set_caps(caps))) }
    })
}
