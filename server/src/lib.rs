//! The switchyard server library.

pub mod config;
