//! Several numbers a row: the `phone2` … `phone16` columns, their kind
//! columns (`phone_kind`, `phone2_kind` …) and zone columns (`timezone2` …),
//! and the import of such a row (see the parent module's docs).

use smallvec::SmallVec;

use super::{
    text, trim_field, zoned, Added, Columns, ImportReport, NumberError, RowErrorKind, RowImporter,
};
use crate::phone::{self, PhoneError};
use crate::state::State;
use crate::store::{ExtraNumber, NewRow, NumberKind, StoreError, MAX_EXTRA_ZONE};
use crate::zones::ZoneId;

/// The number columns after `phone`, in order.
pub(super) const PHONES: [&str; 15] = [
    "phone2", "phone3", "phone4", "phone5", "phone6", "phone7", "phone8", "phone9", "phone10",
    "phone11", "phone12", "phone13", "phone14", "phone15", "phone16",
];

/// The kind columns: of `phone`, then of each of [`PHONES`].
pub(super) const KINDS: [&str; 16] = [
    "phone_kind",
    "phone2_kind",
    "phone3_kind",
    "phone4_kind",
    "phone5_kind",
    "phone6_kind",
    "phone7_kind",
    "phone8_kind",
    "phone9_kind",
    "phone10_kind",
    "phone11_kind",
    "phone12_kind",
    "phone13_kind",
    "phone14_kind",
    "phone15_kind",
    "phone16_kind",
];

/// The zone columns of each of [`PHONES`] (`phone`'s is `timezone`).
pub(super) const ZONES: [&str; 15] = [
    "timezone2",
    "timezone3",
    "timezone4",
    "timezone5",
    "timezone6",
    "timezone7",
    "timezone8",
    "timezone9",
    "timezone10",
    "timezone11",
    "timezone12",
    "timezone13",
    "timezone14",
    "timezone15",
    "timezone16",
];

/// True if `name` is one of the several-numbers columns.
pub(super) fn is_number_column(name: &str) -> bool {
    PHONES.contains(&name) || KINDS.contains(&name) || ZONES.contains(&name)
}

/// Where a number column after `phone` and its kind and zone are.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExtraColumn {
    /// Its header name (`phone2`).
    pub(super) name: &'static str,
    pub(super) phone: usize,
    pub(super) kind: Option<usize>,
    pub(super) zone: Option<usize>,
}

/// The several-numbers columns found in a header: `phone_kind`, and the
/// number columns after `phone` (with their kind and zone columns), in
/// order. A kind or zone column whose number column is absent is unused.
pub(super) fn find_columns(
    find: impl Fn(&str) -> Option<usize>,
) -> (Option<usize>, Vec<ExtraColumn>) {
    let extra = (0..PHONES.len())
        .filter_map(|k| {
            Some(ExtraColumn {
                name: PHONES[k],
                phone: find(PHONES[k])?,
                kind: find(KINDS[k + 1]),
                zone: find(ZONES[k]),
            })
        })
        .collect();
    (find(KINDS[0]), extra)
}

/// The unused several-numbers columns of a header (listed as ignored).
pub(super) fn unused(names: &[String], extra: &[ExtraColumn]) -> Vec<String> {
    let used = |n: &str| {
        n == KINDS[0]
            || extra.iter().any(|c| {
                let k = PHONES.iter().position(|p| *p == c.name).unwrap_or(0);
                n == c.name || n == KINDS[k + 1] || n == ZONES[k]
            })
    };
    names
        .iter()
        .filter(|n| is_number_column(n) && !used(n))
        .cloned()
        .collect()
}

/// The number, kind and zone fields of one number column after `phone`.
type ExtraFields<'a> = (&'a [u8], Option<&'a [u8]>, Option<&'a [u8]>);

/// One number of a row: its column, text, kind, zone and whether that zone
/// was written (its own column or the row's `timezone`).
type NumberInput<'a> = (&'static str, &'a [u8], NumberKind, ZoneId, bool);

/// A row's fields for several numbers.
#[derive(Default)]
pub(super) struct NumberFields<'a> {
    kind0: Option<&'a [u8]>,
    extra: SmallVec<[ExtraFields<'a>; 3]>,
}

impl<'a> NumberFields<'a> {
    /// Picks them out of a row (nothing for a list with one number column).
    #[inline]
    pub(super) fn pick(columns: &Columns, field: &impl Fn(usize) -> &'a [u8]) -> Self {
        if columns.extra.is_empty() {
            return NumberFields {
                kind0: columns.phone_kind.map(field),
                extra: SmallVec::new(),
            };
        }
        NumberFields {
            kind0: columns.phone_kind.map(field),
            extra: columns
                .extra
                .iter()
                .map(|c| (field(c.phone), c.kind.map(field), c.zone.map(field)))
                .collect(),
        }
    }
}

