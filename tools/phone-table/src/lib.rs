//! Generator of `core/src/contacts/phone/table.rs`: libphonenumber's metadata, as the
//! `phonenumber` crate carries it, reduced to the static arrays dialcore's
//! allocation-free parser reads.
//!
//! Per country calling code (from the main region of the code):
//!
//! - the international dialling prefixes, from `internationalPrefix`;
//! - the national (trunk) prefixes, from `nationalPrefixForParsing` with its
//!   `nationalPrefixTransformRule` (or `nationalPrefix` when there is none);
//! - national significant number lengths by first digit: bit `L` of
//!   `lengths[d]` is set when some number type (fixed line, mobile, toll
//!   free, …) of some region of the code has an `L`-digit number starting
//!   with `d`. Worked out exactly on a DFA of each type's pattern;
//! - the lengths of its short codes, and its emergency numbers, from
//!   `ShortNumberMetadata.xml` (the crate ships the file but does not parse
//!   it, so it is read here with `quick-xml`).
//!
//! Prefix patterns are regular expressions in the metadata. They are finite,
//! so each is expanded into its alternatives in the order a backtracking
//! matcher tries them (greedy repetitions longest first); each alternative is
//! a sequence of digit masks (bit `d` set when digit `d` matches), so the
//! parser finds the match libphonenumber finds by trying them in order.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;

use regex_automata::dfa::{dense, Automaton};
use regex_automata::{Anchored, Input, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Longest national significant number libphonenumber handles.
const MAX_NSN: usize = 17;
/// Most alternatives one prefix pattern may expand into.
const MAX_ALTERNATIVES: usize = 5000;

/// One item of an expanded pattern: the digits it matches and the capture
/// group it belongs to (0 = none).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Item {
    mask: u16,
    group: u8,
}

/// One alternative of an expanded pattern.
#[derive(Clone, Debug, Default)]
struct Seq {
    items: Vec<Item>,
    /// Ends with `$`: matches only the whole number.
    end: bool,
    /// Capture groups that took part in the match.
    groups: u32,
}

fn parse_hir(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .ignore_whitespace(true)
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .map_err(|e| format!("pattern {pattern:?}: {e}"))
}

fn digit_mask_of_bytes(ranges: impl Iterator<Item = (u8, u8)>) -> u16 {
    let mut mask = 0u16;
    for (lo, hi) in ranges {
        for b in lo..=hi {
            if b.is_ascii_digit() {
                mask |= 1 << (b - b'0');
            }
        }
    }
    mask
}

fn concat(a: Vec<Seq>, b: &[Seq]) -> Result<Vec<Seq>, String> {
    let mut out = Vec::new();
    for x in &a {
        if x.end {
            // Nothing can follow `$` but other empty matches.
            for y in b {
                if y.items.is_empty() {
                    out.push(Seq {
                        items: x.items.clone(),
                        end: true,
                        groups: x.groups | y.groups,
                    });
                }
            }
            continue;
        }
        for y in b {
            let mut items = x.items.clone();
            items.extend(y.items.iter().cloned());
            out.push(Seq {
                items,
                end: y.end,
                groups: x.groups | y.groups,
            });
            if out.len() > MAX_ALTERNATIVES {
                return Err("pattern expands into too many alternatives".into());
            }
        }
    }
    Ok(out)
}

