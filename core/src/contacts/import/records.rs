//! Cutting CSV input into records exactly as the `csv` crate reads them.
//!
//! The grammar is RFC 4180 with the leniencies every mainstream reader has
//! (the `csv` crate, Python's `csv`): a quote opens a quoted field only at the
//! very start of a field, so `55" screen` is a literal quote; inside a quoted
//! field `""` is a quote and commas and line breaks are text; text after a
//! closing quote is appended to the field (`"a"b` reads `ab`); `\n`, `\r`
//! and `\r\n` each end a record, mixed freely; empty lines are skipped; a
//! UTF-8 byte-order mark at the very start of the input is dropped.
//!
//! [`RecordReader`] reads the input in large chunks into one buffer and scans
//! each record once, eight bytes at a time, for the four bytes that matter
//! (`\n`, `\r`, `,`, `"`), running a four-state lexer (field start, unquoted,
//! quoted, just after a quote) on those bytes only. A record without a quoted
//! field is a single line and is split at the commas the scan found; a record
//! with one goes to `csv-core` (the `csv` crate's own parser) for its fields.
//!
//! A record may be at most [`MAX_RECORD_BYTES`] long. A longer one (in
//! practice a quote that opens and never closes) is still scanned to its end
//! as the grammar defines it, without keeping its bytes, and comes out as
//! [`Record::TooLong`] with the lines it covers: one record, one row error,
//! and reading goes on after it, so no continuation line becomes a row.

use std::io::{self, Read};

/// The longest record read, in bytes, line breaks inside quoted fields
/// included.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Input read at a time.
const CHUNK: usize = 256 << 10;

/// The UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One record cut from the input, without its line break.
#[derive(Debug)]
pub(super) enum Record<'a> {
    /// A record with no quoted field, on one line: its fields are the text
    /// between its commas.
    Plain {
        /// Its line.
        line: u64,
        /// Its bytes.
        bytes: &'a [u8],
        /// Offsets of its commas.
        commas: &'a [u32],
    },
    /// A record with at least one quoted field, on one line or more.
    Quoted {
        /// Line where it starts.
        line: u64,
        /// Line where it ends.
        last_line: u64,
        /// Its bytes.
        bytes: &'a [u8],
        /// True if the input ends inside a quoted field of this record.
        unclosed: bool,
    },
    /// A record longer than [`MAX_RECORD_BYTES`]; its bytes are not kept.
    TooLong {
        /// Line where it starts.
        line: u64,
        /// Line where it ends.
        last_line: u64,
        /// True if the input ends inside a quoted field of this record.
        unclosed: bool,
    },
}

impl Record<'_> {
    /// The line the record starts on.
    pub(super) fn line(&self) -> u64 {
        match *self {
            Record::Plain { line, .. }
            | Record::Quoted { line, .. }
            | Record::TooLong { line, .. } => line,
        }
    }
}

/// Where the lexer is in the current record. Offsets are from the record's
/// start in the buffer; they go negative when a too-long record's bytes are
/// dropped.
#[derive(Clone, Copy)]
enum Lex {
    /// A field starts at this offset: a quote there opens a quoted field.
    FieldStart(isize),
    /// Inside a quoted field.
    Quoted,
    /// A quote at this offset ended a quoted field, or escapes the next one.
    QuoteEnd(isize),
}

/// The lexer's state over one record.
struct Scan {
    lex: Lex,
    /// Line breaks inside quoted fields so far.
    inner_lines: u64,
    /// Offset of the last carriage return inside a quoted field.
    last_cr: isize,
    /// Whether a field of the record is quoted (or, once bytes were
    /// dropped, whether `lex` is kept): until then `lex` is not kept.
    quoted: bool,
}

