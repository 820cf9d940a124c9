//! The writer's lease: one key in a JetStream key-value bucket.
//!
//! The bucket keeps one revision per key and ages entries out after the
//! TTL (`max_age`), so a holder that stops renewing loses the key on the
//! server side too. A candidate takes the lease with *create* (which works
//! only if the key is absent, deleted or aged out) or — when it has watched
//! the same revision for a whole TTL on its own clock without a renewal —
//! with *update expecting that revision*; either way the server applies one
//! writer's operation and refuses the other. The holder renews with *update
//! expecting its last revision* every TTL/4; a refused renewal means
//! someone else holds the lease.
//!
//! The revision at which the lease was won is the **fencing token**: bucket
//! revisions only grow, so every later winner has a higher token. The
//! holder may emit only while [`LeaseState::may_emit`] says so: its last
//! renewal was *sent* less than TTL − margin ago (a renewal that took long
//! to be acknowledged counts from when it was sent, so a paused process
//! comes back with an expired lease, not a fresh one).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use async_nats::jetstream::kv::{Operation, Store, UpdateErrorKind};
use async_nats::jetstream::stream::{self, StorageType};
use bytes::Bytes;
use tokio::sync::Mutex;

use crate::link::Error;

/// The key holding the lease.
pub const LEASE_KEY: &str = "writer";

/// Lease timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeaseTiming {
    /// How long a lease lasts without a renewal.
    pub ttl: Duration,
    /// How much earlier than the TTL the holder stops emitting.
    pub margin: Duration,
}

impl Default for LeaseTiming {
    /// A 2 s lease, renewed every 0.5 s, emitting stopped 0.5 s early.
    fn default() -> Self {
        LeaseTiming {
            ttl: Duration::from_secs(2),
            margin: Duration::from_millis(500),
        }
    }
}

/// Opens (or creates) the lease bucket `name` with `replicas` copies.
pub async fn bucket(
    js: &jetstream::Context,
    name: &str,
    replicas: usize,
    timing: LeaseTiming,
) -> Result<Store, Error> {
    if let Ok(store) = js.get_key_value(name).await {
        return Ok(store);
    }
    // The bucket's stream as `create_key_value` lays it out, created
    // directly: that call first reads the account info, whose 2.9 form
    // this client version does not parse.
    let config = stream::Config {
        name: format!("KV_{name}"),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_age: timing.ttl,
        storage: StorageType::File,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        num_replicas: replicas,
        ..Default::default()
    };
    js.get_or_create_stream(config)
        .await
        .map_err(|e| Error::Nats(format!("creating the lease bucket {name}: {e}")))?;
    js.get_key_value(name)
        .await
        .map_err(|e| Error::Nats(format!("opening the lease bucket {name}: {e}")))
}

/// What the holder's renewals share with the code that emits.
#[derive(Debug)]
pub struct LeaseState {
    /// The fencing token: the revision the lease was won at.
    pub token: u64,
    /// When the last successful renewal was sent, as micros since `epoch`.
    renewed_at_us: AtomicU64,
    epoch: Instant,
    timing: LeaseTiming,
    /// Someone else took the lease.
    lost: AtomicBool,
}

impl LeaseState {
    /// Whether the holder may hand out commands now.
    pub fn may_emit(&self) -> bool {
        if self.lost.load(Ordering::Acquire) {
            return false;
        }
        let renewed = Duration::from_micros(self.renewed_at_us.load(Ordering::Acquire));
        let valid_for = self.timing.ttl.saturating_sub(self.timing.margin);
        self.epoch.elapsed() < renewed + valid_for
    }

    /// Whether a renewal was refused: another writer holds the lease.
    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Acquire)
    }
}

/// A candidate for, then the holder of, the lease.
#[derive(Debug, Clone)]
pub struct Lease {
    store: Store,
    holder: String,
    timing: LeaseTiming,
    /// The revision seen and since when, for the staleness rule.
    seen: Arc<Mutex<Option<(u64, Instant)>>>,
}