fn expand(hir: &Hir, group: u8) -> Result<Vec<Seq>, String> {
    Ok(match hir.kind() {
        HirKind::Empty => vec![Seq::default()],
        HirKind::Literal(lit) => {
            let mut items = Vec::new();
            for &b in lit.0.iter() {
                if !b.is_ascii_digit() {
                    return Err(format!("non-digit literal {:?}", b as char));
                }
                items.push(Item {
                    mask: 1 << (b - b'0'),
                    group,
                });
            }
            vec![Seq {
                items,
                ..Seq::default()
            }]
        }
        HirKind::Class(class) => {
            let mask = match class {
                Class::Bytes(c) => {
                    digit_mask_of_bytes(c.ranges().iter().map(|r| (r.start(), r.end())))
                }
                Class::Unicode(c) => digit_mask_of_bytes(c.ranges().iter().filter_map(|r| {
                    let (lo, hi) = (r.start() as u32, r.end() as u32);
                    (lo < 128).then(|| (lo as u8, hi.min(127) as u8))
                })),
            };
            if mask == 0 {
                vec![]
            } else {
                vec![Seq {
                    items: vec![Item { mask, group }],
                    ..Seq::default()
                }]
            }
        }
        HirKind::Look(look) => match look {
            Look::End | Look::EndLF | Look::EndCRLF => vec![Seq {
                end: true,
                ..Seq::default()
            }],
            Look::Start | Look::StartLF | Look::StartCRLF => vec![Seq::default()],
            other => return Err(format!("unsupported assertion {other:?}")),
        },
        HirKind::Repetition(rep) => {
            let max = rep.max.ok_or("unbounded repetition")?;
            let sub = expand(&rep.sub, group)?;
            let mut by_count = Vec::new();
            let mut current = vec![Seq::default()];
            for _ in 0..rep.min {
                current = concat(current, &sub)?;
            }
            by_count.push(current.clone());
            for _ in rep.min..max {
                current = concat(current, &sub)?;
                by_count.push(current.clone());
            }
            if rep.greedy {
                by_count.reverse();
            }
            by_count.into_iter().flatten().collect()
        }
        HirKind::Capture(cap) => {
            let index = u8::try_from(cap.index).map_err(|_| "too many groups")?;
            let mut seqs = expand(&cap.sub, index)?;
            for s in &mut seqs {
                s.groups |= 1 << index;
            }
            seqs
        }
        HirKind::Concat(parts) => {
            let mut out = vec![Seq::default()];
            for part in parts {
                out = concat(out, &expand(part, group)?)?;
            }
            out
        }
        HirKind::Alternation(alts) => {
            let mut out = Vec::new();
            for alt in alts {
                out.extend(expand(alt, group)?);
                if out.len() > MAX_ALTERNATIVES {
                    return Err("pattern expands into too many alternatives".into());
                }
            }
            out
        }
    })
}

/// Number of capture groups of a pattern.
fn group_count(hir: &Hir) -> u32 {
    hir.properties().explicit_captures_len() as u32
}

/// Bit `L` set when the pattern fully matches some `L`-digit string that
/// starts with `first`, for each first digit.
fn lengths_by_first_digit(pattern: &str) -> Result<[u32; 10], String> {
    let dfa = dense::Builder::new()
        .syntax(
            regex_automata::util::syntax::Config::new()
                .ignore_whitespace(true)
                .unicode(false)
                .utf8(false),
        )
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(regex_automata::dfa::StartKind::Anchored),
        )
        .build(&format!("(?:{pattern})$"))
        .map_err(|e| format!("pattern {pattern:?}: {e}"))?;
    let start = dfa
        .start_state_forward(&Input::new("").anchored(Anchored::Yes))
        .map_err(|e| e.to_string())?;
    let mut out = [0u32; 10];
    for (first, slot) in out.iter_mut().enumerate() {
        let mut states = BTreeSet::new();
        let s = dfa.next_state(start, b'0' + first as u8);
        if !dfa.is_dead_state(s) {
            states.insert(s);
        }
        for len in 1..=MAX_NSN {
            if states
                .iter()
                .any(|&s| dfa.is_match_state(dfa.next_eoi_state(s)))
            {
                *slot |= 1 << len;
            }
            let mut next = BTreeSet::new();
            for &s in &states {
                for d in b'0'..=b'9' {
                    let t = dfa.next_state(s, d);
                    if !dfa.is_dead_state(t) {
                        next.insert(t);
                    }
                }
            }
            states = next;
        }
    }
    Ok(out)
}

fn length_mask(lengths: &[u16]) -> u32 {
    lengths
        .iter()
        .filter(|&&l| l < 32)
        .fold(0, |m, &l| m | 1 << l)
}

