//! The `loyalty` binary: see `cli` for the commands.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    loyalty_api::cli::run().await
}
