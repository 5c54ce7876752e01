//! The loyalty engine's GraphQL API, HTTP server and command line.

pub mod admission;
pub mod app;
pub mod armor;
pub mod auth;
pub mod bench_load;
pub mod bench_search;
pub mod browser;
pub mod cli;
pub mod config;
pub mod db;
pub mod db_target;
pub mod demo;
pub mod error;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod input_guard;
pub mod input_hints;
pub mod loaders;
pub mod member_rate;
pub mod metrics;
pub mod parsed_queries;
pub mod server;
pub mod telemetry;
pub mod transfer;
pub mod unsubscribe;
