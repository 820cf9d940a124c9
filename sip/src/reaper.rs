//! Ends, on the SIP side, the dialogs a killed process left in flight.
//!
//! A process killed with SIGKILL leaves calls the far end still holds: a
//! customer phone still ringing (no CANCEL will ever come), an answered
//! customer waiting or talking, an operator leg. The journal reconciles
//! their contacts (not yet connected → `RetryScheduled`, due at once), so
//! the engine would dial such a number again while its old dialog is live.
//! Before the engine is polled, [`reap`] binds the host's own SIP address
//! (the old dialogs' Via and Contact point there) and, for each leftover of
//! the crash log:
//!
//! - ringing (no `up` line): CANCEL built from the logged INVITE (same
//!   Request-URI, top Via, From, To, Call-ID, CSeq number), then the
//!   INVITE's final response is ACKed; a 2xx that crossed it is ACKed and
//!   BYE'd;
//! - answered: BYE from the logged dialog fields (Call-ID, From, To with
//!   the remote tag, CSeq + 1) to the remote target;
//! - the operator leg, when one was INVITEd: the same, BYE if it answered,
//!   CANCEL if it was still ringing;
//! - a BYE the far end sends meanwhile for one of these Call-IDs is
//!   answered 200 and ends it too.
//!
//! Requests are retransmitted every 500 ms. A dialog ends when its final
//! response (or the far end's BYE) arrives; after [`REAP_WAIT_MS`] the rest
//! is logged as `reap_unconfirmed` and the host goes on (nothing more can
//! be done from here). Each ended leftover gets its `end` line in the crash
//! log and a `reaped` line in the event log.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use crate::calllog::{CallLog, EventLog, Leftover, V};
use crate::host::now_ms;

/// How long the reaper waits for the far ends, ms.
pub const REAP_WAIT_MS: u64 = 8_000;

/// A SIP message's start line and headers (first value of each name).
#[derive(Debug, Clone, Default)]
pub struct Msg {
    /// The start line.
    pub start: String,
    /// `(lower-case name, value)` in order.
    pub headers: Vec<(String, String)>,
}

impl Msg {
    /// Parses the head of a SIP message (the body is ignored).
    pub fn parse(text: &str) -> Option<Msg> {
        let mut lines = text.split('\n').map(|l| l.trim_end_matches('\r'));
        let start = lines.next()?.trim().to_owned();
        if start.is_empty() {
            return None;
        }
        let mut headers = Vec::new();
        for line in lines {
            if line.is_empty() {
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                let name = match n.trim().to_ascii_lowercase().as_str() {
                    "i" => "call-id".to_owned(),
                    "f" => "from".to_owned(),
                    "t" => "to".to_owned(),
                    "v" => "via".to_owned(),
                    "m" => "contact".to_owned(),
                    other => other.to_owned(),
                };
                headers.push((name, v.trim().to_owned()));
            }
        }
        Some(Msg { start, headers })
    }

    /// The first value of a header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `(number, method)` of CSeq.
    pub fn cseq(&self) -> Option<(u32, String)> {
        let (n, m) = self.get("cseq")?.split_once(' ')?;
        Some((n.trim().parse().ok()?, m.trim().to_owned()))
    }

    /// The status code of a response.
    pub fn status(&self) -> Option<u16> {
        let rest = self.start.strip_prefix("SIP/2.0 ")?;
        rest.get(..3)?.parse().ok()
    }

    /// The Request-URI of a request.
    pub fn request_uri(&self) -> Option<&str> {
        self.start.split(' ').nth(1)
    }
}

/// The `host:port` of a SIP URI (`sip:user@1.2.3.4:5060;transport=udp`,
/// possibly in `<…>`).
pub fn uri_addr(uri: &str) -> Option<SocketAddr> {
    let u = uri.trim().trim_start_matches('<');
    let u = u.split('>').next()?;
    let u = u.strip_prefix("sip:").unwrap_or(u);
    let hostport = u.rsplit('@').next()?;
    let hostport = hostport.split(';').next()?;
    if hostport.contains(':') {
        hostport.parse().ok()
    } else {
        format!("{hostport}:5060").parse().ok()
    }
}

/// The CANCEL for a logged INVITE.
pub fn cancel_for(invite: &Msg) -> Option<String> {
    let (n, _) = invite.cseq()?;
    Some(format!(
        "CANCEL {} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {n} CANCEL\r\nContent-Length: 0\r\n\r\n",
        invite.request_uri()?,
        invite.get("via")?,
        invite.get("from")?,
        invite.get("to")?,
        invite.get("call-id")?,
    ))
}

