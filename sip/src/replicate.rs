//! `[replica]`: the SIP host as one of a warm-standby pair over NATS
//! JetStream ([`dialcore_replica`]).
//!
//! **Design.** The replica crate's node runs its own tokio runtime and
//! blocks on it, which cannot happen inside the host's runtime; so the
//! process first follows the stream on the main thread, before the host's
//! runtime exists ([`take_over`]: `Standby::take_over`, then
//! `Primary::open_fenced` with the host's own `Campaign::open` — the crash
//! recovery — and the lease record), and then hands the [`Primary`] to one
//! thread of its own ([`Shipper`]). After every poll the host flushes the
//! journal and calls [`Shipper::ship`], which returns once JetStream
//! acknowledged everything the poll decided (sync mode) — only then are
//! the poll's commands carried out, so no INVITE leaves for a Dial the
//! standby cannot know. The shipper thread also watches the lease: once
//! it is taken by another writer, or a publish is refused, the process
//! exits at once with code 4 ([`EXIT_DEPOSED`]) and sends nothing more;
//! and no queued INVITE leaves while the last renewal is older than the
//! TTL less the margin ([`Shipper::may_emit`]), so a paused primary whose
//! lease may already be someone else's does not dial.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use dialcore::{Campaign, RecoveryReport};
use dialcore_replica::lease::LeaseState;
use dialcore_replica::link::PublishStats;
use dialcore_replica::{Error, Primary, Standby, TakeoverInfo};

use crate::config::HostConfig;

/// Exit code of a host that lost its lease or was deposed.
pub const EXIT_DEPOSED: u8 = 4;

/// Stops the process at once: it may not hand anything more out.
pub fn deposed(e: &Error) -> ! {
    eprintln!("dialcore-sip: replication: {e}; stopping without sending anything more");
    std::process::exit(i32::from(EXIT_DEPOSED))
}

/// What [`take_over`] opened: the campaign, its recovery report and the
/// takeover point.
pub type Opened = ((Campaign, RecoveryReport), TakeoverInfo);

/// An error of the takeover's open: the host's own, or the replication's.
#[derive(Debug)]
pub enum TakeoverError {
    /// Opening the campaign failed.
    Host(String),
    /// The replication failed.
    Replica(Error),
}

impl From<Error> for TakeoverError {
    fn from(e: Error) -> Self {
        TakeoverError::Replica(e)
    }
}

/// Follows the stream until this process holds the lease, then opens the
/// campaign with `open` (crash recovery), writes the lease record and ships
/// it. Must run outside any tokio runtime.
pub fn take_over(
    cfg: &HostConfig,
    open: impl Fn(&HostConfig) -> Result<(Campaign, RecoveryReport), String>,
) -> Result<(Primary, Opened), TakeoverError> {
    let section = cfg.replica.as_ref().expect("called with [replica]");
    let settings = section.settings().map_err(TakeoverError::Host)?;
    let options = settings.node_options(&cfg.campaign_dir(), |k| format!("replica.{k}"))?;
    eprintln!(
        "dialcore-sip: replica ({}), following the stream",
        section.role
    );
    let standby = Standby::start(options)?;
    let (mut primary, info) = standby.take_over(Duration::from_secs(1), |f, lag| {
        eprintln!(
            "dialcore-sip: standby: applied {} messages; lag {} messages, {} records, {} ms",
            f.applied(),
            lag.messages,
            lag.records,
            lag.ms
        );
    })?;
    let opened = primary.open_fenced(info, |token| {
        let (mut campaign, report) = open(cfg).map_err(TakeoverError::Host)?;
        campaign.journal_lease(token);
        campaign
            .flush()
            .map_err(|e| TakeoverError::Host(e.to_string()))?;
        Ok::<_, TakeoverError>((campaign, report))
    })?;
    eprintln!(
        "dialcore-sip: primary with token {} after stream sequence {}",
        opened.1.token, opened.1.replayed_to
    );
    Ok((primary, opened))
}

enum Req {
    Ship(mpsc::Sender<Result<(), Error>>),
    Finish(mpsc::Sender<Result<PublishStats, Error>>),
}

/// The primary on a thread of its own; the host's handle to it.
#[derive(Debug)]
pub struct Shipper {
    tx: mpsc::Sender<Req>,
    thread: Option<JoinHandle<()>>,
    token: u64,
    lease: Arc<LeaseState>,
}

impl Shipper {
    /// Moves `primary` to its thread, which also exits the process once
    /// the lease is lost.
    pub fn start(primary: Primary) -> Result<Shipper, String> {
        let token = primary.token();
        let lease = primary.lease_state();
        let (tx, rx) = mpsc::channel::<Req>();
        let thread = std::thread::Builder::new()
            .name("replica".into())
            .spawn(move || serve(primary, rx))
            .map_err(|e| format!("starting the replica thread: {e}"))?;
        Ok(Shipper {
            tx,
            thread: Some(thread),
            token,
            lease,
        })
    }

    /// The fencing token.
    pub fn token(&self) -> u64 {
        self.token
    }

    /// Whether an INVITE may leave now: the lease is held and was renewed
    /// within its TTL less the margin. Exits the process (code 4) once the
    /// lease is lost.
    pub fn may_emit(&self) -> bool {
        if self.lease.is_lost() {
            deposed(&Error::Deposed(
                "the lease was taken by another writer".into(),
            ));
        }
        self.lease.may_emit()
    }

    /// Publishes what the journal got since the last call; returns once
    /// acknowledged (sync) or within the window (async).
    pub fn ship(&self) -> Result<(), Error> {
        let (tx, rx) = mpsc::channel();
        self.tx
            .send(Req::Ship(tx))
            .map_err(|_| Error::Nats("the replica thread stopped".into()))?;
        rx.recv()
            .map_err(|_| Error::Nats("the replica thread stopped".into()))?
    }

    /// Ships the last bytes, waits for every acknowledgement and gives the
    /// lease up.
    pub fn finish(mut self) -> Result<PublishStats, Error> {
        let (tx, rx) = mpsc::channel();
        self.tx
            .send(Req::Finish(tx))
            .map_err(|_| Error::Nats("the replica thread stopped".into()))?;
        let r = rx
            .recv()
            .map_err(|_| Error::Nats("the replica thread stopped".into()))?;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        r
    }
}

fn serve(mut primary: Primary, rx: mpsc::Receiver<Req>) {
    loop {
        match rx.recv_timeout(Duration::from_millis(20)) {
            Ok(Req::Ship(reply)) => {
                let _ = reply.send(primary.ship());
            }
            Ok(Req::Finish(reply)) => {
                let _ = reply.send(primary.finish());
                return;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        if primary.is_lost() {
            deposed(&Error::Deposed(
                "the lease was taken by another writer".into(),
            ));
        }
    }
}
