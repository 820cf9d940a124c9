//! The Parquet form of the attempt records: one row group, the columns of
//! [`COLUMNS`] in order, uncompressed (the `parquet` crate without its
//! codecs), times as `TIMESTAMP(MILLIS, UTC)`, strings as UTF-8, a value
//! the attempt does not have as a null. The file's key-value metadata holds
//! `dialcore.record_format_version`.

use std::io::Write;
use std::sync::Arc;

use dialcore::records::{AttemptRecord, COLUMNS, RECORD_FORMAT_VERSION};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

/// The Parquet schema, in [`COLUMNS`] order.
const SCHEMA: &str = "message attempt_record {
  REQUIRED BYTE_ARRAY campaign (UTF8);
  REQUIRED INT64 contact_id;
  REQUIRED BYTE_ARRAY external_id (UTF8);
  REQUIRED INT64 number;
  REQUIRED INT32 number_index;
  OPTIONAL BYTE_ARRAY caller_id (UTF8);
  REQUIRED BYTE_ARRAY zone (UTF8);
  REQUIRED INT32 attempt;
  REQUIRED INT64 dial_at (TIMESTAMP(MILLIS,true));
  OPTIONAL INT64 answer_at (TIMESTAMP(MILLIS,true));
  OPTIONAL INT64 connect_at (TIMESTAMP(MILLIS,true));
  OPTIONAL INT64 end_at (TIMESTAMP(MILLIS,true));
  OPTIONAL INT64 wrap_end_at (TIMESTAMP(MILLIS,true));
  OPTIONAL INT64 ring_ms;
  OPTIONAL INT64 wait_ms;
  OPTIONAL INT64 talk_ms;
  REQUIRED BYTE_ARRAY outcome (UTF8);
  REQUIRED BYTE_ARRAY disposition (UTF8);
  OPTIONAL INT64 operator;
  REQUIRED BOOLEAN abandoned;
  REQUIRED BOOLEAN machine;
  OPTIONAL BOOLEAN message_within_2s;
  REQUIRED INT64 held_back;
  REQUIRED BYTE_ARRAY held_back_reasons (UTF8);
  REQUIRED BOOLEAN in_window;
  REQUIRED BOOLEAN blacklisted_at_dial;
  REQUIRED INT64 dials_24h;
  REQUIRED BOOLEAN complete;
}";

/// One column's values (`None`: null).
enum Col {
    I64(Vec<Option<i64>>),
    I32(Vec<Option<i32>>),
    Bool(Vec<Option<bool>>),
    Str(Vec<Option<String>>),
}

fn i64s(rs: &[AttemptRecord], f: impl Fn(&AttemptRecord) -> Option<u64>) -> Col {
    Col::I64(rs.iter().map(|r| f(r).map(|v| v as i64)).collect())
}

fn bools(rs: &[AttemptRecord], f: impl Fn(&AttemptRecord) -> Option<bool>) -> Col {
    Col::Bool(rs.iter().map(f).collect())
}

fn strs(rs: &[AttemptRecord], f: impl Fn(&AttemptRecord) -> Option<String>) -> Col {
    Col::Str(rs.iter().map(f).collect())
}

/// The columns, in [`COLUMNS`] order.
fn columns(rs: &[AttemptRecord]) -> Vec<Col> {
    vec![
        strs(rs, |r| Some(r.campaign.to_string())),
        i64s(rs, |r| Some(u64::from(r.contact.0))),
        strs(rs, |r| Some(r.external_id.clone())),
        i64s(rs, |r| Some(r.number)),
        Col::I32(rs.iter().map(|r| Some(i32::from(r.number_index))).collect()),
        strs(rs, |r| r.caller_id.clone()),
        strs(rs, |r| Some(r.zone.to_string())),
        Col::I32(rs.iter().map(|r| Some(i32::from(r.attempt))).collect()),
        i64s(rs, |r| Some(r.dial_at)),
        i64s(rs, |r| r.answer_at),
        i64s(rs, |r| r.connect_at),
        i64s(rs, |r| r.end_at),
        i64s(rs, |r| r.wrap_end_at),
        i64s(rs, |r| r.ring_ms),
        i64s(rs, |r| r.wait_ms),
        i64s(rs, |r| r.talk_ms),
        strs(rs, |r| Some(r.outcome.name().to_owned())),
        strs(rs, |r| Some(r.disposition.name().to_owned())),
        i64s(rs, |r| r.operator.map(u64::from)),
        bools(rs, |r| Some(r.abandoned)),
        bools(rs, |r| Some(r.machine)),
        bools(rs, |r| r.message_within_2s),
        i64s(rs, |r| Some(u64::from(r.held_back))),
        strs(rs, |r| Some(r.held_back_reasons_text())),
        bools(rs, |r| Some(r.in_window)),
        bools(rs, |r| Some(r.blacklisted_at_dial)),
        i64s(rs, |r| Some(u64::from(r.dials_24h))),
        bools(rs, |r| Some(r.complete)),
    ]
}

/// The values present and, for an optional column, the definition levels.
fn split<T: Clone>(values: &[Option<T>], optional: bool) -> (Vec<T>, Option<Vec<i16>>) {
    let present = values.iter().flatten().cloned().collect();
    let defs = optional.then(|| values.iter().map(|v| i16::from(v.is_some())).collect());
    (present, defs)
}

/// Writes `records` as a Parquet file to `out`.
pub(super) fn write<W: Write + Send>(
    out: W,
    records: &[AttemptRecord],
) -> Result<(), ParquetError> {
    let schema = Arc::new(parse_message_type(SCHEMA)?);
    debug_assert_eq!(schema.get_fields().len(), COLUMNS.len());
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "dialcore.record_format_version".to_owned(),
            RECORD_FORMAT_VERSION.to_string(),
        )]))
        .build();
    let mut writer = SerializedFileWriter::new(out, schema, Arc::new(props))?;
    let mut group = writer.next_row_group()?;
    // Whether each column is nullable, from the schema's lines.
    let mut optional = SCHEMA
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("REQUIRED") || l.starts_with("OPTIONAL"))
        .map(|l| l.starts_with("OPTIONAL"));
    let mut cols = columns(records).into_iter();
    while let Some(mut column) = group.next_column()? {
        let optional = optional.next().unwrap_or(false);
        let Some(values) = cols.next() else {
            return Err(ParquetError::General(
                "more schema columns than values".into(),
            ));
        };
        match values {
            Col::I64(v) => {
                let (v, d) = split(&v, optional);
                column
                    .typed::<Int64Type>()
                    .write_batch(&v, d.as_deref(), None)?;
            }
            Col::I32(v) => {
                let (v, d) = split(&v, optional);
                column
                    .typed::<Int32Type>()
                    .write_batch(&v, d.as_deref(), None)?;
            }
            Col::Bool(v) => {
                let (v, d) = split(&v, optional);
                column
                    .typed::<BoolType>()
                    .write_batch(&v, d.as_deref(), None)?;
            }
            Col::Str(v) => {
                let (v, d) = split(&v, optional);
                let v: Vec<ByteArray> = v
                    .into_iter()
                    .map(|s| ByteArray::from(s.into_bytes()))
                    .collect();
                column
                    .typed::<ByteArrayType>()
                    .write_batch(&v, d.as_deref(), None)?;
            }
        }
        column.close()?;
    }
    group.close()?;
    writer.close()?;
    Ok(())
}
