//! MQTT support: topic name and filter syntax and nats-server's mapping between topics and subjects.

pub mod topic;