impl Scan {
    /// Takes the special byte `b` at offset `i` of `bytes` (the record from
    /// its start, or from the first byte kept); true if it ends the record.
    #[inline(always)]
    fn step(&mut self, bytes: &[u8], i: usize, b: u8, commas: &mut Vec<u32>) -> bool {
        if !self.quoted {
            // No quoted field yet: the lexer state is implied (a comma ends
            // a field, a line break the record), and only a quote right at
            // a field start needs a look back.
            return match b {
                b',' => {
                    commas.push(i as u32);
                    false
                }
                b'"' => {
                    if i == 0 || bytes[i - 1] == b',' {
                        self.quoted = true;
                        self.lex = Lex::Quoted;
                    }
                    false
                }
                _ => true,
            };
        }
        let at = i as isize;
        match self.lex {
            Lex::Quoted => {
                match b {
                    b'"' => self.lex = Lex::QuoteEnd(at),
                    b'\r' => {
                        self.inner_lines += 1;
                        self.last_cr = at;
                    }
                    b'\n' if self.last_cr != at - 1 => self.inner_lines += 1,
                    _ => {}
                }
                false
            }
            Lex::FieldStart(start) if start == at && b == b'"' => {
                self.lex = Lex::Quoted;
                false
            }
            // `""` inside a quoted field: a quote, and still quoted.
            Lex::QuoteEnd(quote) if quote + 1 == at && b == b'"' => {
                self.lex = Lex::Quoted;
                false
            }
            // Unquoted text, or right at a field start or after a closing
            // quote: a quote is literal, a comma ends the field.
            _ => match b {
                b',' => {
                    commas.push(i as u32);
                    self.lex = Lex::FieldStart(at + 1);
                    false
                }
                b'"' => false,
                _ => true,
            },
        }
    }

    /// Makes the lexer state explicit before bytes are dropped: `last` is
    /// the last byte scanned, at offset `at`.
    fn settle(&mut self, at: usize, last: u8) {
        if !self.quoted {
            self.quoted = true;
            self.lex = if last == b',' {
                Lex::FieldStart(at as isize)
            } else {
                Lex::FieldStart(isize::MIN / 2)
            };
        }
    }

    /// Moves the offsets back by `n` dropped bytes.
    fn shift(&mut self, n: usize) {
        let n = n as isize;
        self.last_cr = self.last_cr.saturating_sub(n);
        self.lex = match self.lex {
            Lex::FieldStart(s) => Lex::FieldStart(s.saturating_sub(n)),
            Lex::QuoteEnd(q) => Lex::QuoteEnd(q.saturating_sub(n)),
            Lex::Quoted => Lex::Quoted,
        };
    }
}

/// Splits an input into [`Record`]s; see the module doc.
#[derive(Debug)]
pub(super) struct RecordReader<R> {
    input: R,
    buf: Vec<u8>,
    /// Unread bytes are `buf[pos..end]`.
    pos: usize,
    end: usize,
    eof: bool,
    /// Whether the byte-order mark check at the start was done.
    started: bool,
    /// Whether the last byte taken was a carriage return ending a record
    /// (a `\n` right after it is the same line break).
    after_cr: bool,
    next_line: u64,
    /// Bytes taken from the input so far.
    consumed: u64,
    /// Comma offsets of the last record, from its start.
    commas: Vec<u32>,
}

impl<R: Read> RecordReader<R> {
    /// A reader of `input`.
    pub(super) fn new(input: R) -> Self {
        RecordReader {
            input,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            started: false,
            after_cr: false,
            next_line: 1,
            consumed: 0,
            commas: Vec::new(),
        }
    }

