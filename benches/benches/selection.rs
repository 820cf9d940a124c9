//! Next-contact selection and event cycles with 1M contacts in mixed states:
//! dialcore (a predictive `Campaign` through its public API) next to the SQL
//! hopper of the most used open-source dialer, on SQLite in memory and on
//! disk in WAL mode.
//!
//! `cargo bench -p dialcore-benches --bench selection`
//!
//! The mix, the same on every side: 10% on the do-not-call list, 15% done,
//! 12.5% busy retries that are due, 12.5% no-answer retries that are not,
//! 50% never called; priorities 0–2 by list chunk.
//!
//! - `selection/next_100_of_1M`: pick the next 100 contacts to dial. dialcore:
//!   one `poll` with 100 ready operators (ratio 1) → 100 `Dial` commands.
//!   SQL: refill the hopper when it is short (`INSERT INTO hopper SELECT …
//!   ORDER BY priority DESC, next_call_at LIMIT 1000`: a background-sized
//!   refill, its cost amortized over the ten takes it serves, through the
//!   partial index `(priority DESC, next_call_at) WHERE status IN
//!   ('NEW','RETRY')`; the summary prints SQLite's plan), take 100 from it
//!   (one DELETE and one status UPDATE each). The calls are then resolved outside
//!   the measured time (dialcore: `Unreachable` → retry; SQL: back to RETRY
//!   and due, so the mix stays the same).
//! - `selection/event_cycles_1M`: one round = select 100, then answered →
//!   ended → ACW done for each (300 events); SQL: a status UPDATE per event,
//!   each its own autocommit statement.
//!
//! `DIALCORE_BENCH_QUICK=1` shortens the same-run summary (fewer rounds).

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dialcore::retry::RetryRule;
use dialcore::{CallId, Campaign, CampaignConfig, Command, Disposition, Event, Mode, OperatorId};
use dialcore_benches::sql_hopper::{self, Lead, SqlHopper};

const CONTACTS: usize = 1_000_000;
/// Contacts selected per poll / hopper take.
const BATCH: usize = 100;
/// Leads per SQL hopper refill (a background-sized hopper).
const REFILL: usize = 10 * BATCH;
/// Operators used to dial the setup calls; all but `BATCH` are paused after.
const SETUP_OPERATORS: usize = 1_000;
const BUSY_DELAY_MS: u64 = 5 * 60_000;
const NO_ANSWER_DELAY_MS: u64 = 30 * 60_000;
/// When the measurement starts: busy retries are due, no-answer ones not.
const T0: u64 = 10 * 60_000;

fn quick() -> bool {
    std::env::var_os("DIALCORE_BENCH_QUICK").is_some_and(|v| v != "0")
}

fn number(i: usize) -> u64 {
    12010000000 + i as u64 * 7
}

/// Priority by chunk of the list: 0, 1, 2, 0, …
fn priority(i: usize) -> u8 {
    ((i / (CONTACTS / 10)) % 3) as u8
}

/// The mixed state of contact `i` (used for the SQL side; dialcore reaches
/// the same proportions by making the calls).
fn sql_state(i: usize) -> (&'static str, i64) {
    match i % 40 {
        0..=3 => (sql_hopper::DNC, 0),
        4..=9 => (sql_hopper::DONE, 0),
        10..=14 => (sql_hopper::RETRY, BUSY_DELAY_MS as i64),
        15..=19 => (sql_hopper::RETRY, NO_ANSWER_DELAY_MS as i64),
        _ => (sql_hopper::NEW, 0),
    }
}

// ----------------------------------------------------------------------
// dialcore
// ----------------------------------------------------------------------

struct Dialcore {
    campaign: Campaign,
    ops: Vec<OperatorId>,
    now: u64,
    out: Vec<Command>,
    calls: Vec<CallId>,
}

