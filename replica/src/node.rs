//! One replicated process: follow as a standby until the lease is won,
//! take over, then ship every poll as the primary.
//!
//! Every process starts the same way, whatever its `--role`: it rebuilds
//! its data directory from the stream ([`Mirror::create_empty`], so a
//! former primary's unacknowledged tail is dropped), follows the stream,
//! and tries the lease. Once it holds the lease ([`Standby::take_over`]):
//!
//! 1. it applies everything the stream holds (sequence `L`);
//! 2. the host opens the directory with `Campaign::open` — the crash
//!    recovery, which reconciles the contacts that were live — and writes
//!    the lease record (`Campaign::journal_lease(token)`);
//! 3. [`Primary::ship`] publishes what recovery wrote expecting sequence
//!    `L`: if a deposed writer slipped a message in after `L`, the publish
//!    is refused, the host drops the campaign and [`Primary::resync`]
//!    starts again at 1 (the lease is still held); the slipped-in record is
//!    replayed, never lost;
//! 4. then it polls, and after every poll ships before handing out the
//!    poll's commands ([`Primary::ship`]).
//!
//! The primary hands out nothing while [`Primary::may_emit`] is false (its
//! lease is not renewed, or lost); a lost lease or a refused publish is
//! [`Error::Deposed`] and the host must stop at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;

use crate::lease::{self, Lease, LeaseState, LeaseTiming};
use crate::link::{self, Error, Follower, Lag, Link, Mode, PublishStats, Publisher};
use crate::mirror::Mirror;
use crate::tail::JournalTail;

/// How a process replicates.
#[derive(Debug, Clone)]
pub struct NodeOptions {
    /// Comma-separated NATS server URLs.
    pub servers: String,
    /// The campaign's name (stream `DIALCORE_<name>`, bucket
    /// `dialcore_<name>_lease`).
    pub name: String,
    /// Copies of the stream and the bucket (3 on a 3-node cluster).
    pub replicas: usize,
    /// Sync or async.
    pub mode: Mode,
    /// The lease's TTL and margin.
    pub timing: LeaseTiming,
    /// The data directory.
    pub data_dir: PathBuf,
    /// This process's name in the lease (unique per process).
    pub holder: String,
}

/// The replication settings a host takes from its user (the CLI's
/// `--replicate …` flags, the SIP host's `[replica]` table), checked once
/// here so every host refuses the same bad values with the same words.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Comma-separated NATS server URLs.
    pub servers: String,
    /// The name the stream and the lease bucket are named after.
    pub name: String,
    /// Copies of the stream and the bucket (1 to 5).
    pub replicas: usize,
    /// Sync or async (its window at least 1).
    pub mode: Mode,
    /// The lease's TTL, ms (at least 200; renewed every quarter of it).
    pub lease_ttl_ms: u64,
}

impl Settings {
    /// The node options for `data_dir`, with a holder name unique to this
    /// process; a bad value is [`Error::Input`] naming it (`what` names the
    /// option's spelling, e.g. `"--lease-ttl-ms"` or `"replica.lease_ttl_ms"`).
    pub fn node_options(
        &self,
        data_dir: &Path,
        what: impl Fn(&str) -> String,
    ) -> Result<NodeOptions, Error> {
        if self.servers.trim().is_empty() {
            return Err(Error::Input(format!("{}: no server URL", what("servers"))));
        }
        if self.lease_ttl_ms < 200 {
            return Err(Error::Input(format!(
                "{}: at least 200",
                what("lease_ttl_ms")
            )));
        }
        if self.replicas == 0 || self.replicas > 5 {
            return Err(Error::Input(format!("{}: 1 to 5", what("replicas"))));
        }
        let mode = match self.mode {
            Mode::Async { window } => Mode::Async {
                window: window.max(1),
            },
            m => m,
        };
        let ttl = Duration::from_millis(self.lease_ttl_ms);
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        Ok(NodeOptions {
            servers: self.servers.clone(),
            name: self.name.clone(),
            replicas: self.replicas,
            mode,
            timing: LeaseTiming {
                ttl,
                margin: ttl / 4,
            },
            data_dir: data_dir.to_path_buf(),
            holder: format!("{}-{since}", std::process::id()),
        })
    }
}

/// A process following the stream, not (yet) the writer.
#[derive(Debug)]
pub struct Standby {
    rt: Runtime,
    link: Link,
    lease: Lease,
    follower: Follower,
    options: NodeOptions,
}