    /// Bytes taken from the input so far.
    pub(super) fn consumed(&self) -> u64 {
        self.consumed
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

    /// Takes `n` bytes.
    fn take(&mut self, n: usize) {
        self.pos += n;
        self.consumed += n as u64;
    }

    /// Drops a byte-order mark at the start of the input, and empty lines
    /// before the next record; false at the end of the input.
    fn skip_to_record(&mut self) -> io::Result<bool> {
        if !self.started {
            while self.end - self.pos < BOM.len() && !self.eof {
                self.fill()?;
            }
            self.started = true;
            if self.buf[self.pos..self.end].starts_with(BOM) {
                self.take(BOM.len());
            }
        }
        loop {
            if self.pos == self.end {
                if self.eof {
                    return Ok(false);
                }
                self.fill()?;
                continue;
            }
            match self.buf[self.pos] {
                b'\n' => {
                    if !self.after_cr {
                        self.next_line += 1;
                    }
                    self.after_cr = false;
                }
                b'\r' => {
                    self.next_line += 1;
                    self.after_cr = true;
                }
                _ => {
                    self.after_cr = false;
                    return Ok(true);
                }
            }
            self.take(1);
        }
    }

    /// The next record; `None` at the end of the input.
    pub(super) fn next_record(&mut self) -> io::Result<Option<Record<'_>>> {
        if !self.skip_to_record()? {
            return Ok(None);
        }
        self.commas.clear();
        let line = self.next_line;
        let mut scan = Scan {
            lex: Lex::FieldStart(0),
            inner_lines: 0,
            last_cr: isize::MIN / 2,
            quoted: false,
        };
        // Bytes of this record scanned, from `pos`, and dropped before `pos`.
        let mut at = 0;
        let mut dropped = 0;
        let terminator = 'scan: loop {
            let bytes = &self.buf[self.pos..self.end];
            // Eight bytes at a time: a mask of the special ones, then each
            // of them in order.
            while let Some(word) = bytes.get(at..at + 8) {
                let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
                let mut special = specials(word);
                while special != 0 {
                    let i = at + (special.trailing_zeros() / 8) as usize;
                    special &= special - 1;
                    if scan.step(bytes, i, bytes[i], &mut self.commas) {
                        at = i;
                        break 'scan Some(bytes[i]);
                    }
                }
                at += 8;
            }
            while let Some(&b) = bytes.get(at) {
                if matches!(b, b'\n' | b'\r' | b',' | b'"')
                    && scan.step(bytes, at, b, &mut self.commas)
                {
                    break 'scan Some(b);
                }
                at += 1;
            }
            if self.eof {
                break None;
            }
            if at > 0 && dropped + at > MAX_RECORD_BYTES {
                // Too long to keep: drop what was scanned, keep lexing.
                scan.settle(at, self.buf[self.pos + at - 1]);
                self.take(at);
                scan.shift(at);
                dropped += at;
                at = 0;
                self.commas.clear();
            }
            self.fill()?;
        };
        let start = self.pos;
        self.take(at + usize::from(terminator.is_some()));
        self.after_cr = terminator == Some(b'\r');
        let mut last_line = line + scan.inner_lines;
        if terminator.is_none()
            && matches!(self.buf[..self.pos].last(), Some(b'\n' | b'\r'))
            && at > 0
        {
            // The input ends with a line break inside a quoted field: the
            // record's last line is the one that break ends.
            last_line -= 1;
        }
        self.next_line = last_line + 1;
        let unclosed = matches!(scan.lex, Lex::Quoted);
        Ok(Some(if dropped + at > MAX_RECORD_BYTES {
            Record::TooLong {
                line,
                last_line,
                unclosed,
            }
        } else if !scan.quoted {
            Record::Plain {
                line,
                bytes: &self.buf[start..start + at],
                commas: &self.commas,
            }
        } else {
            Record::Quoted {
                line,
                last_line,
                bytes: &self.buf[start..start + at],
                unclosed,
            }
        }))
    }
}

/// Low seven bits of every byte.
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// A word with the high bit set in each byte of `word` that equals `byte`
/// and no other bit (exact: no carry crosses bytes).
#[cfg(test)]
fn byte_is(word: u64, byte: u8) -> u64 {
    !(nonzero_bytes(word, byte) | LOW7)
}

/// The high bit of each byte of `word` that is not `byte` (other bits
/// arbitrary; no carry crosses bytes).
#[inline(always)]
fn nonzero_bytes(word: u64, byte: u8) -> u64 {
    let x = word ^ (0x0101_0101_0101_0101 * u64::from(byte));
    ((x & LOW7) + LOW7) | x
}

