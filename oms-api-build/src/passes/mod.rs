//! Rewrites of progenitor's output, each in its own module with the reason
//! in its documentation.

pub(crate) mod client;
pub(crate) mod patterns;
pub(crate) mod send;
pub(crate) mod setters;
pub(crate) mod validation;
