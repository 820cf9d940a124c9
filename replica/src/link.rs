//! The JetStream side: the connection, the stream, the publisher (sync and
//! async modes) and the follower.
//!
//! One stream per campaign (`DIALCORE_<name>`, subject
//! `dialcore.<name>.log`, file storage, `replicas` copies, a two-minute
//! duplicate window) holds the chunks in the order the primary wrote them.
//! Every publish names the stream sequence it expects to follow
//! (`Nats-Expected-Last-Sequence`): the stream is a log with exactly one
//! writer at a time, and a writer that was deposed finds out at its next
//! publish ([`Error::Deposed`]). A publish whose acknowledgement was lost
//! (a server killed, a leader election) is sent again with the same
//! message id and the same expectation: if the first one was stored, the
//! server answers "duplicate" or "wrong last sequence", and the publisher
//! then reads the message at that sequence to tell its own (fine) from
//! another writer's (deposed).
//!
//! The follower reads the stream by sequence from the stream leader
//! (`STREAM.MSG.GET`), so it sees what the writer had acknowledged, and
//! hands each chunk to the [`Mirror`].

use std::collections::VecDeque;
use std::fmt;
use std::future::IntoFuture;
use std::time::{Duration, Instant};

use async_nats::jetstream::context::{PublishAckFuture, PublishErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{self, StorageType, Stream};
use async_nats::jetstream::{self, Context};
use async_nats::ServerAddr;
use tokio::task::JoinHandle;

use crate::mirror::{Applied, Mirror, MirrorError};
use crate::wire::Chunk;

/// What went wrong on the replication path.
#[derive(Debug)]
pub enum Error {
    /// The servers could not be reached, or refused a request.
    Nats(String),
    /// Another writer appended to the stream (or holds the lease): this
    /// process must not hand out anything more.
    Deposed(String),
    /// The standby's directory could not be written.
    Mirror(MirrorError),
    /// A bad argument (server list, name).
    Input(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Nats(m) => write!(f, "NATS: {m}"),
            Error::Deposed(m) => write!(f, "deposed: {m}"),
            Error::Mirror(e) => write!(f, "standby data directory: {e}"),
            Error::Input(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<MirrorError> for Error {
    fn from(e: MirrorError) -> Self {
        Error::Mirror(e)
    }
}

fn nats<E: fmt::Display>(what: &str) -> impl FnOnce(E) -> Error + '_ {
    move |e| Error::Nats(format!("{what}: {e}"))
}

/// Replication mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A poll's commands are handed out only once its chunk is
    /// acknowledged: no Dial the standby does not know of.
    Sync,
    /// Chunks are acknowledged in the background, at most `window`
    /// outstanding: a crash may lose that many polls, and their Dials may
    /// be dialed again after a takeover.
    Async {
        /// The most unacknowledged messages.
        window: usize,
    },
}

/// The connection and the campaign's stream.
#[derive(Debug, Clone)]
pub struct Link {
    /// The JetStream context.
    pub js: Context,
    /// The stream.
    pub stream: Stream,
    /// The subject chunks are published on.
    pub subject: String,
    /// The campaign name the stream and bucket are named after.
    pub name: String,
}

/// Checks a campaign name: letters, digits, `-` and `_` (it names a
/// stream, a subject and a bucket).
pub fn check_name(name: &str) -> Result<(), Error> {
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::Input(format!(
            "replication name {name:?}: use 1 to 64 letters, digits, '-' or '_'"
        )));
    }
    Ok(())
}

/// Connects to `servers` (comma-separated `nats://host:port` URLs: any of
/// them, reconnecting to the others when one dies) and opens (or creates)
/// the stream of campaign `name` with `replicas` copies.
pub async fn connect(servers: &str, name: &str, replicas: usize) -> Result<Link, Error> {
    check_name(name)?;
    let addrs: Vec<ServerAddr> = servers
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<ServerAddr>()
                .map_err(|e| Error::Input(format!("NATS server {s:?}: {e}")))
        })
        .collect::<Result<_, _>>()?;
    if addrs.is_empty() {
        return Err(Error::Input("no NATS server given".into()));
    }
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(2))
        .request_timeout(Some(Duration::from_secs(2)))
        .retry_on_initial_connect()
        .reconnect_delay_callback(|n| Duration::from_millis((50 * n as u64).min(500)))
        .connect(addrs)
        .await
        .map_err(nats("connecting"))?;
    let js = jetstream::ContextBuilder::new()
        .timeout(Duration::from_secs(2))
        .build(client);
    let stream_name = format!("DIALCORE_{name}");
    let subject = format!("dialcore.{name}.log");
    let stream = js
        .get_or_create_stream(stream::Config {
            name: stream_name.clone(),
            subjects: vec![subject.clone()],
            num_replicas: replicas,
            storage: StorageType::File,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .map_err(nats("opening the stream"))?;
    Ok(Link {
        js,
        stream,
        subject,
        name: name.to_owned(),
    })
}

impl Link {
    /// The stream's last sequence number (0 when empty), from its leader.
    pub async fn last_sequence(&self) -> Result<u64, Error> {
        let info = self
            .stream
            .get_info()
            .await
            .map_err(nats("reading the stream's state"))?;
        Ok(info.state.last_sequence)
    }
}

/// A message sent and not yet acknowledged.
#[derive(Debug)]
struct InFlight {
    /// The stream sequence it must get.
    seq: u64,
    chunk: Chunk,
    ack: JoinHandle<Result<jetstream::publish::PublishAck, jetstream::context::PublishError>>,
}

/// Figures of the publisher.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublishStats {
    /// Messages acknowledged.
    pub acked: u64,
    /// Bytes acknowledged.
    pub bytes: u64,
    /// Messages sent again after a lost acknowledgement.
    pub resent: u64,
}

