//! Sans-IO NATS protocol crate.
