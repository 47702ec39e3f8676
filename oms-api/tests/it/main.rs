//! The integration tests of `oms-api`, one module per concern, linked once.
//! Everything about the wire talks to real sockets on 127.0.0.1.

mod decoding;
mod errors;
mod examples;
mod feed;
mod fleet;
mod generated;
mod local_oms;
mod metadata;
mod migration;
mod mock_helpers;
mod operability;
mod pagination;
mod project;
mod retries;
mod secrets;
mod security;
mod server;
mod shared_lookups;
mod signing_vectors;
mod signing_wire;
mod sources;
mod user_program;
mod validation;
mod watch;
mod wire;
mod wire_v2;
