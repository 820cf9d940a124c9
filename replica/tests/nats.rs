//! Against a real nats-server (started here on a free loopback port, with
//! JetStream): the standby's directory follows the primary's byte for
//! byte, a takeover gets a higher fencing token, and the old writer's next
//! publish is refused. Needs `nats-server` on the PATH, so it is ignored by
//! a plain `cargo test` and run by `scripts/test-replica`
//! (`cargo test -p dialcore-replica --test nats -- --ignored`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use dialcore::journal::FsyncPolicy;
use dialcore::{Campaign, CampaignConfig, DurableOptions, Event, Mode as DialMode, OperatorId};
use dialcore_replica::lease::LeaseTiming;
use dialcore_replica::link::{self, Publisher};
use dialcore_replica::tail::{journal_generations, journal_path, read_frames_from};
use dialcore_replica::wire::{Chunk, ChunkKind};
use dialcore_replica::{Error, Mode, NodeOptions, Standby};

struct Server {
    child: Child,
    url: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn server(name: &str) -> Server {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = std::env::temp_dir().join(format!("dialcore-nats-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let child = Process::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(dir.join("js"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server on the PATH (scripts/test-replica installs it)");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nats-server did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Server {
        child,
        url: format!("nats://127.0.0.1:{port}"),
        dir,
    }
}

fn options(url: &str, dir: &Path, holder: &str) -> NodeOptions {
    NodeOptions {
        servers: url.to_owned(),
        name: "t".into(),
        replicas: 1,
        mode: Mode::Sync,
        timing: LeaseTiming {
            ttl: Duration::from_millis(600),
            margin: Duration::from_millis(150),
        },
        data_dir: dir.to_path_buf(),
        holder: holder.to_owned(),
    }
}

fn durable() -> DurableOptions {
    DurableOptions {
        fsync: FsyncPolicy::Never,
        snapshot_every_records: 30,
        ..DurableOptions::default()
    }
}

fn config() -> CampaignConfig {
    CampaignConfig {
        mode: DialMode::Progressive,
        ..CampaignConfig::default()
    }
}

fn journals(dir: &Path) -> Vec<(u64, Vec<u8>)> {
    let mut out = Vec::new();
    for d in [dir.to_path_buf(), dir.join("archive")] {
        if !d.exists() {
            continue;
        }
        for g in journal_generations(&d).unwrap() {
            out.push((g, read_frames_from(&journal_path(&d, g), 0).unwrap().0));
        }
    }
    out.sort();
    out
}

#[test]
#[ignore = "needs nats-server: run by scripts/test-replica"]
fn a_standby_follows_byte_for_byte_and_a_deposed_writer_is_refused() {
    let s = server("pair");
    let base = s.dir.clone();
    let (da, db) = (base.join("a"), base.join("b"));

    // A wins the lease on an empty stream and runs a few polls.
    let a = Standby::start(options(&s.url, &da, "a")).unwrap();
    let (mut pa, info_a) = a.take_over(Duration::from_secs(60), |_, _| {}).unwrap();
    assert_eq!(info_a.replayed_to, 0);
    let (mut c, _) = Campaign::open_with(&da, config(), durable()).unwrap();
    c.journal_lease(pa.token());
    c.flush().unwrap();
    pa.ship().unwrap();
    let numbers: Vec<u64> = (0..30).map(|i| 12_025_550_000 + i).collect();
    c.add_numbers(&numbers, 0).unwrap();
    let op = c.add_operator();
    c.handle(Event::OperatorLogin(op), 0).unwrap();
    c.handle(Event::OperatorReady(op), 0).unwrap();
    let mut cmds = Vec::new();
    for step in 0..40u64 {
        cmds.clear();
        c.poll(1_000 + step * 1_000, &mut cmds).unwrap();
        pa.ship().unwrap();
        for cmd in &cmds {
            if let dialcore::Command::Dial { call, .. } = *cmd {
                let _ = c.handle(Event::Rejected(call), 1_500 + step * 1_000);
                let _ = c.handle(Event::OperatorReady(OperatorId(0)), 1_600 + step * 1_000);
            }
        }
    }
    c.flush().unwrap();
    pa.ship().unwrap();
    assert!(journals(&da).len() >= 2, "snapshots rotated the journal");

    // B follows to the end: the same journal bytes, lag zero.
    let mut b = Standby::start(options(&s.url, &db, "b")).unwrap();
    b.step().unwrap();
    assert_eq!(b.lag().unwrap().messages, 0);
    assert_eq!(journals(&da), journals(&db));
    assert_eq!(b.follower().mirror().fence(), pa.token());

    // A stops renewing (its process "paused"): B takes over after the TTL
    // with a higher token and runs recovery on its copy.
    let a_token = pa.token();
    let a_acked = pa.acked_sequence();
    drop(c);
    drop(pa);
    let started = Instant::now();
    let (mut pb, info_b) = b.take_over(Duration::from_secs(60), |_, _| {}).unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(pb.token() > a_token);
    assert_eq!(info_b.replayed_to, a_acked);
    let (mut cb, report) = Campaign::open_with(&db, config(), durable()).unwrap();
    assert!(!report.is_damaged(), "{report}");
    cb.journal_lease(pb.token());
    cb.flush().unwrap();
    pb.ship().unwrap();

    // A comes back and publishes what it had, at the very offset where B
    // continued (the same generation and offset as B's first message, so a
    // message id without the token would be taken for B's duplicate):
    // refused, deposed.
    let (generation, offset) = info_b.position.unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let err = rt.block_on(async {
        let link = link::connect(&s.url, "t", 1).await.unwrap();
        let mut stale = Publisher::new(link, Mode::Sync, a_acked);
        stale
            .publish(vec![Chunk {
                kind: ChunkKind::Journal,
                generation,
                offset,
                fence: a_token,
                mark: 0,
                bytes: bytes::Bytes::from_static(b"late"),
            }])
            .await
            .unwrap_err()
    });
    assert!(matches!(err, Error::Deposed(_)), "{err}");
    drop(cb);
    let stats = pb.finish().unwrap();
    assert!(stats.acked >= 1);
}