/// The ACK for a non-2xx final response to a logged INVITE (same branch).
pub fn ack_for(invite: &Msg, resp: &Msg) -> Option<String> {
    let (n, _) = invite.cseq()?;
    Some(format!(
        "ACK {} SIP/2.0\r\nVia: {}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {n} ACK\r\nContent-Length: 0\r\n\r\n",
        invite.request_uri()?,
        invite.get("via")?,
        invite.get("from")?,
        resp.get("to")?,
        invite.get("call-id")?,
    ))
}

/// The dialog fields of an `up` line (`call_id=…\tfrom=…\tto=…\tcseq=…\ttarget=…`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Up {
    /// Call-ID.
    pub call_id: String,
    /// Our From (with our tag).
    pub from: String,
    /// Their To (with their tag).
    pub to: String,
    /// Our last CSeq.
    pub cseq: u32,
    /// The remote target URI.
    pub target: String,
}

impl Up {
    /// Parses the fields.
    pub fn parse(text: &str) -> Option<Up> {
        let mut m: HashMap<&str, &str> = HashMap::new();
        for part in text.split('\t') {
            if let Some((k, v)) = part.split_once('=') {
                m.insert(k, v);
            }
        }
        Some(Up {
            call_id: m.get("call_id")?.to_string(),
            from: m.get("from")?.to_string(),
            to: m.get("to")?.to_string(),
            cseq: m.get("cseq")?.parse().ok()?,
            target: m.get("target")?.to_string(),
        })
    }

    /// A BYE in this dialog, from `local`.
    pub fn bye(&self, local: SocketAddr, branch: &str) -> String {
        format!(
            "BYE {} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch={branch}\r\nMax-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {} BYE\r\nContent-Length: 0\r\n\r\n",
            self.target.trim_matches(|c| c == '<' || c == '>'),
            self.from,
            self.to,
            self.call_id,
            self.cseq + 1,
        )
    }
}

/// A 200 OK to a request.
fn ok_for(req: &Msg) -> String {
    let mut s = String::from("SIP/2.0 200 OK\r\n");
    for (n, v) in &req.headers {
        if n == "via" {
            s.push_str(&format!("Via: {v}\r\n"));
        }
    }
    for (name, h) in [
        ("From", "from"),
        ("To", "to"),
        ("Call-ID", "call-id"),
        ("CSeq", "cseq"),
    ] {
        if let Some(v) = req.get(h) {
            s.push_str(&format!("{name}: {v}\r\n"));
        }
    }
    s.push_str("Content-Length: 0\r\n\r\n");
    s
}

/// One dialog to end: a customer call or an operator leg.
#[derive(Debug)]
struct Job {
    /// Its leftover (index into the list).
    left: usize,
    call_id: String,
    /// The logged INVITE (for CANCEL and ACK).
    invite: Option<Msg>,
    /// What to (re)send and where; `None`: waiting only.
    pending: Option<(String, SocketAddr)>,
    open: bool,
    how: &'static str,
}

impl Job {
    /// The job for one dialog: BYE when it was confirmed (`up`), else
    /// CANCEL of its INVITE, sent to `dest`.
    fn new(
        left: usize,
        leg: &str,
        invite: Option<&str>,
        up: Option<&str>,
        local: SocketAddr,
        dest: SocketAddr,
    ) -> Job {
        let invite = invite.and_then(Msg::parse);
        let mut job = Job {
            left,
            call_id: invite
                .as_ref()
                .and_then(|m| m.get("call-id"))
                .unwrap_or("")
                .to_owned(),
            invite,
            pending: None,
            open: true,
            how: "cancel",
        };
        if let Some(up) = up.and_then(Up::parse) {
            job.how = "bye";
            let to = uri_addr(&up.target).unwrap_or(dest);
            job.call_id = up.call_id.clone();
            job.pending = Some((up.bye(local, &format!("z9hG4bK-reap-{left}-{leg}")), to));
        } else if let Some(c) = job.invite.as_ref().and_then(cancel_for) {
            job.pending = Some((c, dest));
        } else {
            job.open = false; // nothing usable was logged
        }
        job
    }
}

