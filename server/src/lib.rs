//! The switchyard server library.

pub mod core;
