//! The floor's host protocol: events in, commands out, and its errors.
//!
//! Call events name the campaign whose call it is ([`FloorEvent::campaign`]
//! is `Some`); operator events (login, ready, pause, logout, leaving) name
//! a floor operator and no campaign (`None`): operators are the floor's,
//! and the floor forwards the event to the campaign the operator is
//! attached to. Events that name an operator inside a campaign's work
//! (`OperatorAccepted`, `OperatorDeclined`, `OperatorDialNow`, `AcwDone`)
//! carry the campaign and the floor operator id. Every command the floor
//! hands out names its campaign, and its operator ids are floor ids.

use std::fmt;

use super::caps::CapsError;
use super::dnc::{DncError, ListId};
use super::pool::PoolError;
use super::share::ShareError;
use super::trunk::{TrunkError, TrunkId};
use super::{CampaignId, PoolId};
use crate::campaign::durable::OpenError;
use crate::config::ConfigError;
use crate::event::{Command, Event, OperatorId};
use crate::EngineError;

/// One event for the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloorEvent {
    /// The campaign of a call event (or of an operator's work in it);
    /// `None` for operator events (login, ready, pause, logout, leaving)
    /// and for nothing else.
    pub campaign: Option<CampaignId>,
    /// What happened; operator ids are floor ids.
    pub event: Event,
}

impl FloorEvent {
    /// An event about `campaign`'s calls or work.
    #[must_use]
    pub fn of(campaign: CampaignId, event: Event) -> Self {
        FloorEvent {
            campaign: Some(campaign),
            event,
        }
    }

    /// An operator event (login, ready, pause, logout, leaving).
    #[must_use]
    pub fn operator(event: Event) -> Self {
        FloorEvent {
            campaign: None,
            event,
        }
    }
}

/// One command from the floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloorCommand {
    /// The campaign it is for.
    pub campaign: CampaignId,
    /// For a Dial of a campaign routed to trunks: the trunk whose line it
    /// holds (place the call on it). `None` otherwise.
    pub trunk: Option<TrunkId>,
    /// The command; operator ids are floor ids.
    pub command: Command,
}

/// Bad input to the floor, or a request it cannot meet now; it changed
/// nothing (except [`FloorError::Campaign`] from `poll`, see there).
#[derive(Debug, Clone, PartialEq)]
pub enum FloorError {
    /// No campaign has this id (never added, or removed).
    UnknownCampaign(CampaignId),
    /// No pool has this id.
    UnknownPool(PoolId),
    /// No operator has this id.
    UnknownOperator(OperatorId),
    /// No trunk has this id.
    UnknownTrunk(TrunkId),
    /// No list has this id.
    UnknownList(ListId),
    /// The operator is not attached to the campaign the event names.
    NotAssigned {
        /// The floor operator.
        operator: OperatorId,
        /// The campaign the event named.
        campaign: CampaignId,
    },
    /// A campaign of this name is on the floor already.
    DuplicateName(String),
    /// The campaign still has calls or busy operators; remove it when they
    /// are over.
    CampaignBusy(CampaignId),
    /// An operator event came with a campaign, or a call event without one.
    WrongTarget {
        /// The event's name.
        event: &'static str,
        /// What it should have carried.
        expected: &'static str,
    },
    /// The campaign refused the event or poll.
    Campaign {
        /// Which campaign.
        campaign: CampaignId,
        /// Its error.
        error: EngineError,
    },
    /// From the pools (operators).
    Pool(PoolError),
    /// From the trunks.
    Trunk(TrunkError),
    /// From the share (priority, weight).
    Share(ShareError),
    /// From the caps.
    Caps(CapsError),
    /// A campaign's configuration.
    Config(ConfigError),
    /// The floor's data directory (journal, snapshot).
    Durable(String),
    /// A time past [`crate::event::MAX_TIME_MS`].
    TimeOutOfRange {
        /// The time given.
        time_ms: u64,
    },
}

impl fmt::Display for FloorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FloorError::UnknownCampaign(c) => write!(f, "unknown {c}"),
            FloorError::UnknownPool(p) => write!(f, "unknown {p}"),
            FloorError::UnknownOperator(o) => write!(f, "unknown floor {o}"),
            FloorError::UnknownTrunk(t) => write!(f, "unknown {t}"),
            FloorError::UnknownList(l) => write!(f, "unknown {l}"),
            FloorError::NotAssigned { operator, campaign } => {
                write!(f, "floor {operator} is not working for {campaign}")
            }
            FloorError::DuplicateName(n) => write!(f, "a campaign named {n:?} is on the floor"),
            FloorError::CampaignBusy(c) => {
                write!(f, "{c} still has calls or busy operators")
            }
            FloorError::WrongTarget { event, expected } => {
                write!(f, "event {event} must be sent {expected}")
            }
            FloorError::Campaign { campaign, error } => write!(f, "{campaign}: {error}"),
            FloorError::Pool(e) => e.fmt(f),
            FloorError::Trunk(e) => e.fmt(f),
            FloorError::Share(e) => e.fmt(f),
            FloorError::Caps(e) => e.fmt(f),
            FloorError::Config(e) => e.fmt(f),
            FloorError::Durable(e) => write!(f, "floor data directory: {e}"),
            FloorError::TimeOutOfRange { time_ms } => {
                write!(
                    f,
                    "time {time_ms} ms is past the latest time the engine accepts"
                )
            }
        }
    }
}

impl std::error::Error for FloorError {}

impl From<PoolError> for FloorError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::UnknownPool(p) => FloorError::UnknownPool(p),
            PoolError::UnknownOperator(o) => FloorError::UnknownOperator(o),
            e => FloorError::Pool(e),
        }
    }
}

impl From<TrunkError> for FloorError {
    fn from(e: TrunkError) -> Self {
        match e {
            TrunkError::UnknownTrunk(t) => FloorError::UnknownTrunk(t),
            e => FloorError::Trunk(e),
        }
    }
}

impl From<ShareError> for FloorError {
    fn from(e: ShareError) -> Self {
        match e {
            ShareError::UnknownCampaign(c) => FloorError::UnknownCampaign(c),
            e => FloorError::Share(e),
        }
    }
}

impl From<DncError> for FloorError {
    fn from(e: DncError) -> Self {
        match e {
            DncError::UnknownList(l) => FloorError::UnknownList(l),
        }
    }
}

impl From<CapsError> for FloorError {
    fn from(e: CapsError) -> Self {
        FloorError::Caps(e)
    }
}

impl From<ConfigError> for FloorError {
    fn from(e: ConfigError) -> Self {
        FloorError::Config(e)
    }
}

/// Why [`super::Floor::open`] could not open a floor's data directory.
#[derive(Debug)]
pub enum FloorOpenError {
    /// The floor's own files (LOCK, snapshot, journal) or its layout.
    Floor(String),
    /// One campaign's directory.
    Campaign {
        /// Its name.
        name: String,
        /// Why.
        error: OpenError,
    },
}

impl fmt::Display for FloorOpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FloorOpenError::Floor(e) => write!(f, "floor data directory: {e}"),
            FloorOpenError::Campaign { name, error } => write!(f, "campaign {name:?}: {error}"),
        }
    }
}

impl std::error::Error for FloorOpenError {}
