//! CSV import of contact lists, with a report of every row that was not clean.
//!
//! Columns are found by header name (case-insensitive, surrounding spaces and a
//! UTF-8 byte-order mark ignored): `phone` (required), `external_id`,
//! `timezone` (an IANA name; blank means the campaign default), `priority`
//! (0–255, higher first) and `region` (the contact's ISO 3166 region for the
//! calling rules, `US-FL`; blank: its numbers' regions; anything else is a
//! row error). Other columns are ignored and listed in the report. With
//! [`ImportOptions::zone_from_number`] a number with no zone written takes
//! the one its number implies, as the engine's adds do (the private `zoned`
//! module).
//! Two header names that read as the same known column (`phone` and
//! ` Phone`) are an error naming both: which one holds the number would be a
//! guess. Ignored columns may repeat (spreadsheets often export several blank
//! or equal names); they are only listed.
//!
//! The text is read exactly as RFC 4180 readers (the `csv` crate, Python's
//! `csv`) read it; the private `records` module spells out the grammar.
//! `55" screen` is a literal quote, `\n`, `\r` and `\r\n` end rows, quoted
//! fields may span any number of lines, a byte-order mark at the start is
//! dropped. A differential test (`core/tests/csv_diff.rs`) checks the records
//! against the `csv` crate's reader.
//!
//! **Every input row ends up either a contact or a row error with its line
//! number**; nothing is dropped without a word. Blank lines (empty or only
//! spaces) are not rows. For each row:
//! - a valid number: the contact is added as `Initial`, or `Blacklisted` when
//!   the number is on the blacklist;
//! - an invalid number (blank, letters, bad characters, too short or long):
//!   the contact is still added, as `InvalidRecord`, and the row is listed
//!   with its line number and the reason, so an admin can fix it later;
//! - a malformed row — wrong number of fields, bytes that are not UTF-8, an
//!   unknown time zone or a bad priority — is not added and is listed with
//!   its line number and what is wrong; the import goes on with the next row;
//! - a row whose quoted field is still open at the end of the input is read,
//!   as every CSV reader reads it, up to the end, and reported as one row
//!   error naming the lines it covers, so the stray quote can be found;
//! - a row longer than [`MAX_RECORD_BYTES`] (in practice an opening quote
//!   that closes far too late) is one row error naming its first and last
//!   line; the rows after it are imported, and none of its lines becomes a
//!   row of its own;
//! - several numbers a person: columns `phone2` … `phone16` after `phone`,
//!   each with an optional kind column (`phone_kind`, `phone2_kind` …:
//!   `mobile`, `home`, `work`, `other`, blank = other) and zone column
//!   (`timezone2` … ; blank = the row's `timezone`). Blank numbers are no
//!   number; each bad one is listed in [`ImportReport::number_errors`] with
//!   its line and column while the valid ones are kept, in column order
//!   (the first valid one is the contact's number #0, its zone the
//!   contact's). A row with no valid number is an `InvalidRecord` with the
//!   `phone` column's reason; an unknown kind is a row error naming it;
//! - a number seen before (earlier in the file or already in the campaign) is
//!   added all the same and counted as a duplicate: the engine makes sure the
//!   same number is never in two calls at once.

mod numbers;
mod records;
mod zoned;

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;

use crate::blacklist::Blacklist;
use crate::nanp::Region;
use crate::phone::{self, PhoneError, PhoneRules};
use crate::state::State;
use crate::store::{ContactId, ContactStore, NewRow, StoreError};
use crate::zones::{ZoneCounts, ZoneError, ZoneId, ZoneTable};

pub use self::records::MAX_RECORD_BYTES;
use self::records::{plain_span, FieldParser, Record, RecordReader};

/// Options of one import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// How national numbers are completed.
    pub phone_rules: PhoneRules,
    /// Priority of rows without a `priority` column or with a blank one.
    pub default_priority: u8,
    /// Numbers without a zone take the one their number implies (see the
    /// private `zoned` module; the engine's `numbers.zone_from_number`).
    pub zone_from_number: bool,
    /// With `zone_from_number`: the zone of numbers whose own is ambiguous
    /// or unknown (`None`: such a number is left out and reported).
    pub fallback_zone: Option<ZoneId>,
}

/// What is wrong with a row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowErrorKind {
    /// The row has another number of fields than the header.
    FieldCount {
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A field is not valid UTF-8.
    BadUtf8 {
        /// The header name of the field.
        column: String,
    },
    /// A quoted field is still open at the end of the input: the row runs
    /// from its line to the last one.
    UnclosedQuote {
        /// The last line of the input, read as part of this row.
        last_line: u64,
    },
    /// The row is longer than [`MAX_RECORD_BYTES`].
    TooLong {
        /// The row's last line.
        last_line: u64,
    },
    /// The time zone is not a known IANA name.
    UnknownTimezone(String),
    /// The priority is not a whole number from 0 to 255.
    BadPriority(String),
    /// A number kind column holds something else than mobile, home, work,
    /// other or blank.
    BadNumberKind {
        /// The header name of the column.
        column: String,
        /// Its text.
        text: String,
    },
    /// The `region` column holds something else than an ISO 3166 region
    /// (`US`, `US-FL`) or blank.
    BadRegion {
        /// The header name of the column.
        column: String,
        /// Its text.
        text: String,
    },
    /// The store cannot take more contacts.
    StoreFull,
}

