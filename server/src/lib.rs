//! The switchyard server library.
