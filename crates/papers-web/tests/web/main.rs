//! The web layer served for real on loopback ports: pages, the Hugging
//! Face-compatible API, the community features and the security properties.
//! One test binary (see STYLE.md).

#![allow(clippy::unwrap_used)] // tests may panic on broken fixtures

mod authors;
mod common;
mod community;
mod feeds_json;
mod follows;
mod hf_api;
mod hf_markdown;
mod http_encoding;
mod pages;
mod reader;
mod search;
mod security;
mod snapshots;
