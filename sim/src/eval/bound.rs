//! A clairvoyant upper bound on occupancy, per run.
//!
//! **The bound.** A clairvoyant pacer knows every call's outcome and timing
//! in advance. Pacers in this simulator choose how many calls to place, not
//! which: the list is dialed in order. Knowing the list, the clairvoyant
//! times each live answer to land when an operator frees up, so operators
//! never wait and nobody is abandoned; what it cannot escape is:
//!
//! 1. **Operator time:** occupancy ≤ (staffed time − break time) / staffed
//!    time (breaks are logged in but take no call).
//! 2. **The trunk:** with `L` lines over the run's `T`, the calls it places,
//!    in list order, hold at most `L·T` line-seconds; each holds its line
//!    for its setup and ring (or busy signal, machine, ring-out at the
//!    timeout) and, when answered live, its detection and talk. The work
//!    (talk + ACW, and a passed machine's seconds) of the calls that fit is
//!    the most operators can do.
//! 3. **The list:** no more work than all of its calls hold.
//!
//! Bound = min(1, 2, 3) / staffed time. The call list is drawn from the
//! scenario's distributions with a stream of its own (seeded from the run's
//! seed), one attempt per contact (the evaluation's scenarios never retry);
//! a time-varying answer rate is read at the time the list would reach the
//! call if every line were busy all the time (the clairvoyant's fastest
//! pace). It is a bound on the expectation, not the exact optimum: it
//! ignores that the first answer of the day needs a ring and that work does
//! not split across operators; both only make it higher than the best
//! reachable, which is what a bound may do.

use crate::driver::PacedRun;
use crate::rng::{LogNormal, Rng};
use crate::scenario::{secs_to_ms, Scenario};
use crate::world::{uniform_ms, WorldState};

/// The clairvoyant occupancy bound of one run of `scenario` (its seed),
/// given the run's staffed and break time and its length.
pub fn clairvoyant_occupancy(scenario: &Scenario, run: &PacedRun) -> f64 {
    let staffed_ms = run.staffed_ms;
    if staffed_ms == 0 {
        return 0.0;
    }
    let operator_ms = staffed_ms.saturating_sub(run.world.break_ms) as f64;
    let span_ms = secs_to_ms(run.report.simulated_s);
    let world = WorldState::new(&scenario.world, scenario.seed, span_ms);
    let line_budget = if scenario.world.lines > 0 {
        scenario.world.lines as f64 * span_ms as f64
    } else {
        f64::INFINITY
    };
    let c = &scenario.customers;
    let o = &scenario.operator_model;
    let ring = LogNormal::new(c.ring_mean_s, c.ring_sd_s);
    let talk = LogNormal::new(c.talk_mean_s, c.talk_sd_s);
    let acw = LogNormal::new(o.acw_mean_s, o.acw_sd_s);
    let machine = c
        .machine_mean_s
        .map(|m| LogNormal::new(m.max(1e-3), c.machine_sd_s));
    let timeout = scenario.campaign.ring_timeout_ms;
    let mut rng = Rng::new(scenario.seed ^ 0xC1A1_0B0E_D000_0001);
    let (mut work, mut line_ms) = (0.0f64, 0.0f64);
    let others = c.p_machine + c.p_busy + c.p_unreachable + c.p_dial_failed;
    let lines = scenario.world.lines.max(1) as f64;
    for _ in 0..scenario.contacts {
        if line_ms >= line_budget || work >= operator_ms {
            break;
        }
        let at = if line_budget.is_finite() {
            (line_ms / lines) as u64
        } else {
            0
        };
        let p = (c.p_human * world.answer_factor(at)).min(1.0);
        let scale = if c.p_human < 1.0 {
            (1.0 - p) / (1.0 - c.p_human)
        } else {
            0.0
        };
        let setup = world.setup.map_or(0, |r| uniform_ms(&mut rng, r));
        let u = rng.unit();
        let (hold, w) = if u < p {
            let r = ring.sample_ms(&mut rng);
            let amd = world.amd.map_or(0, |r| uniform_ms(&mut rng, r));
            if r + setup + amd >= timeout {
                (timeout, 0)
            } else if world.false_machine > 0.0 && rng.chance(world.false_machine) {
                (setup + r + amd, 0)
            } else {
                let t = talk.sample_ms(&mut rng);
                (
                    setup + r + amd + world.bridge_ms + t,
                    t + acw_ms(o, &acw, &mut rng),
                )
            }
        } else if u < p + c.p_machine * scale {
            let r = match machine {
                Some(m) => m.sample_ms(&mut rng),
                None => ring.sample_ms(&mut rng) + secs_to_ms(c.machine_detect_s),
            };
            if r + setup >= timeout {
                (timeout, 0)
            } else if world.false_human > 0.0 && rng.chance(world.false_human) {
                let t = world.machine_talk_ms;
                (setup + r + t, t + acw_ms(o, &acw, &mut rng))
            } else {
                (setup + r, 0)
            }
        } else if u < p + others * scale {
            let signal = match c.signal_max_s {
                Some(max) => {
                    let (lo, hi) = (secs_to_ms(c.signal_s), secs_to_ms(max));
                    uniform_ms(&mut rng, (lo, hi.max(lo)))
                }
                None => secs_to_ms(c.signal_s),
            };
            (setup + signal, 0)
        } else {
            (timeout, 0)
        };
        line_ms += hold as f64;
        if line_ms <= line_budget {
            work += w as f64;
        }
    }
    (work.min(operator_ms) / staffed_ms as f64).min(1.0)
}

fn acw_ms(o: &crate::scenario::OperatorModel, acw: &LogNormal, rng: &mut Rng) -> u64 {
    match o.acw_min_s.zip(o.acw_max_s) {
        Some((lo, hi)) => uniform_ms(rng, (secs_to_ms(lo), secs_to_ms(hi))),
        None => acw.sample_ms(rng),
    }
}
