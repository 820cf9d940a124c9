//! The fixed-parameter baselines tuned in hindsight: the coarse grids,
//! their refinement to the fine steps, and the pick per scenario.
//!
//! **Fine tuning, cheaply.** Lines per idle operator is tuned to steps of
//! 0.05 and the dial level to steps of 0.01, on the in-sample seeds, under
//! the worst-case guard (the one a host runs). Running every fine point
//! would take 221 + 111 grid points per scenario; instead the coarse grid
//! runs first, then two refinements around the best compliant point: the
//! points at 0.25 (ratio) / 0.05 (level) between its coarse neighbours,
//! then the points at 0.05 / 0.01 within one such step of the new best.
//! Occupancy rises with a baseline's aggressiveness until the abandon
//! budget stops it, so the best compliant point sits next to the coarse
//! best; a better point elsewhere on the fine grid is possible in
//! principle (a noisy seed set), and the report lists every point run. The
//! expected-risk guard keeps the coarse grid (it is the comparison of the
//! guards, not the bar dialcore must clear).

use super::{PacerResult, PacerSpec};

/// The tuning grids: lines per idle operator, and dial level.
pub fn grids(quick: bool) -> (Vec<f64>, Vec<f64>) {
    if quick {
        (vec![1.5, 2.5], vec![1.2, 1.6])
    } else {
        (
            vec![
                1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0,
            ],
            vec![1.05, 1.1, 1.15, 1.2, 1.25, 1.3, 1.4, 1.5, 1.6, 1.8, 2.1],
        )
    }
}

/// Splits one guard's results into the table rows (dialcore first, the
/// best compliant grid point of each tuned family last) and the grid.
pub(super) fn pick(all: Vec<PacerResult>) -> (Vec<PacerResult>, Vec<PacerResult>) {
    let mut rows = Vec::new();
    let mut grid = Vec::new();
    for r in all {
        if r.pacer.parameter().is_some() {
            grid.push(r);
        } else {
            rows.push(r);
        }
    }
    for family in [
        "lines per idle operator (tuned)",
        "dial level, VICIdial (tuned)",
    ] {
        let members: Vec<&PacerResult> =
            grid.iter().filter(|r| r.pacer.family() == family).collect();
        let best = members
            .iter()
            .filter(|r| r.compliant)
            .max_by(|a, b| a.occupancy.total_cmp(&b.occupancy))
            .or_else(|| {
                members
                    .iter()
                    .min_by(|a, b| a.abandon_max.total_cmp(&b.abandon_max))
            });
        if let Some(best) = best {
            rows.push((*best).clone());
        }
    }
    (rows, grid)
}

/// A tuned baseline family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Lines per idle operator (fine step 0.05).
    LinesPerIdle,
    /// VICIdial's dial level (fine step 0.01).
    DialLevel,
}

impl Family {
    /// Both families.
    pub const ALL: [Family; 2] = [Family::LinesPerIdle, Family::DialLevel];

    /// The family's parameter of `spec`, in hundredths.
    fn hundredths(self, spec: PacerSpec) -> Option<i64> {
        match (self, spec) {
            (Family::LinesPerIdle, PacerSpec::LinesPerIdle(x))
            | (Family::DialLevel, PacerSpec::DialLevel(x)) => Some((x * 100.0).round() as i64),
            _ => None,
        }
    }

    fn spec(self, hundredths: i64) -> PacerSpec {
        let x = hundredths as f64 / 100.0;
        match self {
            Family::LinesPerIdle => PacerSpec::LinesPerIdle(x),
            Family::DialLevel => PacerSpec::DialLevel(x),
        }
    }

    /// The first refinement's step and the fine step, in hundredths.
    fn steps(self) -> (i64, i64) {
        match self {
            Family::LinesPerIdle => (25, 5),
            Family::DialLevel => (5, 1),
        }
    }
}