/// A national prefix alternative as emitted.
struct Prefix {
    seq: Seq,
    /// Transform: digit values 0-9, or 10 + group number.
    transform: Option<Vec<u8>>,
}

fn national_prefixes(meta: &phonenumber::Metadata) -> Result<Vec<Prefix>, String> {
    let Some(npp) = meta.national_prefix_for_parsing() else {
        return Ok(match meta.national_prefix() {
            Some(np) => {
                let hir = parse_hir(&regex_syntax::escape(np))?;
                expand(&hir, 0)?
                    .into_iter()
                    .map(|seq| Prefix {
                        seq,
                        transform: None,
                    })
                    .collect()
            }
            None => Vec::new(),
        });
    };
    let hir = parse_hir(npp.as_str())?;
    let groups = group_count(&hir);
    let rule = match meta.national_prefix_transform_rule() {
        Some(rule) => {
            let mut parts = Vec::new();
            let mut chars = rule.chars();
            while let Some(c) = chars.next() {
                match c {
                    '$' => {
                        let g = chars
                            .next()
                            .and_then(|g| g.to_digit(10))
                            .ok_or("bad transform")?;
                        parts.push(10 + g as u8);
                    }
                    c => parts.push(c.to_digit(10).ok_or("non-digit transform")? as u8),
                }
            }
            Some(parts)
        }
        None => None,
    };
    Ok(expand(&hir, 0)?
        .into_iter()
        .map(|seq| {
            // The transform applies when the last group took part in the match.
            let transform = match &rule {
                Some(parts) if groups > 0 && seq.groups & (1 << groups) != 0 => Some(parts.clone()),
                _ => None,
            };
            Prefix { seq, transform }
        })
        .collect())
}

/// One calling code's row.
struct Row {
    cc: u16,
    region: String,
    idd: Vec<Seq>,
    trunk: Vec<Prefix>,
    lengths: [u32; 10],
    short_lengths: u32,
}

/// Short-number metadata of one region: emergency numbers and the lengths
/// of its short codes.
#[derive(Default)]
struct Short {
    emergency: BTreeSet<String>,
    short_lengths: u32,
}

fn short_number_file() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let manifest = json["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "phonenumber"))
        .and_then(|p| p["manifest_path"].as_str())
        .ok_or("phonenumber package not found")?;
    Ok(PathBuf::from(manifest)
        .with_file_name("assets")
        .join("ShortNumberMetadata.xml"))
}

