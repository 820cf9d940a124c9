//! The journal's records: the hooks the engine calls as it changes
//! things, how they are encoded, and how replay applies them.

use super::*;
use crate::campaign::Live;

// Record kinds.
pub(super) const TICK: u8 = 1;
pub(super) const ROW: u8 = 2;
pub(super) const ADDED: u8 = 3;
pub(super) const NUMBERS_ADDED: u8 = 4;
pub(super) const ZONE: u8 = 5;
pub(super) const BLACKLIST: u8 = 6;
pub(super) const ADMIN: u8 = 7;
pub(super) const FACT: u8 = 8;
pub(super) const NUMBER_FIXED: u8 = 9;
pub(super) const OPERATOR_ADDED: u8 = 10;
pub(super) const ROW_DUE: u8 = 11;
pub(super) const CONFIG: u8 = 12;
/// A part of a bulk contact add (`Campaign::add_contacts`): the record's
/// only sub-record, replayed only once its last part has been read.
pub(super) const CONTACTS_ADDED: u8 = 13;
/// A part of a bulk add of plain numbers too large for one record
/// (`Campaign::add_numbers` of more than [`NUMBERS_PER_RECORD`]); like
/// [`CONTACTS_ADDED`], replayed only once its last part has been read. (One
/// that fits one record stays a [`NUMBERS_ADDED`] record.)
pub(super) const NUMBERS_PART: u8 = 14;

/// Flags of a [`CONTACTS_ADDED`] part.
const PART_FIRST: u8 = 1;
const PART_LAST: u8 = 2;
/// A bulk add's rows go into parts of about this many bytes.
pub(super) const BULK_PART_BYTES: usize = 1 << 20;
/// The operator on a contact's call (for the attempt records, `crate::records`).
pub(super) const CALL_OPERATOR: u8 = 15;
/// A contact held back instead of dialed, and why (`reason u8, id u32`,
/// see [`crate::records::HoldReason`]); only the attempt records read it.
pub(super) const HELD_BACK: u8 = 16;
/// Calling rules:
/// `sub u8` then, for [`RULES_TEXT`], `len u32, text` (the rule file as
/// `Campaign::load_rules` was given it; replay parses and installs it
/// again), for [`RULES_REGION`], `id u32, region [u8; 4]` (an explicit
/// region, all zero for none).
pub(super) const RULES: u8 = 19;
const RULES_TEXT: u8 = 1;
const RULES_REGION: u8 = 2;
/// The lease (fencing token) under which the writer that follows writes
/// (`token u64`), a record of its own; see [`Campaign::journal_lease`].
pub(super) const LEASE: u8 = 17;
/// The caller ID presented on a contact's dial (`id u32, caller_id u64`,
/// E.164 digits), right after its dial fact: the attempt records read it
/// and replay counts it for the pool's rotation.
pub(super) const CALLER_ID: u8 = 20;
// 21-23 are free.
/// Extra numbers of contacts just added: `(id u32, kind0 u8, count u8,
/// (number u64, kind u8, zone u16)…)…`; fills a record of its own.
pub(super) const EXTRA_NUMBERS: u8 = 18;
/// A contact's per-number state after the host call: `id u32, count u8,
/// header u16, state u8 × count` (count = its extra numbers).
pub(super) const NUMBER_STATE: u8 = 24;
/// A number of a valid contact replaced: `id u32, index u8, number u64, zone u16`.
pub(super) const NUMBER_FIXED_AT: u8 = 25;
/// The number a Dial went to, when not #0: `id u32, index u8`, just before
/// the dial's fact.
pub(super) const DIALED_AT: u8 = 26;
// 27 is left to the floor's record (session 15).
/// A personal callback's mark set or ended: `id u32, operator u32,
/// expires_ms u64` (0: the mark ended; see `callbacks`).
pub(super) const PERSONAL_CALLBACK: u8 = 28;

/// Contact rows per journal record.
pub(super) const ROWS_PER_RECORD: usize = 1 << 20;

/// Admin records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::engine::campaign) enum AdminRecord {
    Paused = 1,
    Resumed = 2,
    Canceled = 3,
}

/// Facts that feed the counters and meters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fact {
    Dialed = 1,
    Answered = 2,
    Machine = 3,
    Connected = 4,
    Abandoned = 5,
    /// A watchdog hung up a connected call (`max_call_ms`, `max_talk_ms`).
    Watchdog = 6,
    /// The carrier refused a dial for congestion: the dial before it is
    /// not counted (metrics, 24-hour cap history); the contact's row,
    /// journaled with it, has its attempts as before the dial.
    Congested = 7,
}

/// Numbers per bulk record (keeps records well under the reader's size cap).
pub(super) const NUMBERS_PER_RECORD: usize = 65_536;

pub(super) const FLAG_CALL: u8 = 1;
pub(super) const FLAG_ANSWERED: u8 = 2;

/// The flags byte of a contact bound to an operator or a call.
pub(super) fn live_flags(l: &Live) -> u8 {
    (u8::from(l.call_number.is_some()) * FLAG_CALL)
        | (u8::from(l.answered) * FLAG_ANSWERED)
        | (pending_code(l.pending) << 2)
}

pub(super) fn pending_code(p: Option<PendingAdmin>) -> u8 {
    match p {
        None => 0,
        Some(PendingAdmin::Blacklist) => 1,
        Some(PendingAdmin::Cancel) => 2,
        Some(PendingAdmin::Remove) => 3,
    }
}

pub(super) fn pending_from(flags: u8) -> Option<PendingAdmin> {
    match (flags >> 2) & 3 {
        1 => Some(PendingAdmin::Blacklist),
        2 => Some(PendingAdmin::Cancel),
        3 => Some(PendingAdmin::Remove),
        _ => None,
    }
}

/// Little-endian reader over a record payload; every read is checked.
pub(super) struct Cursor<'a> {
    pub(super) bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err(format!(
                "record ends early: {n} bytes wanted, {} left",
                self.bytes.len()
            ));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }
    pub(super) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }
    pub(super) fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }
    pub(super) fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }
    pub(super) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
    pub(super) fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }
}

