//! The floor in the simulator: several campaigns sharing pools of
//! operators, trunks and caps, driven through one [`dialcore::Floor`].
//!
//! **Design.** A [`FloorScenario`] (`[[campaigns]]`, `[[pools]]`,
//! `[[trunks]]`, `[caps]`) is a separate scenario type rather than more
//! fields of the one-campaign [`crate::Scenario`]: the one-campaign
//! scenario, its driver and their byte-for-byte reports stay exactly as
//! they were. Each campaign's models and settings reuse the one-campaign
//! types ([`crate::CustomerModel`], [`crate::CampaignSettings`]) and are
//! checked by the same validation, so a bad value reads the same in both.
//!
//! [`run_floor`] (the `driver` module) runs such a scenario on one
//! [`dialcore::Floor`] through its host interface, with one simulated
//! population per campaign, and reports one row per campaign, pool and
//! trunk ([`FloorReport`]); it counts any broken promise it sees (an
//! operator given a second call, a trunk over its lines) in
//! `FloorReport::violations`. Not modelled yet on the floor: breaks,
//! staffing drift, the less kind world, durable runs.
mod driver;
mod report;
pub mod scenario;

pub use driver::{run_floor, run_floor_durable, FloorCommandHook, FloorSimError};
pub use report::{CampaignReport, FloorReport, PoolReport, TrunkReport};
pub use scenario::{FloorCampaign, FloorCaps, FloorPool, FloorScenario, FloorTrunk};
