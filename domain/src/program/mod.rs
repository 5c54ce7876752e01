//! The shop's loyalty program: conversion rates, pending period, expiry, cycle, activation.

pub mod activation;
pub mod configure;
pub mod settings;

pub use activation::{activate, preview};
pub use configure::{apply_patch, configure, load, load_for_update, load_versioned};
pub use settings::{
    ActivationMode, Cycle, CycleKind, Expiry, ExpiryKind, Program, ProgramPatch, ProgramStatus,
};
