//! `dialcore check FILE.csv`: validate a contact list without running a
//! campaign.
//!
//! The list goes through the core's own importer
//! ([`dialcore::import::import_csv_path`]) into a fresh store, so what `check`
//! reports is exactly what a campaign importing the file would see: the rows
//! read, the valid, invalid (counted per reason) and blacklisted contacts, the
//! duplicate numbers within the file, and the first [`MAX_BAD_ROWS`] bad rows
//! (invalid numbers and malformed rows) with their line numbers.
//!
//! With `--rows` it prints instead one JSON object per input row, in input
//! order — `{"line", "status", "e164", "reason"}` — so a list can be audited
//! line by line ([`write_rows`]). The rows are written to stdout as they are
//! formatted, not gathered into one string, so a list of millions of rows
//! costs no more memory than its import.
//!
//! A file with bad rows is still a file that was read: the command succeeds.
//! Only a file that cannot be read at all (missing, no `phone` column) or an
//! unreadable blacklist is an error.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use dialcore::blacklist::{Blacklist, RegistryReport};
use dialcore::import::{import_csv_path, import_csv_path_rows, ImportOptions, ImportReport};
use dialcore::phone::{PhoneError, PhoneRules};
use dialcore::rules::{RuleSet, Yearly, YearlyDate};
use dialcore::store::ContactStore;
use dialcore::zones::ZoneTable;
use dialcore::State;
use serde_json::{json, Value};

use crate::error::CliError;

/// Most bad rows listed in a report.
pub const MAX_BAD_ROWS: usize = 20;

/// Arguments of `dialcore check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The contact list: a CSV file with a `phone` column (and optionally
    /// `external_id`, `timezone`, `priority`).
    #[arg(value_name = "FILE.csv", required_unless_present = "rules")]
    pub file: Option<PathBuf>,
    /// A calling-rule file (TOML) to validate: a bad one is an error naming
    /// its line and field; a good one is summarized (with a contact list,
    /// before the list's report).
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// Country code for national numbers (`030 1234567` with 49 →
    /// +49 30 1234567); without it every number must be international.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=999))]
    pub country_code: Option<u16>,
    /// A do-not-call registry: one number per line, `#` comments allowed.
    #[arg(long, value_name = "FILE")]
    pub blacklist: Option<PathBuf>,
    /// Print one JSON object instead of the text report.
    #[arg(long)]
    pub json: bool,
    /// Print one JSON object per input row, in order, instead of the
    /// summary: `{"line": N, "status": "valid|invalid|duplicate|blacklisted|malformed",
    /// "e164": "+…" or null, "reason": "…" or null}`.
    #[arg(long, conflicts_with = "json")]
    pub rows: bool,
}

/// A row that was not clean: an invalid number or a malformed row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadRow {
    /// Imported as `InvalidRecord`.
    Invalid {
        /// 1-based line number.
        line: u64,
        /// Why the number was rejected.
        reason: PhoneError,
        /// The phone field as written.
        raw: String,
    },
    /// Not imported at all.
    Malformed {
        /// 1-based line number where the row starts.
        line: u64,
        /// What is wrong with it.
        message: String,
    },
}

impl BadRow {
    /// The line the row starts on.
    pub fn line(&self) -> u64 {
        match self {
            BadRow::Invalid { line, .. } | BadRow::Malformed { line, .. } => *line,
        }
    }
}

/// What was read from the blacklist file.
#[derive(Debug, Clone)]
pub struct BlacklistSummary {
    /// The file.
    pub path: PathBuf,
    /// What the registry loader reported.
    pub report: RegistryReport,
    /// Distinct numbers on the list.
    pub numbers: u64,
}

