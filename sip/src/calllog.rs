//! Two append-only logs of the host: the event log and the crash log.
//!
//! **Event log** ([`EventLog`], JSON lines, default
//! `<data_dir>/events.jsonl`): one object per SIP message sent or received
//! and per engine event and command, each with `t` (ms since the epoch)
//! and `ev` (its kind). The end-to-end test asserts on it; an operator can
//! `grep` it. Each line is written when it happens and flushed at every
//! turn of the engine loop.
//!
//! **Crash log** ([`CallLog`], `<data_dir>/sip-calls.log`): the dialogs in
//! flight, so that a restart after `kill -9` can end them before the engine
//! dials their contacts again. Before an attempt's INVITE leaves, an
//! `invite` line holds its whole text; when it is answered an `up` line
//! holds the confirmed dialog's BYE fields; when its last dialog is gone an
//! `end` line closes it. Each line is written (unbuffered) before the
//! message it describes is sent, so the OS has it even if the process dies
//! right after. [`CallLog::open`] reads the leftovers (started, not ended)
//! and starts a fresh file; once [`COMPACT_AFTER_BYTES`] were appended the
//! file is rewritten (temporary file, fsync, rename) with only the dialogs
//! in flight, so a long campaign keeps it small.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use dialcore::{CallId, ContactId};

/// The JSON-lines event log.
#[derive(Debug)]
pub struct EventLog {
    out: BufWriter<File>,
}

/// One field value of an event line.
#[derive(Debug, Clone, Copy)]
pub enum V<'a> {
    /// A number.
    N(u64),
    /// A string (escaped on output).
    S(&'a str),
    /// A boolean.
    B(bool),
}

impl EventLog {
    /// Opens (appends to) the log.
    pub fn open(path: &Path) -> io::Result<EventLog> {
        if let Some(p) = path.parent() {
            fs::create_dir_all(p)?;
        }
        let f = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(EventLog {
            out: BufWriter::new(f),
        })
    }