/// Reads `ShortNumberMetadata.xml`: region id → emergency numbers, short
/// code lengths.
fn short_numbers() -> Result<BTreeMap<String, Short>, String> {
    use quick_xml::events::Event;
    let path = short_number_file()?;
    let xml = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out: BTreeMap<String, Short> = BTreeMap::new();
    let mut region = String::new();
    let mut section = String::new();
    let mut in_pattern = false;
    loop {
        match reader.read_event().map_err(|e| e.to_string())? {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                match name.as_str() {
                    "territory" => {
                        for a in e.attributes().flatten() {
                            if a.key.as_ref() == b"id" {
                                region = String::from_utf8_lossy(&a.value).into_owned();
                            }
                        }
                    }
                    "emergency" | "shortCode" => section = name,
                    "nationalNumberPattern" => in_pattern = true,
                    "possibleLengths" if section == "shortCode" => {
                        for a in e.attributes().flatten() {
                            if a.key.as_ref() == b"national" {
                                let v = String::from_utf8_lossy(&a.value).into_owned();
                                let entry = out.entry(region.clone()).or_default();
                                entry.short_lengths |= length_mask(&parse_lengths(&v)?);
                            }
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_pattern && section == "emergency" => {
                let pattern = t.unescape().map_err(|e| e.to_string())?.into_owned();
                let hir = parse_hir(&pattern)?;
                let entry = out.entry(region.clone()).or_default();
                for seq in expand(&hir, 0)? {
                    let mut numbers = vec![String::new()];
                    for item in &seq.items {
                        let mut next = Vec::new();
                        for n in &numbers {
                            for d in 0..10 {
                                if item.mask & (1 << d) != 0 {
                                    next.push(format!("{n}{d}"));
                                }
                            }
                        }
                        numbers = next;
                    }
                    entry.emergency.extend(numbers);
                }
            }
            Event::End(e) => match e.name().as_ref() {
                b"nationalNumberPattern" => in_pattern = false,
                b"emergency" | b"shortCode" => section.clear(),
                b"territory" => region.clear(),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// `"[3-6],8"` → `[3, 4, 5, 6, 8]`.
fn parse_lengths(text: &str) -> Result<Vec<u16>, String> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        if let Some(range) = part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
            let (lo, hi) = range.split_once('-').ok_or("bad length range")?;
            let (lo, hi): (u16, u16) = (
                lo.parse().map_err(|_| "bad length")?,
                hi.parse().map_err(|_| "bad length")?,
            );
            out.extend(lo..=hi);
        } else if !part.is_empty() {
            out.push(part.parse().map_err(|_| format!("bad length {part:?}"))?);
        }
    }
    Ok(out)
}

fn type_lengths(meta: &phonenumber::Metadata) -> Result<[u32; 10], String> {
    use phonenumber::Type;
    let mut out = [0u32; 10];
    for kind in [
        Type::FixedLine,
        Type::Mobile,
        Type::TollFree,
        Type::PremiumRate,
        Type::SharedCost,
        Type::PersonalNumber,
        Type::Voip,
        Type::Pager,
        Type::Uan,
        Type::Voicemail,
    ] {
        let Some(desc) = meta.descriptors().get(kind) else {
            continue;
        };
        let declared = length_mask(desc.possible_length());
        let by_digit = lengths_by_first_digit(desc.national_number().as_str())?;
        for (slot, lengths) in out.iter_mut().zip(by_digit) {
            *slot |= if declared == 0 {
                lengths
            } else {
                lengths & declared
            };
        }
    }
    Ok(out)
}

/// `(calling code, emergency number)` pairs.
type Emergency = BTreeSet<(u16, String)>;

fn rows() -> Result<(Vec<Row>, Emergency), String> {
    let db = &*phonenumber::metadata::DATABASE;
    let shorts = short_numbers()?;
    let mut by_code: BTreeMap<u16, Vec<&phonenumber::Metadata>> = BTreeMap::new();
    for meta in db.iter() {
        by_code.entry(meta.country_code()).or_default().push(meta);
    }
    let mut rows = Vec::new();
    let mut emergency = BTreeSet::new();
    for (cc, metas) in by_code {
        let main = metas
            .iter()
            .find(|m| m.is_main_country_for_code())
            .or(metas.first())
            .copied()
            .ok_or("no region")?;
        let mut lengths = [0u32; 10];
        let mut short_lengths = 0u32;
        for meta in &metas {
            for (slot, l) in lengths.iter_mut().zip(type_lengths(meta)?) {
                *slot |= l;
            }
            if let Some(short) = shorts.get(meta.id()) {
                short_lengths |= short.short_lengths;
                for n in &short.emergency {
                    emergency.insert((cc, n.clone()));
                }
            }
        }
        let idd = match main.international_prefix() {
            Some(re) => expand(&parse_hir(re.as_str())?, 0)?,
            None => Vec::new(),
        };
        let trunk = national_prefixes(main).map_err(|e| format!("{}: {e}", main.id()))?;
        rows.push(Row {
            cc,
            region: main.id().to_owned(),
            idd,
            trunk,
            lengths,
            short_lengths,
        });
    }
    Ok((rows, emergency))
}

fn masks(items: &[Item]) -> String {
    let parts: Vec<String> = items.iter().map(|i| format!("{:#05x}", i.mask)).collect();
    format!("&[{}]", parts.join(", "))
}

/// The generated `table.rs`.
pub fn generate() -> Result<String, String> {
    let (rows, emergency) = rows()?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! libphonenumber metadata reduced to static arrays (see [`super::meta`]).\n\
         //!\n\
         //! GENERATED by `cargo run -p phone-table` from the metadata of the\n\
         //! `phonenumber` crate 0.3.10 (libphonenumber 9.0.33); do not edit.\n\
         //! `cargo test -p phone-table` fails when this file is out of date;\n\
         //! `DIALCORE_BLESS=1 cargo test -p phone-table` rewrites it.\n\
         //! Digit masks: bit `d` set when digit `d` matches.\n\
         \n\
         use super::meta::{{Country, Prefix}};\n",
    );
    let _ = writeln!(
        out,
        "/// Every country calling code, sorted by code.\n\
         pub(crate) static COUNTRIES: [Country; {}] = [",
        rows.len()
    );
    for row in &rows {
        let idd: Vec<String> = row.idd.iter().map(|s| masks(&s.items)).collect();
        let mut trunk = Vec::new();
        for p in &row.trunk {
            let groups: Vec<String> = p.seq.items.iter().map(|i| i.group.to_string()).collect();
            let transform = match &p.transform {
                Some(t) => format!(
                    "Some(&[{}])",
                    t.iter()
                        .map(|x| x.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => "None".into(),
            };
            trunk.push(format!(
                "Prefix {{ masks: {}, groups: &[{}], whole: {}, transform: {} }}",
                masks(&p.seq.items),
                groups.join(", "),
                p.seq.end,
                transform
            ));
        }
        let lengths: Vec<String> = row.lengths.iter().map(|l| format!("{l:#x}")).collect();
        let _ = writeln!(
            out,
            "    Country {{\n        cc: {},\n        region: {:?},\n        idd: &[{}],\n        trunk: &[{}],\n        lengths: [{}],\n        short_lengths: {:#x},\n    }},",
            row.cc,
            row.region,
            idd.join(", "),
            trunk.join(", "),
            lengths.join(", "),
            row.short_lengths
        );
    }
    let _ = writeln!(out, "];\n");
    let _ = writeln!(
        out,
        "/// `COUNTRY_INDEX[cc]`: 1 + the index of calling code `cc` in\n\
         /// [`COUNTRIES`], 0 when no country has it.\n\
         pub(crate) static COUNTRY_INDEX: [u8; 1000] = ["
    );
    let mut index = [0u8; 1000];
    for (i, row) in rows.iter().enumerate() {
        index[usize::from(row.cc)] = u8::try_from(i + 1).map_err(|_| "too many countries")?;
    }
    for chunk in index.chunks(25) {
        let parts: Vec<String> = chunk.iter().map(|x| x.to_string()).collect();
        let _ = writeln!(out, "    {},", parts.join(", "));
    }
    let _ = writeln!(out, "];\n");
    let longest = emergency.iter().map(|(_, n)| n.len()).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "/// Most digits of an emergency number in [`EMERGENCY`].\n\
         pub(crate) const MAX_EMERGENCY_DIGITS: usize = {longest};\n"
    );
    let _ = writeln!(
        out,
        "/// Emergency numbers (libphonenumber's ShortNumberMetadata `emergency`\n\
         /// patterns, expanded) as `(calling code, digit count, value)`, sorted.\n\
         pub(crate) static EMERGENCY: [(u16, u8, u32); {}] = [",
        emergency.len()
    );
    let mut sorted: Vec<(u16, u8, u32)> = emergency
        .iter()
        .map(|(cc, n)| (*cc, n.len() as u8, n.parse().unwrap_or(0)))
        .collect();
    sorted.sort_unstable();
    for chunk in sorted.chunks(6) {
        let parts: Vec<String> = chunk
            .iter()
            .map(|(c, l, v)| format!("({c}, {l}, {v})"))
            .collect();
        let _ = writeln!(out, "    {},", parts.join(", "));
    }
    let _ = writeln!(out, "];");
    Ok(out)
}

/// Where the generated file lives in the workspace.
pub fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../core/src/contacts/phone/table.rs")
}
