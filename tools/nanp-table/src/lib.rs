//! Generator of `core/src/compliance/nanp/table.rs`: the North American
//! Numbering Plan's area codes with the region (US state, Canadian province or
//! territory, or another NANP country) and the IANA time zones of each,
//! from libphonenumber's public data.
//!
//! Sources (libphonenumber `resources/`, Apache-2.0), reduced to the committed
//! extracts in `tools/nanp-table/data/` by `nanp-table extract DIR`:
//!
//! - `PhoneNumberMetadata.xml`: the NANP territories other than the US and
//!   Canada and their `leadingDigits` (Jamaica `658|876`, the Dominican
//!   Republic `8[024]9`, Puerto Rico `787|939`, …) →
//!   `data/territories-1.txt`. Only three-digit alternatives are area codes;
//!   the Dominican `8001` (a slice of toll-free 800) is not one and is left out.
//! - `geocoding/en/1.txt`: a description per number prefix: a state or
//!   province name (`1212|New York`) or a place with the state's postal code
//!   (`1201200|Jersey City, NJ`). The extract keeps every area-code line and
//!   each finer line whose region differs from its area code's (`1201631|New
//!   York, NY` under New Jersey's 201; Prince Edward Island's prefixes of 902);
//!   for an area code with no area-code line, the first line of each region.
//!   That is all the region table needs (a finer line with its area code's
//!   region adds nothing).
//! - `timezones/map_data.txt`: zones per number prefix; every `1…` line is
//!   kept (the `1|…` line lists all NANP zones and is not an answer).
//!
//! The table answers by longest prefix, as libphonenumber does, with one
//! difference: a number under an area code that has no area-code line of its
//! own (208 lists only finer prefixes) gets the union of everything listed
//! under the area code, not the 42 zones of the `1|` line. Several regions or
//! zones mean the answer is ambiguous; callers fail closed on it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A region as ISO 3166: country and subdivision (`("US", "NY")`), or a
/// country alone (`("JM", "")`).
pub type Region = (String, String);

/// US states (and DC) by the names the geocoding data uses.
const US_STATES: &[(&str, &str)] = &[
    ("Alabama", "AL"),
    ("Alaska", "AK"),
    ("Arizona", "AZ"),
    ("Arkansas", "AR"),
    ("California", "CA"),
    ("Colorado", "CO"),
    ("Connecticut", "CT"),
    ("Delaware", "DE"),
    ("Florida", "FL"),
    ("Georgia", "GA"),
    ("Hawaii", "HI"),
    ("Idaho", "ID"),
    ("Illinois", "IL"),
    ("Indiana", "IN"),
    ("Iowa", "IA"),
    ("Kansas", "KS"),
    ("Kentucky", "KY"),
    ("Louisiana", "LA"),
    ("Maine", "ME"),
    ("Maryland", "MD"),
    ("Massachusetts", "MA"),
    ("Michigan", "MI"),
    ("Minnesota", "MN"),
    ("Mississippi", "MS"),
    ("Missouri", "MO"),
    ("Montana", "MT"),
    ("Nebraska", "NE"),
    ("Nevada", "NV"),
    ("New Hampshire", "NH"),
    ("New Jersey", "NJ"),
    ("New Mexico", "NM"),
    ("New York", "NY"),
    ("North Carolina", "NC"),
    ("North Dakota", "ND"),
    ("Ohio", "OH"),
    ("Oklahoma", "OK"),
    ("Oregon", "OR"),
    ("Pennsylvania", "PA"),
    ("Rhode Island", "RI"),
    ("South Carolina", "SC"),
    ("South Dakota", "SD"),
    ("Tennessee", "TN"),
    ("Texas", "TX"),
    ("Utah", "UT"),
    ("Vermont", "VT"),
    ("Virginia", "VA"),
    ("Washington State", "WA"),
    ("West Virginia", "WV"),
    ("Wisconsin", "WI"),
    ("Wyoming", "WY"),
    ("Washington D.C.", "DC"),
];

/// Canadian provinces and territories by the names the geocoding data uses
/// (`/` joins several: one area code serves them all).
const CA_PROVINCES: &[(&str, &str)] = &[
    ("Alberta", "AB"),
    ("British Columbia", "BC"),
    ("British Colombia", "BC"),
    ("Manitoba", "MB"),
    ("New Brunswick", "NB"),
    ("Newfoundland and Labrador", "NL"),
    ("Nova Scotia/Prince Edward Island", "NS/PE"),
    ("Northwest Territories/Nunavut/Yukon", "NT/NU/YT"),
    ("Ontario", "ON"),
    ("Quebec", "QC"),
    ("Saskatchewan", "SK"),
    ("Yukon", "YT"),
];