fn kind_of(field: Option<&[u8]>, column: &str) -> Result<NumberKind, RowErrorKind> {
    let Some(field) = field else {
        return Ok(NumberKind::Other);
    };
    NumberKind::from_name(text(field)).ok_or_else(|| RowErrorKind::BadNumberKind {
        column: column.to_owned(),
        text: text(field).trim().to_owned(),
    })
}

impl RowImporter<'_> {
    /// Adds the contact of a row of a list with several number columns.
    pub(super) fn import_numbers(
        &mut self,
        fields: super::RowFields<'_>,
        columns: &Columns,
        line: u64,
        report: &mut ImportReport,
    ) -> Result<Added, RowErrorKind> {
        let external_id = fields.external_id.map_or(&[][..], trim_field);
        let row_zone = match fields.timezone {
            Some(field) => self.zone(field)?,
            None => ZoneId::DEFAULT,
        };
        let row_given = fields.timezone.is_some_and(|f| !trim_field(f).is_empty());
        let priority = self.priority(fields.priority)?;
        let region = zoned::region(fields.region)?;
        // Everything that can refuse the row first: kinds, zones, region.
        let mut inputs: SmallVec<[NumberInput<'_>; 4]> = SmallVec::new();
        inputs.push((
            "phone",
            fields.phone,
            kind_of(fields.numbers.kind0, KINDS[0])?,
            row_zone,
            row_given,
        ));
        for (c, &(phone, kind, zone)) in columns.extra.iter().zip(&fields.numbers.extra) {
            let k = PHONES.iter().position(|p| *p == c.name).unwrap_or(0);
            let kind = kind_of(kind, KINDS[k + 1])?;
            let (zone, given) = match zone.map(trim_field).filter(|z| !z.is_empty()) {
                Some(z) => (self.zone(z)?, true),
                None => (row_zone, row_given),
            };
            inputs.push((c.name, phone, kind, zone, given));
        }
        let rules = self.options.phone_rules;
        let mut valid: SmallVec<[ExtraNumber; 4]> = SmallVec::new();
        let mut first_bad: Option<(usize, PhoneError)> = None;
        let mut bad = Vec::new();
        let mut no_zone = None;
        let mut zone_counts = crate::zones::ZoneCounts::default();
        for (position, &(column, phone, kind, zone, given)) in inputs.iter().enumerate() {
            if position > 0 && phone.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match phone::normalize_bytes(phone, rules) {
                Ok(number) if self.options.zone_from_number => {
                    let given = given.then_some(zone);
                    match self.number_zone(number, given, &mut zone_counts)? {
                        Some(zone) => valid.push(ExtraNumber { number, kind, zone }),
                        None => {
                            no_zone.get_or_insert(position);
                            bad.push(NumberError {
                                line,
                                column: column.to_owned(),
                                reason: PhoneError::NoTimeZone,
                            });
                        }
                    }
                }
                Ok(number) => valid.push(ExtraNumber { number, kind, zone }),
                Err(reason) => {
                    first_bad.get_or_insert((position, reason));
                    bad.push(NumberError {
                        line,
                        column: column.to_owned(),
                        reason,
                    });
                }
            }
        }
        // Every valid number lacked a zone: the record keeps the first one.
        if first_bad.is_none() {
            first_bad = no_zone.map(|position| (position, PhoneError::NoTimeZone));
        }
        if valid.len() > 1 && valid[1..].iter().any(|n| n.zone.0 >= MAX_EXTRA_ZONE) {
            return Err(RowErrorKind::UnknownTimezone(
                "(more than 4096 distinct zones with several numbers)".into(),
            ));
        }
        let (number, raw_phone, zone) = match (valid.first(), first_bad) {
            (Some(n), _) => (Ok(n.number), &b""[..], n.zone),
            (None, Some((position, reason))) => (Err(reason), inputs[position].1, row_zone),
            (None, None) => (Err(PhoneError::Blank), fields.phone, row_zone),
        };
        let contact = NewRow {
            number,
            raw_phone,
            external_id,
            zone,
            priority,
        };
        let store = &mut *self.store;
        let (id, mut state) = store
            .push_unindexed_state(contact, self.blacklist)
            .map_err(|e| match e {
                StoreError::Full => RowErrorKind::StoreFull,
                _ => RowErrorKind::StoreFull,
            })?;
        report.number_errors.extend(bad);
        report.zone_counts.add(&zone_counts);
        if let Some(region) = region {
            report.regions.push((id, region));
        }
        if let Some(first) = valid.first() {
            let added = store
                .set_first_number_kind(id, first.kind)
                .and_then(|()| store.push_extra_numbers(id, &valid[1..]));
            debug_assert!(added.is_ok(), "{added:?}");
            report.extra_numbers += valid.len() as u64 - 1;
            let all_black = valid.iter().all(|n| self.blacklist.contains(n.number));
            if state == State::Blacklisted && !all_black {
                let _ = store.set_state(id, State::Initial);
                state = State::Initial;
            }
        }
        Ok(Added {
            id,
            state,
            invalid: number.err(),
        })
    }
}
