//! The SIP side: one rsipstack endpoint (UDP), and one task per call.
//!
//! [`Ua::start`] binds the host's address, runs the endpoint and a
//! dispatcher that hands in-dialog requests (the customer's BYE, the
//! operator's BYE) to their dialogs and answers anything else with 481.
//! [`run_call`] owns one customer call from INVITE to its end: it sends the
//! INVITE (with `X-Dialcore-Call: <contact>-<attempt>` and a Call-ID
//! derived from the attempt), follows the dialog, obeys the engine's
//! commands for the call ([`CallCtl`]) and reports what SIP said
//! ([`CallReport`]) to the engine task over a channel. It decides nothing
//! about the campaign: the engine task maps reports to events.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use dialcore::CallId;
use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::{InviteAsyncResult, InviteOption};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::ToTypedHeader;
use rsipstack::sip::{Header, Method, StatusCode, Uri};
use rsipstack::transport::{udp::UdpConnection, SipAddr, TransportLayer};
use rsipstack::EndpointBuilder;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::calllog::CallLog;
use crate::mapping::{call_tag, FinalOutcome, AMD_HEADER, CALL_HEADER};

/// The user agent shared by the call tasks.
pub struct Ua {
    /// rsipstack's dialog layer.
    pub dialogs: Arc<DialogLayer>,
    /// Our Contact (and From) URI.
    pub contact: Uri,
    /// Where customer INVITEs go.
    pub trunk: SipAddr,
    /// The trunk as `host:port`, for Request-URIs.
    pub trunk_host: String,
    /// A tag of this process run, in every Call-ID (a redial after a
    /// restart never reuses a Call-ID).
    pub run_tag: String,
    /// Stops the endpoint.
    pub cancel: CancellationToken,
}

impl std::fmt::Debug for Ua {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ua")
            .field("contact", &self.contact.to_string())
            .field("trunk", &self.trunk_host)
            .finish()
    }
}

/// The engine's orders for one call.
#[derive(Debug, Clone)]
pub enum CallCtl {
    /// Ring timeout: CANCEL (BYE if it was answered meanwhile).
    Hangup,
    /// No operator within the abandon limit: BYE now (no message is
    /// played: the host has no media).
    Abandon,
    /// Bridge to the operator: INVITE the operator's URI.
    Connect {
        /// The operator's SIP URI.
        uri: String,
    },
}

/// What happened on one call, for the engine task.
#[derive(Debug, Clone)]
pub enum CallReport {
    /// The INVITE went out (its text is in the crash log).
    Invited,
    /// First provisional response (180/183).
    Ringing(u16),
    /// 2xx (the dialog's BYE fields are in the crash log). `machine`: the
    /// far end said `X-AMD: machine` (the task BYEs it at once).
    Answered {
        /// Answering machine.
        machine: bool,
    },
    /// A final non-2xx response to the INVITE (not after our CANCEL).
    Final {
        /// The status code.
        code: u16,
        /// What it means.
        outcome: FinalOutcome,
    },
    /// Our CANCEL was sent.
    CancelSent,
    /// The INVITE ended after our CANCEL (487, or a 2xx that crossed the
    /// CANCEL and was BYE'd).
    Cancelled(Option<u16>),
    /// The INVITE could not be sent or got no response.
    TransportError(String),
    /// The customer sent BYE.
    CustomerBye,
    /// We sent BYE to the customer (why).
    ByeSent(&'static str),
    /// The operator leg was INVITEd.
    OperatorInvited,
    /// The operator answered: the call is bridged.
    OperatorAnswered,
    /// The operator leg failed (its status code, if any); the customer is BYE'd.
    OperatorFailed(Option<u16>),
    /// The operator sent BYE; the customer is BYE'd.
    OperatorBye,
    /// The call task is done: no dialog of this call is left.
    Ended,
}

impl Ua {
    /// Binds `local` (UDP), starts the endpoint and the in-dialog request
    /// dispatcher.
    pub async fn start(
        local: SocketAddr,
        trunk: SocketAddr,
        caller_id: &str,
        run_tag: String,
    ) -> Result<Arc<Ua>, String> {
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        let conn = UdpConnection::create_connection(local, None, Some(cancel.child_token()))
            .await
            .map_err(|e| format!("cannot bind SIP UDP {local}: {e}"))?;
        transport.add_transport(conn.into());
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .with_user_agent("dialcore-sip")
            .build();
        let mut incoming = endpoint
            .incoming_transactions()
            .map_err(|e| e.to_string())?;
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let contact: Uri = format!("sip:{caller_id}@{local}")
            .as_str()
            .try_into()
            .map_err(|e| format!("trunk.caller_id {caller_id:?}: not a SIP user part: {e}"))?;
        let trunk_host = trunk.to_string();
        let ua = Arc::new(Ua {
            dialogs: dialogs.clone(),
            contact,
            trunk: SipAddr::from(trunk),
            trunk_host,
            run_tag,
            cancel,
        });
        tokio::spawn(async move { endpoint.serve().await });
        tokio::spawn(async move {
            while let Some(mut tx) = incoming.recv().await {
                match dialogs.match_dialog(&tx) {
                    Some(mut d) => {
                        tokio::spawn(async move {
                            let _ = d.handle(&mut tx).await;
                        });
                    }
                    None if tx.original.method == Method::Ack => {}
                    None => {
                        let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                    }
                }
            }
        });
        Ok(ua)
    }