impl Lease {
    /// A candidate named `holder` (shown in the key's value).
    pub fn new(store: Store, holder: &str, timing: LeaseTiming) -> Lease {
        Lease {
            store,
            holder: holder.to_owned(),
            timing,
            seen: Arc::new(Mutex::new(None)),
        }
    }

    /// The timing.
    pub fn timing(&self) -> LeaseTiming {
        self.timing
    }

    fn value(&self) -> Bytes {
        Bytes::from(format!("holder={}", self.holder))
    }

    /// One attempt to take the lease: the fencing token if won now, `None`
    /// if another holder still renews it.
    pub async fn try_acquire(&self) -> Result<Option<u64>, Error> {
        let entry = self
            .store
            .entry(LEASE_KEY)
            .await
            .map_err(|e| Error::Nats(format!("reading the lease: {e}")))?;
        let live = entry
            .as_ref()
            .filter(|e| e.operation == Operation::Put)
            .map(|e| e.revision);
        let result = match live {
            None => self
                .store
                .create(LEASE_KEY, self.value())
                .await
                .map_err(|e| e.to_string()),
            Some(rev) => {
                let mut seen = self.seen.lock().await;
                match *seen {
                    Some((r, since)) if r == rev && since.elapsed() >= self.timing.ttl => {
                        drop(seen);
                        self.store
                            .update(LEASE_KEY, self.value(), rev)
                            .await
                            .map_err(|e| e.to_string())
                    }
                    Some((r, _)) if r == rev => return Ok(None),
                    _ => {
                        *seen = Some((rev, Instant::now()));
                        return Ok(None);
                    }
                }
            }
        };
        // A refusal means another candidate won this round.
        Ok(result.ok())
    }

    /// Starts holding a lease just won at revision `token`: renewals run
    /// on the current runtime until it is lost or released. The validity
    /// counts from now, so call it right after the winning request.
    pub async fn hold(&self, token: u64) -> Arc<LeaseState> {
        let state = Arc::new(LeaseState {
            token,
            renewed_at_us: AtomicU64::new(0),
            epoch: Instant::now(),
            timing: self.timing,
            lost: AtomicBool::new(false),
        });
        tokio::spawn(renew(self.clone(), Arc::clone(&state), token));
        state
    }

    /// Gives the lease up (at a clean stop) so a standby need not wait out
    /// the TTL; only if still held at `revision`.
    pub async fn release(&self, state: &LeaseState) {
        state.lost.store(true, Ordering::Release);
        if let Ok(Some(e)) = self.store.entry(LEASE_KEY).await {
            let _ = self
                .store
                .delete_expect_revision(LEASE_KEY, Some(e.revision))
                .await;
        }
    }
}

/// Renews every TTL/4 by revision until a renewal is refused.
async fn renew(lease: Lease, state: Arc<LeaseState>, mut revision: u64) {
    let every = lease.timing.ttl / 4;
    loop {
        tokio::time::sleep(every).await;
        if state.is_lost() {
            return;
        }
        let sent = state.epoch.elapsed();
        match lease.store.update(LEASE_KEY, lease.value(), revision).await {
            Ok(rev) => {
                revision = rev;
                state
                    .renewed_at_us
                    .store(sent.as_micros() as u64, Ordering::Release);
            }
            Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {
                // Our own renewal whose acknowledgement was lost moved the
                // revision: holder names are unique, so the value tells.
                match lease.store.entry(LEASE_KEY).await {
                    Ok(Some(e)) if e.operation == Operation::Put && e.value == lease.value() => {
                        revision = e.revision;
                    }
                    _ => {
                        state.lost.store(true, Ordering::Release);
                        return;
                    }
                }
            }
            // A server down or a leader election: try again; the lease
            // runs out on its own if this goes on.
            Err(_) => {}
        }
    }
}