/// The primary's side of the stream.
#[derive(Debug)]
pub struct Publisher {
    link: Link,
    mode: Mode,
    /// The sequence of the last message sent.
    last_sent: u64,
    inflight: VecDeque<InFlight>,
    stats: PublishStats,
    /// How long to keep resending before giving up.
    give_up_after: Duration,
}

impl Publisher {
    /// A publisher whose first message must follow stream sequence
    /// `after` (what the writer replayed up to).
    pub fn new(link: Link, mode: Mode, after: u64) -> Publisher {
        Publisher {
            link,
            mode,
            last_sent: after,
            inflight: VecDeque::new(),
            stats: PublishStats::default(),
            give_up_after: Duration::from_secs(10),
        }
    }

    /// The figures so far.
    pub fn stats(&self) -> PublishStats {
        self.stats
    }

    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The stream sequence of the last acknowledged message.
    pub fn acked_sequence(&self) -> u64 {
        self.last_sent - self.inflight.len() as u64
    }

    async fn send(&self, seq: u64, chunk: &Chunk) -> Result<PublishAckFuture, Error> {
        let msg = PublishMessage::build()
            .payload(chunk.bytes.clone())
            .headers(chunk.headers())
            .message_id(chunk.msg_id())
            .expected_last_sequence(seq - 1);
        self.link
            .js
            .send_publish(self.link.subject.clone(), msg)
            .await
            .map_err(nats("publishing"))
    }

    /// Sends `chunks` (all of one poll, pipelined: one round trip) and, in
    /// sync mode, waits until every one is acknowledged; in async mode only
    /// until at most `window` are outstanding.
    pub async fn publish(&mut self, chunks: Vec<Chunk>) -> Result<(), Error> {
        for chunk in chunks {
            let seq = self.last_sent + 1;
            let fut = self.send(seq, &chunk).await?;
            self.last_sent = seq;
            self.inflight.push_back(InFlight {
                seq,
                chunk,
                ack: tokio::spawn(fut.into_future()),
            });
        }
        let keep = match self.mode {
            Mode::Sync => 0,
            Mode::Async { window } => window,
        };
        self.settle(keep).await
    }

    /// Waits for every outstanding acknowledgement (a clean stop).
    pub async fn drain(&mut self) -> Result<(), Error> {
        self.settle(0).await
    }