/// Places the data names without a state or province code.
const PLACES: &[(&str, &str, &str)] = &[("Watson Lake", "CA", "YT")];

/// Canadian postal abbreviations (all others in `City, XX` are US states).
const CA_CODES: &[&str] = &[
    "AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT",
];

/// The directory of the committed extracts.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// Where the generated table goes.
pub fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../core/src/compliance/nanp/table.rs")
}

/// The regions a geocoding description names (several for `NS/PE`), or an
/// error naming it when it is neither a known state/province nor `City, XX`.
pub fn regions_of_description(desc: &str) -> Result<Vec<Region>, String> {
    let code_region = |code: &str| -> Option<Region> {
        if CA_CODES.contains(&code) {
            Some(("CA".into(), code.into()))
        } else if US_STATES.iter().any(|&(_, c)| c == code) {
            Some(("US".into(), code.into()))
        } else {
            None
        }
    };
    if let Some(&(_, codes)) = US_STATES.iter().find(|&&(n, _)| n == desc) {
        return Ok(vec![("US".into(), codes.into())]);
    }
    if let Some(&(_, codes)) = CA_PROVINCES.iter().find(|&&(n, _)| n == desc) {
        return Ok(codes
            .split('/')
            .map(|c| ("CA".to_owned(), c.to_owned()))
            .collect());
    }
    if let Some(&(_, country, sub)) = PLACES.iter().find(|&&(n, _, _)| n == desc) {
        return Ok(vec![(country.into(), sub.into())]);
    }
    if let Some((_, code)) = desc.rsplit_once(", ") {
        if let Some(r) = code_region(code) {
            return Ok(vec![r]);
        }
    }
    Err(format!(
        "geocoding description {desc:?} names no US state or Canadian province (add it to the generator's tables)"
    ))
}

/// Expands a `leadingDigits` pattern of digits, `[…]` classes and `|` into
/// its three-digit alternatives (longer ones are not area codes).
pub fn expand_leading_digits(pattern: &str) -> Result<Vec<u16>, String> {
    let mut out = Vec::new();
    for alt in pattern.split('|') {
        let mut seqs: Vec<String> = vec![String::new()];
        let mut chars = alt.trim().chars().peekable();
        while let Some(c) = chars.next() {
            let options: Vec<char> = if c.is_ascii_digit() {
                vec![c]
            } else if c == '[' {
                let mut class = Vec::new();
                let mut prev: Option<char> = None;
                loop {
                    match chars.next() {
                        Some(']') => break,
                        Some('-') => {
                            let hi = chars
                                .next()
                                .ok_or_else(|| format!("bad class in {pattern:?}"))?;
                            let lo = prev.ok_or_else(|| format!("bad class in {pattern:?}"))?;
                            for d in lo..=hi {
                                class.push(d);
                            }
                        }
                        Some(d) if d.is_ascii_digit() => {
                            class.push(d);
                            prev = Some(d);
                        }
                        _ => return Err(format!("unsupported leadingDigits {pattern:?}")),
                    }
                }
                class
            } else {
                return Err(format!("unsupported leadingDigits {pattern:?}"));
            };
            seqs = seqs
                .iter()
                .flat_map(|s| options.iter().map(move |d| format!("{s}{d}")))
                .collect();
        }
        for s in seqs {
            if s.len() == 3 {
                out.push(s.parse().map_err(|_| format!("bad digits {s:?}"))?);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The NANP territories (other than the main US and Canada) and their
/// leading digits, from `PhoneNumberMetadata.xml`.
pub fn territories_from_metadata(xml: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for chunk in xml.split("<territory ").skip(1) {
        let tag = chunk.split('>').next().unwrap_or("");
        let attr = |name: &str| -> Option<String> {
            let key = format!("{name}=\"");
            let start = tag.find(&key)? + key.len();
            let end = tag[start..].find('"')?;
            Some(tag[start..start + end].to_owned())
        };
        if attr("countryCode").as_deref() != Some("1") {
            continue;
        }
        let id = attr("id").ok_or("territory without id")?;
        if let Some(lead) = attr("leadingDigits") {
            out.push((id, lead));
        }
    }
    if out.is_empty() {
        return Err("no NANP territory with leadingDigits in the metadata".into());
    }
    Ok(out)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The leading `#` comment block of a source file (its licence header).
fn header(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            out.push_str(line);
            out.push('\n');
        } else {
            break;
        }
    }
    out
}

/// `(prefix digits after the 1, value)` for each `1…|value` data line.
pub fn data_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('|'))
        .filter(|(p, _)| p.starts_with('1') && p.len() > 1 && p.bytes().all(|b| b.is_ascii_digit()))
        .map(|(p, v)| (p[1..].to_owned(), v.to_owned()))
        .collect()
}

/// Area codes of the territories in `territories-1.txt` text (`ID|leadingDigits`).
pub fn territory_area_codes(text: &str) -> Result<BTreeMap<u16, String>, String> {
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let (id, lead) = line
            .split_once('|')
            .ok_or_else(|| format!("territories line {line:?}"))?;
        for ac in expand_leading_digits(lead)? {
            out.insert(ac, id.to_owned());
        }
    }
    Ok(out)
}

