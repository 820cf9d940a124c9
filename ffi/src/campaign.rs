//! The campaign handle: the opaque `dc_campaign` is a leaked `Box<Handle>`,
//! one engine `Campaign` behind a `parking_lot` mutex with what the C layer
//! keeps beside it (commands held back by a full buffer, the deferred
//! journal sync, the panic mark). `with_campaign` takes the lock once per
//! call; a panic inside it leaves the handle marked broken, so later calls
//! answer `DC_STATUS_PANIC` instead of reading a half-updated state.
//! `dc_campaign_new` and `dc_campaign_free` make and end a handle
//! (`dc_campaign_open` in `durable` makes one from a data directory).

use std::collections::VecDeque;

use engine::campaign::durable::Reconciled;
use engine::{Campaign, Command};
use parking_lot::Mutex;

use crate::{dc_config, dc_status, read_config, run, run_or, Fail};

/// One campaign: its contacts, operators and engine, behind a lock. Opaque;
/// create with `dc_campaign_new` (in memory) or `dc_campaign_open` (kept in
/// a data directory), free with `dc_campaign_free`. Every
/// function may be called from any thread, concurrently.
pub struct dc_campaign {
    _private: [u8; 0],
}

pub(crate) struct Inner {
    pub(crate) campaign: Campaign,
    /// What the `dc_campaign_open` that made this handle reconciled.
    pub(crate) reconciled: Vec<Reconciled>,
    /// Commands produced but not yet handed out (the caller's buffer was full).
    pub(crate) pending: VecDeque<Command>,
    pub(crate) scratch: Vec<Command>,
    /// Set while a call runs inside the lock; still set after a panic there.
    pub(crate) broken: bool,
    /// The newest journal sync a poll left to be done outside the lock
    /// (see `dc_campaign_poll`); every poll syncs through it (a no-op once
    /// done) before it hands out a command.
    pub(crate) last_sync: Option<engine::journal::SyncHandle>,
    /// Sync inside the lock, as before the sync moved out: only for the
    /// benchmark that compares both (`sync_under_lock`).
    pub(crate) sync_under_lock: bool,
}

pub(crate) struct Handle {
    pub(crate) inner: Mutex<Inner>,
}

impl Handle {
    pub(crate) fn new(campaign: Campaign, reconciled: Vec<Reconciled>) -> Handle {
        Handle {
            inner: Mutex::new(Inner {
                campaign,
                reconciled,
                pending: VecDeque::new(),
                scratch: Vec::new(),
                broken: false,
                last_sync: None,
                sync_under_lock: false,
            }),
        }
    }
}

/// The handle behind a campaign pointer.
#[inline]
pub(crate) unsafe fn handle_ref<'a>(c: *const dc_campaign) -> Result<&'a Handle, Fail> {
    if c.is_null() {
        return Err(Fail::null("campaign"));
    }
    // SAFETY: non-NULL; the caller guarantees it came from `dc_campaign_new`
    // (a leaked `Box<Handle>`) and is not freed during the call. Only shared
    // access is taken; mutation goes through the mutex.
    Ok(unsafe { &*c.cast::<Handle>() })
}

/// Locks the campaign and runs `f` on it. A panic inside `f` leaves the
/// handle marked broken: later calls answer `DC_STATUS_PANIC`.
#[inline]
pub(crate) fn locked<R>(
    handle: &Handle,
    f: impl FnOnce(&mut Inner) -> Result<R, Fail>,
) -> Result<R, Fail> {
    let mut inner = handle.inner.lock();
    if inner.broken {
        return Err(Fail::new(
            dc_status::Panic,
            "an earlier call panicked inside this campaign; its state may be inconsistent: free it",
        ));
    }
    inner.broken = true;
    let result = f(&mut inner);
    inner.broken = false;
    result
}

/// `handle_ref` then `locked`.
#[inline]
pub(crate) unsafe fn with_campaign<R>(
    c: *const dc_campaign,
    f: impl FnOnce(&mut Inner) -> Result<R, Fail>,
) -> Result<R, Fail> {
    // SAFETY: forwarded contract.
    locked(unsafe { handle_ref(c) }?, f)
}

/// Creates a campaign from `config` into `*out`. Bad values give
/// `DC_STATUS_INVALID_CONFIG` (or `DC_STATUS_UNKNOWN_TIMEZONE`,
/// `DC_STATUS_BAD_UTF8`) with a message naming the field; `*out` is then
/// left unchanged.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_new(
    config: *const dc_config,
    out: *mut *mut dc_campaign,
) -> dc_status {
    run(|| {
        if config.is_null() {
            return Err(Fail::null("config"));
        }
        if out.is_null() {
            return Err(Fail::null("out"));
        }
        // SAFETY: non-NULL, valid per the contract.
        let config = unsafe { read_config(config) }?;
        let campaign = Campaign::new(config).map_err(|e| {
            let status = if e.field == "default_timezone" {
                dc_status::UnknownTimezone
            } else {
                dc_status::InvalidConfig
            };
            Fail::new(status, e)
        })?;
        let handle = Box::new(Handle::new(campaign, Vec::new()));
        // SAFETY: non-NULL (checked above), writable per the contract.
        unsafe { out.write(Box::into_raw(handle).cast::<dc_campaign>()) };
        Ok(())
    })
}

/// Frees a campaign and everything it holds. NULL is a no-op. No other
/// thread may use the handle during or after this call. A durable campaign
/// writes what is buffered (without forcing it to disk: call
/// `dc_campaign_flush` first for that) and releases its data directory.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_free(campaign: *mut dc_campaign) {
    if campaign.is_null() {
        return;
    }
    run_or((), || {
        // SAFETY: non-NULL; the caller guarantees it came from
        // `dc_campaign_new` and is freed once, with no other user left.
        drop(unsafe { Box::from_raw(campaign.cast::<Handle>()) });
    });
}