impl fmt::Display for RowErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowErrorKind::FieldCount { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            RowErrorKind::BadUtf8 { column } => write!(f, "column {column:?} is not valid UTF-8"),
            RowErrorKind::UnclosedQuote { last_line } => write!(
                f,
                "a quoted field is not closed before the end of the input \
                 (read as one row up to line {last_line})"
            ),
            RowErrorKind::TooLong { last_line } => write!(
                f,
                "the row is longer than {MAX_RECORD_BYTES} bytes (it ends on line \
                 {last_line}; is a quote not closed?)"
            ),
            RowErrorKind::UnknownTimezone(name) => write!(f, "unknown time zone {name:?}"),
            RowErrorKind::BadPriority(text) => {
                write!(f, "priority {text:?} is not a whole number from 0 to 255")
            }
            RowErrorKind::StoreFull => f.write_str("the contact store is full"),
            RowErrorKind::BadNumberKind { column, text } => write!(
                f,
                "column {column:?}: {text:?} is not mobile, home, work, other or blank"
            ),
            RowErrorKind::BadRegion { column, text } => write!(
                f,
                "column {column:?}: {text:?} is not a region such as \"US-FL\", \"CA-ON\" or \"US\""
            ),
        }
    }
}

/// A row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number where the row starts.
    pub line: u64,
    /// What is wrong with it.
    pub kind: RowErrorKind,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// A row imported as an `InvalidRecord` contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidRow {
    /// 1-based line number of the row.
    pub line: u64,
    /// Why its phone number was rejected.
    pub reason: PhoneError,
}

/// A number of a row with several that is not a valid number; the
/// contact was added with its other numbers (or as `InvalidRecord` when
/// none is valid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberError {
    /// 1-based line number of the row.
    pub line: u64,
    /// The header name of the number's column (`phone2`).
    pub column: String,
    /// Why the number was rejected.
    pub reason: PhoneError,
}

/// One input row as the import took it, for callers that audit a list row
/// by row ([`import_csv_path_rows`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSeen {
    /// 1-based line number where the row starts.
    pub line: u64,
    /// The contact added for it; `None` for a row in
    /// [`ImportReport::row_errors`].
    pub contact: Option<ContactId>,
}

/// What an import did, row by row where a row was not clean.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read (blank lines and the header not counted).
    pub rows: u64,
    /// Contacts added as `Initial`.
    pub valid: u64,
    /// Contacts added as `InvalidRecord`.
    pub invalid: u64,
    /// Contacts added as `Blacklisted`.
    pub blacklisted: u64,
    /// Rows with a number already seen earlier in this file.
    pub duplicates_in_file: u64,
    /// Rows with a number some contact of the campaign had before this import.
    pub duplicates_existing: u64,
    /// The ids of the contacts added, in row order.
    pub ids: Range<u32>,
    /// The rows added as `InvalidRecord`, in line order.
    pub invalid_rows: Vec<InvalidRow>,
    /// The rows not added, in line order.
    pub row_errors: Vec<RowError>,
    /// The bad numbers of lists with several number columns, in line and
    /// column order (see the module docs).
    pub number_errors: Vec<NumberError>,
    /// Extra numbers (#1 and later) added.
    pub extra_numbers: u64,
    /// What `zone_from_number` did (all zero without it).
    pub zone_counts: ZoneCounts,
    /// The contacts given a `region`, in row order (the engine sets them
    /// as explicit regions).
    pub regions: Vec<(ContactId, Region)>,
    /// Header names that are not columns of a contact.
    pub ignored_columns: Vec<String>,
}

impl ImportReport {
    /// Contacts added (valid, invalid and blacklisted).
    pub fn imported(&self) -> u64 {
        self.valid + self.invalid + self.blacklisted
    }
}

/// Why an import could not run at all.
#[derive(Debug)]
pub enum ImportError {
    /// Reading failed.
    Io {
        /// The file, when importing from a path.
        path: Option<String>,
        /// The underlying error.
        source: io::Error,
    },
    /// The input has no header line.
    Empty,
    /// The header has no `phone` column.
    MissingPhoneColumn {
        /// The header names found.
        found: Vec<String>,
    },
    /// Several header names read as the same known column.
    ConflictingColumns {
        /// The column they read as (`phone`, `external_id`, …).
        column: &'static str,
        /// The header names as written, in header order.
        names: Vec<String>,
    },
    /// The header is not valid UTF-8, its quotes do not close or it is
    /// longer than [`MAX_RECORD_BYTES`].
    BadHeader,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Io {
                path: Some(path),
                source,
            } => write!(f, "cannot read {path}: {source}"),
            ImportError::Io { path: None, source } => write!(f, "read error: {source}"),
            ImportError::Empty => f.write_str("the CSV input is empty: no header line"),
            ImportError::MissingPhoneColumn { found } => write!(
                f,
                "the CSV header has no \"phone\" column (found: {})",
                found.join(", ")
            ),
            ImportError::ConflictingColumns { column, names } => {
                let quoted: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
                write!(
                    f,
                    "the CSV header has {} columns named {column:?} ({}): keep one",
                    names.len(),
                    quoted.join(", ")
                )
            }
            ImportError::BadHeader => write!(
                f,
                "the CSV header line is not valid UTF-8, has an unclosed quote or is \
                 longer than {MAX_RECORD_BYTES} bytes"
            ),
        }
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImportError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<io::Error> for ImportError {
    fn from(source: io::Error) -> Self {
        ImportError::Io { path: None, source }
    }
}

/// Imports the CSV file at `path`. See [`import_csv`].
///
/// The file's size is used to size the store's columns and number index
/// once, from the length of the first rows, instead of growing them as the
/// rows come.
pub fn import_csv_path(
    path: impl AsRef<Path>,
    store: &mut ContactStore,
    zones: &mut ZoneTable,
    blacklist: &Blacklist,
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    import_csv_path_rows(path, store, zones, blacklist, options, |_| {})
}

/// [`import_csv_path`], calling `on_row` for every input row in order with
/// its line and the contact added for it (if any), so that a list can be
/// audited line by line.
pub fn import_csv_path_rows(
    path: impl AsRef<Path>,
    store: &mut ContactStore,
    zones: &mut ZoneTable,
    blacklist: &Blacklist,
    options: &ImportOptions,
    on_row: impl FnMut(RowSeen),
) -> Result<ImportReport, ImportError> {
    let path = path.as_ref();
    let with_path = |source| ImportError::Io {
        path: Some(path.display().to_string()),
        source,
    };
    let file = File::open(path).map_err(with_path)?;
    let size = file.metadata().ok().map(|m| m.len());
    import_from(file, size, store, zones, blacklist, options, on_row).map_err(|e| match e {
        ImportError::Io { path: None, source } => with_path(source),
        other => other,
    })
}