    /// Writes one line: `{"t":…,"ev":…,<fields>}`.
    pub fn line(&mut self, t: u64, ev: &str, fields: &[(&str, V<'_>)]) {
        let mut s = format!("{{\"t\":{t},\"ev\":\"{ev}\"");
        for (k, v) in fields {
            s.push_str(",\"");
            s.push_str(k);
            s.push_str("\":");
            match v {
                V::N(n) => s.push_str(&n.to_string()),
                V::B(b) => s.push_str(if *b { "true" } else { "false" }),
                V::S(text) => {
                    s.push('"');
                    escape_into(&mut s, text);
                    s.push('"');
                }
            }
        }
        s.push_str("}\n");
        let _ = self.out.write_all(s.as_bytes());
    }

    /// Writes a call event (with `contact`, `attempt`).
    pub fn call(&mut self, t: u64, ev: &str, call: CallId, fields: &[(&str, V<'_>)]) {
        let mut all = vec![
            ("contact", V::N(u64::from(call.contact.0))),
            ("attempt", V::N(u64::from(call.attempt))),
        ];
        all.extend_from_slice(fields);
        self.line(t, ev, &all);
    }

    /// Hands buffered lines to the OS.
    pub fn flush(&mut self) {
        let _ = self.out.flush();
    }
}

fn escape_into(s: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if (c as u32) < 0x20 => s.push_str(&format!("\\u{:04x}", c as u32)),
            c => s.push(c),
        }
    }
}

/// A dialog the previous process left in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leftover {
    /// The attempt.
    pub call: CallId,
    /// The number dialed.
    pub number: u64,
    /// The INVITE's text (`\n` line ends).
    pub invite: String,
    /// The confirmed dialog's BYE fields, when it was answered.
    pub up: Option<String>,
    /// The operator leg's INVITE, when one was sent.
    pub operator_invite: Option<String>,
    /// The operator leg's BYE fields, when it was bridged.
    pub operator: Option<String>,
}

/// The crash log of dialogs in flight.
#[derive(Debug)]
pub struct CallLog {
    path: PathBuf,
    file: File,
    /// The dialogs in flight, as the file holds them (for compaction).
    live: BTreeMap<(u32, u8), Leftover>,
    /// Bytes appended since the file was last rewritten.
    written: u64,
}

/// The crash log is rewritten with only the dialogs in flight once this
/// many bytes were appended to it (a long campaign must not grow it
/// without bound: an INVITE line is ~600 bytes).
pub const COMPACT_AFTER_BYTES: u64 = 4 << 20;

fn key(call: CallId) -> (u32, u8) {
    (call.contact.0, call.attempt)
}

/// Escapes tabs and line ends so that one record stays one line.
fn pack(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\t', "\\t")
}

fn unpack(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut it = text.chars();
    while let Some(c) = it.next() {
        if c == '\\' {
            match it.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl CallLog {
    /// Reads `<dir>/sip-calls.log`, returns the dialogs left in flight, and
    /// starts the log again holding just those (they are closed by
    /// [`CallLog::ended`] once the restart has ended them).
    pub fn open(dir: &Path) -> io::Result<(CallLog, Vec<Leftover>)> {
        fs::create_dir_all(dir)?;
        let path = dir.join("sip-calls.log");
        let mut live: BTreeMap<(u32, u8), Leftover> = BTreeMap::new();
        match fs::read_to_string(&path) {
            Ok(text) => {
                for line in text.lines() {
                    let mut f = line.splitn(5, '\t');
                    let (Some(kind), Some(c), Some(a)) = (f.next(), f.next(), f.next()) else {
                        continue; // a line cut by the crash
                    };
                    let (Ok(c), Ok(a)) = (c.parse::<u32>(), a.parse::<u8>()) else {
                        continue;
                    };
                    let call = CallId {
                        contact: ContactId(c),
                        attempt: a,
                    };
                    match kind {
                        "invite" => {
                            let (Some(n), Some(inv)) = (f.next(), f.next()) else {
                                continue;
                            };
                            let Ok(number) = n.parse() else { continue };
                            live.insert(
                                key(call),
                                Leftover {
                                    call,
                                    number,
                                    invite: unpack(inv),
                                    up: None,
                                    operator_invite: None,
                                    operator: None,
                                },
                            );
                        }
                        "up" => {
                            if let (Some(l), Some(fields)) = (live.get_mut(&key(call)), f.next()) {
                                l.up = Some(unpack(fields));
                            }
                        }
                        "opinv" => {
                            if let (Some(l), Some(text)) = (live.get_mut(&key(call)), f.next()) {
                                l.operator_invite = Some(unpack(text));
                            }
                        }
                        "op" => {
                            if let (Some(l), Some(fields)) = (live.get_mut(&key(call)), f.next()) {
                                l.operator = Some(unpack(fields));
                            }
                        }
                        "end" => {
                            live.remove(&key(call));
                        }
                        _ => {}
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let leftovers: Vec<Leftover> = live.values().cloned().collect();
        let file = Self::rewrite(&path, &live)?;
        Ok((
            CallLog {
                path,
                file,
                live,
                written: 0,
            },
            leftovers,
        ))
    }

    /// Replaces the file (temporary file, fsync, rename) by one holding
    /// just `live`; returns it opened for appending.
    fn rewrite(path: &Path, live: &BTreeMap<(u32, u8), Leftover>) -> io::Result<File> {
        let tmp = path.with_extension("log.tmp");
        {
            let mut f = File::create(&tmp)?;
            for l in live.values() {
                f.write_all(Self::invite_line(l.call, l.number, &l.invite).as_bytes())?;
                if let Some(up) = &l.up {
                    f.write_all(Self::up_line(l.call, up).as_bytes())?;
                }
                if let Some(inv) = &l.operator_invite {
                    f.write_all(Self::tagged_line("opinv", l.call, inv).as_bytes())?;
                }
                if let Some(op) = &l.operator {
                    f.write_all(Self::tagged_line("op", l.call, op).as_bytes())?;
                }
            }
            f.sync_all()?;
        }
        fs::rename(&tmp, path)?;
        OpenOptions::new().append(true).open(path)
    }

    fn append(&mut self, line: &str) -> io::Result<()> {
        self.written += line.len() as u64;
        self.file.write_all(line.as_bytes())
    }

    fn invite_line(call: CallId, number: u64, invite: &str) -> String {
        format!(
            "invite\t{}\t{}\t{number}\t{}\n",
            call.contact.0,
            call.attempt,
            pack(invite)
        )
    }

    fn up_line(call: CallId, fields: &str) -> String {
        Self::tagged_line("up", call, fields)
    }

    fn tagged_line(tag: &str, call: CallId, fields: &str) -> String {
        format!(
            "{tag}\t{}\t{}\t{}\n",
            call.contact.0,
            call.attempt,
            pack(fields)
        )
    }

    /// The operator leg's INVITE is about to leave.
    pub fn operator_invited(&mut self, call: CallId, invite: &str) -> io::Result<()> {
        if let Some(l) = self.live.get_mut(&key(call)) {
            l.operator_invite = Some(invite.to_owned());
        }
        self.append(&Self::tagged_line("opinv", call, invite))
    }

    /// The operator leg was answered: its BYE fields.
    pub fn operator_up(&mut self, call: CallId, fields: &str) -> io::Result<()> {
        if let Some(l) = self.live.get_mut(&key(call)) {
            l.operator = Some(fields.to_owned());
        }
        self.append(&Self::tagged_line("op", call, fields))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// An INVITE is about to leave (or just left).
    pub fn invited(&mut self, call: CallId, number: u64, invite: &str) -> io::Result<()> {
        self.live.insert(
            key(call),
            Leftover {
                call,
                number,
                invite: invite.to_owned(),
                up: None,
                operator_invite: None,
                operator: None,
            },
        );
        self.append(&Self::invite_line(call, number, invite))
    }

    /// The call was answered: its dialog's BYE fields.
    pub fn up(&mut self, call: CallId, fields: &str) -> io::Result<()> {
        if let Some(l) = self.live.get_mut(&key(call)) {
            l.up = Some(fields.to_owned());
        }
        self.append(&Self::up_line(call, fields))
    }

    /// The call's dialogs are all gone. Past [`COMPACT_AFTER_BYTES`] the
    /// file is rewritten with the dialogs still in flight.
    pub fn ended(&mut self, call: CallId) -> io::Result<()> {
        self.live.remove(&key(call));
        self.append(&format!("end\t{}\t{}\n", call.contact.0, call.attempt))?;
        if self.written >= COMPACT_AFTER_BYTES {
            self.file = Self::rewrite(&self.path, &self.live)?;
            self.written = 0;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(c: u32, a: u8) -> CallId {
        CallId {
            contact: ContactId(c),
            attempt: a,
        }
    }

    #[test]
    fn leftovers_are_started_minus_ended_and_survive_a_second_open() {
        let dir = tempfile::tempdir().unwrap();
        let invite = "INVITE sip:1@h SIP/2.0\nVia: x\tTab\\back\n\n";
        {
            let (mut log, left) = CallLog::open(dir.path()).unwrap();
            assert!(left.is_empty());
            log.invited(call(1, 1), 11, invite).unwrap();
            log.invited(call(2, 1), 22, invite).unwrap();
            log.up(call(2, 1), "call_id=a\tfrom=b").unwrap();
            log.operator_invited(call(2, 1), "INVITE sip:op@h SIP/2.0\n\n")
                .unwrap();
            log.operator_up(call(2, 1), "call_id=o").unwrap();
            log.invited(call(3, 1), 33, invite).unwrap();
            log.ended(call(1, 1)).unwrap();
            // a line cut by a crash
            log.file.write_all(b"invite\t9\t").unwrap();
        }
        let (_log, left) = CallLog::open(dir.path()).unwrap();
        assert_eq!(left.len(), 2);
        assert_eq!(left[0].call, call(2, 1));
        assert_eq!(left[0].invite, invite);
        assert_eq!(left[0].up.as_deref(), Some("call_id=a\tfrom=b"));
        assert_eq!(left[0].operator.as_deref(), Some("call_id=o"));
        assert_eq!(
            left[0].operator_invite.as_deref(),
            Some("INVITE sip:op@h SIP/2.0\n\n")
        );
        assert_eq!(left[1].call, call(3, 1));
        assert_eq!(left[1].up, None);
        // not ended: still there on the next open
        let (mut log, again) = CallLog::open(dir.path()).unwrap();
        assert_eq!(again, left);
        log.ended(call(2, 1)).unwrap();
        log.ended(call(3, 1)).unwrap();
        drop(log);
        assert!(CallLog::open(dir.path()).unwrap().1.is_empty());
    }

    proptest::proptest! {
        /// Any text (an INVITE, dialog fields) survives the one-line packing.
        #[test]
        fn pack_round_trips_and_stays_one_field(text in "(?s)[a-z\\\\\t\n\r ]{0,16}.{0,48}") {
            let packed = pack(&text);
            proptest::prop_assert!(!packed.contains('\n') && !packed.contains('\t'));
            proptest::prop_assert_eq!(unpack(&packed), text);
        }
    }

    #[test]
    fn compaction_keeps_exactly_the_dialogs_in_flight() {
        let dir = tempfile::tempdir().unwrap();
        let big = "x".repeat(64 * 1024);
        {
            let (mut log, _) = CallLog::open(dir.path()).unwrap();
            log.invited(call(7, 1), 77, "INVITE kept").unwrap();
            log.up(call(7, 1), "call_id=kept").unwrap();
            // enough ended calls to pass the threshold more than once
            for c in 0..(2 * COMPACT_AFTER_BYTES / big.len() as u64 + 2) as u32 {
                log.invited(call(100 + c, 1), 1, &big).unwrap();
                log.ended(call(100 + c, 1)).unwrap();
            }
            let size = fs::metadata(log.path()).unwrap().len();
            assert!(size < COMPACT_AFTER_BYTES, "{size} bytes after compaction");
        }
        let (_, left) = CallLog::open(dir.path()).unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].call, call(7, 1));
        assert_eq!(left[0].up.as_deref(), Some("call_id=kept"));
    }

    #[test]
    fn event_lines_are_json_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("e.jsonl");
        let mut log = EventLog::open(&p).unwrap();
        log.call(
            5,
            "final",
            call(3, 2),
            &[("code", V::N(486)), ("why", V::S("a\"b\n"))],
        );
        log.flush();
        let text = fs::read_to_string(&p).unwrap();
        assert_eq!(
            text,
            "{\"t\":5,\"ev\":\"final\",\"contact\":3,\"attempt\":2,\"code\":486,\"why\":\"a\\\"b\\n\"}\n"
        );
    }
}
