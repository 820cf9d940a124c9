//! The operator console's command language (stdin, one command a line).
//!
//! The host prints `offer OP CONTACT NUMBER`, `acw OP CONTACT` and `revoke
//! OP CONTACT`; an operator (or a script) answers with one of
//! `accept|decline|dial|done OP CONTACT`, `ready|pause|logout OP` or `stop`.
//! [`parse`] turns a line into the engine event it means (or a stop); a
//! line that is not a command is an error naming the line, and changes
//! nothing. The host replies `ok` or `error …` to every line.

use dialcore::{ContactId, Disposition, Event, OperatorId};

/// What a console line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// An operator event for the engine.
    Event(Event),
    /// Stop the host gracefully (as SIGTERM).
    Stop,
}

/// The usage line printed with an error.
pub const USAGE: &str = "accept|decline|dial|done OP CONTACT, ready|pause|logout OP, stop";

/// Parses one console line.
pub fn parse(line: &str) -> Result<Command, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let num = |i: usize| words.get(i).and_then(|w| w.parse::<u32>().ok());
    let pair = |f: fn(OperatorId, ContactId) -> Event| match (num(1), num(2), words.len()) {
        (Some(o), Some(c), 3) => Some(f(OperatorId(o), ContactId(c))),
        _ => None,
    };
    let one = |f: fn(OperatorId) -> Event| match (num(1), words.len()) {
        (Some(o), 2) => Some(f(OperatorId(o))),
        _ => None,
    };
    let ev = match words.first().copied() {
        Some("accept") => pair(|operator, contact| Event::OperatorAccepted { operator, contact }),
        Some("decline") => pair(|operator, contact| Event::OperatorDeclined { operator, contact }),
        Some("dial") => pair(|operator, contact| Event::OperatorDialNow { operator, contact }),
        Some("done") => pair(|operator, contact| Event::AcwDone {
            operator,
            contact,
            disposition: Disposition::Done,
        }),
        Some("ready") => one(Event::OperatorReady),
        Some("pause") => one(Event::OperatorPause),
        Some("logout") => one(Event::OperatorLogout),
        Some("stop") if words.len() == 1 => return Ok(Command::Stop),
        _ => None,
    };
    ev.map(Command::Event)
        .ok_or_else(|| format!("unknown command {line:?} ({USAGE})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_to_their_events() {
        let (o, c) = (OperatorId(2), ContactId(17));
        let cases = [
            (
                "accept 2 17",
                Event::OperatorAccepted {
                    operator: o,
                    contact: c,
                },
            ),
            (
                "decline 2 17",
                Event::OperatorDeclined {
                    operator: o,
                    contact: c,
                },
            ),
            (
                "  dial\t2 17 ",
                Event::OperatorDialNow {
                    operator: o,
                    contact: c,
                },
            ),
            (
                "done 2 17",
                Event::AcwDone {
                    operator: o,
                    contact: c,
                    disposition: Disposition::Done,
                },
            ),
            ("ready 2", Event::OperatorReady(o)),
            ("pause 2", Event::OperatorPause(o)),
            ("logout 2", Event::OperatorLogout(o)),
        ];
        for (line, want) in cases {
            assert_eq!(parse(line), Ok(Command::Event(want)), "{line}");
        }
        assert_eq!(parse("stop"), Ok(Command::Stop));
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_line() {
        for line in [
            "",
            "bogus 1 2",
            "accept 1",
            "accept 1 x",
            "accept 1 2 3",
            "ready",
            "ready -1",
            "stop now",
        ] {
            let err = parse(line).unwrap_err();
            assert!(
                err.contains(&format!("{line:?}")) && err.contains(USAGE),
                "{err}"
            );
        }
    }
}