/// Imports a CSV contact list into `store`, interning time zones in `zones`
/// and checking numbers against `blacklist`. Only I/O errors and a missing
/// or broken header stop the import; every row problem is in the report.
pub fn import_csv<R: Read>(
    input: R,
    store: &mut ContactStore,
    zones: &mut ZoneTable,
    blacklist: &Blacklist,
    options: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    import_from(input, None, store, zones, blacklist, options, |_| {})
}

/// [`import_csv`], calling `on_row` for every input row as
/// [`import_csv_path_rows`] does (a list held in memory, audited line by line).
pub fn import_csv_rows<R: Read>(
    input: R,
    store: &mut ContactStore,
    zones: &mut ZoneTable,
    blacklist: &Blacklist,
    options: &ImportOptions,
    on_row: impl FnMut(RowSeen),
) -> Result<ImportReport, ImportError> {
    import_from(input, None, store, zones, blacklist, options, on_row)
}

/// One CSV record as the importer's reader cuts it (see [`read_records`]).
#[doc(hidden)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// Line where it starts.
    pub line: u64,
    /// Line where it ends.
    pub last_line: u64,
    /// Its fields; `None` when it is longer than [`MAX_RECORD_BYTES`].
    pub fields: Option<Vec<Vec<u8>>>,
    /// True if the input ends inside one of its quoted fields.
    pub unclosed: bool,
}

/// Test seam, not an API: every record of `input` (the header included,
/// blank lines skipped as CSV readers skip them) exactly as the importer
/// reads them, for the differential test against the `csv` crate and for
/// fuzzing. The importer itself never builds these owned records.
#[doc(hidden)]
pub fn read_records<R: Read>(input: R) -> io::Result<Vec<RawRecord>> {
    let mut reader = RecordReader::new(input);
    let mut parser = FieldParser::default();
    let mut out = Vec::new();
    while let Some(record) = reader.next_record()? {
        out.push(match record {
            Record::Plain {
                line,
                bytes,
                commas,
            } => RawRecord {
                line,
                last_line: line,
                fields: Some(
                    (0..=commas.len())
                        .map(|i| bytes[plain_span(bytes, commas, i)].to_vec())
                        .collect(),
                ),
                unclosed: false,
            },
            Record::Quoted {
                line,
                last_line,
                bytes,
                unclosed,
            } => {
                parser.parse(bytes);
                RawRecord {
                    line,
                    last_line,
                    fields: Some(parser.fields().map(<[u8]>::to_vec).collect()),
                    unclosed,
                }
            }
            Record::TooLong {
                line,
                last_line,
                unclosed,
            } => RawRecord {
                line,
                last_line,
                fields: None,
                unclosed,
            },
        });
    }
    Ok(out)
}

/// Rows read before the store is sized from the input's length.
const ROWS_BEFORE_RESERVE: u64 = 4096;

/// The import itself; `size` is the input's length in bytes, when known.
fn import_from<R: Read>(
    input: R,
    size: Option<u64>,
    store: &mut ContactStore,
    zones: &mut ZoneTable,
    blacklist: &Blacklist,
    options: &ImportOptions,
    mut on_row: impl FnMut(RowSeen),
) -> Result<ImportReport, ImportError> {
    let mut records = RecordReader::new(input);
    let mut parser = FieldParser::default();
    let columns = loop {
        match records.next_record()? {
            None => return Err(ImportError::Empty),
            Some(Record::TooLong { .. } | Record::Quoted { unclosed: true, .. }) => {
                return Err(ImportError::BadHeader)
            }
            Some(Record::Plain { bytes, .. } | Record::Quoted { bytes, .. }) => {
                if !is_blank(bytes) {
                    parser.parse(bytes);
                    break Columns::from_header(parser.fields())?;
                }
            }
        }
    };
    let first_id = store.len() as u32;
    let mut report = ImportReport {
        ids: first_id..first_id,
        ignored_columns: columns.ignored.clone(),
        ..ImportReport::default()
    };
    let mut rows = RowImporter {
        store,
        zones,
        zone_cache: Vec::new(),
        blacklist,
        options,
        first_id,
        indexed: false,
    };
    let mut reserve_at = size.map(|_| ROWS_BEFORE_RESERVE);
    let one_number = columns.extra.is_empty()
        && columns.phone_kind.is_none()
        && columns.region.is_none()
        && !options.zone_from_number;
    while let Some(record) = records.next_record()? {
        let line = record.line();
        let fields = match record {
            Record::TooLong { last_line, .. } => Err(RowErrorKind::TooLong { last_line }),
            Record::Quoted {
                unclosed: true,
                last_line,
                ..
            } => Err(RowErrorKind::UnclosedQuote { last_line }),
            Record::Plain { bytes, commas, .. } => {
                if is_blank(bytes) {
                    continue;
                }
                plain_fields(bytes, commas, &columns)
            }
            Record::Quoted { bytes, .. } => {
                parser.parse(bytes);
                quoted_fields(&parser, &columns)
            }
        };
        report.rows += 1;
        let imported = fields.and_then(|fields| {
            if one_number {
                rows.import(fields)
            } else {
                rows.import_numbers(fields, &columns, line, &mut report)
            }
        });
        match imported {
            Ok(added) => {
                on_row(RowSeen {
                    line,
                    contact: Some(added.id),
                });
                report.count(line, added);
            }
            Err(kind) => {
                on_row(RowSeen {
                    line,
                    contact: None,
                });
                report.row_errors.push(RowError { line, kind });
            }
        }
        if reserve_at == Some(report.rows) {
            reserve_at = None;
            let (size, read) = (size.unwrap_or(0), records.consumed());
            // Rows still to come at the average length so far, plus 1/32.
            let rest = size.saturating_sub(read) as f64 * report.rows as f64 / read.max(1) as f64;
            // The rows so far are not in the number index yet: room for them too.
            let added = (rows.store.len() as u32 - first_id) as usize;
            rows.store
                .reserve((rest * (1.0 + 1.0 / 32.0)) as usize + added);
        }
    }
    report.ids = first_id..rows.store.len() as u32;
    (report.duplicates_existing, report.duplicates_in_file) = rows.finish();
    Ok(report)
}

