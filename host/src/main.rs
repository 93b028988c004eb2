//! The `wasm-connect` binary: the command line, logging set up, then run.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = wasm_connect::cli::Cli::parse();
    let spec = std::env::var("WASM_CONNECT_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| cli.default_log_spec().into());
    wasm_connect::logging::init(&spec, cli.log_format == wasm_connect::cli::LogFormat::Json);
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
