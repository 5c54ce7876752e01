//! The `loyalty` binary: see `cli` for the commands.
// The release profile's inlining nests the schema's resolver futures deeper than the
// default limit allows when their layout is computed (the dev profile stays under it).
#![recursion_limit = "256"]

/// See the note on `mimalloc` in Cargo.toml.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    loyalty_api::cli::run().await
}
