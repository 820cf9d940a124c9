//! The CSV form of the attempt records: a header of [`COLUMNS`], one line
//! per attempt, RFC 4180 quoting (a field with a comma, a quote or a line
//! break is quoted, quotes doubled). Times (`_at`) are UTC, RFC 3339 with
//! milliseconds (`2026-03-02T14:05:09.250Z`); durations (`_ms`) are
//! milliseconds; states and outcomes are their identifier names
//! (`RetryScheduled`, `NoAnswer`); booleans are `true`/`false`; a value the
//! attempt does not have is an empty field.

use std::io::{self, Write};

use super::{AttemptRecord, COLUMNS};

/// Writes `records` as CSV to `out`.
pub fn write_csv(records: &[AttemptRecord], out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    writeln!(out, "{}", COLUMNS.join(","))?;
    let mut line = String::with_capacity(256);
    for r in records {
        line.clear();
        for (i, field) in fields(r).iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            quote_into(&mut line, field);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// An epoch-ms time as RFC 3339 UTC with milliseconds.
pub fn format_time(ms: u64) -> String {
    i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_else(|| ms.to_string())
}

fn opt_time(t: Option<u64>) -> String {
    t.map(format_time).unwrap_or_default()
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The fields of one record, in [`COLUMNS`] order.
pub(super) fn fields(r: &AttemptRecord) -> [String; COLUMNS.len()] {
    [
        r.campaign.clone(),
        r.contact.0.to_string(),
        r.external_id.clone(),
        r.number.to_string(),
        r.number_index.to_string(),
        r.caller_id.clone().unwrap_or_default(),
        r.zone.clone(),
        r.attempt.to_string(),
        format_time(r.dial_at),
        opt_time(r.answer_at),
        opt_time(r.connect_at),
        opt_time(r.end_at),
        opt_time(r.wrap_end_at),
        opt(r.ring_ms),
        opt(r.wait_ms),
        opt(r.talk_ms),
        r.outcome.name().to_owned(),
        r.disposition.name().to_owned(),
        opt(r.operator),
        r.abandoned.to_string(),
        r.machine.to_string(),
        opt(r.message_within_2s),
        r.held_back.to_string(),
        r.in_window.to_string(),
        r.blacklisted_at_dial.to_string(),
        r.dials_24h.to_string(),
        r.complete.to_string(),
    ]
}

fn quote_into(line: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        line.push('"');
        line.push_str(&field.replace('"', "\"\""));
        line.push('"');
    } else {
        line.push_str(field);
    }
}
