//! The CSV form of the attempt records: a header of [`COLUMNS`], one line
//! per attempt, RFC 4180 quoting (a field with a comma, a quote or a line
//! break is quoted, quotes doubled). Times (`_at`) are UTC, RFC 3339 with
//! milliseconds (`2026-03-02T14:05:09.250Z`); durations (`_ms`) are
//! milliseconds; states and outcomes are their identifier names
//! (`RetryScheduled`, `NoAnswer`); booleans are `true`/`false`; a value the
//! attempt does not have is an empty field.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{AttemptRecord, COLUMNS};

/// Writes `records` as CSV to `out`.
pub fn write_csv(records: &[AttemptRecord], out: &mut dyn Write) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    writeln!(out, "{}", COLUMNS.join(","))?;
    let mut line = String::with_capacity(512);
    for r in records {
        line.clear();
        write_line(&mut line, r);
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// An epoch-ms time as RFC 3339 UTC with milliseconds.
pub fn format_time(ms: u64) -> String {
    let mut s = String::with_capacity(24);
    push_time(&mut s, ms);
    s
}

fn push_time(s: &mut String, ms: u64) {
    match i64::try_from(ms)
        .ok()
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
    {
        Some(t) => {
            let _ = write!(s, "{}", t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"));
        }
        None => {
            let _ = write!(s, "{ms}");
        }
    }
}

/// One record's line, fields in [`COLUMNS`] order, newline included.
fn write_line(s: &mut String, r: &AttemptRecord) {
    let opt_time = |s: &mut String, t: Option<u64>| {
        if let Some(t) = t {
            push_time(s, t);
        }
    };
    let opt = |s: &mut String, v: Option<u64>| {
        if let Some(v) = v {
            let _ = write!(s, "{v}");
        }
    };
    quote_into(s, &r.campaign);
    let _ = write!(s, ",{},", r.contact.0);
    quote_into(s, &r.external_id);
    let _ = write!(s, ",{},{},", r.number, r.number_index);
    quote_into(s, r.caller_id.as_deref().unwrap_or(""));
    s.push(',');
    quote_into(s, &r.zone);
    let _ = write!(s, ",{},", r.attempt);
    push_time(s, r.dial_at);
    for t in [r.answer_at, r.connect_at, r.end_at, r.wrap_end_at] {
        s.push(',');
        opt_time(s, t);
    }
    for d in [r.ring_ms, r.wait_ms, r.talk_ms] {
        s.push(',');
        opt(s, d);
    }
    let _ = write!(s, ",{},{},", r.outcome.name(), r.disposition.name());
    opt(s, r.operator.map(u64::from));
    let _ = write!(s, ",{},{},", r.abandoned, r.machine);
    if let Some(m) = r.message_within_2s {
        let _ = write!(s, "{m}");
    }
    let _ = write!(s, ",{},", r.held_back);
    s.push_str(&r.held_back_reasons_text());
    let _ = writeln!(
        s,
        ",{},{},{},{}",
        r.in_window, r.blacklisted_at_dial, r.dials_24h, r.complete
    );
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
