//! A realistic host for the engine benches: contacts in random priority
//! order (so selection is not import order), some numbers blacklisted, and
//! calls that ring before their outcome — 70% never answered (the engine's
//! ring timeout ends them and schedules a retry), 10% busy, 3% unreachable,
//! 2% answering machines, 15% answered, talked to for 45 s and wrapped up
//! 10 s later — with short retry delays so retries come due during a run.
//! Time moves by a fixed step per poll, as a host polling at a fixed rate;
//! the host keeps microseconds (so 10,000 polls a second are 100 µs apart)
//! and hands the engine milliseconds.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use dialcore::config::AbandonGuard;
use dialcore::retry::RetryRule;
use dialcore::{CallId, Campaign, CampaignConfig, Command, ContactId, Disposition, Event, Mode};

/// Operators in the realistic campaign by default.
pub const OPERATORS: usize = 200;

/// Share of the numbers on the blacklist before the run, in per mille.
pub const BLACKLISTED_PER_MILLE: u64 = 30;

/// The campaign's configuration: predictive at ratio 3 (most calls are not
/// answered), the expected-risk abandon guard, retries after 20 s (busy,
/// failed) and 60 s (no answer, machine).
pub fn config() -> CampaignConfig {
    let mut c = CampaignConfig {
        predictive_ratio: 3.0,
        abandon_guard: AbandonGuard::Expected,
        ..CampaignConfig::new(Mode::Predictive)
    };
    c.retry.busy = RetryRule::after(20_000);
    c.retry.dial_failed = RetryRule::after(20_000);
    c.retry.no_answer = RetryRule::after(60_000);
    c.retry.machine = RetryRule::after(60_000);
    c
}

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded; the seed must not be 0.
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }
    /// The next value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// Adds `contacts` numbers in random order with random priorities 0..=9
/// (in chunks of 1,000 sharing one priority), blacklists
/// [`BLACKLISTED_PER_MILLE`] of them, and logs in `operators` ready operators.
pub fn populate(c: &mut Campaign, contacts: usize, operators: usize, rng: &mut Rng) {
    let mut numbers: Vec<u64> = (0..contacts as u64).map(|i| 12010000000 + i * 7).collect();
    for i in (1..numbers.len()).rev() {
        numbers.swap(i, rng.below(i as u64 + 1) as usize);
    }
    for chunk in numbers.chunks(1_000) {
        c.add_numbers(chunk, rng.below(10) as u8).expect("fits");
    }
    let black: Vec<u64> = numbers
        .iter()
        .copied()
        .filter(|_| rng.below(1_000) < BLACKLISTED_PER_MILLE)
        .collect();
    c.blacklist_numbers(&black);
    for _ in 0..operators {
        let op = c.add_operator();
        c.handle(Event::OperatorLogin(op), 0).unwrap();
        c.handle(Event::OperatorReady(op), 0).unwrap();
    }
}

/// What the simulated network does next to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Next {
    Answered(CallId),
    Rejected(CallId),
    Unreachable(CallId),
    Machine(CallId),
    Ended(CallId),
    AcwDone(ContactId),
}

/// The host: pending network events by due time, the engine clock.
#[derive(Debug)]
pub struct Host {
    rng: Rng,
    due: BinaryHeap<Reverse<(u64, u64, Next)>>,
    seq: u64,
    /// The host clock (µs); the engine sees `now_us / 1000`.
    pub now_us: u64,
    out: Vec<Command>,
    /// Events the engine accepted.
    pub events: u64,
    /// Dials handed out.
    pub dials: u64,
}

impl Host {
    /// A host starting at `now_ms` with its own generator.
    pub fn new(now_ms: u64, seed: u64) -> Self {
        Host {
            rng: Rng::new(seed),
            due: BinaryHeap::new(),
            seq: 0,
            now_us: now_ms * 1_000,
            out: Vec::new(),
            events: 0,
            dials: 0,
        }
    }

    fn at(&mut self, delay_ms: u64, next: Next) {
        self.seq += 1;
        self.due
            .push(Reverse((self.now_us + delay_ms * 1_000, self.seq, next)));
    }

    /// The engine clock (ms).
    pub fn now_ms(&self) -> u64 {
        self.now_us / 1_000
    }

    /// One poll period: the clock moves `step_us`, the network events due
    /// by then are handled, then one poll, whose commands schedule what the
    /// network does next. Returns the events handled in the period.
    pub fn step(&mut self, c: &mut Campaign, step_us: u64) -> u64 {
        self.now_us += step_us;
        let now = self.now_ms();
        let before = self.events;
        while let Some(&Reverse((at, _, next))) = self.due.peek() {
            if at > self.now_us {
                break;
            }
            self.due.pop();
            let event = match next {
                Next::Answered(call) => Event::Answered(call),
                Next::Rejected(call) => Event::Rejected(call),
                Next::Unreachable(call) => Event::Unreachable(call),
                Next::Machine(call) => Event::AnsweredByMachine(call),
                Next::Ended(call) => Event::CallEnded(call),
                Next::AcwDone(contact) => match c.operator_of(contact) {
                    Some(operator) => Event::AcwDone {
                        operator,
                        contact,
                        disposition: Disposition::Done,
                    },
                    None => continue,
                },
            };
            // A call the engine already ended (abandoned, timed out) makes
            // its later network events stale: the host's race, not counted.
            if c.handle(event, now).is_ok() {
                self.events += 1;
            }
        }
        self.out.clear();
        c.poll(now, &mut self.out).expect("time in range");
        let mut out = std::mem::take(&mut self.out);
        for cmd in &out {
            match *cmd {
                Command::Dial { call, .. } => {
                    self.dials += 1;
                    let r = self.rng.below(100);
                    match r {
                        // 70%: rings until the engine's ring timeout.
                        0..=69 => {}
                        70..=79 => self.at(3_000, Next::Rejected(call)),
                        80..=82 => self.at(1_000, Next::Unreachable(call)),
                        83..=84 => self.at(6_000, Next::Machine(call)),
                        _ => self.at(6_000, Next::Answered(call)),
                    }
                }
                Command::Connect { call, .. } => {
                    self.at(45_000, Next::Ended(call));
                    self.at(55_000, Next::AcwDone(call.contact));
                }
                _ => {}
            }
        }
        out.clear();
        self.out = out;
        self.events - before
    }
}