impl Dialcore {
    /// 1M contacts brought to the mix by real calls through `handle`/`poll`.
    fn new() -> Self {
        let mut config = CampaignConfig {
            predictive_ratio: 1.0,
            acw_limit_ms: 0,
            ..CampaignConfig::new(Mode::Predictive)
        };
        config.retry.busy = RetryRule::after(BUSY_DELAY_MS);
        config.retry.no_answer = RetryRule::after(NO_ANSWER_DELAY_MS);
        let mut campaign = Campaign::new(config).expect("valid config");
        let dnc: Vec<u64> = (0..CONTACTS).filter(|i| i % 40 < 4).map(number).collect();
        campaign.blacklist_numbers(&dnc);
        for chunk in 0..10 {
            let start = chunk * CONTACTS / 10;
            let numbers: Vec<u64> = (start..start + CONTACTS / 10).map(number).collect();
            campaign
                .add_numbers(&numbers, priority(start))
                .expect("fits");
        }
        let ops: Vec<OperatorId> = (0..SETUP_OPERATORS)
            .map(|_| campaign.add_operator())
            .collect();
        for &op in &ops {
            campaign.handle(Event::OperatorLogin(op), 0).unwrap();
            campaign.handle(Event::OperatorReady(op), 0).unwrap();
        }
        let mut d = Dialcore {
            campaign,
            ops,
            now: 0,
            out: Vec::new(),
            calls: Vec::new(),
        };
        // 15% done, 12.5% busy, 12.5% no answer, all at t ≈ 0.
        let per_kind = |share: f64| (CONTACTS as f64 * share) as usize / SETUP_OPERATORS;
        for _ in 0..per_kind(0.15) {
            d.cycle();
        }
        for _ in 0..per_kind(0.125) {
            d.dial_and(Event::Rejected);
        }
        for _ in 0..per_kind(0.125) {
            d.dial_and(Event::Unreachable);
        }
        for &op in &d.ops[BATCH..] {
            d.campaign.handle(Event::OperatorPause(op), d.now).unwrap();
        }
        // Fire the busy retries (now due) outside the measured time.
        d.now = T0;
        d.campaign.poll(d.now, &mut d.out).unwrap();
        d.collect_calls();
        d.resolve(Event::Unreachable);
        d
    }

    fn collect_calls(&mut self) {
        self.calls.clear();
        self.calls
            .extend(self.out.iter().filter_map(|cmd| match cmd {
                Command::Dial { call, .. } => Some(*call),
                _ => None,
            }));
        self.out.clear();
    }

    fn resolve(&mut self, event: fn(CallId) -> Event) {
        for &call in &self.calls {
            self.campaign.handle(event(call), self.now).unwrap();
        }
    }

    /// Polls once; returns the dials issued.
    fn select(&mut self) -> usize {
        self.now += 1;
        self.campaign.poll(self.now, &mut self.out).unwrap();
        self.collect_calls();
        self.calls.len()
    }

    fn dial_and(&mut self, event: fn(CallId) -> Event) {
        self.select();
        self.resolve(event);
    }

    /// Select, then answered → (poll: connected) → ended → ACW done for
    /// every call; returns the events handled.
    fn cycle(&mut self) -> u64 {
        self.select();
        let now = self.now;
        for &call in &self.calls {
            self.campaign.handle(Event::Answered(call), now).unwrap();
        }
        self.campaign.poll(now, &mut self.out).unwrap();
        self.out.clear();
        for &call in &self.calls {
            self.campaign.handle(Event::CallEnded(call), now).unwrap();
        }
        for &call in &self.calls {
            let operator = self.campaign.operator_of(call.contact).expect("in ACW");
            self.campaign
                .handle(
                    Event::AcwDone {
                        operator,
                        contact: call.contact,
                        disposition: Disposition::Done,
                    },
                    now,
                )
                .unwrap();
        }
        3 * self.calls.len() as u64
    }

