//! Differential test: the importer's CSV reader against the `csv` crate's.
//!
//! Inputs are generated from pieces that matter to CSV grammar (quotes at a
//! field start and inside fields, escaped quotes, commas, `\n`, `\r`,
//! `\r\n`, multi-line quoted fields, a byte-order mark, empty fields, ragged
//! rows, a final line break or none) and read by both: the header and every
//! record must have the same fields. The `csv` crate is configured as the
//! importer reads: `flexible(true)` (rows may have any number of fields; the
//! importer reports a wrong count itself), headers on, RFC 4180 quoting.

use dialcore::import::{read_records, MAX_RECORD_BYTES};
use proptest::prelude::*;

/// The `csv` crate's header and records of `input`.
fn reference(input: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<Vec<u8>>>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(input);
    let fields = |r: &csv::ByteRecord| r.iter().map(<[u8]>::to_vec).collect::<Vec<_>>();
    let header = fields(reader.byte_headers().expect("the csv crate reads a header"));
    let records = reader
        .byte_records()
        .map(|r| fields(&r.expect("the csv crate reads every record")))
        .collect();
    (header, records)
}

/// Ours, in the same shape.
fn ours(input: &[u8]) -> (Vec<Vec<u8>>, Vec<Vec<Vec<u8>>>) {
    let mut records = read_records(input)
        .expect("reading a slice cannot fail")
        .into_iter()
        .map(|r| r.fields.expect("generated records are short"));
    let header = records.next().unwrap_or_default();
    (header, records.collect())
}

/// A field's text: plain, with an inch mark, quoted with commas, escaped
/// quotes or line breaks, text after a closing quote, unclosed, empty.
fn field() -> impl Strategy<Value = Vec<u8>> {
    let atom = prop::sample::select(vec![
        &b"a"[..],
        b"030 1234567",
        b" ",
        b"55\" screen",
        b"\"",
        b"\"\"",
        b",",
        b"\n",
        b"\r",
        b"\r\n",
        b"\xef\xbb\xbf",
        b"\xc3\xa9",
        b"\xff",
        b"x\"y\"",
    ]);
    prop::collection::vec(atom, 0..4).prop_map(|parts| parts.concat())
}

/// A field as written: as is, or quoted with its quotes doubled, or quoted
/// and then followed by text.
fn written(text: Vec<u8>, style: u8) -> Vec<u8> {
    let quoted = |text: &[u8]| {
        let mut out = vec![b'"'];
        for &b in text {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
        out
    };
    match style % 4 {
        0 | 1 => text,
        2 => quoted(&text),
        _ => {
            let mut out = quoted(&text);
            out.extend_from_slice(b"tail");
            out
        }
    }
}

/// A whole input: an optional byte-order mark, rows of fields joined by
/// commas and ended by a mix of line breaks, blank lines, the last break
/// optional.
fn input() -> impl Strategy<Value = Vec<u8>> {
    let row = prop::collection::vec((field(), any::<u8>()), 1..5);
    let end = prop::sample::select(vec![&b"\n"[..], b"\r\n", b"\r", b"\n\n", b"\r\r\n"]);
    (
        any::<bool>(),
        prop::collection::vec((row, end), 0..12),
        any::<bool>(),
    )
        .prop_map(|(bom, rows, last_break)| {
            let mut out = Vec::new();
            if bom {
                out.extend_from_slice(b"\xef\xbb\xbf");
            }
            let count = rows.len();
            for (i, (fields, end)) in rows.into_iter().enumerate() {
                let fields: Vec<Vec<u8>> = fields
                    .into_iter()
                    .map(|(text, style)| written(text, style))
                    .collect();
                out.extend_from_slice(&fields.join(&b","[..]));
                if i + 1 < count || last_break {
                    out.extend_from_slice(end);
                }
            }
            out
        })
}

/// Raw bytes from a small alphabet: anything at all, grammatical or not.
fn soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop::sample::select(vec![b'a', b' ', b'"', b',', b'\n', b'\r', 0xEF, 0xBB, 0xBF]),
        0..200,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn same_records_as_the_csv_crate(input in input()) {
        prop_assert_eq!(ours(&input), reference(&input));
    }

    #[test]
    fn same_records_as_the_csv_crate_on_byte_soup(input in soup()) {
        prop_assert_eq!(ours(&input), reference(&input));
    }
}

#[test]
fn known_cases() {
    let cases: &[&[u8]] = &[
        b"",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbf\xef\xbb\xbfphone\n1",
        b"phone\n\"a\"b\"c\n",
        b"phone\n\"unclosed\nrest,of\nfile",
        b"a,b\r1,2\r\n3,4\n\n\r5,\"6\r\n7\"\r",
        b"phone,notes\n030,55\" screen\n031,12\" tv\n",
        b"\"\"\"\",\"\"\n",
        b",\n,,\n",
    ];
    for case in cases {
        assert_eq!(
            ours(case),
            reference(case),
            "{:?}",
            String::from_utf8_lossy(case)
        );
    }
}

#[test]
fn the_limit_is_where_the_records_part_from_the_csv_crate() {
    // Just under the limit the two agree on a long multi-line field.
    let mut input = b"phone,notes\n1,\"".to_vec();
    while input.len() < MAX_RECORD_BYTES {
        input.extend_from_slice(b"0123456789\n");
    }
    input.truncate(MAX_RECORD_BYTES - 1);
    input.extend_from_slice(b"\"\n2,x\n");
    assert_eq!(ours(&input), reference(&input));
    // Past it, ours is one record without fields, then the next row.
    let mut long = b"phone,notes\n1,\"".to_vec();
    long.resize(MAX_RECORD_BYTES + 100, b'z');
    long.extend_from_slice(b"\"\n2,x\n");
    let records = read_records(&long[..]).unwrap();
    assert_eq!(records.len(), 3);
    assert_eq!(records[1].fields, None);
    assert_eq!(records[2].fields, Some(vec![b"2".to_vec(), b"x".to_vec()]));
    assert_eq!(records[2].line, 3);
}
