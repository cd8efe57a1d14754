//! JetStream: persistent streams and consumers layered on the core router.
//!
//! So far this holds only the storage engine ([`store`]): message stores (file and memory), consumer
//! state stores and the on-disk metadata that lets streams be rediscovered at startup. The stream,
//! consumer and `$JS.API` layers sit on top of it and are not here yet.

pub mod store;
