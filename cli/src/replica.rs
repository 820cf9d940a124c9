//! `dialcore simulate --replicate nats://… --role primary|standby`: a
//! simulated campaign kept warm on a standby over NATS JetStream
//! (`dialcore-replica`).
//!
//! Every process starts as a standby, whatever `--role` says: it rebuilds
//! `--data-dir` from the stream, follows it (printing its lag on stderr
//! every second) and tries the lease; `--role primary` only names the
//! process that is expected to win first. Once it holds the lease it opens
//! the directory (crash recovery: live contacts reconciled), writes its
//! fencing token into the journal and runs the simulation from there,
//! shipping every poll before the simulated PBX sees its commands. In
//! `--replica-mode sync` (the default) a Dial reaches the PBX only once
//! JetStream acknowledged the records that decided it; `async` keeps up to
//! `--replica-window` messages unacknowledged and may re-dial after a
//! takeover.
//!
//! With `--ack-log FILE`, every Dial handed to the PBX is appended as
//! `contact attempt token` (the attempt number and the writer's fencing
//! token), so a test can check that no attempt was dialed twice. A
//! takeover is appended to `--takeover-log FILE` as one JSON line (the
//! token, the stream sequence replayed to, the journal position, the wall
//! time of the lease win and of the first poll, ms since the epoch).
//!
//! A process that loses its lease, or finds the stream appended to by
//! another writer, stops at once with exit code 4 and hands nothing more
//! out. `--pace-us N` sleeps N µs after every poll (the simulation runs
//! much faster than a real dialer; a failover test needs it to last).

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dialcore::{Campaign, Command, DurableOptions};
use dialcore_replica::node::Settings;
use dialcore_replica::{Error as ReplicaError, Mode, Primary, Standby};
use dialcore_sim::Scenario;

use crate::error::CliError;
use crate::simulate::{report_text, FsyncArg, SimulateArgs};

/// Exit code of a process that lost its lease or was deposed.
pub const EXIT_DEPOSED: i32 = 4;

/// The replication options of `dialcore simulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReplicaArgs {
    /// Replicate the data directory to NATS JetStream at these servers
    /// (comma-separated URLs) and run as a warm-standby pair.
    #[arg(long, value_name = "URLS", requires = "data_dir")]
    pub replicate: Option<String>,
    /// primary or standby (both follow until they win the lease).
    #[arg(long, value_enum, requires = "replicate")]
    pub role: Option<RoleArg>,
    /// sync: Dial only after JetStream acknowledged it; async: bounded loss.
    #[arg(long, value_enum, default_value = "sync", requires = "replicate")]
    pub replica_mode: ModeArg,
    /// Async mode: the most unacknowledged messages.
    #[arg(long, value_name = "N", default_value_t = 64, requires = "replicate")]
    pub replica_window: usize,
    /// The name the stream and the lease bucket are named after.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "campaign",
        requires = "replicate"
    )]
    pub replica_name: String,
    /// Copies of the stream and the bucket (3 on a 3-node cluster).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "replicate")]
    pub replicas: usize,
    /// The lease's time to live, ms (renewed every quarter of it).
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 2000,
        requires = "replicate"
    )]
    pub lease_ttl_ms: u64,
    /// Append one JSON line per takeover to this file.
    #[arg(long, value_name = "FILE", requires = "replicate")]
    pub takeover_log: Option<PathBuf>,
    /// Sleep this many µs after every poll (to make a simulation last).
    #[arg(long, value_name = "US", default_value_t = 0, requires = "replicate")]
    pub pace_us: u64,
}

/// `--role`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Expected to win the lease first.
    Primary,
    /// Expected to follow.
    Standby,
}

/// `--replica-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    /// Acknowledged before handed out.
    Sync,
    /// Acknowledged in the background.
    Async,
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

fn replica_error(e: ReplicaError) -> CliError {
    match e {
        ReplicaError::Input(m) => CliError::input(m),
        other => CliError::internal(other.to_string()),
    }
}

/// Stops the process: it may not hand anything more out.
fn deposed(e: &ReplicaError) -> ! {
    eprintln!("error: replication: {e}; stopping without handing out more commands");
    std::process::exit(EXIT_DEPOSED)
}

