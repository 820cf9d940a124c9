//! The store's view of a contact's several numbers: number #0 is the
//! contact's own columns (`number`, `zone`), the others come from the
//! extra-number columns (`multi`). Everything here is O(1) for a contact
//! with one number and O(its numbers + 255) for one with several.

use super::*;

impl ContactStore {
    /// How many numbers a contact has (1 for a contact with one number or
    /// an invalid record; 0 for an unknown id).
    #[inline]
    pub fn number_count(&self, id: ContactId) -> usize {
        if !self.contains(id) {
            return 0;
        }
        1 + self.numbers.extra_count(id.index())
    }

    /// True if some contact has more than one number (or a number kind).
    pub fn has_extra_numbers(&self) -> bool {
        !self.numbers.no_headers()
    }

    /// A contact's number `index` (0 is the first) with its kind, zone and
    /// per-number state.
    pub fn number_at(&self, id: ContactId, index: usize) -> Option<ContactNumber> {
        let i = id.index();
        if !self.contains(id) {
            return None;
        }
        let header = self.numbers.header(i);
        if index == 0 {
            let extra: u32 = self
                .numbers
                .numbers(i)
                .map(|(_, s)| u32::from(s.attempts))
                .sum();
            return Some(ContactNumber {
                number: self.numbers.digits(i),
                kind: header.kind0,
                zone: ZoneId(self.zone[i]),
                attempts: u32::from(self.attempts[i]).saturating_sub(extra) as u8,
                last_outcome: if header.extra == 0 {
                    self.last_outcome(id).unwrap_or_default()
                } else {
                    header.outcome0
                },
            });
        }
        let (n, s) = self.numbers.get(i, index)?;
        Some(ContactNumber {
            number: n.number,
            kind: n.kind,
            zone: n.zone,
            attempts: s.attempts,
            last_outcome: s.outcome,
        })
    }

    /// All of a contact's numbers, in order (empty for an unknown id).
    pub fn numbers_of(&self, id: ContactId) -> Vec<ContactNumber> {
        (0..self.number_count(id))
            .filter_map(|k| self.number_at(id, k))
            .collect()
    }

    /// The index of the number a contact is on now (the one it is dialed
    /// on next, or is in a call on); 0 for a contact with one number.
    #[inline]
    pub fn current_number(&self, id: ContactId) -> usize {
        usize::from(self.numbers.header(id.index()).current)
    }

    /// The digits and zone of a contact's number `index` (hot path of the
    /// guards: no per-number state read).
    #[inline]
    pub(crate) fn digits_at(&self, id: ContactId, index: usize) -> Option<(u64, ZoneId)> {
        let i = id.index();
        if index == 0 {
            return Some((self.numbers.get_digits(i)?, ZoneId(*self.zone.get(i)?)));
        }
        self.numbers.get(i, index).map(|(n, _)| (n.number, n.zone))
    }

    /// Moves a contact to number `index` (which it must have).
    pub(crate) fn set_current_number(
        &mut self,
        id: ContactId,
        index: usize,
    ) -> Result<(), StoreError> {
        let i = self.check(id)?;
        if index >= self.number_count(id) {
            return Err(StoreError::NoSuchNumber { contact: id, index });
        }
        self.numbers.set_current(i, index as u8);
        Ok(())
    }

    /// Counts a dial of number `index` (an extra number's attempts; number
    /// #0's are the contact's less the extra numbers', see `multi`). The
    /// contact's own attempt is counted by [`ContactStore::add_attempt`].
    pub(crate) fn count_number_dial(&mut self, id: ContactId, index: usize) {
        let i = id.index();
        if index == 0 {
            return;
        }
        if let Some((_, s)) = self.numbers.get(i, index) {
            self.numbers.set_state(
                i,
                index,
                NumberState {
                    attempts: s.attempts.saturating_add(1).min(MAX_NUMBER_ATTEMPTS),
                    outcome: s.outcome,
                },
            );
        }
    }

    /// Takes back a dial of number `index` counted by
    /// [`ContactStore::count_number_dial`] (a dial the carrier refused for
    /// congestion is no attempt).
    pub(crate) fn uncount_number_dial(&mut self, id: ContactId, index: usize) {
        let i = id.index();
        if index == 0 {
            return;
        }
        if let Some((_, s)) = self.numbers.get(i, index) {
            self.numbers.set_state(
                i,
                index,
                NumberState {
                    attempts: s.attempts.saturating_sub(1),
                    outcome: s.outcome,
                },
            );
        }
    }

