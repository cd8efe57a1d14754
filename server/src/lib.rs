//! The switchyard server library.
pub mod bench;
