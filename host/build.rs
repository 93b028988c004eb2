//! Builds the built-in plugins (every crate under `plugins/`) for
//! `wasm32-wasip2` and copies the components to `<target>/plugins/`, the
//! default `plugin.path`. Doing it here means a plain `cargo build`,
//! `cargo test` or `cargo run` always has plugins that match the host and
//! the contract (as wasmtime's test-programs are built by its build).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let root = manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest_dir.clone());
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"));
    let out_dir = target_dir.join("plugins");

    println!(
        "cargo:rustc-env=WASM_CONNECT_BUILTIN_PLUGINS={}",
        out_dir.display()
    );
    println!("cargo:rustc-env=WASM_CONNECT_COMMIT={}", git_commit(&root));
    // The contract version is read from the WIT, never written twice: the
    // host's messages, `plugin new` and `version` all take it from here.
    let wit = root.join("wit/plugin.wit");
    match fs::read_to_string(&wit)
        .ok()
        .as_deref()
        .and_then(contract_version)
    {
        Some(version) => println!("cargo:rustc-env=WASM_CONNECT_CONTRACT_VERSION={version}"),
        None => fail(&format!(
            "{} has no `package wasm-connect:plugin@<version>;` line",
            wit.display()
        )),
    }
    println!("cargo:rerun-if-env-changed=WASM_CONNECT_SKIP_PLUGIN_BUILD");
    for watched in [
        "wit",
        "sdk-guest/src",
        "sdk-guest/Cargo.toml",
        "plugins",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        root.join(".git/HEAD").display()
    );

    if env::var_os("WASM_CONNECT_SKIP_PLUGIN_BUILD").is_some() {
        println!(
            "cargo:warning=WASM_CONNECT_SKIP_PLUGIN_BUILD is set: built-in plugins were not rebuilt"
        );
        return;
    }

    let crates = plugin_crates(&root.join("plugins"));
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(&root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--target-dir",
        ])
        .arg(target_dir.join("wasm-build"));
    for (package, _) in &crates {
        cmd.args(["-p", package]);
    }
    // The outer build's settings are for the host, not for wasm: a wrapper
    // (clippy), host RUSTFLAGS or a forced target would break the inner one.
    for var in [
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    // Line tables are enough for readable traps; full DWARF would triple the
    // size of each component and its compile time.
    cmd.env("CARGO_PROFILE_RELEASE_DEBUG", "line-tables-only");
    // One code unit with link-time optimization inlines the SDK's small
    // functions into each plugin's loops: wasmtime checks the epoch (the
    // per-call deadline) at every guest function entry, so fewer calls
    // means fewer checks as well as less call overhead.
    cmd.env("CARGO_PROFILE_RELEASE_LTO", "fat");
    cmd.env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1");
    // wasmtime compiles SIMD to native vector code; plugins that check or
    // scan bytes (UTF-8, JSON) gain several times from it.
    cmd.env(
        "CARGO_TARGET_WASM32_WASIP2_RUSTFLAGS",
        "-C target-feature=+simd128",
    );
    let status = cmd.status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => fail(&format!(
            "building the built-in plugins for wasm32-wasip2 failed ({s}). If the error above says the target is \
             missing, run: rustup target add wasm32-wasip2"
        )),
        Err(e) => fail(&format!(
            "cannot run cargo to build the built-in plugins: {e}"
        )),
    }

    if let Err(e) = fs::create_dir_all(&out_dir) {
        fail(&format!("cannot create {}: {e}", out_dir.display()));
    }
    for (package, file_stem) in &crates {
        let built = target_dir
            .join("wasm-build/wasm32-wasip2/release")
            .join(format!("{}.wasm", package.replace('-', "_")));
        let dest = out_dir.join(format!("{file_stem}.wasm"));
        copy_if_changed(&built, &dest);
    }
}

/// `(package name, output file stem)` of every crate under `plugins/`.
fn plugin_crates(plugins: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(plugins) else {
        fail(&format!("cannot list {}", plugins.display()));
    };
    for entry in entries.flatten() {
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = fs::read_to_string(&manifest) else {
            continue;
        };
        let name = text
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("name = \"")
                    .and_then(|r| r.strip_suffix('"'))
            })
            .map(str::to_owned);
        if let Some(name) = name {
            let stem = entry.file_name().to_string_lossy().into_owned();
            out.push((name, stem));
        }
    }
    out.sort();
    out
}

/// Copy only when the bytes differ, so an unchanged plugin keeps its file
/// time (a worker watching `plugin.path` does not see a change).
fn copy_if_changed(from: &Path, to: &Path) {
    let new = match fs::read(from) {
        Ok(bytes) => bytes,
        Err(e) => fail(&format!("built plugin {} is missing: {e}", from.display())),
    };
    if fs::read(to).ok().as_deref() == Some(new.as_slice()) {
        return;
    }
    // Write then rename, so a running worker never reads half a file.
    let tmp = to.with_extension("wasm.tmp");
    if let Err(e) = fs::write(&tmp, &new).and_then(|()| fs::rename(&tmp, to)) {
        fail(&format!("cannot write {}: {e}", to.display()));
    }
}

/// The `<version>` of the WIT's `package wasm-connect:plugin@<version>;`.
fn contract_version(wit: &str) -> Option<String> {
    wit.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("package wasm-connect:plugin@")?;
        let version = rest.strip_suffix(';')?.trim();
        (!version.is_empty()).then(|| version.to_owned())
    })
}

fn git_commit(root: &Path) -> String {
    Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