/// The result of checking one file.
#[derive(Debug, Clone)]
pub struct CheckSummary {
    /// The file checked.
    pub path: PathBuf,
    /// The importer's report.
    pub import: ImportReport,
    /// Invalid numbers per reason, in reason code order.
    pub invalid_reasons: BTreeMap<u8, u64>,
    /// The first [`MAX_BAD_ROWS`] bad rows, in line order.
    pub bad_rows: Vec<BadRow>,
    /// Bad rows in all (invalid numbers and malformed rows).
    pub bad_row_total: usize,
    /// The blacklist, when one was given.
    pub blacklist: Option<BlacklistSummary>,
}

/// Runs `dialcore check`; returns what to print on stdout.
pub fn run(args: &CheckArgs) -> Result<String, CliError> {
    let mut out = String::new();
    if let Some(path) = &args.rules {
        let set = RuleSet::parse(&read_rules(path)?)
            .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
        out = rules_summary(path, &set, args.json);
    }
    let Some(file) = &args.file else {
        return Ok(out);
    };
    let rules = match args.country_code {
        Some(cc) => PhoneRules::with_country(cc),
        None => PhoneRules::international_only(),
    };
    if args.rows {
        let stdout = io::stdout().lock();
        let mut out = BufWriter::with_capacity(1 << 16, stdout);
        let written = write_rows(file, args.blacklist.as_deref(), rules, &mut out)?
            .and_then(|()| out.flush());
        return match written {
            // `dialcore check --rows … | head` is not an error.
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                Err(CliError::internal(format!("cannot write to stdout: {e}")))
            }
            _ => Ok(String::new()),
        };
    }
    let summary = check(file, args.blacklist.as_deref(), rules)?;
    out.push_str(&if args.json {
        let mut text = summary.to_json().to_string();
        text.push('\n');
        text
    } else {
        summary.render_text()
    });
    Ok(out)
}

/// Reads a rule file's text (an input error naming the path if it cannot).
pub fn read_rules(path: &Path) -> Result<String, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
    RuleSet::parse(&text).map_err(|e| CliError::input(format!("{}: {e}", path.display())))?;
    Ok(text)
}

/// What a valid rule file holds, as text or one JSON line.
fn rules_summary(path: &Path, set: &RuleSet, json: bool) -> String {
    let caps = std::iter::once(&set.campaign)
        .chain(set.regions.iter().map(|(_, r)| r))
        .filter(|r| !r.caps.is_empty())
        .count();
    let holidays: usize = std::iter::once(&set.campaign)
        .chain(set.regions.iter().map(|(_, r)| r))
        .map(|r| r.holidays.ranges().len())
        .sum();
    // Yearly holidays per rule that has any, in each rule's sorted order.
    let yearly: Vec<(String, Vec<String>)> =
        std::iter::once(("campaign".to_owned(), &set.campaign))
            .chain(set.regions.iter().map(|(r, rule)| (r.to_string(), rule)))
            .filter(|(_, r)| !r.holidays.yearly().is_empty())
            .map(|(name, r)| (name, r.holidays.yearly().iter().map(yearly_text).collect()))
            .collect();
    let yearly_count: usize = yearly.iter().map(|(_, list)| list.len()).sum();
    let regions: Vec<String> = set.regions.iter().map(|(r, _)| r.to_string()).collect();
    let unresolved = match set.unresolved {
        dialcore::rules::Unresolved::MostRestrictive => "most-restrictive",
        dialcore::rules::Unresolved::Campaign => "campaign",
    };
    if json {
        let mut text = json!({
            "rules": path.display().to_string(),
            "regions": regions,
            "holiday_ranges": holidays,
            "yearly_holidays": yearly_count,
            "yearly": yearly
                .iter()
                .map(|(name, list)| (name.clone(), json!(list)))
                .collect::<serde_json::Map<String, Value>>(),
            "rules_with_caps": caps,
            "unresolved": unresolved,
        })
        .to_string();
        text.push('\n');
        text
    } else {
        let mut text = format!(
            "rules {}: ok: {} region rule(s) ({}), {holidays} holiday range(s), {yearly_count} yearly holiday(s), {caps} rule(s) with per-number caps, unresolved numbers: {unresolved}\n",
            path.display(),
            regions.len(),
            if regions.is_empty() { "none".to_owned() } else { regions.join(", ") },
        );
        for (name, list) in &yearly {
            text.push_str(&format!(
                "  yearly holidays of {name}: {}\n",
                list.join(", ")
            ));
        }
        text
    }
}