    fn mix(&self) -> String {
        let counts = self.campaign.counts();
        counts
            .iter()
            .filter(|&(_, n)| n > 0)
            .map(|(s, n)| format!("{s:?} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Rebuilds the campaign (outside the measured time) when fewer than a
/// batch of dialable contacts is left, so every measured poll does the same
/// work.
struct DialcoreHarness {
    d: Dialcore,
    left: usize,
}

const DIALABLE: usize = CONTACTS / 2 + CONTACTS / 8;

impl DialcoreHarness {
    fn new() -> Self {
        DialcoreHarness {
            d: Dialcore::new(),
            left: DIALABLE / BATCH - 1,
        }
    }

    fn next(&mut self) -> &mut Dialcore {
        if self.left == 0 {
            *self = DialcoreHarness::new();
        }
        self.left -= 1;
        &mut self.d
    }

    fn measure_select(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let d = self.next();
            let started = Instant::now();
            black_box(d.select());
            total += started.elapsed();
            assert_eq!(d.calls.len(), BATCH);
            d.resolve(Event::Unreachable);
        }
        total
    }

    fn measure_cycle(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let d = self.next();
            let started = Instant::now();
            black_box(d.cycle());
            total += started.elapsed();
        }
        total
    }
}

// ----------------------------------------------------------------------
// SQL hopper
// ----------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Storage {
    Memory,
    Wal,
}

struct Sql {
    db: SqlHopper,
    dir: Option<PathBuf>,
    now: i64,
    ids: Vec<i64>,
}

impl Sql {
    fn new(storage: Storage) -> Self {
        let (mut db, dir) = match storage {
            Storage::Memory => (SqlHopper::in_memory().expect("sqlite"), None),
            Storage::Wal => {
                let dir = std::env::temp_dir()
                    .join(format!("dialcore-bench-selection-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&dir);
                std::fs::create_dir_all(&dir).expect("temp dir");
                let db = SqlHopper::wal(&dir.join("leads.db")).expect("sqlite");
                (db, Some(dir))
            }
        };
        let phones: Vec<String> = (0..CONTACTS).map(|i| format!("+{}", number(i))).collect();
        db.insert_leads((0..CONTACTS).map(|i| {
            let (status, next_call_at) = sql_state(i);
            Lead {
                phone: &phones[i],
                status,
                priority: i64::from(priority(i)),
                called_count: i64::from(status != sql_hopper::NEW),
                next_call_at,
            }
        }))
        .expect("insert");
        db.connection().execute_batch("ANALYZE").expect("analyze");
        db.set_refill(REFILL);
        Sql {
            db,
            dir,
            now: T0 as i64,
            ids: Vec::new(),
        }
    }

    fn select(&mut self) -> usize {
        self.now += 1;
        self.ids.clear();
        self.db
            .next_to_dial(self.now, BATCH, &mut self.ids)
            .expect("select")
    }

    /// The selected leads go back to RETRY, due, so the mix stays the same.
    fn recycle(&mut self) {
        for &id in &self.ids {
            self.db
                .schedule_retry(id, BUSY_DELAY_MS as i64)
                .expect("update");
        }
    }

    fn cycle(&mut self) -> u64 {
        self.select();
        for &id in &self.ids {
            self.db
                .set_status(id, sql_hopper::ANSWERED)
                .expect("update");
        }
        for &id in &self.ids {
            self.db.set_status(id, sql_hopper::ACW).expect("update");
        }
        for &id in &self.ids {
            self.db.set_status(id, sql_hopper::DONE).expect("update");
        }
        3 * self.ids.len() as u64
    }

    fn measure_select(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let started = Instant::now();
            black_box(self.select());
            total += started.elapsed();
            assert_eq!(self.ids.len(), BATCH);
            self.recycle();
        }
        total
    }

    fn measure_cycle(&mut self, iters: u64) -> Duration {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let started = Instant::now();
            black_box(self.cycle());
            total += started.elapsed();
            assert_eq!(self.ids.len(), BATCH);
            // Keep the list from running dry: the leads just done go back to
            // the RETRY pool (outside the measured time).
            self.recycle();
        }
        total
    }

