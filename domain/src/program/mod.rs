//! The shop's loyalty program: conversion rates, pending period, expiry, cycles, its
//! tier ladder's changes, and the policy (shop, program and tiers read as one) that
//! prices, earns and ranks with them. Above `shops` and `tiers`, below the ledger.

pub mod configure;
pub mod conversion_change;
pub mod cycle;
pub mod enrollment;
pub mod expiry;
pub mod ladder;
pub mod opening;
pub mod policy;
pub mod policy_cache;
pub mod ranking;
pub mod settings;
pub mod tier_events;

pub use configure::{apply_patch, configure, load, load_for_update, load_versioned};
pub use enrollment::Enrollment;
pub use opening::{ShopCreated, create_shop};
pub use policy::Policy;
pub use policy_cache::PolicyCache;
pub use settings::{
    ActivationMode, Cycle, CycleKind, Expiry, ExpiryKind, Program, ProgramPatch, ProgramStatus,
    Redemption,
};