/// A yearly holiday in the rule file's syntax (`"12-25 observed"`,
/// `"4th thu of nov"`, `"last mon of may"`), which reads back as the same.
fn yearly_text(y: &Yearly) -> String {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let month_name = |m: i8| MONTHS[usize::from(m.clamp(1, 12) as u8) - 1];
    let mut text = match y.date {
        YearlyDate::Fixed { month, day } => format!("{month:02}-{day:02}"),
        YearlyDate::Nth {
            nth,
            weekday,
            month,
        } => {
            let nth = match nth {
                1 => "1st",
                2 => "2nd",
                3 => "3rd",
                4 => "4th",
                _ => "last",
            };
            let day = DAYS[usize::from(weekday.to_monday_zero_offset() as u8)];
            format!("{nth} {day} of {}", month_name(month))
        }
    };
    if y.observed {
        text.push_str(" observed");
    }
    text
}

/// Checks the contact list at `path` under `rules`, against the registry at
/// `blacklist` if given.
pub fn check(
    path: &Path,
    blacklist: Option<&Path>,
    rules: PhoneRules,
) -> Result<CheckSummary, CliError> {
    let (list, blacklist_summary) = match blacklist {
        Some(file) => {
            let (list, summary) = load_blacklist(file, rules)?;
            (list, Some(summary))
        }
        None => (Blacklist::new(), None),
    };
    let mut store = ContactStore::new();
    let mut zones = ZoneTable::default();
    let options = ImportOptions {
        phone_rules: rules,
        default_priority: 0,
        ..ImportOptions::default()
    };
    let import =
        import_csv_path(path, &mut store, &mut zones, &list, &options).map_err(CliError::input)?;

    let mut invalid_reasons = BTreeMap::new();
    for row in &import.invalid_rows {
        *invalid_reasons.entry(row.reason.code()).or_insert(0) += 1;
    }
    // The store is fresh, so its InvalidRecord contacts in id order are the
    // report's invalid rows in line order: that is where the raw text is.
    let invalid = import
        .invalid_rows
        .iter()
        .zip(store.ids_in_state(State::InvalidRecord))
        .map(|(row, id)| BadRow::Invalid {
            line: row.line,
            reason: row.reason,
            raw: store
                .invalid_reason(id)
                .map(|(_, raw)| raw.to_owned())
                .unwrap_or_default(),
        });
    let malformed = import.row_errors.iter().map(|e| BadRow::Malformed {
        line: e.line,
        message: e.kind.to_string(),
    });
    let mut bad_rows: Vec<BadRow> = invalid.chain(malformed).collect();
    bad_rows.sort_by_key(BadRow::line);
    let bad_row_total = bad_rows.len();
    bad_rows.truncate(MAX_BAD_ROWS);

    Ok(CheckSummary {
        path: path.to_owned(),
        import,
        invalid_reasons,
        bad_rows,
        bad_row_total,
        blacklist: blacklist_summary,
    })
}

