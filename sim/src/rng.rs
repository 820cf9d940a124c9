//! A small, seeded PRNG and the distributions the simulation draws from.
//!
//! xoshiro256** (Blackman & Vigna), seeded through splitmix64: fast, 256 bits
//! of state, and the same seed gives the same stream on every platform. The
//! lognormal draws use `ln`, `sqrt` and `cos` from std, which are the
//! platform's libm: identical on one machine and build, and in practice on
//! every x86-64 and aarch64 Linux.

/// The xoshiro256** generator.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// A generator seeded from `seed` through splitmix64 (any seed, 0 included).
    pub fn new(seed: u64) -> Rng {
        let mut sm = seed;
        Rng {
            s: [
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
            ],
        }
    }

    /// The next 64 random bits.
    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// A uniform draw in `[0, 1)` with 53 bits of precision.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// True with probability `p`.
    #[inline]
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A standard normal draw (Box–Muller, one of the pair).
    #[inline]
    pub fn normal(&mut self) -> f64 {
        // 1 - unit() is in (0, 1]: ln never sees 0.
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// A lognormal distribution given by its mean and standard deviation (in the
/// sampled unit, not of the underlying normal); a zero deviation is constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    mu: f64,
    sigma: f64,
    mean: f64,
}

impl LogNormal {
    /// The lognormal with this mean (> 0) and standard deviation (>= 0).
    pub fn new(mean: f64, sd: f64) -> LogNormal {
        let sigma2 = (1.0 + (sd * sd) / (mean * mean)).ln();
        LogNormal {
            mu: mean.ln() - sigma2 / 2.0,
            sigma: sigma2.sqrt(),
            mean,
        }
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> f64 {
        if self.sigma == 0.0 {
            return self.mean;
        }
        (self.mu + self.sigma * rng.normal()).exp()
    }

    /// One draw of seconds, as whole milliseconds (at least 1).
    #[inline]
    pub fn sample_ms(&self, rng: &mut Rng) -> u64 {
        ((self.sample(rng) * 1000.0).round() as u64).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_known_first_value() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
    }

    #[test]
    fn lognormal_mean_and_unit_range() {
        let mut rng = Rng::new(7);
        let d = LogNormal::new(180.0, 120.0);
        let n = 200_000;
        let mean = (0..n).map(|_| d.sample(&mut rng)).sum::<f64>() / n as f64;
        assert!((mean - 180.0).abs() < 3.0, "{mean}");
        for _ in 0..10_000 {
            let u = rng.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(LogNormal::new(5.0, 0.0).sample_ms(&mut rng), 5000);
    }
}
