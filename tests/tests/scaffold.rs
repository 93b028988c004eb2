//! `wasm-connect plugin new`: each generated project builds with its
//! language's own tools, as its README says, and passes `wasm-connect
//! plugin test` on its sample records as it is. Every kind in Rust (cargo
//! builds are cheap once the SDK is compiled), one kind each in Python and
//! JavaScript (a componentize run takes seconds).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a failure should stop loudly"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use wasm_connect_e2e::*;

fn new_project(dir: &Path, name: &str, lang: &str, kind: &str) -> PathBuf {
    let out = run_ok(
        Command::new(binary())
            .args([
                "plugin", "new", name, "--lang", lang, "--kind", kind, "--dir",
            ])
            .arg(dir),
        &format!("plugin new {name}"),
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Made "));
    dir.join(name)
}

/// `wasm-connect plugin test` with the arguments the project's README
/// gives (the sample records from `test/records.jsonl` as standard input).
fn plugin_test(project: &Path, wasm: &str) -> (String, String) {
    let readme = std::fs::read_to_string(project.join("README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("wasm-connect plugin test "))
        .expect("the README says how to test");
    let mut args: Vec<&str> = line
        .trim_start_matches("wasm-connect plugin test ")
        .split_whitespace()
        .collect();
    assert_eq!(args.remove(0), wasm, "{line}");
    let mut stdin = Stdio::null();
    if let Some(at) = args.iter().position(|a| *a == "<") {
        stdin = std::fs::File::open(project.join(args[at + 1]))
            .unwrap()
            .into();
        args.truncate(at);
    }
    let out = run_ok(
        Command::new(binary())
            .current_dir(project)
            .args(["plugin", "test", wasm])
            .args(&args)
            .env("NO_COLOR", "1")
            .stdin(stdin),
        &format!("plugin test {}", project.display()),
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn rust_projects_of_every_kind_build_and_pass_plugin_test() {
    let dir = tempfile::tempdir().unwrap();
    let target = repo_root().join("target").join("scaffold");
    for kind in ["transform", "predicate", "converter", "source", "sink"] {
        let name = format!("my-{kind}");
        let project = new_project(dir.path(), &name, "rust", kind);
        run_ok(
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .current_dir(&project)
                .args([
                    "build",
                    "--release",
                    "--target",
                    "wasm32-wasip2",
                    "--target-dir",
                ])
                .arg(&target)
                .env_remove("CARGO_TARGET_DIR")
                .env_remove("RUSTFLAGS"),
            &format!("cargo build of {name}"),
        );
        // The README's path, with the shared target folder of this test.
        let built = target
            .join("wasm32-wasip2/release")
            .join(format!("{}.wasm", name.replace('-', "_")));
        let wasm = format!(
            "target/wasm32-wasip2/release/{}.wasm",
            name.replace('-', "_")
        );
        std::fs::create_dir_all(project.join("target/wasm32-wasip2/release")).unwrap();
        std::fs::copy(&built, project.join(&wasm)).unwrap();
        let (stdout, stderr) = plugin_test(&project, &wasm);
        match kind {
            "transform" => {
                assert_eq!(stdout.lines().count(), 2, "{stdout}");
                assert!(
                    stdout
                        .lines()
                        .all(|l| l
                            .contains(&format!("{{\"key\":\"added-by\",\"value\":\"{name}\"}}"))),
                    "{stdout}"
                );
            }
            "predicate" => assert_eq!(stdout, "true\nfalse\n"),
            "converter" => {
                assert!(
                    stdout.contains(r#""key":"k1","value":"hello"}"#),
                    "{stdout}"
                );
                assert!(
                    stdout.contains(r#""key":"k2","value":"world"}"#),
                    "{stdout}"
                );
            }
            "source" => {
                assert_eq!(stdout.lines().count(), 10, "{stdout}");
                assert!(stdout.starts_with(
                    "{\"topic\":\"greetings\",\"key\":null,\"value\":\"hello 0\",\"source_partition\":{\"source\":\"my-source\"},\"source_offset\":{\"next\":1}}\n"
                ), "{stdout}");
            }
            "sink" => {
                assert!(stderr.contains("greetings: hello"), "{stderr}");
                assert!(stderr.contains("greetings: world"), "{stderr}");
            }
            _ => unreachable!(),
        }
    }
}

#[test]
fn a_python_transform_project_builds_and_passes_plugin_test() {
    let dir = tempfile::tempdir().unwrap();
    let project = new_project(dir.path(), "py-tag", "python", "transform");
    run_ok(
        Command::new("componentize-py").current_dir(&project).args([
            "-d",
            "wit",
            "-w",
            "transform-plugin",
            "componentize",
            "app",
            "-o",
            "py-tag.wasm",
        ]),
        "componentize-py (run scripts/test.sh to install it)",
    );
    let (stdout, _) = plugin_test(&project, "py-tag.wasm");
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(
        stdout
            .lines()
            .all(|l| l.contains(r#"{"key":"added-by","value":"py-tag"}"#)),
        "{stdout}"
    );
}

#[test]
fn a_javascript_sink_project_builds_and_passes_plugin_test() {
    let dir = tempfile::tempdir().unwrap();
    let project = new_project(dir.path(), "js-log", "js", "sink");
    // `npm install` would fetch componentize-js again; the suite's copy
    // (sdk-js/node_modules, installed by scripts/test.sh) is the same
    // version, so the project gets it by a link.
    let modules = repo_root().join("sdk-js").join("node_modules");
    assert!(
        modules.is_dir(),
        "sdk-js/node_modules is missing: run scripts/test.sh (npm ci in sdk-js)"
    );
    std::os::unix::fs::symlink(&modules, project.join("node_modules")).unwrap();
    run_ok(
        Command::new("npm")
            .current_dir(&project)
            .args(["run", "build"]),
        "npm run build",
    );
    let (_, stderr) = plugin_test(&project, "js-log.wasm");
    assert!(stderr.contains(r#"greetings: "hello""#), "{stderr}");
    assert!(stderr.contains(r#"greetings: "world""#), "{stderr}");
}