/// What the takeover took, for the host's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TakeoverInfo {
    /// The fencing token (lease revision).
    pub token: u64,
    /// The stream sequence replayed up to.
    pub replayed_to: u64,
    /// The journal and offset the directory held at the takeover point.
    pub position: Option<(u64, u64)>,
}

impl Standby {
    /// Connects, opens the stream and the lease bucket, and empties the
    /// data directory to rebuild it from the stream.
    pub fn start(options: NodeOptions) -> Result<Standby, Error> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Error::Nats(format!("starting the runtime: {e}")))?;
        // A cluster still electing its leaders (or with a server down)
        // refuses stream requests for a while: retry for up to 30 s.
        let started = Instant::now();
        let (link, lease) = loop {
            let attempt = rt.block_on(async {
                let link = link::connect(&options.servers, &options.name, options.replicas).await?;
                let bucket = format!("dialcore_{}_lease", options.name);
                let store =
                    lease::bucket(&link.js, &bucket, options.replicas, options.timing).await?;
                Ok::<_, Error>((link, Lease::new(store, &options.holder, options.timing)))
            });
            match attempt {
                Ok(pair) => break pair,
                Err(Error::Input(m)) => return Err(Error::Input(m)),
                Err(e) if started.elapsed() > Duration::from_secs(30) => return Err(e),
                Err(_) => std::thread::sleep(Duration::from_millis(250)),
            }
        };
        let mirror = Mirror::create_empty(&options.data_dir)?;
        let follower = Follower::new(link.clone(), mirror);
        Ok(Standby {
            rt,
            link,
            lease,
            follower,
            options,
        })
    }

    /// The data directory.
    pub fn data_dir(&self) -> &Path {
        &self.options.data_dir
    }

    /// The follower (its mirror, lag, stale count).
    pub fn follower(&self) -> &Follower {
        &self.follower
    }

    /// Applies everything the stream holds now; returns how many messages.
    pub fn step(&mut self) -> Result<u64, Error> {
        self.rt.block_on(self.follower.step())
    }

    /// The lag now.
    pub fn lag(&self) -> Result<Lag, Error> {
        self.rt.block_on(self.follower.lag())
    }

    /// Follows the stream until the lease is won; `report` sees the lag
    /// about every `every`. Then applies everything the stream holds and
    /// returns the new primary, whose host opens the directory next.
    pub fn take_over(
        mut self,
        every: Duration,
        mut report: impl FnMut(&Follower, Lag),
    ) -> Result<(Primary, TakeoverInfo), Error> {
        let mut last_report = Instant::now();
        let state = loop {
            // A server down or a leader election is waited out; a
            // directory that cannot be written is not.
            match self.rt.block_on(self.follower.step()) {
                Ok(_) | Err(Error::Nats(_)) => {}
                Err(e) => return Err(e),
            }
            if let Ok(Some(token)) = self.rt.block_on(self.lease.try_acquire()) {
                break self.rt.block_on(self.lease.hold(token));
            }
            if last_report.elapsed() >= every {
                if let Ok(lag) = self.rt.block_on(self.follower.lag()) {
                    report(&self.follower, lag);
                }
                last_report = Instant::now();
            }
            std::thread::sleep(self.options.timing.ttl / 20);
        };
        let mut primary = Primary {
            rt: self.rt,
            link: self.link,
            lease: self.lease,
            state,
            follower: Some(self.follower),
            tail: None,
            publisher: None,
            options: self.options,
        };
        let info = primary.catch_up()?;
        Ok((primary, info))
    }
}

/// The writer: ships the data directory after every poll.
#[derive(Debug)]
pub struct Primary {
    rt: Runtime,
    link: Link,
    lease: Lease,
    state: Arc<LeaseState>,
    /// Until the takeover's first publish succeeds.
    follower: Option<Follower>,
    tail: Option<JournalTail>,
    publisher: Option<Publisher>,
    options: NodeOptions,
}

impl Primary {
    /// The fencing token.
    pub fn token(&self) -> u64 {
        self.state.token
    }

    /// Whether commands may be handed out now (the lease is held and was
    /// renewed within its TTL less the margin).
    pub fn may_emit(&self) -> bool {
        self.state.may_emit()
    }

    /// Whether the lease was taken by another writer.
    pub fn is_lost(&self) -> bool {
        self.state.is_lost()
    }

    /// The lease's state, shared: a host that sends commands from another
    /// thread checks [`LeaseState::may_emit`] before each one.
    pub fn lease_state(&self) -> Arc<LeaseState> {
        Arc::clone(&self.state)
    }