/// What one clean row added.
struct Added {
    id: ContactId,
    state: State,
    invalid: Option<PhoneError>,
}

impl ImportReport {
    fn count(&mut self, line: u64, added: Added) {
        match added.state {
            State::Blacklisted => self.blacklisted += 1,
            State::InvalidRecord => self.invalid += 1,
            _ => self.valid += 1,
        }
        if let Some(reason) = added.invalid {
            self.invalid_rows.push(InvalidRow { line, reason });
        }
    }
}

/// The fields of a row that the import reads, checked to be UTF-8 (kept
/// as bytes: each is turned into text only where text is needed).
struct RowFields<'a> {
    phone: &'a [u8],
    external_id: Option<&'a [u8]>,
    timezone: Option<&'a [u8]>,
    priority: Option<&'a [u8]>,
    region: Option<&'a [u8]>,
    /// Several numbers a row: `phone_kind`, then per `phoneK` column its
    /// number, kind and zone fields (empty for a list with one number).
    numbers: numbers::NumberFields<'a>,
}

/// The text of a field already checked to be UTF-8.
#[inline]
fn text(field: &[u8]) -> &str {
    std::str::from_utf8(field).unwrap_or_default()
}

impl<'a> RowFields<'a> {
    /// Picks the known columns out of a row, given the bytes of field `i`.
    fn pick(columns: &Columns, field: impl Fn(usize) -> &'a [u8]) -> Self {
        RowFields {
            phone: field(columns.phone),
            external_id: columns.external_id.map(&field),
            timezone: columns.timezone.map(&field),
            priority: columns.priority.map(&field),
            region: columns.region.map(&field),
            numbers: numbers::NumberFields::pick(columns, &field),
        }
    }
}

/// The fields of a [`Record::Plain`] row: the text between its commas.
fn plain_fields<'a>(
    bytes: &'a [u8],
    commas: &[u32],
    columns: &Columns,
) -> Result<RowFields<'a>, RowErrorKind> {
    let found = commas.len() + 1;
    if found != columns.count {
        return Err(RowErrorKind::FieldCount {
            expected: columns.count,
            found,
        });
    }
    let span = |i: usize| plain_span(bytes, commas, i);
    // The fields are split at ASCII commas, so the row is UTF-8 exactly
    // when every field is: one check of the whole row (ASCII, the common
    // case, is checked a word at a time), and on failure a search for the
    // first bad field to name it.
    if !bytes.is_ascii() && std::str::from_utf8(bytes).is_err() {
        let bad = (0..found)
            .find(|&i| std::str::from_utf8(&bytes[span(i)]).is_err())
            .unwrap_or(0);
        return Err(RowErrorKind::BadUtf8 {
            column: columns.names[bad].clone(),
        });
    }
    Ok(RowFields::pick(columns, |i| &bytes[span(i)]))
}

/// The fields of a [`Record::Quoted`] row, just parsed by `parser`.
fn quoted_fields<'a>(
    parser: &'a FieldParser,
    columns: &Columns,
) -> Result<RowFields<'a>, RowErrorKind> {
    let found = parser.fields().len();
    if found != columns.count {
        return Err(RowErrorKind::FieldCount {
            expected: columns.count,
            found,
        });
    }
    for (field, name) in parser.fields().zip(&columns.names) {
        if std::str::from_utf8(field).is_err() {
            return Err(RowErrorKind::BadUtf8 {
                column: name.clone(),
            });
        }
    }
    Ok(RowFields::pick(columns, |i| parser.field(i)))
}

/// Time zone names already interned by this import, as they were written;
/// a list has a handful, so a short list beats hashing each row's name.
const ZONE_CACHE: usize = 16;

/// A short text's length and its first and last 8 bytes: equal keys mean
/// equal texts up to 16 bytes, compared without a call to `memcmp`.
#[derive(Clone, Copy, PartialEq, Eq)]
struct TextKey {
    len: usize,
    head: u64,
    tail: u64,
}

impl TextKey {
    fn of(text: &[u8]) -> Self {
        let len = text.len();
        let word = |at: usize| u64::from_ne_bytes(text[at..at + 8].try_into().unwrap_or([0; 8]));
        let (head, tail) = if len >= 8 {
            (word(0), word(len - 8))
        } else {
            let short = text.iter().fold(0u64, |w, &b| (w << 8) | u64::from(b));
            (short, 0)
        };
        TextKey { len, head, tail }
    }

    /// True if equal keys mean equal texts.
    fn exact(&self) -> bool {
        self.len <= 16
    }
}

/// Adds the rows of one import to the store.
struct RowImporter<'i> {
    store: &'i mut ContactStore,
    zones: &'i mut ZoneTable,
    zone_cache: Vec<(TextKey, Box<str>, ZoneId)>,
    blacklist: &'i Blacklist,
    options: &'i ImportOptions,
    first_id: u32,
    /// Whether the rows added are in the number index.
    indexed: bool,
}