pub(super) fn state_from(code: u8) -> Result<State, String> {
    State::from_code(code).ok_or_else(|| format!("unknown state code {code}"))
}

pub(super) fn outcome_from(code: u8) -> Result<Outcome, String> {
    Outcome::from_code(code).ok_or_else(|| format!("unknown outcome code {code}"))
}

/// What replay keeps beside the campaign until the queues are rebuilt.
#[derive(Debug, Default)]
pub(in crate::engine::campaign) struct Replay {
    /// Due time of RetryScheduled contacts.
    pub(super) dues: HashMap<u32, u64>,
    /// Flags of live contacts.
    pub(super) live: HashMap<u32, u8>,
    /// The configuration text last stored (snapshot or journal).
    pub(super) config: Option<String>,
    /// Set once records were lost before the one being replayed: records
    /// that refer to what was lost are then skipped instead of refused.
    pub(super) lenient: bool,
    /// Contacts whose `added` record was lost: placeholders that are never
    /// dialed, whose later rows are skipped.
    pub(super) lost_contacts: hashbrown::HashSet<u32>,
    /// Zones whose record was lost; contacts added in them are placeholders.
    pub(super) lost_zones: hashbrown::HashSet<u16>,
    /// Sub-records skipped because they refer to something lost.
    pub(super) skipped: u64,
    /// The parts read so far of a bulk add whose last part is still to
    /// come: the rows' bytes, the first id and the rows held.
    pub(super) bulk: Option<(Vec<u8>, u32, u32)>,
    /// The parts read so far of a bulk add of numbers whose last part is
    /// still to come: first id, priority, zone, the numbers.
    pub(super) numbers_bulk: Option<(u32, u8, u16, Vec<u64>)>,
    /// Bulk adds dropped because their last part never came (cut by a crash).
    pub(super) bulk_dropped: u64,
    /// Personal callback marks: contact → (operator, expiry).
    pub(super) personal: HashMap<u32, (u32, u64)>,
    /// Sees each record once it is applied (the attempt records' reader).
    pub(in crate::engine::campaign) observer: Option<Observer>,
}

/// A callback that sees every journal record replay applies, with the
/// campaign as that record left it: `crate::records` builds the attempt
/// records from the journal this way, through the one replay path.
pub(crate) struct Observer(pub(crate) Box<dyn ObserveReplay>);

/// What an [`Observer`] holds: it sees each record, then is handed back.
pub(crate) trait ObserveReplay: std::any::Any + Send {
    /// Sees one journal record, with the campaign as it left it.
    fn record(&mut self, campaign: &Campaign, payload: &[u8]);
    /// The observer itself, to take it back after the replay.
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any>;
}

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Observer")
    }
}

/// A fixed-size sub-record as the attempt records read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Seen {
    /// The clock moved to this time.
    Tick(u64),
    /// A contact's row after the host call.
    Row {
        /// The contact.
        id: u32,
        /// Its state.
        state: State,
        /// Its attempts.
        attempts: u8,
        /// Its last outcome.
        outcome: Outcome,
    },
    /// A fact about a contact's call.
    Fact(Fact, u32),
    /// The operator on a contact's call.
    CallOperator {
        /// The contact.
        id: u32,
        /// The operator.
        operator: u32,
    },
    /// The caller ID presented on a contact's dial.
    CallerId {
        /// The contact.
        id: u32,
        /// E.164 digits.
        number: u64,
    },
    /// The number index of the contact's next dial fact (absent: 0).
    DialedAt {
        /// The contact.
        id: u32,
        /// The index of the number dialed.
        index: u8,
    },
    /// A contact held back instead of dialed.
    HeldBack {
        /// The contact.
        id: u32,
        /// Why.
        reason: crate::records::HoldReason,
    },
}

/// Decodes the fixed-size sub-records of one journal record (variable-size
/// kinds fill a record of their own and yield nothing). Never panics.
pub(crate) fn decode_seen(payload: &[u8]) -> Result<Vec<Seen>, String> {
    let mut c = Cursor { bytes: payload };
    let mut out = Vec::new();
    while !c.bytes.is_empty() {
        match c.u8()? {
            TICK => out.push(Seen::Tick(c.u64()?)),
            kind @ (ROW | ROW_DUE) => {
                let id = c.u32()?;
                let state = state_from(c.u8()?)?;
                let attempts = c.u8()?;
                let outcome = outcome_from(c.u8()?)?;
                c.u8()?;
                if kind == ROW_DUE {
                    c.u64()?;
                }
                out.push(Seen::Row {
                    id,
                    state,
                    attempts,
                    outcome,
                });
            }
            FACT => {
                let code = c.u8()?;
                let fact = Fact::from_code(code).ok_or(format!("unknown fact {code}"))?;
                out.push(Seen::Fact(fact, c.u32()?));
            }
            CALL_OPERATOR => {
                let id = c.u32()?;
                let operator = c.u32()?;
                out.push(Seen::CallOperator { id, operator });
            }
            CALLER_ID => {
                let id = c.u32()?;
                let number = c.u64()?;
                out.push(Seen::CallerId { id, number });
            }
            HELD_BACK => {
                let code = c.u8()?;
                let reason = crate::records::HoldReason::from_code(code)
                    .ok_or_else(|| format!("unknown hold-back reason {code}"))?;
                let id = c.u32()?;
                out.push(Seen::HeldBack { id, reason });
            }
            ADMIN => {
                c.u8()?;
            }
            NUMBER_FIXED => {
                c.take(12)?;
            }
            DIALED_AT => {
                let id = c.u32()?;
                let index = c.u8()?;
                out.push(Seen::DialedAt { id, index });
            }
            NUMBER_STATE => {
                c.u32()?;
                let count = c.u8()?;
                c.take(2 + usize::from(count))?;
            }
            NUMBER_FIXED_AT => {
                c.take(15)?;
            }
            PERSONAL_CALLBACK => {
                c.take(16)?;
            }
            OPERATOR_ADDED => {}
            RULES => match c.u8()? {
                RULES_TEXT => {
                    let len = c.u32()? as usize;
                    c.take(len)?;
                }
                RULES_REGION => {
                    c.take(8)?;
                }
                other => return Err(format!("unknown rules record {other}")),
            },
            // Variable-size kinds (and kinds this reader does not use)
            // take the rest of the record.
            _ => {
                c.rest();
            }
        }
    }
    Ok(out)
}

