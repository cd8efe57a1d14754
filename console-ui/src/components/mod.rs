//! Reusable pieces of the pages: form fields ([`field`]), the SVG line chart ([`chart`]), the
//! confirmation dialog ([`modal`]), notices ([`notices`]), the message body viewer ([`payload`]),
//! loading and error states ([`load`]), polling hooks ([`poll`]) and the login form ([`login`]).

pub mod chart;
pub mod field;
pub mod load;
pub mod login;
pub mod modal;
pub mod notices;
pub mod payload;
pub mod poll;
