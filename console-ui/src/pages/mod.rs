//! One module per page (or page part) of the console, matching [`crate::route::Route`]:
//! [`overview`], [`connections`], [`streams`] and [`stream`] (with [`messages`], [`consumers`] and
//! [`stream_form`]), [`kv`] and [`kv_bucket`], [`objects`] and [`object_bucket`], [`tester`],
//! [`mqtt`] and [`settings`].

pub mod bucket_list;
pub mod connections;
pub mod consumers;
pub mod kv;
pub mod kv_bucket;
pub mod messages;
pub mod mqtt;
pub mod object_bucket;
pub mod objects;
pub mod overview;
pub mod settings;
pub mod stream;
pub mod stream_form;
pub mod streams;
pub mod tester;