impl Campaign {
    /// Marks a contact changed by the host call in progress.
    #[inline]
    pub(in crate::engine::campaign) fn touch(&mut self, id: ContactId) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.dirty.push(id.0);
        }
    }

    /// Journals a fact at the current time.
    #[inline]
    pub(in crate::engine::campaign) fn journal_fact(&mut self, fact: Fact, id: ContactId) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.extend_from_slice(&[FACT, fact as u8]);
            d.batch.extend_from_slice(&id.0.to_le_bytes());
            // Who handled the call, for the attempt records: known at a
            // dial with an operator (preview, progressive) and at a connect.
            if matches!(fact, Fact::Dialed | Fact::Connected) {
                if let Some(op) = self.calls.operator(id) {
                    d.batch.push(CALL_OPERATOR);
                    d.batch.extend_from_slice(&id.0.to_le_bytes());
                    d.batch.extend_from_slice(&op.0.to_le_bytes());
                }
            }
        }
    }

    /// Journals the caller ID presented on contact `id`'s dial.
    #[inline]
    pub(in crate::engine::campaign) fn journal_caller_id(&mut self, id: ContactId, number: u64) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.push(CALLER_ID);
            d.batch.extend_from_slice(&id.0.to_le_bytes());
            d.batch.extend_from_slice(&number.to_le_bytes());
        }
    }

    /// Journals the zones interned since the last call.
    pub(in crate::engine::campaign) fn journal_zones(&mut self) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.journal_new_zones(&self.zones);
        }
    }

    /// Journals the number index of the dial about to be recorded.
    #[inline]
    pub(in crate::engine::campaign) fn journal_dialed_at(&mut self, id: ContactId, index: u8) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.push(DIALED_AT);
            d.batch.extend_from_slice(&id.0.to_le_bytes());
            d.batch.push(index);
        }
    }

    /// Journals a personal callback's mark: set (operator, expiry) or, with
    /// `expires_ms` 0, ended.
    pub(in crate::engine::campaign) fn journal_personal_callback(
        &mut self,
        id: ContactId,
        operator: u32,
        expires_ms: u64,
    ) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.push(PERSONAL_CALLBACK);
            d.batch.extend_from_slice(&id.0.to_le_bytes());
            d.batch.extend_from_slice(&operator.to_le_bytes());
            d.batch.extend_from_slice(&expires_ms.to_le_bytes());
        }
    }

    /// Journals a valid contact's number `index` replaced.
    pub(in crate::engine::campaign) fn journal_number_fixed_at(
        &mut self,
        id: ContactId,
        index: u8,
        number: u64,
        zone: ZoneId,
    ) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.push(NUMBER_FIXED_AT);
            d.batch.extend_from_slice(&id.0.to_le_bytes());
            d.batch.push(index);
            d.batch.extend_from_slice(&number.to_le_bytes());
            d.batch.extend_from_slice(&zone.0.to_le_bytes());
        }
    }

    /// Journals the extra numbers (and number kinds) of contacts `ids`,
    /// just added, in records of about [`BULK_PART_BYTES`]; nothing when
    /// none of them has any.
    fn journal_extra_numbers(&mut self, ids: std::ops::Range<u32>) {
        let Some(d) = self.durable.as_deref_mut() else {
            return;
        };
        let store = &self.store;
        if !store.has_extra_numbers() {
            return;
        }
        let mut b = Vec::new();
        for id in ids {
            let cid = ContactId(id);
            let numbers = store.numbers_of(cid);
            let kind0 = numbers.first().map_or(0, |n| n.kind as u8);
            if numbers.len() <= 1 && kind0 == 0 {
                continue;
            }
            b.extend_from_slice(&id.to_le_bytes());
            b.push(kind0);
            b.push((numbers.len() - 1) as u8);
            for n in &numbers[1..] {
                b.extend_from_slice(&n.number.to_le_bytes());
                b.push(n.kind as u8);
                b.extend_from_slice(&n.zone.0.to_le_bytes());
            }
            if b.len() >= BULK_PART_BYTES {
                d.writer.append(|r| {
                    r.push(EXTRA_NUMBERS);
                    r.extend_from_slice(&b);
                });
                b.clear();
            }
        }
        if !b.is_empty() {
            d.writer.append(|r| {
                r.push(EXTRA_NUMBERS);
                r.extend_from_slice(&b);
            });
        }
    }

    /// Journals a contact held back instead of dialed, with the reason.
    #[inline]
    pub(in crate::engine::campaign) fn journal_held_back(
        &mut self,
        id: ContactId,
        reason: crate::records::HoldReason,
    ) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.extend_from_slice(&[HELD_BACK, reason as u8]);
            d.batch.extend_from_slice(&id.0.to_le_bytes());
        }
    }

    /// Journals a contact's explicit region (or its removal).
    pub(in crate::engine::campaign) fn journal_contact_region(
        &mut self,
        id: u32,
        region: Option<crate::nanp::Region>,
    ) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.extend_from_slice(&[RULES, RULES_REGION]);
            d.batch.extend_from_slice(&id.to_le_bytes());
            d.batch.extend_from_slice(&region_bytes(region));
        }
    }

    /// Journals the text of calling rules just loaded.
    pub(in crate::engine::campaign) fn journal_rules(&mut self, text: &str) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.extend_from_slice(&[RULES, RULES_TEXT]);
            d.batch
                .extend_from_slice(&(text.len() as u32).to_le_bytes());
            d.batch.extend_from_slice(text.as_bytes());
        }
    }

    /// Journals an admin change of the whole campaign.
    pub(in crate::engine::campaign) fn journal_admin(&mut self, admin: AdminRecord) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.extend_from_slice(&[ADMIN, admin as u8]);
        }
    }

    /// Journals a new operator (ids stay stable across recovery).
    pub(in crate::engine::campaign) fn journal_operator_added(&mut self) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.push(OPERATOR_ADDED);
        }
    }

    pub(in crate::engine::campaign) fn journal_blacklist(&mut self, add: bool, numbers: &[u64]) {
        if let Some(d) = self.durable.as_deref_mut() {
            for chunk in numbers.chunks(NUMBERS_PER_RECORD) {
                d.writer.append(|b| {
                    b.push(BLACKLIST);
                    b.push(u8::from(add));
                    for n in chunk {
                        b.extend_from_slice(&n.to_le_bytes());
                    }
                });
            }
        }
    }

    /// Journals an invalid record's new number.
    pub(in crate::engine::campaign) fn journal_number_fixed(&mut self, id: ContactId, number: u64) {
        if let Some(d) = self.durable.as_deref_mut() {
            d.batch.push(NUMBER_FIXED);
            d.batch.extend_from_slice(&id.0.to_le_bytes());
            d.batch.extend_from_slice(&number.to_le_bytes());
        }
    }

    /// Journals zones interned since the last call, then contacts `ids` as
    /// added (before anything else happened to them).
    pub(in crate::engine::campaign) fn journal_added(&mut self, ids: std::ops::Range<u32>) {
        let Some(d) = self.durable.as_deref_mut() else {
            return;
        };
        d.journal_new_zones(&self.zones);
        for id in ids.clone() {
            let i = id as usize;
            let ext = self.store.external_bytes(ContactId(id)).unwrap_or_default();
            let invalid = self.store.invalid_reason(ContactId(id));
            d.writer.append(|b| {
                b.push(ADDED);
                b.extend_from_slice(&id.to_le_bytes());
                b.push(self.store.states()[i]);
                b.push(self.store.priorities()[i]);
                b.extend_from_slice(&self.store.zones()[i].to_le_bytes());
                b.extend_from_slice(&self.store.numbers().at(i).to_le_bytes());
                b.extend_from_slice(&(ext.len() as u32).to_le_bytes());
                b.extend_from_slice(ext);
                match invalid {
                    Some((reason, raw)) => {
                        b.push(reason.code());
                        b.extend_from_slice(raw.as_bytes());
                    }
                    None => b.push(0),
                }
            });
        }
        self.journal_extra_numbers(ids);
    }

    /// Journals contacts `ids` (just added by a bulk add, nothing else done
    /// to them) as one bulk record: zones interned since the last call
    /// first, then the rows in parts of about [`BULK_PART_BYTES`], the
    /// first flagged first and the last flagged last.
    pub(in crate::engine::campaign) fn journal_contacts_added(
        &mut self,
        ids: std::ops::Range<u32>,
    ) {
        let Some(d) = self.durable.as_deref_mut() else {
            return;
        };
        d.journal_new_zones(&self.zones);
        let store = &self.store;
        let mut rows = Vec::new();
        let mut part_first = ids.start;
        let mut flags = PART_FIRST;
        for id in ids.clone() {
            encode_bulk_row(store, ContactId(id), &mut rows);
            let last = id + 1 == ids.end;
            if rows.len() >= BULK_PART_BYTES || last {
                let count = id + 1 - part_first;
                let part_flags = flags | if last { PART_LAST } else { 0 };
                d.writer.append(|b| {
                    b.push(CONTACTS_ADDED);
                    b.push(part_flags);
                    b.extend_from_slice(&part_first.to_le_bytes());
                    b.extend_from_slice(&count.to_le_bytes());
                    b.extend_from_slice(&rows);
                });
                rows.clear();
                part_first = id + 1;
                flags = 0;
            }
        }
        self.journal_extra_numbers(ids);
    }

    /// Journals a bulk add of plain numbers (replayed through the same bulk path).
    pub(in crate::engine::campaign) fn journal_numbers_added(
        &mut self,
        first: u32,
        numbers: &[u64],
        priority: u8,
    ) {
        let Some(d) = self.durable.as_deref_mut() else {
            return;
        };
        let mut id = first;
        let parts = numbers.len().div_ceil(NUMBERS_PER_RECORD);
        for (i, chunk) in numbers.chunks(NUMBERS_PER_RECORD).enumerate() {
            d.writer.append(|b| {
                if parts == 1 {
                    b.push(NUMBERS_ADDED);
                } else {
                    // Several records: parts, applied only all together.
                    b.push(NUMBERS_PART);
                    b.push(
                        (u8::from(i == 0) * PART_FIRST) | (u8::from(i + 1 == parts) * PART_LAST),
                    );
                }
                b.extend_from_slice(&id.to_le_bytes());
                b.push(priority);
                b.extend_from_slice(&ZoneId::DEFAULT.0.to_le_bytes());
                for n in chunk {
                    b.extend_from_slice(&n.to_le_bytes());
                }
            });
            id += chunk.len() as u32;
        }
    }

    /// Journals the rows of the contacts the host call changed. Called when
    /// every public mutating call returns.
    pub(in crate::engine::campaign) fn journal_commit(&mut self) {
        self.journal_rows(false);
    }

    /// Writes the changed rows, preceded by the time when it moved (always
    /// at a poll, so recovery knows which retries came due).
    pub(in crate::engine::campaign) fn journal_rows(&mut self, at_poll: bool) {
        let Some(d) = self.durable.as_deref_mut() else {
            return;
        };
        let tick = d.last_tick != self.now_ms;
        if d.dirty.is_empty() && d.batch.is_empty() && !(at_poll && tick) {
            return;
        }
        let mut dirty = std::mem::take(&mut d.dirty);
        if dirty.len() <= 64 {
            dirty.sort_unstable();
            dirty.dedup();
        }
        let now = self.now_ms;
        d.last_tick = now;
        let (store, timers, calls) = (&self.store, &self.timers, &self.calls);
        // One record: the time, the call's fixed-size records, its rows.
        // Rows of a huge change (a cancel of millions) continue in further
        // records so that none comes near the reader's size cap.
        let mut rest: &[u32] = &dirty;
        let mut first = true;
        loop {
            let (chunk, tail) = rest.split_at(rest.len().min(ROWS_PER_RECORD));
            let batch = &mut d.batch;
            d.writer.append(|b| {
                if first {
                    if tick {
                        b.push(TICK);
                        b.extend_from_slice(&now.to_le_bytes());
                    }
                    b.extend_from_slice(batch);
                    batch.clear();
                }
                for &id in chunk {
                    let i = id as usize;
                    let state = store.states()[i];
                    let flags = calls.get(ContactId(id)).map_or(0, live_flags);
                    let due = (state == State::RetryScheduled as u8)
                        .then(|| timers.deadline(id))
                        .flatten();
                    b.push(if due.is_some() { ROW_DUE } else { ROW });
                    b.extend_from_slice(&id.to_le_bytes());
                    b.extend_from_slice(&[
                        state,
                        store.attempts_column()[i],
                        store.last_outcomes()[i],
                        flags,
                    ]);
                    if let Some(due) = due {
                        b.extend_from_slice(&due.to_le_bytes());
                    }
                    if store.number_count(ContactId(id)) > 1 {
                        let (header, states) = store.number_state_codes(ContactId(id));
                        b.push(NUMBER_STATE);
                        b.extend_from_slice(&id.to_le_bytes());
                        b.push(states.len() as u8);
                        b.extend_from_slice(&header.to_le_bytes());
                        b.extend_from_slice(&states);
                    }
                }
            });
            first = false;
            rest = tail;
            if rest.is_empty() {
                break;
            }
        }
        dirty.clear();
        d.dirty = dirty;
    }

    /// At the end of a setup call (contacts added, blacklist loaded, number
    /// fixed): writes what it journaled, fsync per policy, so what the host
    /// was told is added is on disk before it goes on. A failure shows in
    /// `durability_error` and stops the commands.
    pub(in crate::engine::campaign) fn journal_write(&mut self) {
        let now = self.now_ms;
        self.journal_poll(now);
    }

    /// At the end of `poll`: writes the journal (fsync per policy) before
    /// the commands go out; takes a snapshot when the journal is long.
    /// Returns false when the journal could not be written — the commands
    /// must then be withheld.
    pub(in crate::engine::campaign) fn journal_poll(&mut self, now: u64) -> bool {
        self.journal_rows(true);
        let Some(d) = self.durable.as_deref_mut() else {
            return true;
        };
        if d.failed.is_some() {
            return false;
        }
        let result = d.writer.flush(now).map(|_| ()).named(d.journal_path());
        if d.check(result).is_err() {
            return false;
        }
        let every = d.options.snapshot_every_records;
        if every > 0 && d.writer.records() >= every && now >= d.snapshot_retry_at {
            // A failed snapshot leaves the journal in use (dialing goes on)
            // and shows in snapshot_error; it is retried after a backoff
            // that doubles per failure. Only a failed journal stops dialing.
            let failed = self.snapshot().is_err();
            if let Some(d) = self.durable.as_deref_mut() {
                if failed {
                    d.snapshot_backoff_ms = (d.snapshot_backoff_ms.saturating_mul(2))
                        .clamp(SNAPSHOT_BACKOFF_MIN_MS, SNAPSHOT_BACKOFF_MAX_MS);
                    d.snapshot_retry_at = now.saturating_add(d.snapshot_backoff_ms);
                } else {
                    d.snapshot_backoff_ms = 0;
                    d.snapshot_retry_at = 0;
                }
            }
        }
        self.durable.as_ref().is_some_and(|d| d.failed.is_none())
    }
}

