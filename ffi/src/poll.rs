//! The poll: `dc_campaign_poll` fires timers, paces and hands commands out
//! through the compliance guards, holding back what does not fit the
//! host's buffer (and rechecking it when it is handed out later); it syncs
//! the journal outside the lock before any command reaches the host.
//! `dc_campaign_pending` says how much work the next poll has.

use engine::Command;

use crate::{
    begin_output, dc_campaign, dc_command, dc_status, handle_ref, locked, run, with_campaign,
    write_out, Fail, Inner,
};

/// Fires due timers, selects and paces at `now_ms`, and writes up to `cap`
/// commands to `out`; how many goes to `*written`. Commands that do not fit
/// stay in the campaign, in order, and come first from the next poll (see
/// `dc_campaign_pending`): call again until `*written < cap`. Never writes
/// past `cap`. `out` may be NULL when `cap` is 0.
///
/// Every command passes the compliance guards at the moment it is written
/// to `out`: a held command that a guard forbids by then (its number
/// blacklisted, the campaign paused, the window closed, its call over) is
/// withdrawn and never written — a held Offer goes back to the hopper, a
/// held Dial ends its attempt without being dialed and is due again at once
/// (the attempt stays counted; its operator gets a Revoke).
/// `DC_STATUS_TIME_OUT_OF_RANGE` for `now_ms` past `DC_MAX_TIME_MS`.
///
/// A durable campaign whose journal cannot be written hands out nothing:
/// the call returns `DC_STATUS_IO` with the file and the error in the
/// message (as `dc_campaign_durability_error`); free the handle and open
/// the directory again.
///
/// **Ordering and the lock.** The poll runs under the campaign's lock and
/// writes its journal records there (one `write`); the `fdatasync` the
/// fsync policy asks for runs *after* the lock is released, so other
/// threads' `dc_campaign_handle` calls do not wait on the disk. The call
/// returns (and `*written` counts the commands in `out`) only once that
/// sync succeeded: no Dial reaches the host before the record of the
/// transition that issued it is on stable storage. Concurrent polls each
/// sync through the newest offset written before they hand anything out.
/// If the sync fails, the call returns `DC_STATUS_IO`, `*written` stays 0,
/// and the campaign refuses every later poll, as for a failed write.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_poll(
    campaign: *mut dc_campaign,
    now_ms: u64,
    out: *mut dc_command,
    cap: usize,
    written: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: `written` per the contract (checked for NULL inside).
        unsafe { begin_output(out, cap, written) }?;
        // SAFETY: the campaign pointer per the contract.
        let handle = unsafe { handle_ref(campaign) }?;
        let (n, sync) = {
            locked(handle, |inner| {
                let Inner {
                    campaign,
                    pending,
                    scratch,
                    last_sync,
                    sync_under_lock,
                    ..
                } = inner;
                scratch.clear();
                if !*sync_under_lock {
                    campaign.defer_sync();
                }
                let polled = campaign.poll(now_ms, scratch);
                // Taken on every path, so no deferral outlives this poll.
                if let Some(h) = campaign.take_sync() {
                    *last_sync = Some(h);
                }
                polled?;
                if let Some(e) = campaign.durability_error() {
                    return Err(Fail::new(
                        dc_status::Io,
                        format!("journal write failed, no commands handed out: {e}"),
                    ));
                }
                let mut n = 0;
                let mut put = |cmd: Command| {
                    // SAFETY: n < cap and the caller gives `cap` writable
                    // commands at `out` (non-NULL when cap > 0).
                    unsafe { out.add(n).write(dc_command::from_command(cmd)) };
                    n += 1;
                };
                if pending.is_empty() && scratch.len() <= cap {
                    scratch.drain(..).for_each(&mut put);
                } else {
                    // Held commands pass the emission gate again now: one
                    // a guard forbids by now is withdrawn, not handed out.
                    pending.extend(scratch.drain(..));
                    let mut given = 0;
                    while given < cap {
                        let Some(cmd) = pending.pop_front() else {
                            break;
                        };
                        if campaign.recheck(&cmd, now_ms)? {
                            put(cmd);
                            given += 1;
                        }
                    }
                }
                let sync = last_sync.as_ref().filter(|h| !h.is_done()).cloned();
                if sync.is_none() {
                    *last_sync = None;
                }
                Ok((n, sync))
            })
        }?;
        // Outside the lock: the records of what `out` holds reach the disk
        // before the host may read it.
        if let Some(h) = sync {
            h.sync().map_err(|e| {
                Fail::new(
                    dc_status::Io,
                    format!("journal sync failed, no commands handed out: {e}"),
                )
            })?;
        }
        // SAFETY: checked non-NULL above.
        unsafe { written.write(n) };
        Ok(())
    })
}

/// Rust only, for the benchmark comparing both orderings (`benches/`,
/// `lock_wait`): `true` makes `dc_campaign_poll` fsync inside the lock, as
/// it did before the sync moved out of it. Not in the C header.
///
/// # Safety
///
/// `campaign` is NULL (ignored) or a live handle.
#[doc(hidden)]
pub unsafe fn sync_under_lock(campaign: *mut dc_campaign, on: bool) {
    // SAFETY: forwarded contract.
    if let Ok(h) = unsafe { handle_ref(campaign) } {
        h.inner.lock().sync_under_lock = on;
    }
}

/// Writes how much work the next `dc_campaign_poll` has at once to `*out`:
/// the commands held back by an earlier poll's `cap`, plus the engine's due
/// work (commands queued by events, answered calls waiting while an operator
/// is ready, due timers such as the BCW countdown that `OperatorAccepted`
/// with `bcw_ms = 0` or `OperatorDialNow` makes due at once). Greater than 0
/// means: poll now. See `dc_campaign_next_deadline` for the whole rule.
#[no_mangle]
pub unsafe extern "C" fn dc_campaign_pending(
    campaign: *const dc_campaign,
    out: *mut usize,
) -> dc_status {
    run(|| {
        // SAFETY: the campaign pointer per the contract.
        let n = unsafe {
            with_campaign(campaign, |inner| {
                Ok(inner.pending.len() + inner.campaign.pending())
            })
        }?;
        // SAFETY: out-parameter per the contract.
        unsafe { write_out(out, n, "out") }
    })
}
