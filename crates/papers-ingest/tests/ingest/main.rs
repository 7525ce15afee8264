//! Integration tests of `papers-ingest`, built as one test binary: each
//! format's parser on recorded real responses, the file walker, and the
//! harvesting clients against a loopback server; links from data; and
//! properties (round trips, no panics) on generated input.

#![allow(clippy::unwrap_used)] // tests may panic on broken fixtures

#[macro_use]
mod common;

mod arxiv;
mod harvest;
mod hf_daily;
mod links;
mod properties;
mod sources;
mod wheels;
