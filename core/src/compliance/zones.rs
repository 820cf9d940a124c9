//! Time zones of contacts, interned as `u16` indexes.
//!
//! A contact's local time decides whether it may be called now, so each
//! contact carries a time zone. Storing the IANA name per contact would cost
//! tens of bytes and a string compare per check; instead every distinct name
//! is interned once in a [`ZoneTable`] and the contact keeps a [`ZoneId`]
//! (`u16`) in the store's time-zone column. Index 0 is the campaign's default
//! zone, used for contacts imported without one.
//!
//! Zones are resolved with `jiff` against the tz database bundled into the
//! binary (not the host's `/usr/share/zoneinfo`), so the same campaign gives
//! the same results on every machine.

use std::fmt;

use hashbrown::HashMap;
use jiff::tz::TimeZone;

/// Index of an interned time zone; `ZoneId::DEFAULT` is the campaign default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ZoneId(pub u16);

impl ZoneId {
    /// The campaign's default zone.
    pub const DEFAULT: ZoneId = ZoneId(0);
}

/// What `zone_from_number` did, counted since the campaign was created
/// (not kept in a data directory); an import reports its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ZoneCounts {
    /// Numbers given no zone that took the zone their number implies.
    pub from_number: u64,
    /// Numbers whose zone was ambiguous or unknown that took the fallback.
    pub fallback: u64,
    /// Numbers whose zone was ambiguous or unknown, with no fallback: left out.
    pub no_zone: u64,
    /// Numbers given a zone other than the one their number implies (the
    /// given zone is used).
    pub mismatch: u64,
}

impl ZoneCounts {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &ZoneCounts) {
        self.from_number += other.from_number;
        self.fallback += other.fallback;
        self.no_zone += other.no_zone;
        self.mismatch += other.mismatch;
    }
}

/// Error: a time-zone name the tz database does not know, or too many zones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZoneError {
    /// The name is not an IANA time zone known to the bundled database.
    Unknown(String),
    /// More than 65,536 distinct zones were interned.
    TooMany,
}

impl fmt::Display for ZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ZoneError::Unknown(name) => write!(f, "unknown time zone {name:?}"),
            ZoneError::TooMany => f.write_str("more than 65536 distinct time zones"),
        }
    }
}

impl std::error::Error for ZoneError {}

/// The interned time zones of one campaign.
#[derive(Debug, Clone)]
pub struct ZoneTable {
    names: Vec<Box<str>>,
    zones: Vec<TimeZone>,
    by_name: HashMap<Box<str>, ZoneId>,
}

impl ZoneTable {
    /// A table whose default zone (index 0) is `default_zone` (an IANA name, or "UTC").
    pub fn new(default_zone: &str) -> Result<Self, ZoneError> {
        let mut table = ZoneTable {
            names: Vec::new(),
            zones: Vec::new(),
            by_name: HashMap::new(),
        };
        table.intern(default_zone)?;
        Ok(table)
    }

    /// The id for `name`, interning it on first use. Blank means the default.
    pub fn intern(&mut self, name: &str) -> Result<ZoneId, ZoneError> {
        let name = name.trim();
        if name.is_empty() && !self.zones.is_empty() {
            return Ok(ZoneId::DEFAULT);
        }
        if let Some(&id) = self.by_name.get(name) {
            return Ok(id);
        }
        let zone = TimeZone::get(name).map_err(|_| ZoneError::Unknown(name.to_owned()))?;
        let id = u16::try_from(self.zones.len()).map_err(|_| ZoneError::TooMany)?;
        let id = ZoneId(id);
        self.names.push(name.into());
        self.zones.push(zone);
        self.by_name.insert(name.into(), id);
        Ok(id)
    }

    /// The id of an already interned name.
    pub fn lookup(&self, name: &str) -> Option<ZoneId> {
        self.by_name.get(name.trim()).copied()
    }

    /// The zone for an id (the default zone for an id never handed out).
    pub fn zone(&self, id: ZoneId) -> &TimeZone {
        self.zones.get(id.0 as usize).unwrap_or(&self.zones[0])
    }

    /// The IANA name for an id.
    pub fn name(&self, id: ZoneId) -> &str {
        self.names.get(id.0 as usize).unwrap_or(&self.names[0])
    }

    /// Number of interned zones (at least 1, the default).
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// Always false: the default zone is always there.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The interned names in id order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|n| &**n)
    }
}

impl Default for ZoneTable {
    fn default() -> Self {
        ZoneTable::new("UTC").expect("UTC is always known")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interns_each_name_once() {
        let mut t = ZoneTable::new("Europe/Berlin").unwrap();
        assert_eq!(t.name(ZoneId::DEFAULT), "Europe/Berlin");
        let ny = t.intern("America/New_York").unwrap();
        assert_eq!(ny, ZoneId(1));
        assert_eq!(t.intern(" America/New_York ").unwrap(), ny);
        assert_eq!(t.intern("").unwrap(), ZoneId::DEFAULT);
        assert_eq!(t.lookup("America/New_York"), Some(ny));
        assert_eq!(t.len(), 2);
        assert_eq!(
            t.zone(ny).iana_name(),
            Some("America/New_York"),
            "zone resolved from the bundled tzdb"
        );
    }

    #[test]
    fn unknown_names_are_errors_naming_the_input() {
        let mut t = ZoneTable::default();
        let err = t.intern("Mars/Olympus_Mons").unwrap_err();
        assert_eq!(err, ZoneError::Unknown("Mars/Olympus_Mons".into()));
        assert!(err.to_string().contains("Mars/Olympus_Mons"));
        assert_eq!(t.len(), 1);
        assert!(ZoneTable::new("Nowhere/City").is_err());
    }
}