    /// Takes the finished acknowledgements, then waits until at most
    /// `keep` are outstanding.
    async fn settle(&mut self, keep: usize) -> Result<(), Error> {
        while let Some(front) = self.inflight.front() {
            if self.inflight.len() <= keep && !front.ack.is_finished() {
                break;
            }
            let mut f = self.inflight.pop_front().expect("front exists");
            let started = Instant::now();
            loop {
                let result = (&mut f.ack)
                    .await
                    .map_err(|e| Error::Nats(format!("acknowledgement task: {e}")))?;
                match result {
                    // A duplicate is only ours if the stored message is.
                    Ok(ack) if ack.sequence == f.seq && ack.duplicate => {
                        if self.is_ours(&f).await? {
                            break;
                        }
                        return Err(Error::Deposed(format!(
                            "message {} taken for another writer's duplicate",
                            f.chunk.msg_id()
                        )));
                    }
                    Ok(ack) if ack.sequence == f.seq => break,
                    Ok(ack) => {
                        return Err(Error::Deposed(format!(
                            "message {} stored at sequence {}, expected {}",
                            f.chunk.msg_id(),
                            ack.sequence,
                            f.seq
                        )))
                    }
                    Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => {
                        if self.is_ours(&f).await? {
                            break;
                        }
                        return Err(Error::Deposed(format!(
                            "the stream moved past sequence {} under another writer",
                            f.seq - 1
                        )));
                    }
                    Err(e) => {
                        if started.elapsed() > self.give_up_after {
                            return Err(Error::Nats(format!(
                                "no acknowledgement for {} after {:?}: {e}",
                                f.chunk.msg_id(),
                                self.give_up_after
                            )));
                        }
                        if self.is_ours(&f).await.unwrap_or(false) {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        self.stats.resent += 1;
                        match self.send(f.seq, &f.chunk).await {
                            Ok(fut) => f.ack = tokio::spawn(fut.into_future()),
                            Err(_) => {
                                f.ack = tokio::spawn(async {
                                    Err(jetstream::context::PublishError::new(
                                        PublishErrorKind::Other,
                                    ))
                                })
                            }
                        }
                    }
                }
            }
            self.stats.acked += 1;
            self.stats.bytes += f.chunk.bytes.len() as u64;
        }
        Ok(())
    }

    /// Whether the stream holds this message of ours at its sequence.
    async fn is_ours(&self, f: &InFlight) -> Result<bool, Error> {
        match self.link.stream.get_raw_message(f.seq).await {
            Ok(m) => Ok(m
                .headers
                .get("Nats-Msg-Id")
                .is_some_and(|id| id.as_str() == f.chunk.msg_id())
                && Chunk::from_message(&m.headers, m.payload.clone())
                    .is_ok_and(|c| c.fence == f.chunk.fence)),
            Err(_) => Ok(false),
        }
    }
}

/// Stream messages a follower requests at once.
pub const READ_AHEAD: u64 = 256;

/// How far a standby is behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lag {
    /// Stream messages not yet applied.
    pub messages: u64,
    /// Journal records in them.
    pub records: u64,
    /// Age of the oldest message not yet applied, ms (0 when caught up).
    pub ms: u64,
}

/// The standby's side of the stream.
#[derive(Debug)]
pub struct Follower {
    link: Link,
    mirror: Mirror,
    /// The next stream sequence to apply.
    next: u64,
    stale: u64,
}

impl Follower {
    /// A follower that rebuilds `mirror` from the stream's first message.
    pub fn new(link: Link, mirror: Mirror) -> Follower {
        Follower {
            link,
            mirror,
            next: 1,
            stale: 0,
        }
    }

    /// The mirror.
    pub fn mirror(&self) -> &Mirror {
        &self.mirror
    }

    /// Forces the mirrored files to stable storage.
    pub fn sync_mirror(&mut self) -> Result<(), Error> {
        Ok(self.mirror.sync()?)
    }

    /// The last stream sequence applied.
    pub fn applied(&self) -> u64 {
        self.next - 1
    }

    /// Chunks refused as a deposed writer's.
    pub fn stale(&self) -> u64 {
        self.stale
    }

    /// Applies every message up to stream sequence `last`, reading them
    /// [`READ_AHEAD`] at a time (the requests pipelined: one round trip per
    /// batch).
    pub async fn apply_to(&mut self, last: u64) -> Result<u64, Error> {
        let mut n = 0;
        while self.next <= last {
            let end = last.min(self.next + READ_AHEAD - 1);
            let stream = &self.link.stream;
            let batch = futures_util::future::join_all(
                (self.next..=end).map(|seq| stream.get_raw_message(seq)),
            )
            .await;
            for m in batch {
                let m = m.map_err(nats("reading the stream"))?;
                let chunk = Chunk::from_message(&m.headers, m.payload)
                    .map_err(|e| Error::Nats(format!("stream message {}: {e}", self.next)))?;
                if let Applied::Stale { .. } = self.mirror.apply(&chunk)? {
                    self.stale += 1;
                }
                self.next += 1;
                n += 1;
            }
        }
        Ok(n)
    }

    /// Applies everything the stream holds now; returns how many messages.
    pub async fn step(&mut self) -> Result<u64, Error> {
        let last = self.link.last_sequence().await?;
        self.apply_to(last).await
    }

    /// The lag now (one state read and up to two message reads).
    pub async fn lag(&self) -> Result<Lag, Error> {
        let last = self.link.last_sequence().await?;
        if last < self.next {
            return Ok(Lag::default());
        }
        let oldest = self
            .link
            .stream
            .get_raw_message(self.next)
            .await
            .map_err(nats("reading the stream"))?;
        let newest = self
            .link
            .stream
            .get_raw_message(last)
            .await
            .map_err(nats("reading the stream"))?;
        let now_ns = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let age_ms = (now_ns - oldest.time.unix_timestamp_nanos()) / 1_000_000;
        let mark = Chunk::from_message(&newest.headers, newest.payload)
            .map(|c| c.mark)
            .unwrap_or(0);
        Ok(Lag {
            messages: last + 1 - self.next,
            records: mark.saturating_sub(self.mirror.next_seq()),
            ms: age_ms.max(0) as u64,
        })
    }
}