/// Imports the list at `path` into a fresh store and writes one JSON line
/// per input row to `out`, in input order:
///
/// - `malformed`: not imported; `reason` is what is wrong with the row;
/// - `invalid`: imported as `InvalidRecord`; `reason` is the stable reason
///   name (`letters`, `too_short`, … as in `--json`'s `invalid_reasons`);
/// - `blacklisted`: the number is on `--blacklist` (a blacklisted number
///   seen before is reported as blacklisted: that is what keeps it from
///   being dialled);
/// - `duplicate`: the number of an earlier row; `reason` names that row's
///   line;
/// - `valid`: `reason` is null.
///
/// `e164` is the normalized number (`+4930…`) where there is one. Reading
/// the list fails as [`check`] does; the inner result is the writes'.
pub fn write_rows(
    path: &Path,
    blacklist: Option<&Path>,
    rules: PhoneRules,
    out: &mut impl Write,
) -> Result<io::Result<()>, CliError> {
    let list = match blacklist {
        Some(file) => load_blacklist(file, rules)?.0,
        None => Blacklist::new(),
    };
    let mut store = ContactStore::new();
    let mut zones = ZoneTable::default();
    let options = ImportOptions {
        phone_rules: rules,
        default_priority: 0,
        ..ImportOptions::default()
    };
    let mut rows = Vec::new();
    let import = import_csv_path_rows(path, &mut store, &mut zones, &list, &options, |row| {
        rows.push(row)
    })
    .map_err(CliError::input)?;
    let mut errors = import.row_errors.iter();
    // The line of the first row of each number.
    let mut first_line: HashMap<u64, u64> = HashMap::new();
    let write = |out: &mut dyn Write| -> io::Result<()> {
        for row in rows {
            let line = row.line;
            let (status, e164, reason) = match row.contact {
                None => {
                    let reason = errors.next().map(|e| e.kind.to_string());
                    ("malformed", None, reason)
                }
                Some(id) => match (store.state(id), store.number(id)) {
                    (Some(State::InvalidRecord), _) | (_, None) => {
                        let reason = store.invalid_reason(id).map(|(e, _)| e.name().to_owned());
                        ("invalid", None, reason)
                    }
                    (state, Some(number)) => {
                        let first = *first_line.entry(number).or_insert(line);
                        let e164 = Some(format!("+{number}"));
                        if state == Some(State::Blacklisted) {
                            (
                                "blacklisted",
                                e164,
                                Some("the number is on the blacklist".into()),
                            )
                        } else if first != line {
                            (
                                "duplicate",
                                e164,
                                Some(format!("same number as line {first}")),
                            )
                        } else {
                            ("valid", e164, None)
                        }
                    }
                },
            };
            let object = json!({"line": line, "status": status, "e164": e164, "reason": reason});
            writeln!(out, "{object}")?;
        }
        Ok(())
    };
    Ok(write(out))
}

/// Loads a registry file; an unreadable file is an input error naming it.
fn load_blacklist(
    path: &Path,
    rules: PhoneRules,
) -> Result<(Blacklist, BlacklistSummary), CliError> {
    let unreadable = |e: std::io::Error| {
        CliError::input(format!("cannot read blacklist {}: {e}", path.display()))
    };
    let file = File::open(path).map_err(unreadable)?;
    let mut list = Blacklist::new();
    let report = list
        .load_registry(BufReader::with_capacity(1 << 20, file), rules)
        .map_err(unreadable)?;
    let summary = BlacklistSummary {
        path: path.to_owned(),
        numbers: list.len(),
        report,
    };
    Ok((list, summary))
}

/// The JSON key for a reason (the core's stable name).
pub fn reason_key(reason: PhoneError) -> &'static str {
    reason.name()
}

