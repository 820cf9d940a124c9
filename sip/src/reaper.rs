//! Ends the dialogs a killed process left in flight (not written yet).
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use crate::calllog::{CallLog, EventLog, Leftover};

/// Ends `leftovers` on the SIP side before the engine dials again.
pub async fn reap(
    _local: SocketAddr,
    _leftovers: &[Leftover],
    _log: &mut EventLog,
    _calls: &Arc<Mutex<CallLog>>,
) -> Result<(), String> {
    Ok(())
}