    fn mix(&self) -> String {
        self.db
            .counts()
            .expect("count")
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl Drop for Sql {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

// ----------------------------------------------------------------------
// Groups
// ----------------------------------------------------------------------

fn selection(c: &mut Criterion) {
    let mut dialcore = DialcoreHarness::new();
    let mut memory = Sql::new(Storage::Memory);
    let mut wal = Sql::new(Storage::Wal);

    let mut group = c.benchmark_group("selection/next_100_of_1M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("dialcore", |b| {
        b.iter_custom(|iters| dialcore.measure_select(iters))
    });
    group.bench_function("sql_hopper_memory", |b| {
        b.iter_custom(|iters| memory.measure_select(iters))
    });
    group.bench_function("sql_hopper_wal", |b| {
        b.iter_custom(|iters| wal.measure_select(iters))
    });
    group.finish();

    let mut group = c.benchmark_group("selection/event_cycles_1M");
    group.sample_size(10);
    group.throughput(Throughput::Elements(3 * BATCH as u64));
    group.bench_function("dialcore", |b| {
        b.iter_custom(|iters| dialcore.measure_cycle(iters))
    });
    group.bench_function("sql_hopper_memory", |b| {
        b.iter_custom(|iters| memory.measure_cycle(iters))
    });
    group.bench_function("sql_hopper_wal", |b| {
        b.iter_custom(|iters| wal.measure_cycle(iters))
    });
    group.finish();
}

/// Same-run figures, each contender on a fresh list, printed as ratios.
fn summary(_: &mut Criterion) {
    let rounds: u64 = if quick() { 50 } else { 200 };
    let mut dialcore = DialcoreHarness::new();
    let dialcore_mix = dialcore.d.mix();
    let mut memory = Sql::new(Storage::Memory);
    let sql_mix = memory.mix();
    let mut wal = Sql::new(Storage::Wal);

    let d_sel = dialcore.measure_select(rounds);
    let m_sel = memory.measure_select(rounds);
    let w_sel = wal.measure_select(rounds);
    let d_cyc = dialcore.measure_cycle(rounds);
    let m_cyc = memory.measure_cycle(rounds);
    let w_cyc = wal.measure_cycle(rounds);

    let per = |t: Duration| t / rounds as u32;
    let eps = |t: Duration| (3 * BATCH as u64 * rounds) as f64 / t.as_secs_f64();
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    println!("\n== selection summary, {CONTACTS} contacts in mixed states, {rounds} rounds of {BATCH} ==");
    println!("mix dialcore: {dialcore_mix}");
    println!("mix SQL: {sql_mix}");
    println!(
        "SQL refill plan (EXPLAIN QUERY PLAN): {}",
        memory.db.refill_plan().expect("plan").join("; ")
    );
    println!(
        "next {BATCH}: dialcore {:.2?}, SQL hopper in-memory {:.2?}, WAL {:.2?}; sql_memory/dialcore = {:.0}x, sql_wal/dialcore = {:.0}x",
        per(d_sel),
        per(m_sel),
        per(w_sel),
        ratio(m_sel, d_sel),
        ratio(w_sel, d_sel)
    );
    println!(
        "event cycles (select + answered, ended, ACW done): dialcore {:.2} M events/s, SQL in-memory {:.3} M events/s, WAL {:.3} M events/s; sql_memory/dialcore = {:.0}x, sql_wal/dialcore = {:.0}x",
        eps(d_cyc) / 1e6,
        eps(m_cyc) / 1e6,
        eps(w_cyc) / 1e6,
        ratio(m_cyc, d_cyc),
        ratio(w_cyc, d_cyc)
    );
}

criterion_group!(benches, summary, selection);
criterion_main!(benches);