/// Refreshes `data/` from a libphonenumber `resources/` directory.
pub fn extract(resources: &Path) -> Result<String, String> {
    let xml = read(&resources.join("PhoneNumberMetadata.xml"))?;
    let geo = read(&resources.join("geocoding/en/1.txt"))?;
    let tz = read(&resources.join("timezones/map_data.txt"))?;
    let dir = data_dir();

    let territories = territories_from_metadata(&xml)?;
    let mut t = String::from(
        "# NANP territories other than the US and Canada: ID|leadingDigits,\n\
         # from libphonenumber resources/PhoneNumberMetadata.xml (Apache-2.0).\n",
    );
    for (id, lead) in &territories {
        writeln!(t, "{id}|{lead}").unwrap();
    }
    let territory_acs = territory_area_codes(&t)?;

    let mut z = header(&tz);
    z.push_str(
        "# Extract: the +1 lines of resources/timezones/map_data.txt (tools/nanp-table).\n\n",
    );
    for line in tz.lines() {
        if line.starts_with('1') {
            z.push_str(line);
            z.push('\n');
        }
    }

    let mut g = header(&geo);
    g.push_str(
        "# Extract (tools/nanp-table): every area-code line, each finer line whose region differs\n\
         # from its area code's, and for an area code without an area-code line the first line\n\
         # of each region. Territories' area codes (their country is their region) are left out.\n\n",
    );
    let lines = data_lines(&geo);
    let mut area_region: BTreeMap<String, Vec<Region>> = BTreeMap::new();
    for (p, d) in &lines {
        if p.len() == 3 {
            area_region.insert(p.clone(), regions_of_description(d)?);
        }
    }
    let mut seen: BTreeSet<(String, Vec<Region>)> = BTreeSet::new();
    for (p, d) in &lines {
        let ac = &p[..3.min(p.len())];
        if ac.len() < 3 || territory_acs.contains_key(&ac.parse::<u16>().unwrap_or(0)) {
            continue;
        }
        let regions = regions_of_description(d)?;
        let keep = if p.len() == 3 {
            true
        } else if let Some(area) = area_region.get(ac) {
            *area != regions
        } else {
            seen.insert((ac.to_owned(), regions))
        };
        if keep {
            writeln!(g, "1{p}|{d}").unwrap();
        }
    }
    write(&dir.join("territories-1.txt"), &t)?;
    write(&dir.join("timezones-1.txt"), &z)?;
    write(&dir.join("geocoding-en-1.txt"), &g)?;
    Ok(format!("wrote the extracts in {}", dir.display()))
}

/// Interned sets, in order of first use; index 0 is the empty set.
struct Sets<T: Ord + Clone> {
    list: Vec<Vec<T>>,
}

impl<T: Ord + Clone> Sets<T> {
    fn new() -> Self {
        Sets {
            list: vec![Vec::new()],
        }
    }
    fn id(&mut self, set: &BTreeSet<T>) -> Result<u8, String> {
        let v: Vec<T> = set.iter().cloned().collect();
        if let Some(i) = self.list.iter().position(|s| *s == v) {
            return Ok(i as u8);
        }
        self.list.push(v);
        u8::try_from(self.list.len() - 1).map_err(|_| "more than 256 distinct sets".to_owned())
    }
}