impl RowImporter<'_> {
    /// The zone of a `timezone` field, interned on first use.
    fn zone(&mut self, field: &[u8]) -> Result<ZoneId, RowErrorKind> {
        let key = TextKey::of(field);
        let cached = self
            .zone_cache
            .iter()
            .find(|(k, name, _)| *k == key && (key.exact() || name.as_bytes() == field));
        if let Some(&(_, _, id)) = cached {
            return Ok(id);
        }
        let text = text(field);
        let id = self.zones.intern(text).map_err(|e| match e {
            ZoneError::Unknown(name) => RowErrorKind::UnknownTimezone(name),
            ZoneError::TooMany => RowErrorKind::UnknownTimezone(text.into()),
        })?;
        // Interning is stable: the same text gives the same id from now on.
        if self.zone_cache.len() < ZONE_CACHE {
            self.zone_cache.push((key, text.into(), id));
        }
        Ok(id)
    }

    /// Adds the contact of one row whose fields are UTF-8.
    fn import(&mut self, fields: RowFields<'_>) -> Result<Added, RowErrorKind> {
        let external_id = fields.external_id.map_or(&[][..], trim_field);
        let zone = match fields.timezone {
            Some(field) => self.zone(field)?,
            None => Default::default(),
        };
        let priority = self.priority(fields.priority)?;
        let number = phone::normalize_bytes(fields.phone, self.options.phone_rules);
        let store = &mut *self.store;
        let contact = NewRow {
            number,
            raw_phone: fields.phone,
            external_id,
            zone,
            priority,
        };
        let (id, state) = store
            .push_unindexed_state(contact, self.blacklist)
            .map_err(|e| match e {
                StoreError::Full => RowErrorKind::StoreFull,
                _ => RowErrorKind::StoreFull,
            })?;
        Ok(Added {
            id,
            state,
            invalid: number.err(),
        })
    }

    /// A row's priority (the default when absent or blank).
    #[inline]
    fn priority(&self, field: Option<&[u8]>) -> Result<u8, RowErrorKind> {
        Ok(match field {
            None => self.options.default_priority,
            // A single digit, the usual priority, needs no text.
            Some(&[d @ b'0'..=b'9']) => d - b'0',
            Some(field) => match trim(text(field)) {
                "" => self.options.default_priority,
                raw => {
                    parse_priority(raw).ok_or_else(|| RowErrorKind::BadPriority(raw.to_owned()))?
                }
            },
        })
    }

    /// Indexes the numbers of the rows added and counts the duplicates;
    /// `(existing, in_file)`.
    fn finish(mut self) -> (u64, u64) {
        self.indexed = true;
        self.store.index_numbers_from(self.first_id)
    }
}

impl Drop for RowImporter<'_> {
    /// Indexes the rows added when the import stops early (an I/O error).
    fn drop(&mut self) {
        if !self.indexed {
            self.store.index_numbers_from(self.first_id);
        }
    }
}