/// A word with the high bit set in each byte of `word` that is `\n`, `,`,
/// `"` or `\r`, and no other bit: the union of four [`byte_is`] masks, with
/// the complement taken once (a byte is special when it fails one of the
/// four "differs" tests).
#[inline(always)]
fn specials(word: u64) -> u64 {
    !((nonzero_bytes(word, b'\n')
        & nonzero_bytes(word, b',')
        & nonzero_bytes(word, b'"')
        & nonzero_bytes(word, b'\r'))
        | LOW7)
}

/// Splits one complete record into fields with `csv-core`, reusing buffers.
#[derive(Debug)]
pub(super) struct FieldParser {
    reader: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    /// Field count of the last parse.
    count: usize,
}

impl Default for FieldParser {
    fn default() -> Self {
        // `csv_core::Reader::default()` is not a configured reader: its DFA
        // knows no delimiter. `new()` builds the standard RFC 4180 one.
        FieldParser {
            reader: csv_core::Reader::new(),
            out: vec![0; 64],
            ends: vec![0; 16],
            count: 0,
        }
    }
}

impl FieldParser {
    /// Parses the record `bytes` (no line break outside quotes); the fields
    /// are then [`FieldParser::field`] `0..count`. Returns the count.
    pub(super) fn parse(&mut self, bytes: &[u8]) -> usize {
        use csv_core::ReadRecordResult as R;
        self.reader.reset();
        // A fresh `csv-core` reader drops a byte-order mark at the start of
        // its input; only the input's own start may lose one, and that is
        // done by `RecordReader`. A blank line read first marks it as used.
        let _ = self
            .reader
            .read_record(b"\n", &mut self.out, &mut self.ends);
        if self.out.len() < bytes.len() + 16 {
            self.out.resize(bytes.len() + 16, 0);
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
        self.count = nend;
        nend
    }

    /// Field `i` of the last parse.
    pub(super) fn field(&self, i: usize) -> &[u8] {
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1],
        };
        &self.out[start..self.ends[i]]
    }

    /// The fields of the last parse.
    pub(super) fn fields(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        (0..self.count).map(|i| self.field(i))
    }
}