/// A prefix tree answer: per area code the area-level set, and the finer
/// prefixes (national digits, at least 4) that differ from their nearest
/// listed ancestor.
struct Layered<T: Ord + Clone> {
    area: BTreeMap<u16, BTreeSet<T>>,
    fine: BTreeMap<String, BTreeSet<T>>,
}

fn layer<T: Ord + Clone>(entries: &[(String, BTreeSet<T>)]) -> Layered<T> {
    let by_prefix: BTreeMap<&str, &BTreeSet<T>> =
        entries.iter().map(|(p, s)| (p.as_str(), s)).collect();
    let mut area: BTreeMap<u16, BTreeSet<T>> = BTreeMap::new();
    let mut union: BTreeMap<u16, BTreeSet<T>> = BTreeMap::new();
    for (p, s) in entries {
        let Ok(ac) = p[..3].parse::<u16>() else {
            continue;
        };
        if p.len() == 3 {
            area.insert(ac, s.clone());
        }
        union.entry(ac).or_default().extend(s.iter().cloned());
    }
    for (ac, u) in union {
        area.entry(ac).or_insert(u);
    }
    let mut fine = BTreeMap::new();
    for (p, s) in entries {
        if p.len() <= 3 {
            continue;
        }
        let ac: u16 = p[..3].parse().unwrap_or(0);
        let parent = (4..p.len())
            .rev()
            .find_map(|n| by_prefix.get(&p[..n]).copied())
            .unwrap_or(&area[&ac]);
        if parent != s {
            fine.insert(p.clone(), s.clone());
        }
    }
    Layered { area, fine }
}

