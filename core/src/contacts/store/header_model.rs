//! Model test of the number column's shared words: number #0's digits and
//! the contact's header (extra count, current number, kind of #0, last
//! outcome of #0) live in one `u64`, so every write of one must leave the
//! other as it was. Random sequences of adds (1 to 16 numbers, invalid
//! records among them), kind changes, fixes, dials and live calls run
//! against the store and a plain per-contact model; after every step each
//! contact's digits, header fields and extra numbers read back as the
//! model has them, the number index finds number #0, and the persisted
//! columns rebuild the same store.

use super::*;
use proptest::prelude::*;

/// A contact in the model.
#[derive(Debug, Clone)]
struct Model {
    /// Number #0's digits (0 for an invalid record).
    digits0: u64,
    kind0: NumberKind,
    current: u8,
    /// Number #0's last outcome as the header keeps it (contacts with
    /// extra numbers only).
    outcome0: Outcome,
    /// Extra numbers: digits, zone, attempts.
    extra: Vec<(u64, u16, u8)>,
    live: bool,
}

#[derive(Debug, Clone)]
enum Step {
    /// A contact with number #0 from `pool(n)` (an invalid record for
    /// `None`) and `extras` extra numbers.
    Add(Option<u8>, usize),
    Kind0(usize, u8),
    /// Fix number `index` of contact `id` to `pool(n)`.
    Fix(usize, usize, u8),
    /// Dial number `index` of contact `id`, ending with outcome `code`.
    Dial(usize, usize, u8),
    /// Toggle a contact between Initial and Calling (a live call).
    Live(usize),
}

/// Candidate numbers, most valid, some not (the store's own gate decides).
fn pool(n: u8) -> u64 {
    match n % 8 {
        0..=3 => 4930_1000000 + u64::from(n),
        4 | 5 => 12_125_550_100 + u64::from(n),
        // 15 digits: the largest digits that fit below the header bits.
        6 => 886_912_345_678 + u64::from(n) * 1_000_000_000,
        _ => 999_999_999_999_000 + u64::from(n),
    }
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (any::<u8>(), 0..16usize).prop_map(|(n, e)| Step::Add(Some(n), e)),
        1 => (0..4usize).prop_map(|e| Step::Add(None, e)),
        2 => (0..64usize, 0..4u8).prop_map(|(i, k)| Step::Kind0(i, k)),
        3 => (0..64usize, 0..17usize, any::<u8>()).prop_map(|(i, k, n)| Step::Fix(i, k, n)),
        5 => (0..64usize, 0..17usize, 0..9u8).prop_map(|(i, k, o)| Step::Dial(i, k, o)),
        1 => (0..64usize).prop_map(Step::Live),
    ]
}

fn extra_of(id: usize, extras: usize) -> Vec<ExtraNumber> {
    (0..extras)
        .map(|k| ExtraNumber {
            number: 4931_0000000 + (id * 16 + k) as u64,
            kind: NumberKind::from_code((k % 4) as u8).unwrap(),
            zone: ZoneId(((id + k) % 4096) as u16),
        })
        .collect()
}