/// `str::trim`, with a shortcut for the common field that starts and ends
/// with a printable ASCII character and so has nothing to trim.
#[inline]
fn trim(text: &str) -> &str {
    let printable = |b: Option<&u8>| b.is_some_and(|&b| b > b' ' && b < 0x7F);
    let bytes = text.as_bytes();
    if printable(bytes.first()) && printable(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

/// A field (UTF-8) as [`str::trim`] trims it; an ASCII field is trimmed
/// as bytes, of the ASCII characters `char::is_whitespace` names.
#[inline]
fn trim_field(field: &[u8]) -> &[u8] {
    if field.is_ascii() {
        let space = |b: &u8| matches!(b, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ');
        let start = field.iter().position(|b| !space(b)).unwrap_or(field.len());
        let end = field
            .iter()
            .rposition(|b| !space(b))
            .map_or(start, |i| i + 1);
        &field[start..end]
    } else {
        trim(text(field)).as_bytes()
    }
}

/// A priority as `u8::from_str` reads it, with a shortcut for plain digits.
fn parse_priority(raw: &str) -> Option<u8> {
    match raw.as_bytes() {
        [d @ b'0'..=b'9'] => Some(d - b'0'),
        _ => raw.parse().ok(),
    }
}

/// The known columns, as they are named in a header.
const KNOWN: [&str; 5] = ["phone", "external_id", "timezone", "priority", "region"];

/// Where each known column is in a row.
struct Columns {
    names: Vec<String>,
    count: usize,
    phone: usize,
    external_id: Option<usize>,
    timezone: Option<usize>,
    priority: Option<usize>,
    region: Option<usize>,
    /// `phone_kind`.
    phone_kind: Option<usize>,
    /// `phone2` … with their kind and zone columns, in order.
    extra: Vec<numbers::ExtraColumn>,
    ignored: Vec<String>,
}

impl Columns {
    fn from_header<'a>(fields: impl Iterator<Item = &'a [u8]>) -> Result<Columns, ImportError> {
        let written = fields
            .map(|f| std::str::from_utf8(f).map_err(|_| ImportError::BadHeader))
            .collect::<Result<Vec<_>, _>>()?;
        let names: Vec<String> = written
            .iter()
            .map(|w| {
                w.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                    .to_ascii_lowercase()
            })
            .collect();
        for column in KNOWN
            .iter()
            .chain(&numbers::PHONES)
            .chain(&numbers::KINDS)
            .chain(&numbers::ZONES)
        {
            let column: &'static str = column;
            let same: Vec<String> = names
                .iter()
                .zip(&written)
                .filter(|(name, _)| *name == column)
                .map(|(_, &as_written)| as_written.to_owned())
                .collect();
            if same.len() > 1 {
                return Err(ImportError::ConflictingColumns {
                    column,
                    names: same,
                });
            }
        }
        let find = |name: &str| names.iter().position(|n| n == name);
        let phone = find("phone").ok_or_else(|| ImportError::MissingPhoneColumn {
            found: names.clone(),
        })?;
        let (phone_kind, extra) = numbers::find_columns(find);
        let mut ignored: Vec<String> = names
            .iter()
            .filter(|n| !KNOWN.contains(&n.as_str()) && !numbers::is_number_column(n))
            .cloned()
            .collect();
        ignored.extend(numbers::unused(&names, &extra));
        Ok(Columns {
            phone_kind,
            extra,
            count: names.len(),
            phone,
            external_id: find("external_id"),
            timezone: find("timezone"),
            priority: find("priority"),
            region: find("region"),
            names,
            ignored,
        })
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_field_is_str_trim() {
        for text in [
            "",
            " ",
            "a",
            " a ",
            "\x0Ba\x0C",
            "\t\r\n a b \n",
            "\u{a0}x\u{2003}",
            "\x1Fa\x1C",
            "é ",
        ] {
            assert_eq!(
                trim_field(text.as_bytes()),
                text.trim().as_bytes(),
                "{text:?}"
            );
        }
        for b in 0..=0x7Fu8 {
            let text = format!("{}x{}", b as char, b as char);
            assert_eq!(
                trim_field(text.as_bytes()),
                text.trim().as_bytes(),
                "{b:#x}"
            );
        }
    }

    fn options() -> ImportOptions {
        ImportOptions {
            phone_rules: PhoneRules::with_country(49),
            default_priority: 1,
            ..ImportOptions::default()
        }
    }

    fn run(csv: &[u8], blacklist: &Blacklist) -> (ImportReport, ContactStore, ZoneTable) {
        let mut store = ContactStore::new();
        let mut zones = ZoneTable::new("Europe/Berlin").unwrap();
        let report = import_csv(csv, &mut store, &mut zones, blacklist, &options()).unwrap();
        (report, store, zones)
    }

    fn errors(report: &ImportReport) -> Vec<(u64, RowErrorKind)> {
        report
            .row_errors
            .iter()
            .map(|e| (e.line, e.kind.clone()))
            .collect()
    }

    #[test]
    fn imports_by_header_name_in_any_order() {
        let csv = b"\xef\xbb\xbfPriority, External_ID ,phone,timezone,notes\n\
                    7,crm-1,030 1234567,America/New_York,hello\n\
                    ,crm-2,+49 (0)30 7654321,,\"multi\nline note\"\n";
        let (report, store, zones) = run(csv, &Blacklist::new());
        assert_eq!(report.rows, 2);
        assert_eq!(report.valid, 2);
        assert_eq!(report.row_errors, vec![]);
        assert_eq!(report.ignored_columns, vec!["notes".to_string()]);
        assert_eq!(report.ids, 0..2);
        let first = ContactId(0);
        assert_eq!(store.number(first), Some(49301234567));
        assert_eq!(store.priority(first), Some(7));
        assert_eq!(store.external_id(first), Some("crm-1"));
        assert_eq!(zones.name(store.zone(first).unwrap()), "America/New_York");
        let second = ContactId(1);
        assert_eq!(store.priority(second), Some(1), "blank priority → default");
        assert_eq!(store.zone(second), Some(Default::default()));
        assert_eq!(store.number(second), Some(49307654321));
    }

    #[test]
    fn invalid_numbers_become_invalid_records_with_line_numbers() {
        let csv = b"phone\n030 1234567\n555-CALL-NOW\n\n   \n12\n";
        let (report, store, _) = run(csv, &Blacklist::new());
        assert_eq!(report.rows, 3, "blank lines are not rows");
        assert_eq!(report.valid, 1);
        assert_eq!(report.invalid, 2);
        assert_eq!(
            report.invalid_rows,
            vec![
                InvalidRow {
                    line: 3,
                    reason: PhoneError::Letters
                },
                InvalidRow {
                    line: 6,
                    reason: PhoneError::TooShort
                },
            ]
        );
        assert_eq!(store.state(ContactId(1)), Some(State::InvalidRecord));
        assert_eq!(
            store.invalid_reason(ContactId(1)),
            Some((PhoneError::Letters, "555-CALL-NOW"))
        );
    }

    #[test]
    fn malformed_rows_are_reported_and_the_rest_imported() {
        let csv: &[u8] = b"phone,external_id,timezone,priority\n\
            030 1111111,a,,1\n\
            030 2222222,b\n\
            030 3333333,\xff\xfe,,1\n\
            030 4444444,d,Mars/Base,1\n\
            030 5555555,e,,999\n\
            030 7777777,g,,1\n";
        let (report, store, _) = run(csv, &Blacklist::new());
        assert_eq!(report.valid, 2, "{report:#?}");
        assert_eq!(store.len(), 2);
        assert_eq!(store.external_id(ContactId(0)), Some("a"));
        assert_eq!(store.external_id(ContactId(1)), Some("g"));
        assert_eq!(
            errors(&report),
            vec![
                (
                    3,
                    RowErrorKind::FieldCount {
                        expected: 4,
                        found: 2
                    }
                ),
                (
                    4,
                    RowErrorKind::BadUtf8 {
                        column: "external_id".into()
                    }
                ),
                (5, RowErrorKind::UnknownTimezone("Mars/Base".into())),
                (6, RowErrorKind::BadPriority("999".into())),
            ]
        );
        assert_eq!(report.rows, 6);
    }

    #[test]
    fn inch_marks_in_unquoted_fields_are_text() {
        let mut csv = String::from("phone,external_id\n");
        for i in 0..10 {
            csv.push_str(&format!("030 100000{i},55\" screen\n"));
        }
        let (report, store, _) = run(csv.as_bytes(), &Blacklist::new());
        assert_eq!((report.rows, report.valid), (10, 10), "{report:#?}");
        assert_eq!(store.external_id(ContactId(9)), Some("55\" screen"));
    }

    #[test]
    fn cr_only_and_mixed_line_endings() {
        let csv =
            b"phone,external_id\r030 1111111,a\r030 2222222,b\r\n030 3333333,c\n\r\r030 4444444,d";
        let (report, store, _) = run(csv, &Blacklist::new());
        assert_eq!(report.valid, 4, "{report:#?}");
        assert_eq!(store.external_id(ContactId(3)), Some("d"));
        let mut seen = Vec::new();
        let mut store = ContactStore::new();
        let mut zones = ZoneTable::default();
        import_from(
            &csv[..],
            None,
            &mut store,
            &mut zones,
            &Blacklist::new(),
            &options(),
            |row| seen.push(row.line),
        )
        .unwrap();
        assert_eq!(seen, vec![2, 3, 4, 7]);
    }

    #[test]
    fn a_quoted_field_of_many_lines_is_one_row() {
        let note = (0..100).map(|i| format!("line {i}")).collect::<Vec<_>>();
        let csv = format!(
            "phone,notes\n030 1111111,\"{}\"\n030 2222222,x\n",
            note.join("\r\n")
        );
        let (report, store, _) = run(csv.as_bytes(), &Blacklist::new());
        assert_eq!((report.rows, report.valid), (2, 2), "{report:#?}");
        assert_eq!(store.len(), 2);
        assert_eq!(store.number(ContactId(1)), Some(49302222222));
    }

    #[test]
    fn a_row_past_the_byte_limit_is_one_error_and_the_rest_is_imported() {
        let mut csv = String::from("phone,notes\n030 1111111,\"");
        let lines = MAX_RECORD_BYTES / 20 + 10;
        for _ in 0..lines {
            csv.push_str("0123456789012345678\n");
        }
        csv.push_str("\"\n030 2222222,after\n");
        let (report, store, _) = run(csv.as_bytes(), &Blacklist::new());
        let last_line = 2 + lines as u64;
        assert_eq!(
            errors(&report),
            vec![(2, RowErrorKind::TooLong { last_line })]
        );
        assert_eq!((report.rows, report.valid), (2, 1), "no phantom rows");
        assert_eq!(store.number(ContactId(0)), Some(49302222222));
        assert_eq!(
            report.row_errors[0].to_string(),
            format!(
                "line 2: the row is longer than 1048576 bytes (it ends on line {last_line}; \
                 is a quote not closed?)"
            )
        );
    }

    #[test]
    fn an_unclosed_quote_at_the_end_is_one_error_naming_its_lines() {
        let csv = b"phone,notes\n030 1111111,ok\n030 2222222,\"open\n030 3333333,x\n";
        let (report, store, _) = run(csv, &Blacklist::new());
        assert_eq!(store.len(), 1);
        assert_eq!(
            errors(&report),
            vec![(3, RowErrorKind::UnclosedQuote { last_line: 4 })]
        );
        assert_eq!(
            report.row_errors[0].to_string(),
            "line 3: a quoted field is not closed before the end of the input \
             (read as one row up to line 4)"
        );
    }

    #[test]
    fn blacklisted_and_duplicate_numbers_are_counted() {
        let mut blacklist = Blacklist::new();
        blacklist.insert(49309999999);
        let mut store = ContactStore::new();
        let mut zones = ZoneTable::default();
        let options = ImportOptions {
            phone_rules: PhoneRules::with_country(49),
            default_priority: 0,
            ..ImportOptions::default()
        };
        let first: &[u8] = b"phone\n030 1111111\n";
        import_csv(first, &mut store, &mut zones, &blacklist, &options).unwrap();
        let second: &[u8] = b"phone\n030 9999999\n030 1111111\n030 2222222\n+49 30 2222222\r\n";
        let report = import_csv(second, &mut store, &mut zones, &blacklist, &options).unwrap();
        assert_eq!(report.rows, 4);
        assert_eq!(report.blacklisted, 1);
        assert_eq!(report.valid, 3);
        assert_eq!(report.duplicates_existing, 1);
        assert_eq!(report.duplicates_in_file, 1);
        assert_eq!(report.ids, 1..5);
        assert_eq!(store.state(ContactId(1)), Some(State::Blacklisted));
        assert_eq!(store.counts(), &store.recount());
    }

    #[test]
    fn header_problems_stop_the_import_with_a_clear_error() {
        let mut store = ContactStore::new();
        let mut zones = ZoneTable::default();
        let bl = Blacklist::new();
        let opts = ImportOptions::default();
        let mut import = |csv: &[u8]| {
            import_csv(csv, &mut store, &mut zones, &bl, &opts)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(import(b""), "the CSV input is empty: no header line");
        assert_eq!(
            import(b"\n\r\n  \n"),
            "the CSV input is empty: no header line"
        );
        assert_eq!(
            import(b"tel,name\n1,2\n"),
            "the CSV header has no \"phone\" column (found: tel, name)"
        );
        assert_eq!(
            import(b"phone,name,Phone\n1,2,3\n"),
            "the CSV header has 2 columns named \"phone\" (\"phone\", \"Phone\"): keep one"
        );
        assert_eq!(
            import(b"phone,Priority, priority \n1,2,3\n"),
            "the CSV header has 2 columns named \"priority\" (\"Priority\", \" priority \"): keep one"
        );
        assert!(import(b"phone,\"open\n").contains("unclosed quote"));
        let err = import_csv_path(
            "/definitely/not/here.csv",
            &mut store,
            &mut zones,
            &bl,
            &opts,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("/definitely/not/here.csv"),
            "{err}"
        );
        assert!(store.is_empty());
        // Ignored columns may repeat.
        let csv: &[u8] = b"phone,,notes,,notes\n+49 30 1234567,,a,,b\n";
        let report = import_csv(csv, &mut store, &mut zones, &bl, &opts).unwrap();
        assert_eq!(report.valid, 1);
        assert_eq!(report.ignored_columns, vec!["", "notes", "", "notes"]);
    }

    #[test]
    fn quoted_fields_with_commas_and_escaped_quotes() {
        let csv = b"external_id,phone\n\"Smith, \"\"Jo\"\"\",\"+44 20 7946 0018\"\n";
        let (report, store, _) = run(csv, &Blacklist::new());
        assert_eq!(report.valid, 1, "{report:#?}");
        assert_eq!(store.external_id(ContactId(0)), Some("Smith, \"Jo\""));
        assert_eq!(store.number(ContactId(0)), Some(442079460018));
    }

    /// Pieces of CSV text, good and bad.
    const PIECES: &[&[u8]] = &[
        b"0",
        b"5",
        b"030 1234567",
        b"+1 212 555 0123",
        b",",
        b",",
        b",",
        b"\"",
        b"\"",
        b"\"\"",
        b"\n",
        b"\n",
        b"\r\n",
        b"\r",
        b" ",
        b"x",
        b"\xef\xbb\xbf",
        b"\xff",
        b"\xc3\xa9",
        b"America/New_York",
        b"Mars/Base",
        b"300",
    ];

    const HEADERS: &[&[u8]] = &[
        b"phone,external_id,timezone,priority\n",
        b"\xef\xbb\xbfPriority, External_ID ,phone,timezone,notes\r",
        b"phone\n",
        b"\n\nexternal_id,\"phone\"\r\n",
        b"tel,name\n",
        b"",
    ];

    /// Everything an import did, as text.
    fn snapshot(
        result: Result<ImportReport, ImportError>,
        store: &ContactStore,
        zones: &ZoneTable,
        rows: &[RowSeen],
    ) -> String {
        use std::fmt::Write as _;
        let mut out = match result {
            Ok(report) => format!("{report:?}\n{rows:?}\n"),
            Err(e) => format!("error {e}\n"),
        };
        for i in 0..store.len() as u32 {
            let id = ContactId(i);
            let zone = store.zone(id).map(|z| zones.name(z).to_owned());
            writeln!(
                out,
                "{:?} {:?} {:?} {:?} {:?} {:?}",
                store.state(id),
                store.number(id),
                store.external_id(id),
                store.priority(id),
                zone,
                store.invalid_reason(id)
            )
            .unwrap();
        }
        out
    }

    /// Imports `csv` read whole or a few bytes at a time.
    fn import_snapshot(csv: &[u8], chunked: bool) -> String {
        let mut store = ContactStore::new();
        let mut zones = ZoneTable::new("Europe/Berlin").unwrap();
        let mut rows = Vec::new();
        let bl = Blacklist::new();
        let result = if chunked {
            let input = Trickle(csv);
            import_from(input, None, &mut store, &mut zones, &bl, &options(), |r| {
                rows.push(r)
            })
        } else {
            let size = Some(csv.len() as u64);
            import_from(csv, size, &mut store, &mut zones, &bl, &options(), |r| {
                rows.push(r)
            })
        };
        snapshot(result, &store, &zones, &rows)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]
        /// Reading the input in 3-byte pieces changes nothing; every row is
        /// either a contact or a row error, once, in line order.
        #[test]
        fn chunked_reads_agree_and_every_row_is_accounted_for(
            header in proptest::sample::select(HEADERS),
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..120),
        ) {
            let mut csv = header.to_vec();
            for piece in pieces {
                csv.extend_from_slice(piece);
            }
            proptest::prop_assert_eq!(import_snapshot(&csv, false), import_snapshot(&csv, true));
            let mut store = ContactStore::new();
            let mut zones = ZoneTable::new("Europe/Berlin").unwrap();
            let mut rows = Vec::new();
            let bl = Blacklist::new();
            if let Ok(report) = import_from(&csv[..], None, &mut store, &mut zones, &bl, &options(), |r| rows.push(r)) {
                proptest::prop_assert_eq!(rows.len() as u64, report.rows);
                proptest::prop_assert_eq!(report.imported() + report.row_errors.len() as u64, report.rows);
                proptest::prop_assert!(rows.windows(2).all(|w| w[0].line < w[1].line));
                let added: Vec<ContactId> = rows.iter().filter_map(|r| r.contact).collect();
                let expected: Vec<ContactId> = report.ids.clone().map(ContactId).collect();
                proptest::prop_assert_eq!(added, expected);
                let error_lines: Vec<u64> = rows.iter().filter(|r| r.contact.is_none()).map(|r| r.line).collect();
                let reported: Vec<u64> = report.row_errors.iter().map(|e| e.line).collect();
                proptest::prop_assert_eq!(error_lines, reported);
            }
        }
    }

    /// A reader that returns at most 3 bytes a call.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(3).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn long_and_many_rows_cross_chunk_boundaries() {
        use std::fmt::Write as _;
        let mut csv = String::from("phone,external_id,timezone,priority\n");
        for i in 0..40_000u64 {
            let pad = "x".repeat((i % 97) as usize);
            match i % 6 {
                0 => writeln!(csv, "+1 212 {:07},id-{i}{pad},America/Chicago,{}", i, i % 4),
                1 => writeln!(csv, "\"030 {:07}\",\"q,{i}\",,", i),
                2 => writeln!(csv, "030 {:07},\"multi\nline {i}\",,1", i),
                3 => write!(csv, "030 {:07},{i},,\r", i),
                4 => write!(csv, "030 {:07},{i}\",,\r\n", i),
                _ => writeln!(csv, "bad {i}"),
            }
            .unwrap();
        }
        let bytes = csv.as_bytes();
        let mut store = ContactStore::new();
        let mut zones = ZoneTable::default();
        let report = import_from(
            bytes,
            Some(bytes.len() as u64),
            &mut store,
            &mut zones,
            &Blacklist::new(),
            &options(),
            |_| {},
        )
        .unwrap();
        assert_eq!(report.rows, 40_000);
        let malformed = (0..40_000).filter(|i| i % 6 == 5).count() as u64;
        assert_eq!(report.row_errors.len() as u64, malformed);
        assert_eq!(report.imported(), 40_000 - malformed);
        assert_eq!(store.external_id(ContactId(4)), Some("4\""));
        assert_eq!(store.external_id(ContactId(2)), Some("multi\nline 2"));
    }
}