impl Campaign {
    /// Applies one journal record to the campaign being recovered.
    pub(in crate::engine::campaign) fn replay_record(
        &mut self,
        payload: &[u8],
    ) -> Result<(), String> {
        match payload.first() {
            Some(&CONTACTS_ADDED) => {
                self.drop_pending_numbers();
                return self.replay_bulk_part(&payload[1..]);
            }
            Some(&NUMBERS_PART) => {
                if self.replay.bulk.take().is_some() {
                    self.replay.bulk_dropped += 1;
                }
                return self.replay_numbers_part(&payload[1..]);
            }
            _ => {}
        }
        if self.replay.bulk.take().is_some() {
            // A bulk add whose last part never came: a crash cut it.
            self.replay.bulk_dropped += 1;
        }
        self.drop_pending_numbers();
        let mut c = Cursor { bytes: payload };
        while !c.bytes.is_empty() {
            self.replay_one(&mut c)?;
        }
        if let Some(mut observer) = self.replay.observer.take() {
            observer.0.record(self, payload);
            self.replay.observer = Some(observer);
        }
        Ok(())
    }

    /// Keeps a bulk add's part; at its last part, adds all its rows.
    fn replay_bulk_part(&mut self, payload: &[u8]) -> Result<(), String> {
        let mut c = Cursor { bytes: payload };
        let flags = c.u8()?;
        let part_first = c.u32()?;
        let count = c.u32()?;
        let rows = c.rest();
        let continues = matches!(&self.replay.bulk, Some((_, first, held))
            if u64::from(*first) + u64::from(*held) == u64::from(part_first));
        if flags & PART_FIRST != 0 || !continues {
            if self.replay.bulk.take().is_some() {
                self.replay.bulk_dropped += 1;
            }
            if flags & PART_FIRST == 0 {
                // The rest of a bulk add whose start was lost: drop it too.
                self.replay.bulk_dropped += 1;
                return Ok(());
            }
            self.replay.bulk = Some((Vec::new(), part_first, 0));
        }
        let (bytes, first, held) = self.replay.bulk.as_mut().expect("bulk add in progress");
        bytes.extend_from_slice(rows);
        *held += count;
        if flags & PART_LAST == 0 {
            return Ok(());
        }
        let (first, held) = (*first, *held);
        let (bytes, _, _) = self.replay.bulk.take().expect("bulk add in progress");
        self.pad_lost_contacts(first)?;
        let mut c = Cursor { bytes: &bytes };
        for _ in 0..held {
            let state = state_from(c.u8()?)?;
            let priority = c.u8()?;
            let zone = c.u16()?;
            let number = c.u64()?;
            let ext_len = c.u32()? as usize;
            let ext = c.take(ext_len)?;
            let invalid = match c.u8()? {
                0 => None,
                code => {
                    let reason = PhoneError::from_code(code).ok_or("unknown phone error code")?;
                    let raw_len = c.u32()? as usize;
                    Some((reason, c.take(raw_len)?))
                }
            };
            self.restore_added(state, priority, zone, number, ext, invalid)?;
        }
        if !c.bytes.is_empty() {
            return Err(format!(
                "bulk add of {held} rows has {} bytes more",
                c.bytes.len()
            ));
        }
        Ok(())
    }

