//! Several numbers a contact: number #0 and the contact's number header in
//! the store's number column, the numbers after #0 in packed columns.
//!
//! A contact's number #0 is the low 50 bits of its word in the store's
//! number column ([`NumberColumn`]); the 14 bits above them hold its
//! header, so a contact with one number costs nothing here. The numbers
//! after #0 live in packed columns beside the store, one run per contact
//! in contact order:
//!
//! | column | per | bits | holds |
//! |---|---|---|---|
//! | header (top of `number`) | contact | 14 | extra count (4 bits), current number (4), kind of #0 (2), last outcome of #0 (4) |
//! | `block_start` | 256 contacts, up to the last one with a header | 32 | index of the block's first extra number |
//! | `packed` | extra number | 64 | E.164 digits (50 bits), zone (12), kind (2) |
//! | `state` | extra number | 8 | attempts on it (4 bits, saturating at 15), last outcome (4) |
//!
//! So an extra number costs 9 bytes and a contact that has any nothing
//! more but its share of the block offsets (4 bytes per 256 contacts): a
//! contact with 3 numbers is its 14 bytes (no external id) + 18.02, 9.01
//! bytes per extra number; one with 2 numbers 14 + 9.02, 9.02 bytes per
//! extra number (the store bench at 1M contacts: 32.0 and 23.0 bytes a
//! contact; contacts with one number stay at 14.0). Like
//! the external-id column, `block_start` covers only the blocks up to the
//! last contact whose header was ever set (`end`); every contact past it
//! has one number and an empty header. A run's start is its block's
//! offset plus the extra counts of the contacts before it in the block
//! (at most 255 headers, read from the number column's top bits and summed
//! in a tight loop), so nothing per contact needs 4 bytes: lookups stay
//! O(1).
//!
//! An extra number carries 71 bits of information (digits below 10^15, a
//! 12-bit zone, a kind, attempts 0..=15, one of 9 outcomes), so 9 bytes is
//! as small as byte-aligned columns get; the header's 13 or 14 bits fit
//! the number column's 14 spare ones, which is what keeps a 2-number
//! contact under 10 bytes per extra number (with a separate bit-packed
//! header column it was 10.77).
//!
//! Number #0's attempts are not stored: every attempt is on exactly one
//! number, so #0's are the contact's attempts less those of its extra
//! numbers. Runs are appended only for the newest contact (imports and
//! bulk adds go in id order); a number is replaced in place (`fix`).
//!
//! E.164 digits are at most 15 (below 2^50); a zone id of an extra number
//! must be below 4096 ([`MAX_EXTRA_ZONE`]): a campaign interns one id per
//! distinct zone name, a few hundred in practice.

use super::column::{NumberColumn, NumberDigits, DIGITS_MASK, HEADER_MASK};
use crate::state::Outcome;
use crate::zones::ZoneId;

/// The most numbers a contact has (number #0 and 15 extra ones).
pub const MAX_NUMBERS: usize = 16;

/// Zone ids an extra number can carry are below this.
pub const MAX_EXTRA_ZONE: u16 = 1 << 12;

/// Per-number attempts count up to this (then saturate).
pub const MAX_NUMBER_ATTEMPTS: u8 = 15;

const BLOCK: usize = 256;

/// What kind of line a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum NumberKind {
    /// Not said (the default).
    #[default]
    Other = 0,
    /// A mobile phone.
    Mobile = 1,
    /// A home (landline) phone.
    Home = 2,
    /// A work phone.
    Work = 3,
}

impl NumberKind {
    /// All kinds in code order.
    pub const ALL: [NumberKind; 4] = [
        NumberKind::Other,
        NumberKind::Mobile,
        NumberKind::Home,
        NumberKind::Work,
    ];

    /// The kind with code `code` (0..=3).
    pub fn from_code(code: u8) -> Option<NumberKind> {
        Self::ALL.get(usize::from(code)).copied()
    }

