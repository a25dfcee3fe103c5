//! The two sides of C2SP tlog-witness: the log's side, which submits each
//! new checkpoint and keeps only cosignatures that verify (`client`), and
//! a region's witness, which cosigns only consistent growth and never
//! forgets what it cosigned (`server`).

pub mod client;
pub mod server;
