//! CSV import of contact lists, with a report of every row that was not clean.
//!
//! Columns are found by header name (case-insensitive, surrounding spaces and a
//! UTF-8 byte-order mark ignored): `phone` (required), `external_id`,
//! `timezone` (an IANA name; blank means the campaign default) and `priority`
//! (0–255, higher first). Other columns are ignored and listed in the report.
//!
//! What happens to each row:
//! - a valid number: the contact is added as `Initial`, or `Blacklisted` when
//!   the number is on the blacklist;
//! - an invalid number (blank, letters, bad characters, too short or long):
//!   the contact is still added, as `InvalidRecord`, and the row is listed
//!   with its line number and the reason, so an admin can fix it later;
//! - a malformed row — wrong number of fields, bytes that are not UTF-8, an
//!   unbalanced quote, an unknown time zone or a bad priority — is not added
//!   and is listed with its line number and what is wrong; the import goes on
//!   with the next row;
//! - a number seen before (earlier in the file or already in the campaign) is
//!   added all the same and counted as a duplicate: the engine makes sure the
//!   same number is never in two calls at once.
//!
//! Rows are split by physical lines and parsed with `csv-core`, the `csv`
//! crate's own parser. A quoted field may span lines, but an unbalanced quote
//! must not swallow the rest of the file (which is what a plain CSV reader
//! does): a record whose quotes do not close within
//! [`MAX_CONTINUATION_LINES`] lines is reported as bad quoting at its first
//! line, and the lines after it are read again as rows of their own.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;

use crate::blacklist::Blacklist;
use crate::phone::{self, PhoneError, PhoneRules};
use crate::state::State;
use crate::store::{ContactStore, NewContact, StoreError};
use crate::zones::{ZoneError, ZoneId, ZoneTable};

/// How many lines a quoted field may continue over before the record is
/// reported as bad quoting.
pub const MAX_CONTINUATION_LINES: usize = 32;