/// Ends `leftovers` on the SIP side (see the module doc). `local` is the
/// host's SIP address; `trunk` where customer requests go.
pub async fn reap(
    local: SocketAddr,
    trunk: SocketAddr,
    leftovers: &[Leftover],
    log: &mut EventLog,
    calls: &Arc<Mutex<CallLog>>,
) -> Result<(), String> {
    let sock = UdpSocket::bind(local)
        .await
        .map_err(|e| format!("reaper: cannot bind {local}: {e}"))?;
    let mut jobs: Vec<Job> = Vec::new();
    for (i, l) in leftovers.iter().enumerate() {
        let customer = Job::new(i, "c", Some(&l.invite), l.up.as_deref(), local, trunk);
        log.call(
            now_ms(),
            "reap",
            l.call,
            &[("how", V::S(customer.how)), ("number", V::N(l.number))],
        );
        jobs.push(customer);
        if l.operator_invite.is_some() || l.operator.is_some() {
            // The operator's address: its INVITE's Request-URI.
            let dest = l
                .operator_invite
                .as_deref()
                .and_then(Msg::parse)
                .and_then(|m| m.request_uri().and_then(uri_addr))
                .unwrap_or(trunk);
            jobs.push(Job::new(
                i,
                "o",
                l.operator_invite.as_deref(),
                l.operator.as_deref(),
                local,
                dest,
            ));
        }
    }
    let deadline = Instant::now() + Duration::from_millis(REAP_WAIT_MS);
    let mut buf = vec![0u8; 65_536];
    let mut next_send = Instant::now();
    while jobs.iter().any(|j| j.open) && Instant::now() < deadline {
        if Instant::now() >= next_send {
            for j in jobs.iter().filter(|j| j.open) {
                if let Some((text, to)) = &j.pending {
                    let _ = sock.send_to(text.as_bytes(), to).await;
                }
            }
            next_send = Instant::now() + Duration::from_millis(500);
        }
        let wait = next_send
            .min(deadline)
            .saturating_duration_since(Instant::now());
        let Ok(Ok((n, from))) = tokio::time::timeout(wait, sock.recv_from(&mut buf)).await else {
            continue;
        };
        let Some(m) = Msg::parse(&String::from_utf8_lossy(&buf[..n])) else {
            continue;
        };
        let Some(id) = m.get("call-id").map(str::to_owned) else {
            continue;
        };
        let Some(j) = jobs.iter_mut().find(|j| j.open && j.call_id == id) else {
            // A request for a dialog we do not know (or ended): 481.
            if m.status().is_none() && !m.start.starts_with("ACK ") {
                let text = ok_for(&m).replacen("200 OK", "481 Call/Transaction Does Not Exist", 1);
                let _ = sock.send_to(text.as_bytes(), from).await;
            }
            continue;
        };
        match (m.status(), m.cseq()) {
            // The far end hung up itself: 200, the dialog is over.
            (None, Some((_, method))) if method == "BYE" => {
                let _ = sock.send_to(ok_for(&m).as_bytes(), from).await;
                j.open = false;
            }
            (Some(code), Some((_, method))) if method == "BYE" && code >= 200 => {
                j.open = false;
            }
            (Some(code), Some((_, method))) if method == "CANCEL" && code >= 200 => {
                // 200: wait for the INVITE's 487; 481: the far end has no
                // such transaction any more.
                j.pending = None;
                if code == 481 {
                    j.open = false;
                }
            }
            (Some(code), Some((_, method))) if method == "INVITE" && code >= 300 => {
                if let Some(ack) = j.invite.as_ref().and_then(|inv| ack_for(inv, &m)) {
                    let _ = sock.send_to(ack.as_bytes(), from).await;
                }
                j.open = false;
            }
            (Some(code), Some((n_cseq, method)))
                if method == "INVITE" && (200..300).contains(&code) =>
            {
                // Answered after all: ACK it and BYE it.
                let (Some(inv), Some(to)) = (j.invite.as_ref(), m.get("to")) else {
                    continue;
                };
                let target = m.get("contact").and_then(uri_addr).unwrap_or(from);
                let ruri = m
                    .get("contact")
                    .map(|c| {
                        c.trim_matches(|ch| ch == '<' || ch == '>')
                            .split('>')
                            .next()
                            .unwrap_or(c)
                            .to_owned()
                    })
                    .unwrap_or_else(|| inv.request_uri().unwrap_or("").to_owned());
                let from_h = inv.get("from").unwrap_or("");
                let ack = format!(
                    "ACK {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bK-reap-ack-{n_cseq}\r\nMax-Forwards: 70\r\nFrom: {from_h}\r\nTo: {to}\r\nCall-ID: {id}\r\nCSeq: {n_cseq} ACK\r\nContent-Length: 0\r\n\r\n"
                );
                let _ = sock.send_to(ack.as_bytes(), target).await;
                if j.how != "ack_bye" {
                    let up = Up {
                        call_id: id.clone(),
                        from: from_h.to_owned(),
                        to: to.to_owned(),
                        cseq: n_cseq,
                        target: ruri,
                    };
                    j.pending = Some((
                        up.bye(local, &format!("z9hG4bK-reap-bye-{}", j.left)),
                        target,
                    ));
                    j.how = "ack_bye";
                }
            }
            _ => {}
        }
    }
    let t = now_ms();
    for (i, l) in leftovers.iter().enumerate() {
        let mine = || jobs.iter().filter(|j| j.left == i);
        let done = mine().all(|j| !j.open);
        let how = mine().next().map_or("none", |j| j.how);
        let ev = if done { "reaped" } else { "reap_unconfirmed" };
        let legs = mine().count() as u64;
        log.call(
            t,
            ev,
            l.call,
            &[
                ("how", V::S(how)),
                ("legs", V::N(legs)),
                ("number", V::N(l.number)),
            ],
        );
        if let Ok(mut c) = calls.lock() {
            let _ = c.ended(l.call);
        }
    }
    log.flush();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:12125550006@127.0.0.1:5080 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKabc\nFrom: <sip:dc@127.0.0.1:5062>;tag=ft1\nTo: <sip:12125550006@127.0.0.1:5080>\nCall-ID: dc-6-1-x\nCSeq: 7 INVITE\nX-Dialcore-Call: 6-1\nContent-Length: 0\n\n";

    #[test]
    fn cancel_and_ack_reuse_the_invites_branch_and_cseq() {
        let inv = Msg::parse(INVITE).unwrap();
        let c = cancel_for(&inv).unwrap();
        assert!(
            c.starts_with("CANCEL sip:12125550006@127.0.0.1:5080 SIP/2.0\r\n"),
            "{c}"
        );
        assert!(c.contains("Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKabc\r\n"));
        assert!(c.contains("CSeq: 7 CANCEL\r\n"));
        assert!(c.contains("Call-ID: dc-6-1-x\r\n"));
        let resp = Msg::parse("SIP/2.0 487 Request Terminated\r\nTo: <sip:12125550006@127.0.0.1:5080>;tag=rt9\r\nCall-ID: dc-6-1-x\r\nCSeq: 7 INVITE\r\n\r\n").unwrap();
        assert_eq!(resp.status(), Some(487));
        assert_eq!(resp.cseq(), Some((7, "INVITE".into())));
        let a = ack_for(&inv, &resp).unwrap();
        assert!(
            a.contains("To: <sip:12125550006@127.0.0.1:5080>;tag=rt9\r\n"),
            "{a}"
        );
        assert!(a.contains("CSeq: 7 ACK\r\n"));
    }

    #[test]
    fn bye_from_logged_dialog_fields() {
        let up = Up::parse("call_id=dc-1-1-x\tfrom=<sip:dc@h>;tag=a\tto=<sip:1@h>;tag=b\tcseq=3\ttarget=sip:127.0.0.1:5080;transport=UDP").unwrap();
        let bye = up.bye("127.0.0.1:5062".parse().unwrap(), "z9hG4bK-r");
        assert!(
            bye.starts_with("BYE sip:127.0.0.1:5080;transport=UDP SIP/2.0\r\n"),
            "{bye}"
        );
        assert!(bye.contains("CSeq: 4 BYE\r\n"));
        assert!(bye.contains("To: <sip:1@h>;tag=b\r\n"));
        assert_eq!(
            uri_addr(&up.target),
            Some("127.0.0.1:5080".parse().unwrap())
        );
        assert_eq!(
            uri_addr("<sip:op1@10.0.0.5>"),
            Some("10.0.0.5:5060".parse().unwrap())
        );
        assert_eq!(Up::parse("call_id=x"), None);
    }

    #[test]
    fn compact_header_names_are_understood() {
        let m = Msg::parse("BYE sip:a@b SIP/2.0\r\ni: abc\r\nf: x\r\nCSeq: 2 BYE\r\n\r\n").unwrap();
        assert_eq!(m.get("call-id"), Some("abc"));
        assert_eq!(m.cseq(), Some((2, "BYE".into())));
        assert!(ok_for(&m).starts_with("SIP/2.0 200 OK\r\n"));
    }

    /// A far end on a UDP socket: answers the reaper's CANCEL with 200 and
    /// the INVITE's 487 (then wants the ACK), and its BYE with 200.
    #[tokio::test(flavor = "current_thread")]
    async fn reap_cancels_ringing_and_byes_answered_dialogs() {
        let far = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let far_addr = far.local_addr().unwrap();
        let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let local = probe.local_addr().unwrap();
        drop(probe);
        let dir = tempfile::tempdir().unwrap();
        let invite = format!(
            "INVITE sip:12125550006@{far_addr} SIP/2.0\nVia: SIP/2.0/UDP {local};branch=z9hG4bKr1\nFrom: <sip:dc@{local}>;tag=f1\nTo: <sip:12125550006@{far_addr}>\nCall-ID: dc-6-1-t\nCSeq: 1 INVITE\n\n"
        );
        let up = format!(
            "call_id=dc-1-1-t\tfrom=<sip:dc@{local}>;tag=f2\tto=<sip:12125550001@{far_addr}>;tag=t2\tcseq=1\ttarget=sip:{far_addr}"
        );
        let calls = {
            let (mut log, _) = CallLog::open(dir.path()).unwrap();
            log.invited(call(6, 1), 12125550006, &invite).unwrap();
            log.invited(
                call(1, 1),
                12125550001,
                "INVITE sip:x SIP/2.0\nCall-ID: dc-1-1-t\n\n",
            )
            .unwrap();
            log.up(call(1, 1), &up).unwrap();
            // call 1's operator leg was INVITEd but had not answered
            let op_invite = invite
                .replace("dc-6-1-t", "op-1-1-t")
                .replace("12125550006", "op1")
                .replace("z9hG4bKr1", "z9hG4bKo1");
            log.operator_invited(call(1, 1), &op_invite).unwrap();
            drop(log);
            let (log, left) = CallLog::open(dir.path()).unwrap();
            assert_eq!(left.len(), 2);
            (Arc::new(Mutex::new(log)), left)
        };
        let far_end = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let (mut cancelled, mut acked, mut byed) = (0, 0, false);
            while !(cancelled == 2 && acked == 2 && byed) {
                let (n, from) = far.recv_from(&mut buf).await.unwrap();
                let m = Msg::parse(&String::from_utf8_lossy(&buf[..n])).unwrap();
                let method = m.start.split(' ').next().unwrap().to_owned();
                match method.as_str() {
                    "CANCEL" => {
                        let id = m.get("call-id").unwrap().to_owned();
                        let branch = if id == "op-1-1-t" {
                            "z9hG4bKo1"
                        } else {
                            "z9hG4bKr1"
                        };
                        assert_eq!(
                            m.get("via"),
                            Some(format!("SIP/2.0/UDP {local};branch={branch}").as_str())
                        );
                        far.send_to(ok_for(&m).as_bytes(), from).await.unwrap();
                        let t487 = format!(
                            "SIP/2.0 487 Request Terminated\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=far6\r\nCall-ID: {id}\r\nCSeq: 1 INVITE\r\n\r\n",
                            m.get("via").unwrap(), m.get("from").unwrap(), m.get("to").unwrap()
                        );
                        far.send_to(t487.as_bytes(), from).await.unwrap();
                        cancelled += 1;
                    }
                    "ACK" => {
                        assert!(m.get("to").unwrap().ends_with(";tag=far6"));
                        assert_eq!(m.cseq(), Some((1, "ACK".into())));
                        acked += 1;
                    }
                    "BYE" => {
                        assert_eq!(m.get("call-id"), Some("dc-1-1-t"));
                        assert_eq!(m.cseq(), Some((2, "BYE".into())));
                        far.send_to(ok_for(&m).as_bytes(), from).await.unwrap();
                        byed = true;
                    }
                    other => panic!("unexpected {other}"),
                }
            }
        });
        let events = dir.path().join("events.jsonl");
        let mut log = EventLog::open(&events).unwrap();
        let started = Instant::now();
        reap(local, far_addr, &calls.1, &mut log, &calls.0)
            .await
            .unwrap();
        assert!(
            started.elapsed() < Duration::from_millis(REAP_WAIT_MS),
            "waited for the deadline"
        );
        tokio::time::timeout(Duration::from_secs(5), far_end)
            .await
            .expect("the far end got its two CANCELs, two ACKs and the BYE")
            .unwrap();
        let text = std::fs::read_to_string(&events).unwrap();
        assert_eq!(text.matches("\"ev\":\"reaped\"").count(), 2, "{text}");
        assert!(!text.contains("reap_unconfirmed"));
        drop(calls);
        assert!(
            CallLog::open(dir.path()).unwrap().1.is_empty(),
            "both ended in the crash log"
        );
    }

    fn call(c: u32, a: u8) -> dialcore::CallId {
        dialcore::CallId {
            contact: dialcore::ContactId(c),
            attempt: a,
        }
    }
}