/// The byte range of field `i` of a [`Record::Plain`].
#[inline]
pub(super) fn plain_span(bytes: &[u8], commas: &[u32], i: usize) -> std::ops::Range<usize> {
    let start = match i {
        0 => 0,
        _ => commas[i - 1] as usize + 1,
    };
    let end = commas.get(i).map_or(bytes.len(), |&c| c as usize);
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record as (line, last line, fields, unclosed); too long as `None` fields.
    fn read(input: &[u8]) -> Vec<(u64, u64, Option<Vec<String>>, bool)> {
        let mut reader = RecordReader::new(input);
        let mut parser = FieldParser::default();
        let mut out = Vec::new();
        while let Some(record) = reader.next_record().unwrap() {
            let text = |f: &[u8]| String::from_utf8_lossy(f).into_owned();
            out.push(match record {
                Record::Plain {
                    line,
                    bytes,
                    commas,
                } => {
                    let fields = (0..=commas.len())
                        .map(|i| text(&bytes[plain_span(bytes, commas, i)]))
                        .collect();
                    (line, line, Some(fields), false)
                }
                Record::Quoted {
                    line,
                    last_line,
                    bytes,
                    unclosed,
                } => {
                    parser.parse(bytes);
                    (
                        line,
                        last_line,
                        Some(parser.fields().map(text).collect()),
                        unclosed,
                    )
                }
                Record::TooLong {
                    line,
                    last_line,
                    unclosed,
                } => (line, last_line, None, unclosed),
            });
        }
        out
    }

    fn fields(list: &[&str]) -> Option<Vec<String>> {
        Some(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn the_special_mask_is_the_union_of_the_four_bytes() {
        let mut x = 0x9E37_79B9_7F4A_7C15_u64;
        let alphabet = [b'\n', b',', b'"', b'\r', b'a', 0x80, 0xAC, 0x8A, 0, 0xFF];
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let bytes: [u8; 8] = std::array::from_fn(|i| alphabet[(x >> (i * 5)) as usize % 10]);
            let word = u64::from_le_bytes(bytes);
            let union = byte_is(word, b'\n')
                | byte_is(word, b',')
                | byte_is(word, b'"')
                | byte_is(word, b'\r');
            assert_eq!(specials(word), union, "{bytes:?}");
            for (i, b) in bytes.iter().enumerate() {
                let special = matches!(b, b'\n' | b',' | b'"' | b'\r');
                assert_eq!(union >> (i * 8 + 7) & 1 == 1, special, "{bytes:?}");
            }
        }
    }

    #[test]
    fn a_quote_inside_an_unquoted_field_is_a_character() {
        let got = read(b"a,55\" screen\nb,12\" tv\n");
        assert_eq!(
            got,
            vec![
                (1, 1, fields(&["a", "55\" screen"]), false),
                (2, 2, fields(&["b", "12\" tv"]), false),
            ]
        );
    }

    #[test]
    fn cr_lf_and_crlf_end_records_and_count_as_lines() {
        let got = read(b"a\rb\r\nc\nd\r\r\ne\n\n\"x\ny\"\rz");
        let lines: Vec<(u64, u64)> = got.iter().map(|r| (r.0, r.1)).collect();
        assert_eq!(
            lines,
            vec![(1, 1), (2, 2), (3, 3), (4, 4), (6, 6), (8, 9), (10, 10)]
        );
        assert_eq!(got[5].2, fields(&["x\ny"]));
    }

    #[test]
    fn a_bom_is_dropped_only_at_the_start() {
        let got = read(b"\xEF\xBB\xBF\"phone\"\n\xEF\xBB\xBF1\n");
        assert_eq!(got[0].2, fields(&["phone"]));
        assert_eq!(got[1].2, fields(&["\u{feff}1"]));
    }

    #[test]
    fn an_unclosed_quote_runs_to_the_end_and_says_so() {
        let got = read(b"a,\"b\nc\nd");
        assert_eq!(got, vec![(1, 3, fields(&["a", "b\nc\nd"]), true)]);
    }

    #[test]
    fn a_record_past_the_limit_is_one_record_and_reading_goes_on() {
        let mut input = b"1,\"".to_vec();
        for _ in 0..(MAX_RECORD_BYTES / 10 + 5) {
            input.extend_from_slice(b"123456789\n");
        }
        input.extend_from_slice(b"\"\n2,x\n");
        let got = read(&input);
        let lines = (MAX_RECORD_BYTES / 10 + 5) as u64;
        assert_eq!(
            got,
            vec![
                (1, lines + 1, None, false),
                (lines + 2, lines + 2, fields(&["2", "x"]), false),
            ]
        );
        // Without any quote, and with a quoted field opening after bytes
        // were dropped.
        let mut input = vec![b'x'; 2 * MAX_RECORD_BYTES];
        input.extend_from_slice(b"\n1,2\n");
        assert_eq!(
            read(&input),
            vec![(1, 1, None, false), (2, 2, fields(&["1", "2"]), false)]
        );
        let mut input = b"x,".repeat(MAX_RECORD_BYTES);
        input.extend_from_slice(b"\"a\nb\"\n2,y\n");
        assert_eq!(
            read(&input),
            vec![(1, 2, None, false), (3, 3, fields(&["2", "y"]), false)]
        );
        // Just under the limit it is read whole.
        let mut input = b"\"".to_vec();
        input.resize(MAX_RECORD_BYTES - 1, b'x');
        input.extend_from_slice(b"\"\n");
        let got = read(&input);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].2.as_ref().unwrap()[0].len(), MAX_RECORD_BYTES - 2);
    }
}