    fn invite(
        &self,
        callee: &str,
        call: CallId,
        extra: Vec<Header>,
    ) -> Result<InviteOption, String> {
        let callee: Uri = callee
            .try_into()
            .map_err(|e| format!("bad request URI {callee}: {e}"))?;
        let mut headers = vec![Header::Other(CALL_HEADER.into(), call_tag(call))];
        headers.extend(extra);
        Ok(InviteOption {
            caller: self.contact.clone(),
            callee,
            contact: self.contact.clone(),
            headers: Some(headers),
            ..Default::default()
        })
    }
}

fn header<'a>(resp: &'a rsipstack::sip::Response, name: &str) -> Option<&'a str> {
    resp.headers.iter().find_map(|h| match h {
        Header::Other(n, v) if n.eq_ignore_ascii_case(name) => Some(v.as_str()),
        _ => None,
    })
}

/// The BYE fields of a confirmed dialog, one line (see [`CallReport::Answered`]).
fn bye_fields(d: &InviteDialog) -> String {
    let s = d.snapshot();
    let target = s
        .remote_contact
        .as_ref()
        .and_then(|c| c.typed().ok().map(|c| c.uri.to_string()))
        .unwrap_or_else(|| s.remote_uri.to_string());
    format!(
        "call_id={}\tfrom={}\tto={}\tcseq={}\ttarget={}",
        s.id.call_id, s.from, s.to, s.local_cseq, target
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ringing,
    Cancelling,
    Up,
}

struct Leg {
    dialog: InviteDialog,
    join: Option<JoinHandle<InviteAsyncResult>>,
    states: DialogStateReceiver,
}

async fn next_state(states: &mut Option<DialogStateReceiver>) -> Option<DialogState> {
    match states {
        Some(r) => r.recv().await,
        None => std::future::pending().await,
    }
}

async fn next_final(
    join: &mut Option<JoinHandle<InviteAsyncResult>>,
) -> Result<InviteAsyncResult, tokio::task::JoinError> {
    match join {
        Some(j) => {
            let r = j.await;
            *join = None;
            r
        }
        None => std::future::pending().await,
    }
}

fn start_leg(ua: &Ua, callee: &str, call: CallId, extra: Vec<Header>) -> Result<Leg, String> {
    let opt = ua.invite(callee, call, extra)?;
    let (tx, states) = ua.dialogs.new_dialog_state_channel();
    let mut opt = opt;
    opt.destination = None;
    let (dialog, join) = ua
        .dialogs
        .do_invite_async(opt, tx)
        .map_err(|e| e.to_string())?;
    Ok(Leg {
        dialog,
        join: Some(join),
        states,
    })
}

/// Runs one customer call to its end (see the module doc).
pub async fn run_call(
    ua: Arc<Ua>,
    call: CallId,
    number: u64,
    mut ctl: UnboundedReceiver<CallCtl>,
    report: UnboundedSender<(CallId, CallReport)>,
    calls_log: Arc<Mutex<CallLog>>,
) {
    let send = |r: CallReport| {
        let _ = report.send((call, r));
    };
    let callee = format!("sip:{number}@{}", ua.trunk_host);
    let opt = ua.invite(&callee, call, Vec::new()).map(|mut o| {
        o.destination = Some(ua.trunk.clone());
        o.call_id = Some(format!(
            "dc-{}-{}-{}",
            call.contact.0, call.attempt, ua.run_tag
        ));
        o
    });
    let (state_tx, mut states) = ua.dialogs.new_dialog_state_channel();
    let started = opt.and_then(|o| {
        ua.dialogs
            .do_invite_async(o, state_tx)
            .map_err(|e| e.to_string())
    });
    let (dialog, mut join) = match started {
        Ok(x) => x,
        Err(e) => {
            send(CallReport::TransportError(e));
            send(CallReport::Ended);
            return;
        }
    };
    // On the current-thread runtime the INVITE's transaction has not run
    // yet: the crash log has the line before the INVITE leaves.
    let invite_text = dialog.initial_request().to_string().replace("\r\n", "\n");
    let crash_log = |f: &dyn Fn(&mut CallLog) -> std::io::Result<()>| {
        if let Ok(mut log) = calls_log.lock() {
            let _ = f(&mut log);
        }
    };
    crash_log(&|log| log.invited(call, number, &invite_text));
    send(CallReport::Invited);
    let mut phase = Phase::Ringing;
    let mut rang = false;
    let mut invite_done = false;
    let mut op: Option<InviteDialog> = None;
    let mut op_states: Option<DialogStateReceiver> = None;
    let mut op_join: Option<JoinHandle<InviteAsyncResult>> = None;
    let mut ctl_open = true;

    // Answers a 2xx; returns true when the call is over (machine).
    let answer = |resp: &rsipstack::sip::Response, phase: &mut Phase| -> bool {
        let machine =
            FinalOutcome::of_status(200, header(resp, AMD_HEADER)) == FinalOutcome::Machine;
        let fields = bye_fields(&dialog);
        crash_log(&|log| log.up(call, &fields));
        send(CallReport::Answered { machine });
        *phase = Phase::Up;
        machine
    };

    loop {
        tokio::select! {
            r = &mut join, if !invite_done => {
                invite_done = true;
                match r {
                    Ok(Ok((_, Some(resp)))) => {
                        let code = resp.status_code.code();
                        if phase == Phase::Cancelling {
                            send(CallReport::Cancelled(Some(code)));
                            break;
                        }
                        if (200..300).contains(&code) {
                            if phase == Phase::Ringing && answer(&resp, &mut phase) {
                                let _ = dialog.bye().await;
                                send(CallReport::ByeSent("machine"));
                                break;
                            }
                        } else {
                            send(CallReport::Final { code, outcome: FinalOutcome::of_status(code, None) });
                            break;
                        }
                    }
                    Ok(Ok((_, None))) | Ok(Err(_)) | Err(_) if phase == Phase::Cancelling => {
                        send(CallReport::Cancelled(None));
                        break;
                    }
                    Ok(Ok((_, None))) => {
                        send(CallReport::TransportError("no final response".into()));
                        break;
                    }
                    Ok(Err(e)) => {
                        send(CallReport::TransportError(e.to_string()));
                        break;
                    }
                    Err(e) => {
                        send(CallReport::TransportError(e.to_string()));
                        break;
                    }
                }
            }
            st = states.recv() => match st {
                Some(DialogState::Early(_, resp)) if !rang => {
                    rang = true;
                    send(CallReport::Ringing(resp.status_code.code()));
                }
                Some(DialogState::Confirmed(_, resp)) if phase == Phase::Ringing => {
                    if answer(&resp, &mut phase) {
                        let _ = dialog.bye().await;
                        send(CallReport::ByeSent("machine"));
                        break;
                    }
                }
                Some(DialogState::Terminated(_, reason)) if phase == Phase::Up => {
                    if matches!(reason, TerminatedReason::UasBye) {
                        send(CallReport::CustomerBye);
                    } else {
                        send(CallReport::TransportError(format!("dialog ended: {reason:?}")));
                    }
                    if let Some(d) = op.take() {
                        let _ = d.hangup().await;
                        ua.dialogs.remove_dialog(&d.id());
                    }
                    break;
                }
                Some(_) => {}
                None => {
                    if invite_done { break; }
                }
            },
            c = ctl.recv(), if ctl_open => match c {
                Some(CallCtl::Hangup) => {
                    match phase {
                        Phase::Ringing => {
                            phase = Phase::Cancelling;
                            let _ = dialog.cancel().await;
                            send(CallReport::CancelSent);
                            if invite_done { break; }
                        }
                        Phase::Cancelling => {}
                        Phase::Up => {
                            let _ = dialog.bye().await;
                            send(CallReport::ByeSent("hangup"));
                            if let Some(d) = op.take() {
                                let _ = d.hangup().await;
                                ua.dialogs.remove_dialog(&d.id());
                            }
                            break;
                        }
                    }
                }
                Some(CallCtl::Abandon) => {
                    let _ = dialog.bye().await;
                    send(CallReport::ByeSent("abandon"));
                    break;
                }
                Some(CallCtl::Connect { uri }) => {
                    let extra = vec![Header::Other("X-Dialcore-Bridge".into(), number.to_string())];
                    match start_leg(&ua, &uri, call, extra) {
                        Ok(l) => {
                            // before the leg's transaction runs (see above)
                            let text = l.dialog.initial_request().to_string().replace("\r\n", "\n");
                            crash_log(&|log| log.operator_invited(call, &text));
                            op_states = Some(l.states);
                            op_join = l.join;
                            op = Some(l.dialog);
                            send(CallReport::OperatorInvited);
                        }
                        Err(e) => {
                            send(CallReport::OperatorFailed(None));
                            send(CallReport::TransportError(e));
                            let _ = dialog.bye().await;
                            send(CallReport::ByeSent("operator_failed"));
                            break;
                        }
                    }
                }
                None => ctl_open = false,
            },
            st = next_state(&mut op_states) => match st {
                Some(DialogState::Confirmed(..)) => {
                    if let Some(d) = op.as_ref() {
                        let fields = bye_fields(d);
                        crash_log(&|log| log.operator_up(call, &fields));
                    }
                    send(CallReport::OperatorAnswered);
                }
                Some(DialogState::Terminated(_, TerminatedReason::UasBye)) => {
                    send(CallReport::OperatorBye);
                    let _ = dialog.bye().await;
                    send(CallReport::ByeSent("operator_bye"));
                    break;
                }
                Some(_) => {}
                None => op_states = None,
            },
            r = next_final(&mut op_join) => {
                let code = match &r { Ok(Ok((_, Some(resp)))) => Some(resp.status_code.code()), _ => None };
                if !matches!(code, Some(200..=299)) {
                    send(CallReport::OperatorFailed(code));
                    let _ = dialog.bye().await;
                    send(CallReport::ByeSent("operator_failed"));
                    break;
                }
            }
        }
    }
    if let Some(d) = op.take() {
        ua.dialogs.remove_dialog(&d.id());
    }
    ua.dialogs.remove_dialog(&dialog.id());
    crash_log(&|log| log.ended(call));
    send(CallReport::Ended);
}