    /// Waits until [`Primary::may_emit`] (a renewal delayed by a server
    /// failover), at most two TTLs; a lost lease or a longer wait is
    /// [`Error::Deposed`].
    pub fn wait_emit(&self) -> Result<(), Error> {
        let started = Instant::now();
        while !self.state.may_emit() {
            if self.state.is_lost() {
                return Err(Error::Deposed(
                    "the lease was taken by another writer".into(),
                ));
            }
            if started.elapsed() > self.options.timing.ttl * 2 {
                return Err(Error::Deposed("the lease could not be renewed".into()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    /// Applies everything the stream holds; the tail and the publisher
    /// start there.
    fn catch_up(&mut self) -> Result<TakeoverInfo, Error> {
        let follower = self
            .follower
            .as_mut()
            .expect("following until the first ship");
        let started = Instant::now();
        let last = loop {
            let attempt = self.rt.block_on(async {
                let last = self.link.last_sequence().await?;
                follower.apply_to(last).await?;
                Ok::<_, Error>(last)
            });
            match attempt {
                Ok(last) => break last,
                Err(Error::Nats(_)) if started.elapsed() < self.options.timing.ttl * 5 => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(e),
            }
        };
        follower.sync_mirror()?;
        let mirror = follower.mirror();
        let dir = self.options.data_dir.clone();
        self.tail = Some(match mirror.position() {
            Some((g, off)) => JournalTail::at(&dir, g, off),
            None => JournalTail::from_start(&dir),
        });
        let position = mirror.position();
        self.publisher = Some(Publisher::new(self.link.clone(), self.options.mode, last));
        Ok(TakeoverInfo {
            token: self.state.token,
            replayed_to: last,
            position,
        })
    }

    /// The takeover's steps 2 and 3 for any host: `open(token)` opens the
    /// directory (crash recovery) and writes and flushes the lease record;
    /// then what it wrote is shipped. If a deposed writer slipped a message
    /// in first, the opened value is dropped, the directory rebuilt
    /// ([`Primary::resync`]) and `open` called again. Returns the opened
    /// value and the takeover point it was opened at.
    pub fn open_fenced<T, E: From<Error>>(
        &mut self,
        mut info: TakeoverInfo,
        mut open: impl FnMut(u64) -> Result<T, E>,
    ) -> Result<(T, TakeoverInfo), E> {
        loop {
            let opened = open(self.token())?;
            match self.ship() {
                Ok(()) => return Ok((opened, info)),
                Err(Error::Deposed(_)) => {
                    drop(opened);
                    info = self.resync()?;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// After the takeover's first publish was refused (a deposed writer
    /// slipped a message in): rebuilds the directory from the stream and
    /// catches up again, still holding the lease. The host must have
    /// dropped its campaign.
    pub fn resync(&mut self) -> Result<TakeoverInfo, Error> {
        let mirror = Mirror::create_empty(&self.options.data_dir)?;
        self.follower = Some(Follower::new(self.link.clone(), mirror));
        self.catch_up()
    }

    /// Publishes everything written since the last call; returns once
    /// acknowledged (sync mode) or queued within the window (async). Call
    /// after every poll, before handing out its commands.
    pub fn ship(&mut self) -> Result<(), Error> {
        self.wait_emit()?;
        let tail = self.tail.as_mut().expect("set at the takeover");
        let chunks = tail
            .read_new(self.state.token)
            .map_err(|e| Error::Nats(format!("reading the journal: {e}")))?;
        let publisher = self.publisher.as_mut().expect("set at the takeover");
        if !chunks.is_empty() {
            self.rt.block_on(publisher.publish(chunks))?;
            self.follower = None;
        }
        Ok(())
    }

    /// Ships the last bytes, waits for every acknowledgement and gives the
    /// lease up (a clean stop).
    pub fn finish(mut self) -> Result<PublishStats, Error> {
        self.ship()?;
        let publisher = self.publisher.as_mut().expect("set at the takeover");
        self.rt.block_on(publisher.drain())?;
        let stats = publisher.stats();
        self.rt.block_on(self.lease.release(&self.state));
        Ok(stats)
    }

    /// The stream sequence of the last acknowledged message.
    pub fn acked_sequence(&self) -> u64 {
        self.publisher.as_ref().map_or(0, |p| p.acked_sequence())
    }

    /// The publisher's figures.
    pub fn stats(&self) -> PublishStats {
        self.publisher
            .as_ref()
            .map(|p| p.stats())
            .unwrap_or_default()
    }
}