    /// The kind's name in lower case (`"mobile"`).
    pub fn name(self) -> &'static str {
        match self {
            NumberKind::Other => "other",
            NumberKind::Mobile => "mobile",
            NumberKind::Home => "home",
            NumberKind::Work => "work",
        }
    }

    /// Parses a kind name, case-insensitively; blank is `Other`. Also
    /// accepts `cell` and `landline`.
    pub fn from_name(name: &str) -> Option<NumberKind> {
        let name = name.trim();
        if name.is_empty() {
            return Some(NumberKind::Other);
        }
        let lower = name.to_ascii_lowercase();
        match lower.as_str() {
            "cell" | "cellular" => Some(NumberKind::Mobile),
            "landline" => Some(NumberKind::Home),
            _ => Self::ALL.into_iter().find(|k| k.name() == lower),
        }
    }
}

/// One extra number to add to a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtraNumber {
    /// E.164 digits (checked by the number gate before they get here).
    pub number: u64,
    /// Its kind.
    pub kind: NumberKind,
    /// Its zone (below [`MAX_EXTRA_ZONE`]).
    pub zone: ZoneId,
}

/// The per-number state of one extra number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct NumberState {
    pub(crate) attempts: u8,
    pub(crate) outcome: Outcome,
}

impl NumberState {
    pub(crate) fn code(self) -> u8 {
        self.attempts.min(MAX_NUMBER_ATTEMPTS) | (self.outcome as u8) << 4
    }
    pub(crate) fn from_code(code: u8) -> NumberState {
        NumberState {
            attempts: code & 0xF,
            outcome: Outcome::from_code(code >> 4).unwrap_or_default(),
        }
    }
}

/// The header of a contact with extra numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Header {
    pub(crate) extra: u8,
    pub(crate) current: u8,
    pub(crate) kind0: NumberKind,
    pub(crate) outcome0: Outcome,
}

impl Header {
    pub(crate) fn code(self) -> u16 {
        u16::from(self.extra & 0xF)
            | u16::from(self.current & 0xF) << 4
            | u16::from(self.kind0 as u8) << 8
            | u16::from(self.outcome0 as u8 & 0xF) << 10
    }
    pub(crate) fn from_code(code: u16) -> Header {
        Header {
            extra: (code & 0xF) as u8,
            current: (code >> 4 & 0xF) as u8,
            kind0: NumberKind::from_code((code >> 8 & 3) as u8).unwrap_or_default(),
            outcome0: Outcome::from_code((code >> 10 & 0xF) as u8).unwrap_or_default(),
        }
    }
}

/// The numbers of a store's contacts: the number column (number #0 and the
/// headers) and the extra numbers (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct Numbers {
    column: NumberColumn,
    /// Contacts `0..end` may have a non-empty header; `block_start` covers
    /// their blocks.
    end: usize,
    block_start: Vec<u32>,
    packed: Vec<u64>,
    state: Vec<u8>,
}

fn pack(n: ExtraNumber) -> u64 {
    (n.number & DIGITS_MASK) | u64::from(n.zone.0 & 0xFFF) << 50 | u64::from(n.kind as u8) << 62
}

fn unpack(p: u64) -> ExtraNumber {
    ExtraNumber {
        number: p & DIGITS_MASK,
        zone: ZoneId((p >> 50 & 0xFFF) as u16),
        kind: NumberKind::from_code((p >> 62) as u8).unwrap_or_default(),
    }
}

impl Numbers {
    // --- Number #0 (the number column's digits) ---

    /// The number column, for the number index.
    #[inline]
    pub(crate) fn column(&self) -> &NumberColumn {
        &self.column
    }