fn check(store: &ContactStore, model: &[Model]) -> Result<(), TestCaseError> {
    prop_assert_eq!(store.len(), model.len());
    for (i, m) in model.iter().enumerate() {
        let id = ContactId(i as u32);
        prop_assert_eq!(store.numbers().at(i), m.digits0, "digits of #0 of {}", i);
        prop_assert_eq!(store.number(id), (m.digits0 != 0).then_some(m.digits0));
        prop_assert_eq!(store.number_count(id), 1 + m.extra.len());
        prop_assert_eq!(store.current_number(id), usize::from(m.current));
        let n0 = store.number_at(id, 0).unwrap();
        prop_assert_eq!(n0.number, m.digits0);
        prop_assert_eq!(n0.kind, m.kind0);
        if !m.extra.is_empty() {
            prop_assert_eq!(n0.last_outcome, m.outcome0, "outcome of #0 of {}", i);
        }
        for (k, &(digits, zone, attempts)) in m.extra.iter().enumerate() {
            let n = store.number_at(id, k + 1).unwrap();
            prop_assert_eq!((n.number, n.zone.0, n.attempts), (digits, zone, attempts));
        }
        prop_assert!(store.number_at(id, m.extra.len() + 1).is_none());
        if m.digits0 != 0 {
            prop_assert!(store.contacts_with_number(m.digits0).any(|c| c == id));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Number #0's digits and every header field survive any sequence of
    /// writes to the other, and the persisted columns rebuild the same.
    #[test]
    fn digits_and_headers_share_a_word_without_touching(
        steps in proptest::collection::vec(step(), 1..120)
    ) {
        let bl = Blacklist::new();
        let mut store = ContactStore::new();
        let mut model: Vec<Model> = Vec::new();
        for s in steps {
            match s {
                Step::Add(n, extras) if model.len() < 64 => {
                    let (number, raw) = match n {
                        Some(n) => (Ok(pool(n)), ""),
                        None => (Err(PhoneError::Letters), "12ab"),
                    };
                    let contact = NewContact {
                        number,
                        raw_phone: raw,
                        external_id: "",
                        zone: ZoneId::DEFAULT,
                        priority: 0,
                    };
                    let id = store.push(contact, &bl).unwrap();
                    let digits0 = number.and_then(phone::check_e164).unwrap_or(0);
                    let numbers = extra_of(id.index(), extras);
                    store.push_extra_numbers(id, &numbers).unwrap();
                    model.push(Model {
                        digits0,
                        kind0: NumberKind::Other,
                        current: 0,
                        outcome0: Outcome::None,
                        extra: numbers.iter().map(|x| (x.number, x.zone.0, 0)).collect(),
                        live: false,
                    });
                }
                Step::Kind0(i, k) if i < model.len() => {
                    let kind = NumberKind::from_code(k).unwrap();
                    store.set_first_number_kind(ContactId(i as u32), kind).unwrap();
                    model[i].kind0 = kind;
                }
                Step::Fix(i, index, n) if i < model.len() => {
                    let id = ContactId(i as u32);
                    let m = &mut model[i];
                    let number = pool(n);
                    let valid = phone::check_e164(number).is_ok();
                    let got = store.fix_number_at(id, index, Ok(number), None, &bl);
                    // An invalid record takes a fix of number #0 only
                    // (then it is Initial); a valid one of any of its
                    // numbers while no call holds it.
                    let fixable = if m.digits0 == 0 {
                        index == 0
                    } else {
                        index <= m.extra.len() && !m.live
                    };
                    prop_assert_eq!(got.is_ok(), valid && fixable, "{:?}", got);
                    if got.is_ok() {
                        if index == 0 {
                            m.digits0 = number;
                        } else {
                            m.extra[index - 1].0 = number;
                            m.extra[index - 1].2 = 0;
                        }
                    }
                }
                Step::Dial(i, index, code) if i < model.len() => {
                    let id = ContactId(i as u32);
                    let m = &mut model[i];
                    if index > m.extra.len() || m.digits0 == 0 && index == 0 {
                        prop_assert!(index <= m.extra.len() || store.set_current_number(id, index).is_err());
                        continue;
                    }
                    let outcome = Outcome::from_code(code).unwrap();
                    store.set_current_number(id, index).unwrap();
                    store.add_attempt(id).unwrap();
                    store.count_number_dial(id, index);
                    store.end_number_attempt(id, index, outcome);
                    store.set_last_outcome(id, outcome).unwrap();
                    if !m.extra.is_empty() {
                        m.current = index as u8;
                        if index == 0 {
                            m.outcome0 = outcome;
                        }
                    }
                    if index > 0 {
                        let a = &mut m.extra[index - 1].2;
                        *a = (*a + 1).min(MAX_NUMBER_ATTEMPTS);
                    }
                }
                Step::Live(i) if i < model.len() && model[i].digits0 != 0 => {
                    let m = &mut model[i];
                    let to = if m.live { State::Initial } else { State::Calling };
                    store.set_state(ContactId(i as u32), to).unwrap();
                    m.live = !m.live;
                }
                _ => {}
            }
            check(&store, &model)?;
        }
        let (header, extra, states) = store.number_parts();
        let (external_end, arena) = store.external_parts();
        let columns = StoreColumns {
            state: store.states().to_vec(),
            attempts: store.attempts_column().to_vec(),
            last_outcome: store.last_outcomes().to_vec(),
            priority: store.priorities().to_vec(),
            zone: store.zones().to_vec(),
            number: store.numbers().to_vec(),
            external_end,
            external_arena: arena.to_vec(),
            invalid: store
                .invalid_entries()
                .into_iter()
                .scan(0u32, |at, (id, reason, raw)| {
                    let start = *at;
                    *at += raw.len() as u32;
                    Some((id, reason, start, raw.len() as u32))
                })
                .collect(),
            invalid_raw: store
                .invalid_entries()
                .into_iter()
                .flat_map(|(_, _, raw)| raw.to_vec())
                .collect(),
            number_header: header,
            extra_numbers: extra.to_vec(),
            number_states: states.to_vec(),
        };
        prop_assert!(columns.number.iter().all(|&d| d < 1 << 50), "snapshots hold digits only");
        let back = ContactStore::from_columns(columns).unwrap();
        check(&back, &model)?;
    }
}

/// A contact with one number reads back exactly the digits it was last
/// given, whatever its word held before: every header code its neighbour
/// or its own earlier life left, every fix.
#[test]
fn a_one_number_contact_reads_back_its_digits_whatever_came_before() {
    let bl = Blacklist::new();
    let mut store = ContactStore::new();
    let numbers = [4930_1000000u64, 886_912_345_678, 12_125_550_100];
    store.extend_numbers(&numbers, 0, ZoneId(0), &bl).unwrap();
    let id = ContactId(1);
    for kind in NumberKind::ALL {
        store.set_first_number_kind(id, kind).unwrap();
        for &n in numbers.iter().rev() {
            assert_eq!(
                store.fix_number_at(id, 0, Ok(n), None, &bl),
                Ok(State::Initial)
            );
            assert_eq!(store.number(id), Some(n));
            assert_eq!(store.numbers().at(1), n);
            assert_eq!(store.number_at(id, 0).unwrap().kind, kind);
            assert_eq!(store.number_count(id), 1);
        }
    }
    assert_eq!(store.number(ContactId(0)), Some(numbers[0]));
    assert_eq!(store.number(ContactId(2)), Some(numbers[2]));
}
