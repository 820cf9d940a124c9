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
pub mod scenario;

pub use scenario::{FloorCampaign, FloorCaps, FloorPool, FloorScenario, FloorTrunk};