    /// Drops the parts of a bulk add of numbers whose last part never came.
    fn drop_pending_numbers(&mut self) {
        if self.replay.numbers_bulk.take().is_some() {
            self.replay.bulk_dropped += 1;
        }
    }

    /// Keeps a part of a bulk add of numbers; at its last part, adds them
    /// all through the same bulk path as the original call.
    fn replay_numbers_part(&mut self, payload: &[u8]) -> Result<(), String> {
        let mut c = Cursor { bytes: payload };
        let flags = c.u8()?;
        let part_first = c.u32()?;
        let priority = c.u8()?;
        let zone = c.u16()?;
        let numbers =
            snapshot::le_bytes_to_u64s(c.rest()).ok_or("partial number in bulk record")?;
        let continues = matches!(&self.replay.numbers_bulk, Some((first, p, z, held))
            if u64::from(*first) + held.len() as u64 == u64::from(part_first)
                && (*p, *z) == (priority, zone));
        if flags & PART_FIRST != 0 || !continues {
            self.drop_pending_numbers();
            if flags & PART_FIRST == 0 {
                // The rest of a bulk add whose start was lost.
                self.replay.bulk_dropped += 1;
                return Ok(());
            }
            self.replay.numbers_bulk = Some((part_first, priority, zone, Vec::new()));
        }
        let (_, _, _, held) = self
            .replay
            .numbers_bulk
            .as_mut()
            .expect("bulk add in progress");
        held.extend_from_slice(&numbers);
        if flags & PART_LAST == 0 {
            return Ok(());
        }
        let (first, priority, zone, numbers) = self
            .replay
            .numbers_bulk
            .take()
            .expect("bulk add in progress");
        self.pad_lost_contacts(first)?;
        if usize::from(zone) >= self.zones.len() {
            return Err(format!("zone {zone} not declared"));
        }
        self.store
            .extend_numbers(&numbers, priority, ZoneId(zone), &self.blacklist)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Adds one journaled contact; in lenient replay a contact whose zone
    /// record was lost becomes a placeholder (its calling window is
    /// unknown, so it is never dialed).
    fn restore_added(
        &mut self,
        state: State,
        priority: u8,
        zone: u16,
        number: u64,
        ext: &[u8],
        invalid: Option<(PhoneError, &[u8])>,
    ) -> Result<(), String> {
        let zone_lost =
            usize::from(zone) >= self.zones.len() || self.replay.lost_zones.contains(&zone);
        if zone_lost && self.replay.lenient {
            self.push_placeholder()?;
            self.replay.skipped += 1;
            return Ok(());
        }
        if usize::from(zone) >= self.zones.len() {
            return Err(format!("zone {zone} not declared"));
        }
        self.store
            .push_restored(state, priority, ZoneId(zone), number, ext, invalid)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Applies one sub-record; variable-size kinds take the rest of the record.
    pub(super) fn replay_one(&mut self, c: &mut Cursor<'_>) -> Result<(), String> {
        match c.u8()? {
            TICK => {
                self.now_ms = self.now_ms.max(c.u64()?);
            }
            kind @ (ROW | ROW_DUE) => {
                let id = c.u32()?;
                let state = state_from(c.u8()?)?;
                let attempts = c.u8()?;
                let outcome = outcome_from(c.u8()?)?;
                let flags = c.u8()?;
                let due = if kind == ROW_DUE { c.u64()? } else { 0 };
                if self.replay.lenient
                    && (self.replay.lost_contacts.contains(&id) || id as usize >= self.store.len())
                {
                    // The contact's `added` record was lost.
                    self.replay.skipped += 1;
                    return Ok(());
                }
                self.store
                    .restore_row(ContactId(id), state, attempts, outcome)
                    .map_err(|e| e.to_string())?;
                if state == State::RetryScheduled {
                    self.replay.dues.insert(id, due);
                } else {
                    self.replay.dues.remove(&id);
                }
                if state.is_live() || state == State::AwaitingOperator {
                    self.replay.live.insert(id, flags);
                } else {
                    self.replay.live.remove(&id);
                }
            }
            ADDED => {
                let id = c.u32()?;
                let state = state_from(c.u8()?)?;
                let priority = c.u8()?;
                let zone = c.u16()?;
                let number = c.u64()?;
                let ext_len = c.u32()? as usize;
                let ext = c.take(ext_len)?;
                let reason = c.u8()?;
                let raw = c.rest();
                let invalid = match reason {
                    0 => None,
                    code => Some((
                        PhoneError::from_code(code).ok_or("unknown phone error code")?,
                        raw,
                    )),
                };
                self.pad_lost_contacts(id)?;
                self.restore_added(state, priority, zone, number, ext, invalid)?;
            }
            NUMBERS_ADDED => {
                let first = c.u32()?;
                let priority = c.u8()?;
                let zone = c.u16()?;
                let bytes = c.rest();
                let numbers =
                    snapshot::le_bytes_to_u64s(bytes).ok_or("partial number in bulk record")?;
                self.pad_lost_contacts(first)?;
                if usize::from(zone) >= self.zones.len() {
                    return Err(format!("zone {zone} not declared"));
                }
                self.store
                    .extend_numbers(&numbers, priority, ZoneId(zone), &self.blacklist)
                    .map_err(|e| e.to_string())?;
            }
            ZONE => {
                let id = c.u16()?;
                let name = std::str::from_utf8(c.rest()).map_err(|_| "zone name not UTF-8")?;
                if id == 0 && name != self.zones.name(ZoneId::DEFAULT) {
                    return Err(format!("zone:{name}\n{}", self.zones.name(ZoneId::DEFAULT)));
                }
                if self.replay.lenient && usize::from(id) != self.zones.len() {
                    if usize::from(id) > self.zones.len() {
                        // An earlier zone was lost: interning this one
                        // would give it another zone's id.
                        self.replay.lost_zones.insert(id);
                        self.replay.skipped += 1;
                        return Ok(());
                    }
                    if self.zones.name(ZoneId(id)) == name {
                        return Ok(());
                    }
                }
                let got = self.zones.intern(name).map_err(|e| e.to_string())?;
                if got.0 != id {
                    return Err(format!(
                        "zone {name:?} is {} here, {id} in the journal",
                        got.0
                    ));
                }
            }
            BLACKLIST => {
                let add = c.u8()? != 0;
                let numbers =
                    snapshot::le_bytes_to_u64s(c.rest()).ok_or("partial number in blacklist")?;
                for n in numbers {
                    if add {
                        self.blacklist.insert(n);
                    } else {
                        self.blacklist.remove(n);
                    }
                }
            }
            ADMIN => match c.u8()? {
                1 => self.paused = true,
                2 => self.paused = false,
                3 => self.canceled = true,
                other => return Err(format!("unknown admin record {other}")),
            },
            FACT => {
                let kind = c.u8()?;
                let id = c.u32()?;
                let fact = Fact::from_code(kind).ok_or(format!("unknown fact {kind}"))?;
                let at = self.now_ms;
                self.count(fact, ContactId(id), at);
            }
            NUMBER_FIXED => {
                let id = c.u32()?;
                let number = c.u64()?;
                if self.replay.lenient
                    && (self.replay.lost_contacts.contains(&id) || id as usize >= self.store.len())
                {
                    self.replay.skipped += 1;
                    return Ok(());
                }
                self.store
                    .restore_number(ContactId(id), number)
                    .map_err(|e| e.to_string())?;
            }
            OPERATOR_ADDED => {
                self.operators.add();
            }
            EXTRA_NUMBERS => self.replay_extra_numbers(c.rest())?,
            NUMBER_STATE => {
                let id = c.u32()?;
                let count = c.u8()?;
                let header = c.u16()?;
                let states = c.take(usize::from(count))?;
                if self.replay.lenient
                    && (self.replay.lost_contacts.contains(&id) || id as usize >= self.store.len())
                {
                    self.replay.skipped += 1;
                    return Ok(());
                }
                self.store
                    .restore_number_state(ContactId(id), header, states)
                    .map_err(|e| e.to_string())?;
            }
            NUMBER_FIXED_AT => {
                let id = c.u32()?;
                let index = c.u8()?;
                let number = c.u64()?;
                let zone = c.u16()?;
                if self.replay.lenient
                    && (self.replay.lost_contacts.contains(&id) || id as usize >= self.store.len())
                {
                    self.replay.skipped += 1;
                    return Ok(());
                }
                self.store
                    .restore_number_at(ContactId(id), usize::from(index), number, ZoneId(zone))
                    .map_err(|e| e.to_string())?;
            }
            DIALED_AT => {
                let id = c.u32()?;
                let index = c.u8()?;
                if !(self.replay.lenient && id as usize >= self.store.len()) {
                    self.store
                        .set_current_number(ContactId(id), usize::from(index))
                        .map_err(|e| e.to_string())?;
                }
            }
            CALL_OPERATOR => {
                // Only the attempt records read it.
                c.take(8)?;
            }
            PERSONAL_CALLBACK => {
                let id = c.u32()?;
                let operator = c.u32()?;
                let expires_ms = c.u64()?;
                // Checked against the contact and the operator at reconcile.
                if expires_ms == 0 {
                    self.replay.personal.remove(&id);
                } else {
                    self.replay.personal.insert(id, (operator, expires_ms));
                }
            }
            HELD_BACK => {
                // Only the attempt records read it; it changes no state.
                c.take(5)?;
            }
            LEASE => {
                // Only a replication standby reads it (`lease_token`).
                c.take(8)?;
            }
            CALLER_ID => {
                // The pool's rotation counts the use again.
                c.u32()?;
                let number = c.u64()?;
                let at = self.now_ms;
                self.caller_ids.note(number, at);
            }
            RULES => match c.u8()? {
                RULES_TEXT => {
                    let len = c.u32()? as usize;
                    let text = std::str::from_utf8(c.take(len)?).map_err(|_| "rules not UTF-8")?;
                    let set = crate::rules::RuleSet::parse(text).map_err(|e| e.to_string())?;
                    self.install_rules(set);
                }
                RULES_REGION => {
                    let id = c.u32()?;
                    let region = region_from_bytes(c.take(4)?)?;
                    self.apply_contact_region(id, region);
                }
                other => return Err(format!("unknown rules record {other}")),
            },
            CONFIG => {
                let text = std::str::from_utf8(c.rest()).map_err(|_| "configuration not UTF-8")?;
                self.replay.config = Some(text.to_owned());
            }
            other => return Err(format!("unknown record kind {other}")),
        }
        Ok(())
    }

    /// Adds the journaled extra numbers of contacts just added.
    fn replay_extra_numbers(&mut self, bytes: &[u8]) -> Result<(), String> {
        let mut c = Cursor { bytes };
        while !c.bytes.is_empty() {
            let id = c.u32()?;
            let kind0 = c.u8()?;
            let count = c.u8()?;
            let mut numbers = Vec::with_capacity(usize::from(count));
            for _ in 0..count {
                let number = c.u64()?;
                let kind =
                    crate::store::NumberKind::from_code(c.u8()?).ok_or("unknown number kind")?;
                let zone = ZoneId(c.u16()?);
                numbers.push(crate::store::ExtraNumber { number, kind, zone });
            }
            if self.replay.lost_contacts.contains(&id) {
                self.replay.skipped += 1;
                continue;
            }
            let cid = ContactId(id);
            let kind0 = crate::store::NumberKind::from_code(kind0).ok_or("unknown number kind")?;
            self.store
                .set_first_number_kind(cid, kind0)
                .and_then(|()| self.store.push_extra_numbers(cid, &numbers))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// Before contact `id` is added: after lost records, the contacts
    /// between the store's end and `id` were added in them — they become
    /// placeholders (state Removed, no number) that are never dialed.
    fn pad_lost_contacts(&mut self, id: u32) -> Result<(), String> {
        if self.replay.lenient {
            while (self.store.len() as u64) < u64::from(id) {
                self.push_placeholder()?;
            }
        }
        self.expect_next_id(id)
    }

    /// Adds a contact lost to journal damage: Removed, never dialed.
    fn push_placeholder(&mut self) -> Result<(), String> {
        let id = self.store.len() as u32;
        self.store
            .push_restored(State::Removed, 0, ZoneId::DEFAULT, 0, b"", None)
            .map_err(|e| e.to_string())?;
        self.replay.lost_contacts.insert(id);
        Ok(())
    }

    pub(in crate::engine::campaign) fn expect_next_id(&self, id: u32) -> Result<(), String> {
        if id as usize != self.store.len() {
            return Err(format!(
                "contact {id} added, but the campaign has {} contacts",
                self.store.len()
            ));
        }
        Ok(())
    }
}

impl Campaign {
    /// Reads the campaign in `dir` as [`Campaign::inspect`] does (no lock,
    /// nothing written), with `observer` seeing every journal record
    /// replayed. Returns the campaign (not reconciled), the report, the
    /// configuration text stored with the campaign (if any) and the observer.
    pub(crate) fn replay_observed(
        dir: &Path,
        config: CampaignConfig,
        observer: Observer,
    ) -> Result<(Campaign, RecoveryReport, Option<String>, Observer), OpenError> {
        if !dir.is_dir() {
            return Err(OpenError::Io {
                path: dir.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotFound, "no such data directory"),
            });
        }
        let loaded = load(dir, config, Some(observer), true)?;
        let mut campaign = loaded.campaign;
        let observer = campaign
            .replay
            .observer
            .take()
            .expect("the replay keeps its observer");
        Ok((campaign, loaded.report, loaded.stored_config, observer))
    }

    /// The value of `field` in the configuration stored last, as far as
    /// replay has read (the snapshot's, then each journaled one): what the
    /// attempt records read the caller ID from. `None` when no
    /// configuration was stored or it lacks the field.
    pub(crate) fn stored_config_value(&self, field: &str) -> Option<&str> {
        self.replay
            .config
            .as_deref()?
            .lines()
            .find_map(|l| l.split_once('=').filter(|(n, _)| *n == field))
            .map(|(_, v)| v)
    }

    /// The fields of this campaign's configuration that differ from the
    /// stored configuration text `stored`.
    pub(crate) fn config_changes_from(&self, stored: &str) -> Vec<ConfigChange> {
        super::reopen::config_changes(stored, &self.config)
    }
}

/// One contact of a bulk record: state, priority, zone, number, the
/// external id (length-prefixed), the invalid reason (0 for none) and, for
/// an invalid record, its raw text (length-prefixed).
fn encode_bulk_row(store: &ContactStore, id: ContactId, b: &mut Vec<u8>) {
    let i = id.index();
    let ext = store.external_bytes(id).unwrap_or_default();
    b.push(store.states()[i]);
    b.push(store.priorities()[i]);
    b.extend_from_slice(&store.zones()[i].to_le_bytes());
    b.extend_from_slice(&store.numbers().at(i).to_le_bytes());
    b.extend_from_slice(&(ext.len() as u32).to_le_bytes());
    b.extend_from_slice(ext);
    match store.invalid_reason(id) {
        Some((reason, raw)) => {
            b.push(reason.code());
            b.extend_from_slice(&(raw.len() as u32).to_le_bytes());
            b.extend_from_slice(raw.as_bytes());
        }
        None => b.push(0),
    }
}

/// An optional region as 4 bytes (country, subdivision; zeros for none).
pub(in crate::engine::campaign) fn region_bytes(region: Option<crate::nanp::Region>) -> [u8; 4] {
    match region {
        None => [0; 4],
        Some(r) => {
            let c = r.country_code().as_bytes();
            let s = r.subdivision_code().map_or(&[0u8, 0][..], str::as_bytes);
            [c[0], c[1], s[0], s[1]]
        }
    }
}

/// The inverse of [`region_bytes`].
pub(in crate::engine::campaign) fn region_from_bytes(
    b: &[u8],
) -> Result<Option<crate::nanp::Region>, String> {
    match b {
        [0, 0, 0, 0] => Ok(None),
        [c0, c1, 0, 0] => Ok(Some(crate::nanp::Region::country([*c0, *c1]))),
        [c0, c1, s0, s1] => Ok(Some(crate::nanp::Region::subdivision(
            [*c0, *c1],
            [*s0, *s1],
        ))),
        _ => Err("bad region bytes".to_owned()),
    }
}
