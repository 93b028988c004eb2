//! The `wasm-connect` binary: logging set up, then the command line.

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let filter = EnvFilter::try_from_env("WASM_CONNECT_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,wasmtime=warn,cranelift=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let cli = wasm_connect::cli::Cli::parse();
    match wasm_connect::cli::run(cli)
        .await
        .map_err(anyhow::Error::from)
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One clear line (with causes), not a backtrace: this is what
            // an operator reads.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
