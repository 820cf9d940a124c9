//! Scan kernels over the state column: the ids in one state and the
//! per-state histogram, each written so that the compiler vectorizes it
//! and a 10M-contact column is read near memory bandwidth (the `traps`
//! bench measures both against a plain read of the column).

use super::ContactId;
use crate::state::STATE_COUNT;

/// Bytes of the state column [`ContactStore::ids_in_state`] tests at once.
const SCAN_CHUNK: usize = 64;

/// The iterator of [`ContactStore::ids_in_state`]: the match mask of one
/// 64-byte chunk of the state column at a time.
pub(super) struct StateScan<'a> {
    /// The chunks not read yet.
    chunks: std::slice::Chunks<'a, u8>,
    /// The state code looked for.
    code: u8,
    /// Index of the first byte of the chunk `mask` is of.
    base: usize,
    /// Index of the first byte of the next chunk.
    next_base: usize,
    /// Bit `i` set: contact `base + i` is in the state and not yet returned.
    mask: u64,
}

impl<'a> StateScan<'a> {
    /// The ids of the contacts whose code in `states` is `code`, in order.
    pub(super) fn new(states: &'a [u8], code: u8) -> Self {
        StateScan {
            chunks: states.chunks(SCAN_CHUNK),
            code,
            base: 0,
            next_base: 0,
            mask: 0,
        }
    }
}

impl Iterator for StateScan<'_> {
    type Item = ContactId;

    #[inline]
    fn next(&mut self) -> Option<ContactId> {
        while self.mask == 0 {
            let chunk = self.chunks.next()?;
            self.base = self.next_base;
            self.next_base += chunk.len();
            self.mask = match <&[u8; SCAN_CHUNK]>::try_from(chunk) {
                // A whole chunk: a fixed-size compare-and-OR with no early
                // exit vectorizes; the mask is built only on a match.
                Ok(chunk) => {
                    let any = chunk
                        .iter()
                        .fold(0u8, |any, &s| any | u8::from(s == self.code));
                    if any == 0 {
                        0
                    } else {
                        match_mask(chunk, self.code)
                    }
                }
                // The column's short tail.
                Err(_) => match_mask(chunk, self.code),
            };
        }
        let bit = self.mask.trailing_zeros() as usize;
        self.mask &= self.mask - 1;
        Some(ContactId((self.base + bit) as u32))
    }
}

/// Bit `i` set when `chunk[i] == code` (`chunk` at most 64 bytes).
#[inline]
fn match_mask(chunk: &[u8], code: u8) -> u64 {
    chunk
        .iter()
        .enumerate()
        .fold(0u64, |m, (i, &s)| m | (u64::from(s == code) << i))
}

/// Lanes of a histogram round: one 64-byte compare at a time.
const HIST_LANES: usize = 64;
/// Rounds of a histogram block (16 KB, hot in L1): at most 255, so a `u8`
/// lane counter cannot overflow.
const HIST_ROUNDS: usize = 255;

/// Per-state histogram of a state column (codes at or above
/// [`STATE_COUNT`] are not counted).
///
/// Compute-bound rather than memory-bound: a `h[s] += 1` loop stalls on
/// store-to-load forwarding when states repeat. Here each 16 KB block is
/// first reduced to its smallest and largest code (a vectorized min/max),
/// then compared against each code in that range in turn with 64 `u8` lane
/// counters — a compare-and-subtract loop that vectorizes — and the lanes
/// are summed into `u32` once a block. A block of one state (a list just
/// imported) costs one pass; a block that mixes every state, one pass per
/// state. The tail is counted one by one.
pub(super) fn histogram(states: &[u8]) -> [u32; STATE_COUNT] {
    let mut out = [0u32; STATE_COUNT];
    let mut blocks = states.chunks_exact(HIST_LANES * HIST_ROUNDS);
    for block in &mut blocks {
        let (lo, hi) = block
            .iter()
            .fold((u8::MAX, 0u8), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        let hi = hi.min(STATE_COUNT as u8 - 1);
        for code in lo..=hi {
            let mut lanes = [0u8; HIST_LANES];
            for round in block.chunks_exact(HIST_LANES) {
                let round: &[u8; HIST_LANES] = round.try_into().expect("exact chunk");
                for (lane, &s) in lanes.iter_mut().zip(round) {
                    *lane += u8::from(s == code);
                }
            }
            out[code as usize] += lanes.iter().map(|&l| u32::from(l)).sum::<u32>();
        }
    }
    for &s in blocks.remainder() {
        if let Some(slot) = out.get_mut(s as usize) {
            *slot += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;

    #[test]
    fn histogram_matches_naive_count() {
        // Across block boundaries (16 320 bytes), with long runs of one state
        // (a lane counter must not wrap) and codes that are not states.
        for len in [
            0usize,
            1,
            1003,
            16_319,
            16_320,
            16_321,
            3 * 16_320 + 17,
            70_000,
        ] {
            let mut states: Vec<u8> = (0..len as u32).map(|i| (i * 7 % 19) as u8).collect();
            for s in states.iter_mut().skip(len / 3).take(len / 3) {
                *s = State::RetryScheduled as u8;
            }
            let mut naive = [0u32; STATE_COUNT];
            for &s in &states {
                if (s as usize) < STATE_COUNT {
                    naive[s as usize] += 1;
                }
            }
            assert_eq!(histogram(&states), naive, "len {len}");
        }
    }

    #[test]
    fn state_scan_matches_filter() {
        for len in [0usize, 1, 63, 64, 65, 200, 1000] {
            let states: Vec<u8> = (0..len as u32).map(|i| (i * i % 5) as u8).collect();
            for code in 0..6u8 {
                let scan = StateScan::new(&states, code);
                let want: Vec<ContactId> = (0..len)
                    .filter(|&i| states[i] == code)
                    .map(|i| ContactId(i as u32))
                    .collect();
                assert_eq!(scan.collect::<Vec<_>>(), want, "len {len} code {code}");
            }
        }
    }
}
