//! Structured logs through `tracing`; `RUST_LOG` filters, `LOYALTY_LOG_FORMAT=json` for JSON.
use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber once; later calls are ignored.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("LOYALTY_LOG_FORMAT").is_ok_and(|f| f == "json");
    // Colour codes only where a terminal shows them: in a file or a pipe they are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