/// The generated table source, from the committed extracts.
pub fn generate() -> Result<String, String> {
    let dir = data_dir();
    let source = read(&dir.join("SOURCE.txt"))?;
    let territories = territory_area_codes(&read(&dir.join("territories-1.txt"))?)?;
    let geo = data_lines(&read(&dir.join("geocoding-en-1.txt"))?);
    let tz = data_lines(&read(&dir.join("timezones-1.txt"))?);

    let mut region_entries: Vec<(String, BTreeSet<Region>)> = Vec::new();
    for (&ac, id) in &territories {
        region_entries.push((
            ac.to_string(),
            BTreeSet::from([(id.clone(), String::new())]),
        ));
    }
    for (p, d) in &geo {
        if p.len() < 3 || territories.contains_key(&p[..3].parse::<u16>().unwrap_or(0)) {
            continue;
        }
        region_entries.push((p.clone(), regions_of_description(d)?.into_iter().collect()));
    }
    region_entries.sort();
    let zone_entries: Vec<(String, BTreeSet<String>)> = tz
        .iter()
        .filter(|(p, _)| p.len() >= 3)
        .map(|(p, z)| (p.clone(), z.split('&').map(str::to_owned).collect()))
        .collect();
    let regions = layer(&region_entries);
    let zones = layer(&zone_entries);

    let mut region_sets = Sets::new();
    let mut zone_sets = Sets::new();
    let mut area = vec![(0u8, 0u8, 0u8); 800];
    for ac in 200u16..1000 {
        let r = match regions.area.get(&ac) {
            Some(s) => region_sets.id(s)?,
            None => 0,
        };
        let z = match zones.area.get(&ac) {
            Some(s) => zone_sets.id(s)?,
            None => 0,
        };
        let ac_s = ac.to_string();
        let mut flags = 0;
        if regions.fine.keys().any(|p| p.starts_with(&ac_s)) {
            flags |= 1;
        }
        if zones.fine.keys().any(|p| p.starts_with(&ac_s)) {
            flags |= 2;
        }
        area[(ac - 200) as usize] = (r, z, flags);
    }
    let mut fine_r = Vec::new();
    for (p, s) in &regions.fine {
        fine_r.push((
            p.len() as u8,
            p.parse::<u32>().map_err(|e| e.to_string())?,
            region_sets.id(s)?,
        ));
    }
    let mut fine_z = Vec::new();
    for (p, s) in &zones.fine {
        fine_z.push((
            p.len() as u8,
            p.parse::<u32>().map_err(|e| e.to_string())?,
            zone_sets.id(s)?,
        ));
    }
    fine_r.sort_unstable();
    fine_z.sort_unstable();

    let mut o = String::new();
    let src = source.lines().next().unwrap_or("").trim();
    writeln!(
        o,
        "//! NANP area codes → regions and time zones: GENERATED by `cargo run -p nanp-table`"
    )
    .unwrap();
    writeln!(o, "//! from tools/nanp-table/data/ ({src}). Do not edit.").unwrap();
    o.push_str("// @generated\n#![allow(clippy::unreadable_literal)]\n\nuse super::Region;\n\n");
    writeln!(
        o,
        "/// Distinct region sets; 0 is the empty set (no geographic region)."
    )
    .unwrap();
    writeln!(
        o,
        "pub(super) static REGION_SETS: [&[Region]; {}] = [",
        region_sets.list.len()
    )
    .unwrap();
    for set in &region_sets.list {
        o.push_str("    &[");
        for (i, (c, s)) in set.iter().enumerate() {
            if i > 0 {
                o.push_str(", ");
            }
            if s.is_empty() {
                write!(o, "Region::country(*b\"{c}\")").unwrap();
            } else {
                write!(o, "Region::subdivision(*b\"{c}\", *b\"{s}\")").unwrap();
            }
        }
        o.push_str("],\n");
    }
    o.push_str("];\n\n");
    writeln!(
        o,
        "/// Distinct time-zone sets; 0 is the empty set (no zone known)."
    )
    .unwrap();
    writeln!(
        o,
        "pub(super) static ZONE_SETS: [&[&str]; {}] = [",
        zone_sets.list.len()
    )
    .unwrap();
    for set in &zone_sets.list {
        o.push_str("    &[");
        for (i, z) in set.iter().enumerate() {
            if i > 0 {
                o.push_str(", ");
            }
            write!(o, "{z:?}").unwrap();
        }
        o.push_str("],\n");
    }
    o.push_str("];\n\n");
    o.push_str(
        "/// Area codes 200..=999 (index `code - 200`): region set, zone set, flags\n\
         /// (bit 0: finer region prefixes follow, bit 1: finer zone prefixes follow).\n",
    );
    o.push_str("pub(super) static AREA: [(u8, u8, u8); 800] = [\n");
    for (i, (r, z, f)) in area.iter().enumerate() {
        writeln!(o, "    ({r}, {z}, {f}), // {}", i + 200).unwrap();
    }
    o.push_str("];\n\n");
    for (name, what, list) in [
        ("REGION_PREFIXES", "region set", &fine_r),
        ("ZONE_PREFIXES", "zone set", &fine_z),
    ] {
        writeln!(
            o,
            "/// Finer prefixes `(digits, national prefix, {what})`, sorted; only those whose\n\
             /// answer differs from their nearest listed ancestor."
        )
        .unwrap();
        writeln!(
            o,
            "pub(super) static {name}: [(u8, u32, u8); {}] = [",
            list.len()
        )
        .unwrap();
        for (n, p, s) in list.iter() {
            writeln!(o, "    ({n}, {p}, {s}),").unwrap();
        }
        o.push_str("];\n\n");
    }
    o.pop();
    Ok(o)
}

/// Writes the generated table.
pub fn write_table() -> Result<String, String> {
    let text = generate()?;
    let path = table_path();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    write(&path, &text)?;
    Ok(format!("wrote {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leading_digits_expand_to_area_codes() {
        assert_eq!(
            expand_leading_digits("8001|8[024]9").unwrap(),
            vec![809, 829, 849]
        );
        assert_eq!(expand_leading_digits("658|876").unwrap(), vec![658, 876]);
        assert_eq!(
            expand_leading_digits("2[3-5]0").unwrap(),
            vec![230, 240, 250]
        );
        assert!(expand_leading_digits("8(0)1").is_err());
    }

    #[test]
    fn descriptions_map_to_regions() {
        let r = |c: &str, s: &str| (c.to_owned(), s.to_owned());
        assert_eq!(
            regions_of_description("New York").unwrap(),
            vec![r("US", "NY")]
        );
        assert_eq!(
            regions_of_description("Jersey City, NJ").unwrap(),
            vec![r("US", "NJ")]
        );
        assert_eq!(
            regions_of_description("Toronto, ON").unwrap(),
            vec![r("CA", "ON")]
        );
        assert_eq!(
            regions_of_description("Nova Scotia/Prince Edward Island").unwrap(),
            vec![r("CA", "NS"), r("CA", "PE")]
        );
        let err = regions_of_description("Atlantis").unwrap_err();
        assert!(err.contains("Atlantis"));
        assert!(regions_of_description("Somewhere, ZZ").is_err());
    }
}