    /// Records the outcome of the attempt on number `index` that just ended.
    pub(crate) fn end_number_attempt(&mut self, id: ContactId, index: usize, outcome: Outcome) {
        let i = id.index();
        if self.numbers.extra_count(i) == 0 {
            return;
        }
        if index == 0 {
            let current = self.numbers.header(i).current;
            self.numbers.set_mutable(i, current, outcome);
        } else if let Some((_, s)) = self.numbers.get(i, index) {
            self.numbers.set_state(
                i,
                index,
                NumberState {
                    attempts: s.attempts,
                    outcome,
                },
            );
        }
    }

    /// Adds extra numbers (#1, #2 …) to a contact no later contact has
    /// extra numbers before (imports and bulk adds go in id order). Each passes the
    /// number gate; a zone must be below [`MAX_EXTRA_ZONE`]; at most
    /// [`MAX_NUMBERS`] numbers a contact. Checked whole before anything changes.
    pub fn push_extra_numbers(
        &mut self,
        id: ContactId,
        numbers: &[ExtraNumber],
    ) -> Result<(), StoreError> {
        let i = self.check(id)?;
        if self.numbers.covered() > i + 1 && !numbers.is_empty() {
            return Err(StoreError::Numbers(
                "a later contact already has extra numbers",
            ));
        }
        for n in numbers {
            phone::check_e164(n.number).map_err(StoreError::InvalidNumber)?;
            if n.zone.0 >= MAX_EXTRA_ZONE {
                return Err(StoreError::Numbers("zone id of an extra number past 4095"));
            }
        }
        if !self.numbers.append(i, numbers) {
            return Err(StoreError::Numbers("more than 16 numbers for one contact"));
        }
        Ok(())
    }

    /// Makes room for `contacts` more contacts with extra numbers, `numbers`
    /// extra numbers in all (a bulk load that knows its sizes).
    pub fn reserve_extra_numbers(&mut self, contacts: usize, numbers: usize) {
        self.numbers.reserve_extra(contacts, numbers);
    }

    /// Sets the kind of a contact's number #0.
    pub fn set_first_number_kind(
        &mut self,
        id: ContactId,
        kind: NumberKind,
    ) -> Result<(), StoreError> {
        let i = self.check(id)?;
        self.numbers.set_kind0(i, kind);
        Ok(())
    }

    /// Gives a contact's number `index` a new number: for an invalid
    /// record, index 0 is [`ContactStore::fix_number`]; otherwise the number
    /// is replaced (its per-number state reset), and the contact, which must
    /// not be bound to a call (`Initial`, `RetryScheduled`, `NotReached` or
    /// `Blacklisted`), keeps its state — except that a `Blacklisted`
    /// contact whose number #0 is replaced is checked against `blacklist`
    /// again. Returns the contact's state.
    pub fn fix_number_at(
        &mut self,
        id: ContactId,
        index: usize,
        number: Result<u64, PhoneError>,
        zone: Option<ZoneId>,
        blacklist: &Blacklist,
    ) -> Result<State, StoreError> {
        let i = self.check(id)?;
        let state = self.state(id).unwrap_or(State::InvalidRecord);
        if state == State::InvalidRecord && index == 0 {
            let to = self.fix_number(id, number, blacklist)?;
            if let Some(z) = zone {
                self.zone[i] = z.0;
            }
            return Ok(to);
        }
        if index >= self.number_count(id) {
            return Err(StoreError::NoSuchNumber { contact: id, index });
        }
        let number = number
            .and_then(phone::check_e164)
            .map_err(StoreError::InvalidNumber)?;
        let fixable = matches!(
            state,
            State::Initial | State::RetryScheduled | State::NotReached | State::Blacklisted
        );
        if !fixable {
            return Err(StoreError::IllegalTransition {
                contact: id,
                state,
                trigger: Trigger::FixNumber,
                to: state,
            });
        }
        if index == 0 {
            self.numbers.set_digits(i, number);
            if let Some(z) = zone {
                self.zone[i] = z.0;
            }
            self.index.insert_fixed(id.0, self.numbers.column());
            if state == State::Blacklisted && !blacklist.contains(number) {
                self.set_state(id, State::Initial)?;
                return Ok(State::Initial);
            }
            return Ok(state);
        }
        let (old, _) = self.numbers.get(i, index).expect("index checked");
        let zone = zone.unwrap_or(old.zone);
        if zone.0 >= MAX_EXTRA_ZONE {
            return Err(StoreError::Numbers("zone id of an extra number past 4095"));
        }
        self.numbers.replace(
            i,
            index,
            ExtraNumber {
                number,
                kind: old.kind,
                zone,
            },
        );
        Ok(state)
    }