    /// The digits of every contact's number #0.
    #[inline]
    pub(crate) fn view(&self) -> NumberDigits<'_> {
        self.column.view()
    }

    /// Number #0's digits of contact `i` (below the store's length).
    #[inline]
    pub(crate) fn digits(&self, i: usize) -> u64 {
        self.column.digits(i)
    }

    /// Number #0's digits of contact `i`, if it is a contact.
    #[inline]
    pub(crate) fn get_digits(&self, i: usize) -> Option<u64> {
        self.column.get_digits(i)
    }

    /// Gives contact `i`'s number #0 new digits; its header is kept.
    #[inline]
    pub(crate) fn set_digits(&mut self, i: usize, digits: u64) {
        self.column.set_digits(i, digits);
    }

    /// Appends a contact whose number #0 is `digits` (0 for none).
    #[inline]
    pub(crate) fn push(&mut self, digits: u64) {
        self.column.push(digits);
    }

    /// Makes room for `additional` more contacts in the number column.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.column.reserve(additional);
    }

    // --- Headers and extra numbers ---

    /// True if no contact has an extra number or a header.
    pub(crate) fn no_headers(&self) -> bool {
        self.end == 0
    }

    /// The header of contact `i` (the default past the store's end).
    #[inline]
    pub(crate) fn header(&self, i: usize) -> Header {
        Header::from_code(self.column.header(i))
    }

    /// Contacts up to the last one whose header was set.
    pub(crate) fn covered(&self) -> usize {
        self.end
    }

    fn set_header(&mut self, i: usize, h: Header) {
        self.materialize(i);
        self.column.set_header(i, h.code());
    }

    /// Extends the block offsets to cover contact `i` (every contact from
    /// the old `end` on has no extra number, so a new block starts at the
    /// packed columns' end).
    fn materialize(&mut self, i: usize) {
        while self.block_start.len() <= i / BLOCK {
            self.block_start.push(self.packed.len() as u32);
        }
        self.end = self.end.max(i + 1);
    }

    /// The index of contact `i`'s first extra number.
    #[inline]
    fn run_start(&self, i: usize) -> usize {
        let block = i / BLOCK;
        let base = self.block_start[block] as usize;
        base + self.column.extra_sum(block * BLOCK, i)
    }

    /// The range of contact `i`'s extra numbers in the packed columns.
    #[inline]
    fn run(&self, i: usize) -> std::ops::Range<usize> {
        match self.extra_count(i) {
            0 => 0..0,
            count => {
                let start = self.run_start(i);
                start..start + count
            }
        }
    }

    /// How many extra numbers contact `i` has.
    #[inline]
    pub(crate) fn extra_count(&self, i: usize) -> usize {
        usize::from(self.column.header(i) & 0xF)
    }

    /// Extra number `k` (1-based: number #k) of contact `i`.
    pub(crate) fn get(&self, i: usize, k: usize) -> Option<(ExtraNumber, NumberState)> {
        let run = self.run(i);
        let j = run.start + k.checked_sub(1)?;
        (j < run.end).then(|| {
            (
                unpack(self.packed[j]),
                NumberState::from_code(self.state[j]),
            )
        })
    }

    /// The extra numbers of contact `i`, in order.
    pub(crate) fn numbers(
        &self,
        i: usize,
    ) -> impl Iterator<Item = (ExtraNumber, NumberState)> + '_ {
        let run = self.run(i);
        run.map(|j| {
            (
                unpack(self.packed[j]),
                NumberState::from_code(self.state[j]),
            )
        })
    }

    /// Appends extra numbers to the newest contact `i` (a contact of the
    /// store; no contact after it may have a header). Returns false
    /// (nothing changed) when that does not hold or the run would pass
    /// [`MAX_NUMBERS`].
    pub(crate) fn append(&mut self, i: usize, numbers: &[ExtraNumber]) -> bool {
        if numbers.is_empty() {
            return true;
        }
        if self.end > i + 1 || i >= self.column.len() {
            return false;
        }
        let mut h = self.header(i);
        if usize::from(h.extra) + numbers.len() >= MAX_NUMBERS {
            return false;
        }
        self.materialize(i);
        for n in numbers {
            self.packed.push(pack(*n));
            self.state.push(0);
        }
        h.extra += numbers.len() as u8;
        self.set_header(i, h);
        true
    }

    /// Sets contact `i`'s kind of #0 (materializing its header when not Other).
    pub(crate) fn set_kind0(&mut self, i: usize, kind: NumberKind) {
        let mut h = self.header(i);
        if h.kind0 == kind {
            return;
        }
        h.kind0 = kind;
        self.set_header(i, h);
    }

    /// Sets contact `i`'s current number.
    pub(crate) fn set_current(&mut self, i: usize, current: u8) {
        let mut h = self.header(i);
        if h.current == current {
            return;
        }
        h.current = current;
        self.set_header(i, h);
    }

    /// Sets contact `i`'s header fields that change while it is dialed
    /// (current number, last outcome of #0).
    pub(crate) fn set_mutable(&mut self, i: usize, current: u8, outcome0: Outcome) {
        let mut h = self.header(i);
        if (h.current, h.outcome0) == (current, outcome0) {
            return;
        }
        h.current = current;
        h.outcome0 = outcome0;
        self.set_header(i, h);
    }

    /// Sets the state of extra number `k` (1-based) of contact `i`.
    pub(crate) fn set_state(&mut self, i: usize, k: usize, s: NumberState) -> bool {
        let run = self.run(i);
        let Some(j) = k.checked_sub(1).map(|k| run.start + k) else {
            return false;
        };
        if j >= run.end {
            return false;
        }
        self.state[j] = s.code();
        true
    }

    /// Replaces extra number `k` (1-based) of contact `i`; its state is reset.
    pub(crate) fn replace(&mut self, i: usize, k: usize, n: ExtraNumber) -> bool {
        let run = self.run(i);
        let Some(j) = k.checked_sub(1).map(|k| run.start + k) else {
            return false;
        };
        if j >= run.end {
            return false;
        }
        self.packed[j] = pack(n);
        self.state[j] = 0;
        true
    }

    /// Makes room for `contacts` more contacts with extra numbers and
    /// `numbers` more extra numbers.
    pub(crate) fn reserve_extra(&mut self, contacts: usize, numbers: usize) {
        self.block_start.reserve(contacts.div_ceil(BLOCK) + 1);
        self.packed.reserve(numbers);
        self.state.reserve(numbers);
    }

    /// Bytes held (capacity): the number column and the extra numbers.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.column.capacity() * 8
            + self.block_start.capacity() * 4
            + self.packed.capacity() * 8
            + self.state.capacity()
    }

    // --- Persistence ---

    /// The extra-number columns as persisted: headers of contacts
    /// `0..covered` (one 16-bit code each), packed numbers, states. The
    /// digits are persisted apart ([`Numbers::view`]).
    pub(crate) fn parts(&self) -> (Vec<u16>, &[u64], &[u8]) {
        let headers = (0..self.end).map(|i| self.column.header(i)).collect();
        (headers, &self.packed, &self.state)
    }

    /// Rebuilds from persisted columns: the digits of every contact's
    /// number #0 and the extra-number columns of [`Numbers::parts`].
    pub(crate) fn from_parts(
        digits: Vec<u64>,
        header: Vec<u16>,
        packed: Vec<u64>,
        state: Vec<u8>,
    ) -> Result<Numbers, String> {
        let contacts = digits.len();
        if header.len() > contacts {
            return Err(format!(
                "{} number headers for {contacts} contacts",
                header.len()
            ));
        }
        if packed.len() != state.len() {
            return Err(format!(
                "{} extra numbers but {} number states",
                packed.len(),
                state.len()
            ));
        }
        if let Some(&h) = header.iter().find(|&&h| h > HEADER_MASK) {
            return Err(format!("number header {h:#x} has bits past the 14 used"));
        }
        let total: usize = header.iter().map(|&h| usize::from(h & 0xF)).sum();
        if total != packed.len() {
            return Err(format!(
                "number headers count {total} extra numbers, {} stored",
                packed.len()
            ));
        }
        let mut column = NumberColumn::from_digits(digits)
            .map_err(|bad| format!("number {bad} has more than 15 digits"))?;
        let mut block_start = Vec::with_capacity(header.len().div_ceil(BLOCK));
        let mut at = 0u32;
        for (i, &h) in header.iter().enumerate() {
            if i.is_multiple_of(BLOCK) {
                block_start.push(at);
            }
            at += u32::from(h & 0xF);
            column.set_header(i, h);
        }
        Ok(Numbers {
            column,
            end: header.len(),
            block_start,
            packed,
            state,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` contacts with one number each (digits `4930_0000000 + i`).
    fn contacts(n: usize) -> Numbers {
        let mut x = Numbers::default();
        for i in 0..n as u64 {
            x.push(4930_0000000 + i);
        }
        x
    }

    fn extra(number: u64, zone: u16, kind: NumberKind) -> ExtraNumber {
        ExtraNumber {
            number,
            kind,
            zone: ZoneId(zone),
        }
    }

    #[test]
    fn runs_are_found_across_blocks() {
        let mut x = contacts(600);
        // Contacts 0..600: every third one has i % 4 extra numbers.
        let mut expected = Vec::new();
        for i in 0..600usize {
            let count = if i % 3 == 0 { i % 4 } else { 0 };
            let numbers: Vec<ExtraNumber> = (0..count)
                .map(|k| {
                    extra(
                        14_155_550_000 + (i * 10 + k) as u64,
                        (k + 1) as u16,
                        NumberKind::Mobile,
                    )
                })
                .collect();
            assert!(x.append(i, &numbers));
            expected.push(numbers);
        }
        for (i, numbers) in expected.iter().enumerate() {
            assert_eq!(x.extra_count(i), numbers.len());
            let got: Vec<ExtraNumber> = x.numbers(i).map(|(n, _)| n).collect();
            assert_eq!(&got, numbers, "contact {i}");
        }
        // A state write lands on its own number only.
        assert!(x.set_state(
            597,
            1,
            NumberState {
                attempts: 3,
                outcome: Outcome::Busy
            }
        ));
        assert_eq!(x.get(597, 1).unwrap().1.attempts, 3);
        assert_eq!(x.get(594, 2).unwrap().1, NumberState::default());
        let (h, p, s) = x.parts();
        let back = Numbers::from_parts(x.view().to_vec(), h, p.to_vec(), s.to_vec()).unwrap();
        for i in 0..600 {
            assert_eq!(x.digits(i), 4930_0000000 + i as u64, "#0 of {i} intact");
            assert_eq!(back.digits(i), x.digits(i));
            assert_eq!(
                back.numbers(i).collect::<Vec<_>>(),
                x.numbers(i).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn only_the_newest_contact_takes_numbers() {
        let mut x = contacts(6);
        assert!(x.append(5, &[extra(49_301_000_001, 0, NumberKind::Home)]));
        assert!(!x.append(2, &[extra(49_301_000_002, 0, NumberKind::Home)]));
        let fifteen = vec![extra(49_301_000_003, 0, NumberKind::Work); 15];
        assert!(!x.append(5, &fifteen), "16 extra numbers are too many");
        assert_eq!(x.extra_count(5), 1);
        assert_eq!(x.covered(), 6);
    }

    /// One step of the model test: contact `i` gets `n` extra numbers (if
    /// it is the newest one), or its mutable header fields or one number's
    /// state are set.
    #[derive(Debug, Clone)]
    enum Step {
        Append(usize, usize),
        Mutable(usize, u8, u8),
        State(usize, usize, u8),
        Kind0(usize, u8),
    }

    fn step() -> impl proptest::strategy::Strategy<Value = Step> {
        use proptest::prelude::*;
        prop_oneof![
            4 => (0..700usize, 0..6usize).prop_map(|(i, n)| Step::Append(i, n)),
            2 => (0..700usize, 0..16u8, 0..9u8).prop_map(|(i, c, o)| Step::Mutable(i, c, o)),
            2 => (0..700usize, 1..6usize, 0..=255u8).prop_map(|(i, k, s)| Step::State(i, k, s)),
            1 => (0..700usize, 0..4u8).prop_map(|(i, k)| Step::Kind0(i, k)),
        ]
    }

    proptest::proptest! {
        /// The bit-packed layout against a plain model (a Vec of runs and
        /// headers per contact): every header, run and state reads back as
        /// written, neighbours (also across a 64-bit word and a 256-contact
        /// block) are untouched, and the persisted parts rebuild the same.
        #[test]
        fn the_packed_layout_matches_a_plain_model(
            steps in proptest::collection::vec(step(), 1..200)
        ) {
            let mut x = contacts(700);
            // Per contact: header, numbers, states.
            let mut model: Vec<(Header, Vec<ExtraNumber>, Vec<u8>)> = Vec::new();
            let mut newest = 0usize;
            for s in steps {
                match s {
                    Step::Append(i, n) => {
                        let i = newest.max(i % 700);
                        let numbers: Vec<ExtraNumber> = (0..n)
                            .map(|k| extra(
                                14_155_550_000 + (i * 16 + k) as u64,
                                ((i + k) % 4096) as u16,
                                NumberKind::from_code((k % 4) as u8).unwrap(),
                            ))
                            .collect();
                        let fits = model.get(i).map_or(0, |m| m.1.len()) + n < MAX_NUMBERS;
                        proptest::prop_assert_eq!(x.append(i, &numbers), fits);
                        if fits && n > 0 {
                            while model.len() <= i {
                                model.push((Header::default(), Vec::new(), Vec::new()));
                            }
                            model[i].0.extra += n as u8;
                            model[i].1.extend(&numbers);
                            model[i].2.extend(std::iter::repeat_n(0, n));
                            newest = i;
                        }
                    }
                    Step::Mutable(i, current, outcome) if i < model.len() => {
                        let outcome = Outcome::from_code(outcome).unwrap();
                        x.set_mutable(i, current, outcome);
                        model[i].0.current = current;
                        model[i].0.outcome0 = outcome;
                    }
                    Step::State(i, k, code) if i < model.len() => {
                        let st = NumberState::from_code(code);
                        let ok = k <= model[i].1.len();
                        proptest::prop_assert_eq!(x.set_state(i, k, st), ok);
                        if ok {
                            model[i].2[k - 1] = st.code();
                        }
                    }
                    Step::Kind0(i, k) if i < model.len() => {
                        let k = NumberKind::from_code(k).unwrap();
                        x.set_kind0(i, k);
                        model[i].0.kind0 = k;
                    }
                    _ => {}
                }
            }
            let check = |x: &Numbers| -> Result<(), proptest::test_runner::TestCaseError> {
                proptest::prop_assert_eq!(x.covered(), model.len());
                for i in 0..700 {
                    proptest::prop_assert_eq!(x.digits(i), 4930_0000000 + i as u64, "#0 of {}", i);
                }
                for (i, (h, numbers, states)) in model.iter().enumerate() {
                    proptest::prop_assert_eq!(x.header(i), *h, "header {}", i);
                    proptest::prop_assert_eq!(x.extra_count(i), numbers.len());
                    let got: Vec<(ExtraNumber, u8)> =
                        x.numbers(i).map(|(n, s)| (n, s.code())).collect();
                    let want: Vec<(ExtraNumber, u8)> = numbers
                        .iter()
                        .copied()
                        .zip(states.iter().map(|&c| NumberState::from_code(c).code()))
                        .collect();
                    proptest::prop_assert_eq!(got, want, "run {}", i);
                }
                proptest::prop_assert_eq!(x.header(model.len()), Header::default());
                Ok(())
            };
            check(&x)?;
            let (h, p, s) = x.parts();
            let back = Numbers::from_parts(x.view().to_vec(), h, p.to_vec(), s.to_vec()).unwrap();
            check(&back)?;
        }
    }

    #[test]
    fn a_header_past_14_bits_is_refused_on_load() {
        let err = Numbers::from_parts(vec![0], vec![1 | 1 << 14], vec![0], vec![0]).unwrap_err();
        assert!(err.contains("14"), "{err}");
        let err = Numbers::from_parts(vec![1 << 50], vec![], vec![], vec![]).unwrap_err();
        assert!(err.contains("15 digits"), "{err}");
    }

    #[test]
    fn packing_round_trips() {
        let n = extra(999_999_999_999_999, MAX_EXTRA_ZONE - 1, NumberKind::Work);
        assert_eq!(unpack(pack(n)), n);
        let h = Header {
            extra: 15,
            current: 9,
            kind0: NumberKind::Mobile,
            outcome0: Outcome::Declined,
        };
        assert_eq!(Header::from_code(h.code()), h);
        let s = NumberState {
            attempts: 15,
            outcome: Outcome::DialFailed,
        };
        assert_eq!(NumberState::from_code(s.code()), s);
        assert_eq!(NumberKind::from_name(" Cell "), Some(NumberKind::Mobile));
        assert_eq!(NumberKind::from_name("pager"), None);
    }
}
