//! A CSV row's zones and region, as the engine's adds of several numbers
//! treat them (`campaign::several`).
//!
//! With `zone_from_number` ([`super::ImportOptions`]) every valid number of a
//! row is given a zone exactly as `add_contact_numbers` gives one: a zone
//! written for it (its `timezoneN` column, else the row's `timezone`) is
//! used, and counted as a mismatch when the number implies another; with
//! none written it takes the zone its number implies
//! ([`crate::phone::zone_of_number`]), else the import's fallback zone,
//! else it is left out of the contact and reported with its line and
//! column ([`crate::phone::PhoneError::NoTimeZone`]); the contact keeps its
//! other numbers, and one none of whose numbers is left is an InvalidRecord.
//! The counts are [`super::ImportReport::zone_counts`].
//!
//! The `region` column is the contact's region for the calling rules (an
//! ISO 3166 code, `US-FL`; blank: the regions of its numbers), as
//! `Campaign::set_contact_region` sets it. A value that is not a region is
//! a row error naming the column, like an unknown time zone: the row is not
//! added, so no contact is ever dialed under a region it was not given.

use super::{text, trim_field, RowErrorKind, RowImporter};
use crate::nanp::Region;
use crate::phone::{self, NumberZone};
use crate::zones::{ZoneCounts, ZoneId};

impl RowImporter<'_> {
    /// The zone a valid `number` is dialed in under `zone_from_number`
    /// (`given`: the zone written for it); `None`: left out. Counted.
    pub(super) fn number_zone(
        &mut self,
        number: u64,
        given: Option<ZoneId>,
        counts: &mut ZoneCounts,
    ) -> Result<Option<ZoneId>, RowErrorKind> {
        let implied = match phone::zone_of_number(number) {
            NumberZone::One(name) => Some(self.zone(name.as_bytes())?),
            NumberZone::Several(_) | NumberZone::Unknown => None,
        };
        if let Some(zone) = given {
            if implied.is_some_and(|z| z != zone) {
                counts.mismatch += 1;
            }
            return Ok(Some(zone));
        }
        Ok(match (implied, self.options.fallback_zone) {
            (Some(zone), _) => {
                counts.from_number += 1;
                Some(zone)
            }
            (None, Some(zone)) => {
                counts.fallback += 1;
                Some(zone)
            }
            (None, None) => {
                counts.no_zone += 1;
                None
            }
        })
    }
}

/// The region of a `region` field (`None`: absent or blank).
pub(super) fn region(field: Option<&[u8]>) -> Result<Option<Region>, RowErrorKind> {
    let Some(field) = field.map(trim_field).filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    Region::parse(text(field))
        .map(Some)
        .map_err(|_| RowErrorKind::BadRegion {
            column: "region".to_owned(),
            text: text(field).to_owned(),
        })
}
