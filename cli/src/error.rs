//! The one error type of the command, and the exit code each kind maps to.
//!
//! Every failure a user can cause (a bad argument value, a file that cannot be
//! read, a scenario that does not validate) is [`CliError::Input`] and exits
//! with code 2; a failure that is not the user's (the simulation itself
//! failing, stdout closing on a write) is [`CliError::Internal`] and exits
//! with 1. `main` prints either as `error: <message>` on stderr.

use std::fmt;
use std::process::ExitCode;

/// Exit code of an internal failure.
pub const EXIT_INTERNAL: u8 = 1;
/// Exit code of a usage or input error (clap uses the same for its own).
pub const EXIT_INPUT: u8 = 2;

/// Why a command stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// Bad arguments or unreadable input; the message names the bad value.
    Input(String),
    /// A failure that is not the user's doing.
    Internal(String),
}

impl CliError {
    /// An input error with this message.
    pub fn input(message: impl fmt::Display) -> Self {
        CliError::Input(message.to_string())
    }

    /// An internal error with this message.
    pub fn internal(message: impl fmt::Display) -> Self {
        CliError::Internal(message.to_string())
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            CliError::Input(_) => EXIT_INPUT,
            CliError::Internal(_) => EXIT_INTERNAL,
        })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Input(message) => f.write_str(message),
            CliError::Internal(message) => write!(f, "internal failure: {message}"),
        }
    }
}

impl std::error::Error for CliError {}
