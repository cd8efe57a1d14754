//! The switchyard server library.

pub mod jetstream;