/// The next points to run for `family` given the results so far (one
/// guard): `stage` 0 fills in between the best compliant point's coarse
/// neighbours at the first step (one step beyond it at an end of the
/// grid), stage 1 around the best at the fine step.
/// Empty when no point is compliant.
pub fn refine(results: &[PacerResult], family: Family, stage: usize) -> Vec<PacerSpec> {
    let mut have: Vec<(i64, &PacerResult)> = results
        .iter()
        .filter_map(|r| family.hundredths(r.pacer).map(|h| (h, r)))
        .collect();
    have.sort_by_key(|&(h, _)| h);
    let Some(&(best, _)) = have
        .iter()
        .filter(|(_, r)| r.compliant)
        .max_by(|a, b| a.1.occupancy.total_cmp(&b.1.occupancy).then(b.0.cmp(&a.0)))
    else {
        return Vec::new();
    };
    let (first, fine) = family.steps();
    let (lo, hi, step) = if stage == 0 {
        let lo = have
            .iter()
            .rev()
            .find(|&&(h, _)| h < best)
            .map_or(best - 2 * first, |&(h, _)| h);
        let hi = have
            .iter()
            .find(|&&(h, _)| h > best)
            .map_or(best + 2 * first, |&(h, _)| h);
        (lo, hi, first)
    } else {
        (best - first, best + first, fine)
    };
    let start = (lo / step + 1) * step;
    (0..)
        .map(|k| start + k * step)
        .take_while(|&h| h < hi)
        .filter(|&h| h >= 100 && have.binary_search_by_key(&h, |&(x, _)| x).is_err())
        .map(|h| family.spec(h))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::RunMetrics;
    use crate::scenario::GuardName;

    /// A result with `occupancy` whose one seed is at `abandon`.
    fn result(pacer: PacerSpec, occupancy: f64, abandon: f64) -> PacerResult {
        let m = RunMetrics {
            occupancy,
            talk_min_per_hour: 0.0,
            abandon_rate: abandon,
            worst_hour_rate: abandon,
            worst_guarded_rate: abandon,
            contacts_per_hour: 0.0,
            wait_p95_s: 0.0,
            answered: 100,
            amd_dropped: 0,
            line_blocked: 0,
            bound: 0.0,
        };
        PacerResult::new(pacer, GuardName::WorstCase, vec![m])
    }

    fn params(specs: &[PacerSpec]) -> Vec<f64> {
        specs.iter().filter_map(|s| s.parameter()).collect()
    }

    #[test]
    fn refinement_fills_in_around_the_best_compliant_point() {
        // Occupancy rises with the ratio; 3.0 goes over the target.
        let coarse = vec![
            result(PacerSpec::LinesPerIdle(1.5), 0.80, 0.01),
            result(PacerSpec::LinesPerIdle(2.0), 0.85, 0.02),
            result(PacerSpec::LinesPerIdle(3.0), 0.90, 0.05),
            result(PacerSpec::DialLevel(1.2), 0.84, 0.02),
        ];
        let first = refine(&coarse, Family::LinesPerIdle, 0);
        assert_eq!(params(&first), [1.75, 2.25, 2.5, 2.75]);
        let mut all = coarse.clone();
        all.push(result(PacerSpec::LinesPerIdle(2.25), 0.87, 0.025));
        all.push(result(PacerSpec::LinesPerIdle(2.5), 0.88, 0.04));
        let second = refine(&all, Family::LinesPerIdle, 1);
        assert_eq!(
            params(&second),
            [2.05, 2.1, 2.15, 2.2, 2.3, 2.35, 2.4, 2.45]
        );
        // The dial level refines at 0.05, then 0.01; no point below 1.0.
        assert_eq!(params(&refine(&coarse, Family::DialLevel, 0)), [1.15, 1.25]);
        let level = refine(&coarse, Family::DialLevel, 1);
        assert_eq!(
            params(&level),
            [1.16, 1.17, 1.18, 1.19, 1.21, 1.22, 1.23, 1.24]
        );
        assert!(params(&refine(
            &[result(PacerSpec::DialLevel(1.02), 0.8, 0.0)],
            Family::DialLevel,
            1
        ))
        .iter()
        .all(|&x| x >= 1.0));
    }

    #[test]
    fn nothing_to_refine_without_a_compliant_point() {
        let over = vec![
            result(PacerSpec::LinesPerIdle(1.5), 0.80, 0.04),
            result(PacerSpec::LinesPerIdle(2.0), 0.85, 0.05),
        ];
        assert!(refine(&over, Family::LinesPerIdle, 0).is_empty());
        assert!(refine(&over, Family::DialLevel, 0).is_empty());
    }
}