/// Runs a replicated `dialcore simulate`; returns the report.
pub fn run(args: &SimulateArgs, scenario: &Scenario) -> Result<String, CliError> {
    let r = &args.replica;
    let servers = r.replicate.clone().expect("checked by the caller");
    let dir = args
        .data_dir
        .clone()
        .expect("--replicate requires --data-dir");
    let settings = Settings {
        servers,
        name: r.replica_name.clone(),
        replicas: r.replicas,
        mode: match r.replica_mode {
            ModeArg::Sync => Mode::Sync,
            ModeArg::Async => Mode::Async {
                window: r.replica_window,
            },
        },
        lease_ttl_ms: r.lease_ttl_ms,
    };
    let options = settings
        .node_options(&dir, |field| match field {
            "servers" => "--replicate".into(),
            "name" => "--replica-name".into(),
            other => format!("--{}", other.replace('_', "-")),
        })
        .map_err(replica_error)?;
    let mut takeover_log = match &r.takeover_log {
        Some(p) => Some(open_append(p)?),
        None => None,
    };
    let mut ack_log = match &args.ack_log {
        Some(p) => Some(open_append(p)?),
        None => None,
    };
    let role = r.role.unwrap_or(RoleArg::Standby);
    eprintln!("replica: starting ({role:?}), following the stream");
    let standby = Standby::start(options).map_err(replica_error)?;
    let (mut primary, info) = standby
        .take_over(Duration::from_secs(1), |f, lag| {
            eprintln!(
                "standby: applied {} messages; lag {} messages, {} records, {} ms; {} stale refused",
                f.applied(),
                lag.messages,
                lag.records,
                lag.ms,
                f.stale()
            );
        })
        .map_err(replica_error)?;
    let won_ms = now_ms();
    let config = scenario.campaign_config().map_err(CliError::input)?;
    let durable = DurableOptions {
        fsync: args.fsync.unwrap_or(FsyncArg::Never).into(),
        snapshot_every_records: args
            .snapshot_every
            .unwrap_or(DurableOptions::default().snapshot_every_records),
        ..DurableOptions::default()
    };
    // Open (crash recovery), fence, ship; again if a deposed writer slipped
    // a message in before our first publish.
    let ((mut campaign, recovery), info) = match primary.open_fenced(info, |token| {
        let (mut campaign, recovery) = Campaign::open_with(&dir, config.clone(), durable)
            .map_err(|e| CliError::input(format!("{}: {e}", dir.display())))?;
        campaign.journal_lease(token);
        campaign
            .flush()
            .map_err(|e| CliError::input(e.to_string()))?;
        Ok::<_, Fenced>((campaign, recovery))
    }) {
        Ok(v) => v,
        Err(Fenced::Cli(e)) => return Err(e),
        Err(Fenced::Replica(e)) => deposed(&e),
    };
    eprintln!(
        "replica: primary with token {} after stream sequence {} ({} contacts reconciled)",
        info.token,
        info.replayed_to,
        recovery.reconciled.len()
    );
    let primary = Rc::new(RefCell::new(primary));
    let hook_primary = Rc::clone(&primary);
    let token = info.token;
    let pace = Duration::from_micros(r.pace_us);
    let mut first_poll = true;
    let mut line = String::new();
    let polls = Rc::new(std::cell::Cell::new(0u64));
    let hook_polls = Rc::clone(&polls);
    let hook: dialcore_sim::CommandHook = Box::new(move |commands: &[Command]| {
        hook_polls.set(hook_polls.get() + 1);
        if let Err(e) = hook_primary.borrow_mut().ship() {
            deposed(&e);
        }
        if first_poll {
            first_poll = false;
            if let Some(log) = takeover_log.as_mut() {
                let (g, off) = info.position.unwrap_or((0, 0));
                let _ = writeln!(
                    log,
                    "{{\"token\":{},\"replayed_to\":{},\"generation\":{g},\"offset\":{off},\"won_ms\":{won_ms},\"first_poll_ms\":{}}}",
                    info.token,
                    info.replayed_to,
                    now_ms()
                );
            }
        }
        line.clear();
        for c in commands {
            if let Command::Dial { call, .. } = c {
                line.push_str(&format!("{} {} {token}\n", call.contact.0, call.attempt));
            }
        }
        if let (Some(log), false) = (ack_log.as_mut(), line.is_empty()) {
            if let Err(e) = log.write_all(line.as_bytes()) {
                eprintln!("error: ack log: {e}");
                std::process::exit(2);
            }
        }
        if !pace.is_zero() {
            std::thread::sleep(pace);
        }
    });
    let started = Instant::now();
    let resume = !recovery.fresh;
    let (report, snapshot_error) =
        dialcore_sim::run_opened(scenario, &mut campaign, resume, Some(hook), &mut |_| {})
            .map_err(|e| CliError::internal(e.to_string()))?;
    let wall = started.elapsed();
    campaign
        .flush()
        .map_err(|e| CliError::input(e.to_string()))?;
    drop(campaign);
    let primary = Rc::try_unwrap(primary)
        .map_err(|_| CliError::internal("the poll hook outlived the run"))?
        .into_inner();
    let stats = finish(primary)?;
    let mut text = report_text(&report, wall);
    text.push_str(&format!(
        "replication: {} messages, {} bytes acknowledged, {} resent; token {token}; {} polls, {} events\n",
        stats.acked,
        stats.bytes,
        stats.resent,
        polls.get(),
        report.events
    ));
    if let Some(e) = snapshot_error {
        text.push_str(&format!("snapshot failed: {e}\n"));
    }
    Ok(text)
}

/// An error of the takeover's open: the host's own, or the replication's.
enum Fenced {
    Cli(CliError),
    Replica(ReplicaError),
}

impl From<CliError> for Fenced {
    fn from(e: CliError) -> Self {
        Fenced::Cli(e)
    }
}

impl From<ReplicaError> for Fenced {
    fn from(e: ReplicaError) -> Self {
        Fenced::Replica(e)
    }
}

fn finish(primary: Primary) -> Result<dialcore_replica::link::PublishStats, CliError> {
    match primary.finish() {
        Ok(s) => Ok(s),
        Err(e) => deposed(&e),
    }
}

fn open_append(path: &PathBuf) -> Result<File, CliError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| CliError::input(format!("cannot open {}: {e}", path.display())))
}
