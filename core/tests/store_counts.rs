//! Property test: the store's O(1) per-state counters always equal a recount,
//! and the store agrees with a plain `Vec<State>` model, after any sequence of
//! adds, state writes, checked transitions and blacklist changes.

use dialcore::blacklist::Blacklist;
use dialcore::phone::PhoneRules;
use dialcore::state::{self, State, Trigger};
use dialcore::store::{ContactId, ContactStore, NewContact};
use dialcore::zones::ZoneId;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Push { number: u8, invalid: bool },
    Extend { numbers: Vec<u8> },
    SetState { contact: u16, state: u8 },
    Apply { contact: u16, trigger: u8, to: u8 },
    BlacklistAdd { number: u8 },
    BlacklistRemove { number: u8 },
}

/// Small number space so duplicates and blacklist hits are common.
fn number(n: u8) -> u64 {
    4930_1000000 + u64::from(n % 16)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<u8>(), proptest::bool::weighted(0.2))
            .prop_map(|(number, invalid)| Op::Push { number, invalid }),
        1 => proptest::collection::vec(any::<u8>(), 0..20).prop_map(|numbers| Op::Extend { numbers }),
        3 => (any::<u16>(), 0u8..17).prop_map(|(contact, state)| Op::SetState { contact, state }),
        4 => (any::<u16>(), 0u8..29, 0u8..17).prop_map(|(contact, trigger, to)| Op::Apply { contact, trigger, to }),
        1 => any::<u8>().prop_map(|number| Op::BlacklistAdd { number }),
        1 => any::<u8>().prop_map(|number| Op::BlacklistRemove { number }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn counters_equal_recount(ops in proptest::collection::vec(op(), 1..120)) {
        let mut store = ContactStore::new();
        let mut blacklist = Blacklist::new();
        let mut model: Vec<State> = Vec::new();
        let mut numbers: Vec<u64> = Vec::new();
        let rules = PhoneRules::with_country(49);
        for op in ops {
            match op {
                Op::Push { number: n, invalid } => {
                    let text = if invalid { "CALL-ME".to_string() } else { format!("+{}", number(n)) };
                    let id = store.push(NewContact::parse(&text, rules), &blacklist).unwrap();
                    prop_assert_eq!(id.0 as usize, model.len());
                    let expected = if invalid {
                        State::InvalidRecord
                    } else if blacklist.contains(number(n)) {
                        State::Blacklisted
                    } else {
                        State::Initial
                    };
                    model.push(expected);
                    numbers.push(if invalid { 0 } else { number(n) });
                }
                Op::Extend { numbers: ns } => {
                    let ns: Vec<u64> = ns.into_iter().map(number).collect();
                    store.extend_numbers(&ns, 0, ZoneId::DEFAULT, &blacklist).unwrap();
                    for n in ns {
                        model.push(if blacklist.contains(n) { State::Blacklisted } else { State::Initial });
                        numbers.push(n);
                    }
                }
                Op::SetState { contact, state } => {
                    let to = State::from_code(state).unwrap();
                    let id = ContactId(u32::from(contact));
                    let result = store.set_state(id, to);
                    match model.get_mut(id.index()) {
                        Some(s) => { prop_assert_eq!(result, Ok(*s)); *s = to; }
                        None => prop_assert!(result.is_err()),
                    }
                }
                Op::Apply { contact, trigger, to } => {
                    let trigger = Trigger::ALL[trigger as usize];
                    let to = State::from_code(to).unwrap();
                    let id = ContactId(u32::from(contact) % (model.len() as u32 + 1));
                    let result = store.apply(id, trigger, to);
                    match model.get_mut(id.index()) {
                        Some(s) if state::allows(*s, trigger, to) => {
                            prop_assert_eq!(result, Ok(*s));
                            *s = to;
                        }
                        Some(_) => prop_assert!(result.is_err(), "illegal transition accepted"),
                        None => prop_assert!(result.is_err()),
                    }
                }
                Op::BlacklistAdd { number: n } => {
                    blacklist.insert(number(n));
                    let effect = store.apply_blacklist_add(number(n), |_, _| false);
                    for (i, s) in model.iter_mut().enumerate() {
                        if numbers[i] == number(n) && state::is_legal(*s, Trigger::BlacklistAdd) {
                            prop_assert!(effect.changed.contains(&(ContactId(i as u32), *s)));
                            *s = State::Blacklisted;
                        }
                    }
                }
                Op::BlacklistRemove { number: n } => {
                    blacklist.remove(number(n));
                    let changed = store.apply_blacklist_remove(number(n));
                    for (i, s) in model.iter_mut().enumerate() {
                        if numbers[i] == number(n) && *s == State::Blacklisted {
                            prop_assert!(changed.contains(&ContactId(i as u32)));
                            *s = State::Initial;
                        }
                    }
                }
            }
            // The invariants, after every step.
            prop_assert_eq!(store.counts(), &store.recount());
            let mut naive = [0u32; 17];
            for s in &model { naive[*s as usize] += 1; }
            prop_assert_eq!(store.counts().0, naive);
            prop_assert_eq!(store.len(), model.len());
        }
        for (i, s) in model.iter().enumerate() {
            prop_assert_eq!(store.state(ContactId(i as u32)), Some(*s));
        }
    }
}