impl CheckSummary {
    /// Invalid numbers per reason, in reason code order.
    pub fn reasons(&self) -> impl Iterator<Item = (PhoneError, u64)> + '_ {
        self.invalid_reasons
            .iter()
            .filter_map(|(&code, &n)| PhoneError::from_code(code).map(|e| (e, n)))
    }

    /// The report as one JSON object.
    pub fn to_json(&self) -> Value {
        let r = &self.import;
        let reasons: serde_json::Map<String, Value> = self
            .reasons()
            .map(|(e, n)| (reason_key(e).to_owned(), json!(n)))
            .collect();
        let bad_rows: Vec<Value> = self
            .bad_rows
            .iter()
            .map(|row| match row {
                BadRow::Invalid { line, reason, raw } => json!({
                    "line": line,
                    "kind": "invalid",
                    "reason": reason_key(*reason),
                    "message": reason.as_str(),
                    "phone": raw,
                }),
                BadRow::Malformed { line, message } => json!({
                    "line": line,
                    "kind": "malformed",
                    "message": message,
                }),
            })
            .collect();
        let mut out = json!({
            "file": self.path.display().to_string(),
            "rows": r.rows,
            "valid": r.valid,
            "invalid": r.invalid,
            "invalid_reasons": reasons,
            "blacklisted": r.blacklisted,
            "duplicates_in_file": r.duplicates_in_file,
            "malformed": r.row_errors.len(),
            "ignored_columns": r.ignored_columns,
            "bad_rows_total": self.bad_row_total,
            "bad_rows": bad_rows,
        });
        if let (Some(bl), Some(obj)) = (&self.blacklist, out.as_object_mut()) {
            let invalid_lines: Vec<Value> = bl
                .report
                .first_invalid
                .iter()
                .map(|(line, e)| json!({"line": line, "reason": reason_key(*e)}))
                .collect();
            obj.insert(
                "blacklist".into(),
                json!({
                    "file": bl.path.display().to_string(),
                    "lines": bl.report.lines,
                    "numbers": bl.numbers,
                    "invalid_lines": bl.report.invalid,
                    "first_invalid": invalid_lines,
                }),
            );
        }
        out
    }

    /// The report as text for a person.
    pub fn render_text(&self) -> String {
        let r = &self.import;
        let mut s = String::new();
        let _ = writeln!(s, "{}: {} rows", self.path.display(), r.rows);
        if let Some(bl) = &self.blacklist {
            let _ = writeln!(
                s,
                "  blacklist {}: {} distinct numbers, {} invalid lines",
                bl.path.display(),
                bl.numbers,
                bl.report.invalid
            );
        }
        let _ = writeln!(s, "  {:<22}{:>10}", "valid", r.valid);
        let _ = writeln!(s, "  {:<22}{:>10}", "invalid", r.invalid);
        for (reason, n) in self.reasons() {
            let _ = writeln!(s, "    {:<20}{:>10}  {}", reason_key(reason), n, reason);
        }
        let _ = writeln!(s, "  {:<22}{:>10}", "blacklisted", r.blacklisted);
        let _ = writeln!(
            s,
            "  {:<22}{:>10}",
            "duplicates in file", r.duplicates_in_file
        );
        let _ = writeln!(s, "  {:<22}{:>10}", "malformed rows", r.row_errors.len());
        if !r.ignored_columns.is_empty() {
            let _ = writeln!(s, "  ignored columns: {}", r.ignored_columns.join(", "));
        }
        if self.bad_row_total > 0 {
            let _ = writeln!(
                s,
                "bad rows ({} of {}):",
                self.bad_rows.len(),
                self.bad_row_total
            );
            for row in &self.bad_rows {
                let _ = match row {
                    BadRow::Invalid { line, reason, raw } => {
                        writeln!(s, "  line {line}: invalid number {raw:?}: {reason}")
                    }
                    BadRow::Malformed { line, message } => {
                        writeln!(s, "  line {line}: malformed row: {message}")
                    }
                };
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_keys_are_distinct() {
        let mut keys: Vec<&str> = PhoneError::ALL.iter().map(|&e| reason_key(e)).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), PhoneError::ALL.len());
    }

    #[test]
    fn yearly_holidays_are_written_as_the_file_reads_them() {
        let forms = [
            "01-01",
            "02-29 observed",
            "12-25 observed",
            "1st mon of sep",
            "2nd tue of jan",
            "3rd wed of mar",
            "4th thu of nov",
            "last fri of dec observed",
            "last sat of jun",
            "1st sun of apr",
            "4th Thursday of November",
        ];
        for form in forms {
            let y = Yearly::parse(form).unwrap().expect("a yearly form");
            let text = yearly_text(&y);
            assert_eq!(Yearly::parse(&text), Ok(Some(y)), "{form} -> {text}");
        }
        let y = Yearly::parse("4th Thursday of November observed")
            .unwrap()
            .unwrap();
        assert_eq!(yearly_text(&y), "4th thu of nov observed");
    }
}