/// Options of one import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// How national numbers are completed.
    pub phone_rules: PhoneRules,
    /// Priority of rows without a `priority` column or with a blank one.
    pub default_priority: u8,
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
    /// A quote opens a field that does not close.
    BadQuoting,
    /// The time zone is not a known IANA name.
    UnknownTimezone(String),
    /// The priority is not a whole number from 0 to 255.
    BadPriority(String),
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
            RowErrorKind::BadQuoting => f.write_str("a quoted field is not closed"),
            RowErrorKind::UnknownTimezone(name) => write!(f, "unknown time zone {name:?}"),
            RowErrorKind::BadPriority(text) => {
                write!(f, "priority {text:?} is not a whole number from 0 to 255")
            }
            RowErrorKind::StoreFull => f.write_str("the contact store is full"),
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
    /// The header is not valid UTF-8 or its quotes do not close.
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
            ImportError::BadHeader => {
                f.write_str("the CSV header line is not valid UTF-8 or has an unclosed quote")
            }
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
    let path = path.as_ref();
    let with_path = |source| ImportError::Io {
        path: Some(path.display().to_string()),
        source,
    };
    let file = File::open(path).map_err(with_path)?;
    let size = file.metadata().ok().map(|m| m.len());
    import_from(file, size, store, zones, blacklist, options).map_err(|e| match e {
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
    import_from(input, None, store, zones, blacklist, options)
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
) -> Result<ImportReport, ImportError> {
    let mut lines = LogicalLines::new(input);
    let mut parser = FieldParser::default();
    let header = loop {
        match lines.next_record()? {
            None => return Err(ImportError::Empty),
            Some(Record::Unclosed { .. }) => return Err(ImportError::BadHeader),
            Some(Record::Plain { bytes, .. } | Record::Quoted { bytes, .. }) => {
                if !is_blank(bytes) {
                    break parser.parse(bytes).to_vec();
                }
            }
        }
    };
    let columns = Columns::from_header(&parser.fields_of(&header))?;
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
    while let Some(record) = lines.next_record()? {
        let (line, fields) = match record {
            Record::Unclosed { line } => {
                report.rows += 1;
                report.row_errors.push(RowError {
                    line,
                    kind: RowErrorKind::BadQuoting,
                });
                continue;
            }
            Record::Plain {
                line,
                bytes,
                commas,
            } => {
                if is_blank(bytes) {
                    continue;
                }
                (line, plain_fields(bytes, commas, &columns))
            }
            Record::Quoted { line, bytes } => {
                if is_blank(bytes) {
                    continue;
                }
                let ends = parser.parse(bytes).len();
                (line, quoted_fields(&parser, ends, &columns))
            }
        };
        report.rows += 1;
        match fields.and_then(|fields| rows.import(fields)) {
            Ok(added) => report.count(line, added),
            Err(kind) => report.row_errors.push(RowError { line, kind }),
        }
        if reserve_at == Some(report.rows) {
            reserve_at = None;
            let (size, read) = (size.unwrap_or(0), lines.consumed);
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

/// The fields of a row that the import reads, checked to be UTF-8.
struct RowFields<'a> {
    phone: &'a str,
    external_id: Option<&'a str>,
    timezone: Option<&'a str>,
    priority: Option<&'a str>,
}

impl<'a> RowFields<'a> {
    /// Picks the known columns out of a row, given its field `count` and
    /// the text of field `i`.
    fn pick(columns: &Columns, field: impl Fn(usize) -> &'a str) -> Self {
        RowFields {
            phone: field(columns.phone),
            external_id: columns.external_id.map(&field),
            timezone: columns.timezone.map(&field),
            priority: columns.priority.map(&field),
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
    let span = |i: usize| {
        let start = match i {
            0 => 0,
            _ => commas[i - 1] as usize + 1,
        };
        let end = commas.get(i).map_or(bytes.len(), |&c| c as usize);
        start..end
    };
    // The fields are split at ASCII commas, so the row is UTF-8 exactly
    // when every field is: one check of the whole row, and on failure a
    // search for the first bad field to name it.
    let text = std::str::from_utf8(bytes).map_err(|_| {
        let bad = (0..found)
            .find(|&i| std::str::from_utf8(&bytes[span(i)]).is_err())
            .unwrap_or(0);
        RowErrorKind::BadUtf8 {
            column: columns.names[bad].clone(),
        }
    })?;
    Ok(RowFields::pick(columns, |i| &text[span(i)]))
}

/// The fields of a [`Record::Quoted`] row, parsed by `parser` into `ends`
/// field ends.
fn quoted_fields<'a>(
    parser: &'a FieldParser,
    ends: usize,
    columns: &Columns,
) -> Result<RowFields<'a>, RowErrorKind> {
    let fields = parser.fields_of(&parser.ends[..ends]);
    if fields.len() != columns.count {
        return Err(RowErrorKind::FieldCount {
            expected: columns.count,
            found: fields.len(),
        });
    }
    let mut texts = Vec::with_capacity(fields.len());
    for (field, name) in fields.iter().zip(&columns.names) {
        match std::str::from_utf8(field) {
            Ok(text) => texts.push(text),
            Err(_) => {
                return Err(RowErrorKind::BadUtf8 {
                    column: name.clone(),
                })
            }
        }
    }
    Ok(RowFields::pick(columns, |i| texts[i]))
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
    fn zone(&mut self, text: &str) -> Result<ZoneId, RowErrorKind> {
        let key = TextKey::of(text.as_bytes());
        let cached = self
            .zone_cache
            .iter()
            .find(|(k, name, _)| *k == key && (key.exact() || **name == *text));
        if let Some(&(_, _, id)) = cached {
            return Ok(id);
        }
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
        let external_id = fields.external_id.map_or("", trim);
        let zone = match fields.timezone {
            Some(text) => self.zone(text)?,
            None => Default::default(),
        };
        let priority = match fields.priority.map(trim) {
            None | Some("") => self.options.default_priority,
            Some(raw) => {
                parse_priority(raw).ok_or_else(|| RowErrorKind::BadPriority(raw.to_owned()))?
            }
        };
        let number = phone::normalize(fields.phone, self.options.phone_rules);
        let store = &mut *self.store;
        let contact = NewContact {
            number,
            raw_phone: fields.phone,
            external_id,
            zone,
            priority,
        };
        let id = store
            .push_unindexed(contact, self.blacklist)
            .map_err(|e| match e {
                StoreError::Full => RowErrorKind::StoreFull,
                _ => RowErrorKind::StoreFull,
            })?;
        Ok(Added {
            state: store.state(id).unwrap_or(State::InvalidRecord),
            invalid: number.err(),
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

/// A priority as `u8::from_str` reads it, with a shortcut for plain digits.
fn parse_priority(raw: &str) -> Option<u8> {
    match raw.as_bytes() {
        [d @ b'0'..=b'9'] => Some(d - b'0'),
        _ => raw.parse().ok(),
    }
}

/// Where each known column is in a row.
struct Columns {
    names: Vec<String>,
    count: usize,
    phone: usize,
    external_id: Option<usize>,
    timezone: Option<usize>,
    priority: Option<usize>,
    ignored: Vec<String>,
}

impl Columns {
    fn from_header(fields: &[&[u8]]) -> Result<Columns, ImportError> {
        let names = fields
            .iter()
            .map(|f| {
                std::str::from_utf8(f)
                    .map(|s| s.trim().to_ascii_lowercase())
                    .map_err(|_| ImportError::BadHeader)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let find = |name: &str| names.iter().position(|n| n == name);
        let phone = find("phone").ok_or_else(|| ImportError::MissingPhoneColumn {
            found: names.clone(),
        })?;
        let known = ["phone", "external_id", "timezone", "priority"];
        let ignored = names
            .iter()
            .filter(|n| !known.contains(&n.as_str()))
            .cloned()
            .collect();
        Ok(Columns {
            count: names.len(),
            phone,
            external_id: find("external_id"),
            timezone: find("timezone"),
            priority: find("priority"),
            names,
            ignored,
        })
    }
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

/// A record cut from the input by [`LogicalLines`], without its final line
/// break.
enum Record<'a> {
    /// One line with no quote, no carriage return before its line break and
    /// no leading byte-order-mark byte: the CSV parser would split it at the
    /// commas and change nothing else, so the import does that itself.
    Plain {
        /// Its line.
        line: u64,
        /// Its bytes.
        bytes: &'a [u8],
        /// Offsets of its commas.
        commas: &'a [u32],
    },
    /// A record for the CSV parser: it has quotes (they balance; it may span
    /// lines) or other bytes the parser treats specially.
    Quoted {
        /// Line where it starts.
        line: u64,
        /// Its bytes.
        bytes: &'a [u8],
    },
    /// A quote opened at `line` did not close within the continuation limit.
    Unclosed {
        /// Line where it starts.
        line: u64,
    },
}

/// Input read at a time.
const CHUNK: usize = 256 << 10;

/// What [`LogicalLines::scan_line`] found in one physical line.
struct LineScan {
    /// Offset just past the line (and its line break), from `pos`.
    end: usize,
    /// Quote characters in the line.
    quotes: u32,
    /// Offset of the first carriage return from the line's start.
    first_cr: usize,
}

/// Splits the input into records of one or more physical lines, joining
/// lines only while a quote is open, and reading lines again when a quote
/// never closes.
///
/// The input is read in large chunks into one buffer, and records are
/// slices of it: a line is scanned once, for its end, its commas and the
/// bytes that need the CSV parser. Continuation lines of an open quote stay
/// in the buffer (it grows if they do not fit), so "reading them again"
/// after an unclosed quote is just moving on by one line.
struct LogicalLines<R> {
    input: R,
    buf: Vec<u8>,
    /// Unread bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    eof: bool,
    next_line: u64,
    /// Bytes taken from the input as records so far.
    consumed: u64,
    /// Comma offsets of the last line scanned from its start.
    commas: Vec<u32>,
}

impl<R: Read> LogicalLines<R> {
    fn new(input: R) -> Self {
        LogicalLines {
            input,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            next_line: 1,
            consumed: 0,
            commas: Vec::new(),
        }
    }

    /// Moves the unread bytes to the front and reads more after them,
    /// growing the buffer if it is full.
    fn fill(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            let len = (self.buf.len() * 2).max(CHUNK);
            self.buf.resize(len, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Scans the physical line that starts `start` bytes after `pos`,
    /// reading more input as needed; `None` at the end of the input. Comma
    /// offsets from the line's start are appended to `commas`.
    fn scan_line(&mut self, start: usize) -> io::Result<Option<LineScan>> {
        let mut scan = LineScan {
            end: start,
            quotes: 0,
            first_cr: usize::MAX,
        };
        loop {
            let bytes = &self.buf[self.pos..self.end];
            // Eight bytes at a time: a mask of the special ones, then each
            // of them in order.
            while let Some(word) = bytes.get(scan.end..scan.end + 8) {
                let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
                let mut special = byte_is(word, b'\n')
                    | byte_is(word, b',')
                    | byte_is(word, b'"')
                    | byte_is(word, b'\r');
                while special != 0 {
                    let at = scan.end + (special.trailing_zeros() / 8) as usize;
                    special &= special - 1;
                    match bytes[at] {
                        b'\n' => {
                            scan.end = at + 1;
                            return Ok(Some(scan));
                        }
                        b',' => self.commas.push((at - start) as u32),
                        b'"' => scan.quotes += 1,
                        _ => scan.first_cr = scan.first_cr.min(at - start),
                    }
                }
                scan.end += 8;
            }
            while let Some(&b) = bytes.get(scan.end) {
                scan.end += 1;
                match b {
                    b'\n' => return Ok(Some(scan)),
                    b',' => self.commas.push((scan.end - 1 - start) as u32),
                    b'"' => scan.quotes += 1,
                    b'\r' => scan.first_cr = scan.first_cr.min(scan.end - 1 - start),
                    _ => {}
                }
            }
            if self.eof {
                return Ok((scan.end > start).then_some(scan));
            }
            self.fill()?;
        }
    }

    fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
        self.commas.clear();
        let Some(first) = self.scan_line(0)? else {
            return Ok(None);
        };
        let line = self.next_line;
        let (mut len, mut lines) = (first.end, 1);
        if first.quotes % 2 == 1 {
            let mut open = true;
            while open && lines <= MAX_CONTINUATION_LINES {
                match self.scan_line(len)? {
                    Some(next) => {
                        open ^= next.quotes % 2 == 1;
                        len = next.end;
                        lines += 1;
                    }
                    None => break,
                }
            }
            if open {
                // Only the first line is taken: the others are rows of their own.
                self.pos += first.end;
                self.consumed += first.end as u64;
                self.next_line += 1;
                return Ok(Some(Record::Unclosed { line }));
            }
        }
        let start = self.pos;
        self.pos += len;
        self.consumed += len as u64;
        self.next_line += lines as u64;
        let mut bytes = &self.buf[start..start + len];
        while let [rest @ .., b'\n' | b'\r'] = bytes {
            bytes = rest;
        }
        if lines == 1
            && first.quotes == 0
            && first.first_cr >= bytes.len()
            && bytes.first() != Some(&0xEF)
        {
            Ok(Some(Record::Plain {
                line,
                bytes,
                commas: &self.commas,
            }))
        } else {
            Ok(Some(Record::Quoted { line, bytes }))
        }
    }
}

/// A word with the high bit set in each byte of `word` that equals `byte`
/// and no other bit (exact: no carry crosses bytes).
#[inline]
fn byte_is(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(byte));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// Splits one complete record into fields with `csv-core`, reusing buffers.
struct FieldParser {
    reader: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

impl Default for FieldParser {
    fn default() -> Self {
        // `csv_core::Reader::default()` is not a configured reader: its DFA
        // knows no delimiter. `new()` builds the standard RFC 4180 one.
        FieldParser {
            reader: csv_core::Reader::new(),
            out: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl FieldParser {
    /// Parses `bytes` into `self.out`; returns the field end offsets.
    fn parse(&mut self, bytes: &[u8]) -> &[usize] {
        use csv_core::ReadRecordResult as R;
        self.reader.reset();
        if self.out.len() < bytes.len() + 16 {
            self.out.resize(bytes.len() + 16, 0);
        }
        if self.ends.len() < 16 {
            self.ends.resize(16, 0);
        }
        let mut input = bytes;
        let (mut nout, mut nend) = (0, 0);
        loop {
            let (result, nin, o, e) =
                self.reader
                    .read_record(input, &mut self.out[nout..], &mut self.ends[nend..]);
            input = &input[nin..];
            nout += o;
            nend += e;
            match result {
                R::InputEmpty => input = &[],
                R::OutputFull => {
                    let len = self.out.len() * 2;
                    self.out.resize(len, 0);
                }
                R::OutputEndsFull => {
                    let len = self.ends.len() * 2;
                    self.ends.resize(len, 0);
                }
                R::Record | R::End => break,
            }
        }
        &self.ends[..nend]
    }

    /// The fields for end offsets returned by [`FieldParser::parse`].
    fn fields_of<'a>(&'a self, ends: &[usize]) -> Vec<&'a [u8]> {
        let mut start = 0;
        ends.iter()
            .map(|&end| {
                let field = &self.out[start..end];
                start = end;
                field
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ContactId;

    /// The importer as it was before the single-buffer reader and the plain
    /// row shortcut, kept to check that the new one behaves the same.
    mod reference {
        use std::collections::VecDeque;
        use std::io::{self, BufRead, BufReader, Read};

        use super::super::{
            is_blank, Columns, FieldParser, ImportError, ImportOptions, ImportReport, RowError,
            RowErrorKind, MAX_CONTINUATION_LINES,
        };
        use crate::blacklist::Blacklist;
        use crate::phone;
        use crate::state::State;
        use crate::store::{ContactStore, NewContact, StoreError};
        use crate::zones::{ZoneError, ZoneTable};

        struct Added {
            state: State,
            invalid: Option<crate::phone::PhoneError>,
            duplicate: Option<Duplicate>,
        }

        enum Duplicate {
            InFile,
            Existing,
        }

        fn count(report: &mut ImportReport, line: u64, added: Added) {
            match added.state {
                State::Blacklisted => report.blacklisted += 1,
                State::InvalidRecord => report.invalid += 1,
                _ => report.valid += 1,
            }
            if let Some(reason) = added.invalid {
                report
                    .invalid_rows
                    .push(super::super::InvalidRow { line, reason });
            }
            match added.duplicate {
                Some(Duplicate::InFile) => report.duplicates_in_file += 1,
                Some(Duplicate::Existing) => report.duplicates_existing += 1,
                None => {}
            }
        }

        pub(super) fn import_csv<R: Read>(
            input: R,
            store: &mut ContactStore,
            zones: &mut ZoneTable,
            blacklist: &Blacklist,
            options: &ImportOptions,
        ) -> Result<ImportReport, ImportError> {
            let mut lines = LogicalLines::new(BufReader::with_capacity(1 << 16, input));
            let mut parser = FieldParser::default();
            let header = loop {
                match lines.next_record()? {
                    None => return Err(ImportError::Empty),
                    Some(Record::Complete { bytes, .. }) if is_blank(bytes) => continue,
                    Some(Record::Complete { bytes, .. }) => break parser.parse(bytes).to_vec(),
                    Some(Record::Unclosed { .. }) => return Err(ImportError::BadHeader),
                }
            };
            let columns = Columns::from_header(&parser.fields_of(&header))?;
            let first_id = store.len() as u32;
            let mut report = ImportReport {
                ids: first_id..first_id,
                ignored_columns: columns.ignored.clone(),
                ..ImportReport::default()
            };
            while let Some(record) = lines.next_record()? {
                let (line, bytes) = match record {
                    Record::Unclosed { line } => {
                        report.rows += 1;
                        report.row_errors.push(RowError {
                            line,
                            kind: RowErrorKind::BadQuoting,
                        });
                        continue;
                    }
                    Record::Complete { line, bytes } => (line, bytes),
                };
                if is_blank(bytes) {
                    continue;
                }
                report.rows += 1;
                let ends = parser.parse(bytes).to_vec();
                let fields = parser.fields_of(&ends);
                match import_row(
                    &fields, &columns, store, zones, blacklist, options, first_id,
                ) {
                    Ok(added) => count(&mut report, line, added),
                    Err(kind) => report.row_errors.push(RowError { line, kind }),
                }
            }
            report.ids = first_id..store.len() as u32;
            Ok(report)
        }

        fn import_row(
            fields: &[&[u8]],
            columns: &Columns,
            store: &mut ContactStore,
            zones: &mut ZoneTable,
            blacklist: &Blacklist,
            options: &ImportOptions,
            first_id: u32,
        ) -> Result<Added, RowErrorKind> {
            if fields.len() != columns.count {
                return Err(RowErrorKind::FieldCount {
                    expected: columns.count,
                    found: fields.len(),
                });
            }
            let text = |index: usize| -> Result<&str, RowErrorKind> {
                std::str::from_utf8(fields[index]).map_err(|_| RowErrorKind::BadUtf8 {
                    column: columns.names[index].clone(),
                })
            };
            for index in 0..fields.len() {
                text(index)?;
            }
            let raw_phone = text(columns.phone)?;
            let external_id = match columns.external_id {
                Some(i) => text(i)?.trim(),
                None => "",
            };
            let zone = match columns.timezone {
                Some(i) => zones.intern(text(i)?).map_err(|e| match e {
                    ZoneError::Unknown(name) => RowErrorKind::UnknownTimezone(name),
                    ZoneError::TooMany => {
                        RowErrorKind::UnknownTimezone(text(i).unwrap_or("").into())
                    }
                })?,
                None => Default::default(),
            };
            let priority = match columns.priority {
                Some(i) => {
                    let raw = text(i)?.trim();
                    if raw.is_empty() {
                        options.default_priority
                    } else {
                        raw.parse::<u8>()
                            .map_err(|_| RowErrorKind::BadPriority(raw.to_owned()))?
                    }
                }
                None => options.default_priority,
            };
            let number = phone::normalize(raw_phone, options.phone_rules);
            let duplicate = match number {
                Ok(n) if store.has_number(n) => Some(
                    if store.contacts_with_number(n).any(|id| id.0 >= first_id) {
                        Duplicate::InFile
                    } else {
                        Duplicate::Existing
                    },
                ),
                _ => None,
            };
            let contact = NewContact {
                number,
                raw_phone,
                external_id,
                zone,
                priority,
            };
            let id = store.push(contact, blacklist).map_err(|e| match e {
                StoreError::Full => RowErrorKind::StoreFull,
                _ => RowErrorKind::StoreFull,
            })?;
            Ok(Added {
                state: store.state(id).unwrap_or(State::InvalidRecord),
                invalid: number.err(),
                duplicate,
            })
        }

        /// A record cut from the input by [`LogicalLines`].
        enum Record<'a> {
            /// A record whose quotes balance, without its final line break.
            Complete {
                /// Line where it starts.
                line: u64,
                /// Its bytes.
                bytes: &'a [u8],
            },
            /// A quote opened at `line` did not close within the continuation limit.
            Unclosed {
                /// Line where it starts.
                line: u64,
            },
        }

        /// Splits the input into records of one or more physical lines, joining
        /// lines only while a quote is open, and giving lines back to be read again
        /// when a quote never closes.
        struct LogicalLines<R> {
            reader: R,
            next_line: u64,
            replay: VecDeque<(u64, Vec<u8>)>,
            record: Vec<u8>,
            spare: Vec<u8>,
        }

        impl<R: BufRead> LogicalLines<R> {
            fn new(reader: R) -> Self {
                LogicalLines {
                    reader,
                    next_line: 1,
                    replay: VecDeque::new(),
                    record: Vec::new(),
                    spare: Vec::new(),
                }
            }

            /// Reads one physical line (with its line break) into `buf`; false at the end.
            fn physical_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<u64>> {
                buf.clear();
                if let Some((line, bytes)) = self.replay.pop_front() {
                    buf.extend_from_slice(&bytes);
                    return Ok(Some(line));
                }
                if self.reader.read_until(b'\n', buf)? == 0 {
                    return Ok(None);
                }
                let line = self.next_line;
                self.next_line += 1;
                Ok(Some(line))
            }

            fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
                let mut record = std::mem::take(&mut self.record);
                let Some(line) = self.physical_line(&mut record)? else {
                    self.record = record;
                    return Ok(None);
                };
                let mut open = odd_quotes(&record);
                let mut continued: Vec<(u64, Vec<u8>)> = Vec::new();
                while open && continued.len() < MAX_CONTINUATION_LINES {
                    let mut next = std::mem::take(&mut self.spare);
                    match self.physical_line(&mut next)? {
                        Some(n) => {
                            open ^= odd_quotes(&next);
                            record.extend_from_slice(&next);
                            continued.push((n, next));
                        }
                        None => break,
                    }
                }
                if open {
                    // Give the following lines back: they are rows of their own.
                    for item in continued.into_iter().rev() {
                        self.replay.push_front(item);
                    }
                    self.record = record;
                    return Ok(Some(Record::Unclosed { line }));
                }
                if let Some((_, last)) = continued.pop() {
                    self.spare = last;
                }
                while matches!(record.last(), Some(b'\n' | b'\r')) {
                    record.pop();
                }
                self.record = record;
                Ok(Some(Record::Complete {
                    line,
                    bytes: &self.record,
                }))
            }
        }

        fn odd_quotes(bytes: &[u8]) -> bool {
            bytes.iter().filter(|&&b| b == b'"').count() % 2 == 1
        }
    }

    fn run(csv: &[u8], blacklist: &Blacklist) -> (ImportReport, ContactStore, ZoneTable) {
        let mut store = ContactStore::new();
        let mut zones = ZoneTable::new("Europe/Berlin").unwrap();
        let options = ImportOptions {
            phone_rules: PhoneRules::with_country(49),
            default_priority: 1,
        };
        let report = import_csv(csv, &mut store, &mut zones, blacklist, &options).unwrap();
        (report, store, zones)
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
            030 6666666,\"f,,1\n\
            030 7777777,g,,1\n";
        let (report, store, _) = run(csv, &Blacklist::new());
        assert_eq!(report.valid, 2, "{report:#?}");
        assert_eq!(store.len(), 2);
        assert_eq!(store.external_id(ContactId(0)), Some("a"));
        assert_eq!(
            store.external_id(ContactId(1)),
            Some("g"),
            "row after a bad quote survives"
        );
        let lines: Vec<(u64, RowErrorKind)> = report
            .row_errors
            .iter()
            .map(|e| (e.line, e.kind.clone()))
            .collect();
        assert_eq!(
            lines,
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
                (7, RowErrorKind::BadQuoting),
            ]
        );
        assert_eq!(report.rows, 7);
        assert_eq!(
            report.row_errors[4].to_string(),
            "line 7: a quoted field is not closed"
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
        let err = import_csv(&b""[..], &mut store, &mut zones, &bl, &opts).unwrap_err();
        assert!(matches!(err, ImportError::Empty));
        let err =
            import_csv(&b"tel,name\n1,2\n"[..], &mut store, &mut zones, &bl, &opts).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the CSV header has no \"phone\" column (found: tel, name)"
        );
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
    }

    #[test]
    fn quoted_fields_with_commas_and_escaped_quotes() {
        let csv = b"external_id,phone\n\"Smith, \"\"Jo\"\"\",\"+44 20 7946 0018\"\n";
        let (report, store, _) = run(csv, &Blacklist::new());
        assert_eq!(report.valid, 1, "{report:#?}");
        assert_eq!(store.external_id(ContactId(0)), Some("Smith, \"Jo\""));
        assert_eq!(store.number(ContactId(0)), Some(442079460018));
    }

    /// Pieces of CSV text, good and bad, for the comparison below.
    const PIECES: &[&[u8]] = &[
        b"0",
        b"1",
        b"5",
        b"9",
        b"030 1234567",
        b"+1 212 555 0123",
        b"+49 (0)30 7654321",
        b",",
        b",",
        b",",
        b"\"",
        b"\"",
        b"\"\"",
        b"\n",
        b"\n",
        b"\n",
        b"\r\n",
        b"\r",
        b" ",
        b"\t",
        b"x",
        b"crm-1",
        b"\xef\xbb\xbf",
        b"\xef",
        b"\xff",
        b"\xc3\xa9",
        b"\xc3",
        b"America/New_York",
        b"Mars/Base",
        b"Europe/Berlin",
        b"300",
        b"-1",
        b"+7",
    ];

    const HEADERS: &[&[u8]] = &[
        b"phone,external_id,timezone,priority\n",
        b"\xef\xbb\xbfPriority, External_ID ,phone,timezone,notes\n",
        b"phone\n",
        b"\n\nexternal_id,\"phone\"\r\n",
        b"tel,name\n",
        b"\"phone,\n",
        b"",
    ];

    fn snapshot(
        result: Result<ImportReport, ImportError>,
        store: &ContactStore,
        zones: &ZoneTable,
    ) -> String {
        use std::fmt::Write as _;
        let mut out = match result {
            Ok(report) => format!("{report:?}\n"),
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

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn behaves_like_the_reference_importer(
            header in proptest::sample::select(HEADERS),
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..120),
            chunked in proptest::prelude::any::<bool>(),
        ) {
            let mut csv = header.to_vec();
            for piece in pieces {
                csv.extend_from_slice(piece);
            }
            let mut blacklist = Blacklist::new();
            blacklist.insert(12125550123);
            let options = ImportOptions {
                phone_rules: PhoneRules::with_country(49),
                default_priority: 3,
            };
            let run = |reference: bool| {
                let mut store = ContactStore::new();
                store
                    .push(NewContact::parse("030 1234567", options.phone_rules), &blacklist)
                    .unwrap();
                let mut zones = ZoneTable::new("Europe/Berlin").unwrap();
                let result = if reference {
                    reference::import_csv(&csv[..], &mut store, &mut zones, &blacklist, &options)
                } else if chunked {
                    // A reader that hands out a few bytes at a time.
                    let input = Trickle(&csv[..]);
                    import_csv(input, &mut store, &mut zones, &blacklist, &options)
                } else {
                    import_from(&csv[..], Some(csv.len() as u64), &mut store, &mut zones, &blacklist, &options)
                };
                snapshot(result, &store, &zones)
            };
            proptest::prop_assert_eq!(run(false), run(true));
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
            match i % 5 {
                0 => writeln!(csv, "+1 212 {:07},id-{i}{pad},America/Chicago,{}", i, i % 4),
                1 => writeln!(csv, "\"030 {:07}\",\"q,{i}\",,", i),
                2 => writeln!(csv, "030 {:07},\"multi\nline {i}\",,1", i),
                3 => writeln!(csv, "030 {:07},{i},\r", i),
                _ => writeln!(csv, "bad {i}"),
            }
            .unwrap();
        }
        let options = ImportOptions {
            phone_rules: PhoneRules::with_country(49),
            default_priority: 0,
        };
        let bytes = csv.as_bytes();
        let mut a = ContactStore::new();
        let mut b = ContactStore::new();
        let mut za = ZoneTable::default();
        let mut zb = ZoneTable::default();
        let bl = Blacklist::new();
        let ra = import_from(
            bytes,
            Some(bytes.len() as u64),
            &mut a,
            &mut za,
            &bl,
            &options,
        );
        let rb = reference::import_csv(bytes, &mut b, &mut zb, &bl, &options);
        assert_eq!(snapshot(ra, &a, &za), snapshot(rb, &b, &zb));
        assert!(a.len() > 20_000, "{}", a.len());
    }
}