    // --- Persistence ---

    /// The number columns as persisted: headers, packed extra numbers, states.
    pub(crate) fn number_parts(&self) -> (Vec<u16>, &[u64], &[u8]) {
        self.numbers.parts()
    }

    /// The state of a contact's numbers as the journal keeps it: the
    /// header code and one state byte per extra number.
    pub(crate) fn number_state_codes(&self, id: ContactId) -> (u16, Vec<u8>) {
        let i = id.index();
        let header = self.numbers.header(i).code();
        let states = self.numbers.numbers(i).map(|(_, s)| s.code()).collect();
        (header, states)
    }

    /// Overwrites a contact's number state (journal replay): the mutable
    /// part of the header and the extra numbers' state bytes.
    pub(crate) fn restore_number_state(
        &mut self,
        id: ContactId,
        header: u16,
        states: &[u8],
    ) -> Result<(), StoreError> {
        let i = self.check(id)?;
        let h = multi::Header::from_code(header);
        if states.len() != self.numbers.extra_count(i) || usize::from(h.current) > states.len() {
            return Err(StoreError::Numbers("number state does not fit the contact"));
        }
        self.numbers.set_mutable(i, h.current, h.outcome0);
        for (k, &code) in states.iter().enumerate() {
            self.numbers
                .set_state(i, k + 1, NumberState::from_code(code));
        }
        Ok(())
    }

    /// Replaces a number at `index` exactly as journaled (replay of
    /// [`ContactStore::fix_number_at`] for a contact with a valid number).
    pub(crate) fn restore_number_at(
        &mut self,
        id: ContactId,
        index: usize,
        number: u64,
        zone: ZoneId,
    ) -> Result<(), StoreError> {
        let i = self.check(id)?;
        if index == 0 {
            self.numbers.set_digits(i, number);
            self.zone[i] = zone.0;
            self.index.insert_fixed(id.0, self.numbers.column());
            return Ok(());
        }
        let (old, _) = self
            .numbers
            .get(i, index)
            .ok_or(StoreError::NoSuchNumber { contact: id, index })?;
        self.numbers.replace(
            i,
            index,
            ExtraNumber {
                number,
                kind: old.kind,
                zone,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Extra bytes per extra number of `n` contacts with `extras` extra
    /// numbers each, over the same contacts with one.
    fn bytes_per_extra(n: usize, extras: usize) -> (f64, ContactStore) {
        let numbers: Vec<u64> = (0..n as u64).map(|i| 49_300_000_000 + i).collect();
        let bl = Blacklist::new();
        let mut one = ContactStore::new();
        one.extend_numbers(&numbers, 0, ZoneId(0), &bl).unwrap();
        let mut several = ContactStore::new();
        several.extend_numbers(&numbers, 0, ZoneId(0), &bl).unwrap();
        several.reserve_extra_numbers(n, extras * n);
        for i in 0..n as u32 {
            let extra: Vec<ExtraNumber> = (1..=extras as u64)
                .map(|k| ExtraNumber {
                    number: 49_310_000_000 + u64::from(i) * 16 + k,
                    kind: NumberKind::Mobile,
                    zone: ZoneId(0),
                })
                .collect();
            several.push_extra_numbers(ContactId(i), &extra).unwrap();
        }
        let per_extra = (several.column_bytes() - one.column_bytes()) as f64 / (extras * n) as f64;
        (per_extra, several)
    }

    #[test]
    fn an_extra_number_costs_at_most_10_bytes() {
        let n = 10_000usize;
        for extras in [1, 2, 15] {
            let (per_extra, store) = bytes_per_extra(n, extras);
            assert!(
                per_extra <= 10.0,
                "{per_extra} bytes an extra number with {extras} a contact"
            );
            let last = ContactId(n as u32 - 1);
            assert_eq!(store.number_count(last), 1 + extras);
            assert_eq!(store.number(last), Some(49_300_000_000 + n as u64 - 1));
            assert_eq!(
                store.number_at(last, extras).map(|x| x.number),
                Some(49_310_000_000 + (n as u64 - 1) * 16 + extras as u64)
            );
        }
    }
}
