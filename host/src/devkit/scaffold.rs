//! `wasm-connect plugin new NAME --lang rust|python|js --kind …`: a small
//! project that builds with the language's own tools and passes
//! `wasm-connect plugin test` as it is.
//!
//! Everything a project needs from the contract is written into it from
//! this binary: the WIT (`wit/plugin.wit`) and, for Python and JavaScript,
//! the helper package, so a project builds against exactly the contract of
//! the worker that made it. A Rust project depends on the SDK by path
//! (`--sdk-path`, by default the `sdk-guest` of the checkout this binary
//! was built from).

use std::path::{Path, PathBuf};

use super::DevkitError;
use crate::plugin::contract;

/// The language of a new plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    /// Rust, built with cargo for wasm32-wasip2 over the SDK.
    Rust,
    /// Python, built with componentize-py.
    Python,
    /// JavaScript, built with componentize-js.
    Js,
}

/// The kind of a new plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    /// A single message transform.
    Transform,
    /// A predicate for transforms.
    Predicate,
    /// A key/value converter.
    Converter,
    /// A source connector.
    Source,
    /// A sink connector.
    Sink,
}

/// The build tools a Python project pins: the repository's own pin, which
/// the test suite builds with.
const PYTHON_REQUIREMENTS: &str = include_str!("../../../sdk-python/build-requirements.txt");
/// The JavaScript helper's package, whose componentize-js pin a new
/// project takes.
const JS_PACKAGE: &str = include_str!("../../../sdk-js/package.json");

/// The version `sdk-js/package.json` pins for one of its build tools.
/// A new project pins the same ones: `@bytecodealliance/componentize-js`,
/// and `@bytecodealliance/preview2-shim`, which componentize-js 0.23.0
/// imports when it runs but declares only as a development dependency of
/// its own (so `npm install` of componentize-js alone cannot build).
fn js_pin(package: &str) -> Result<String, DevkitError> {
    serde_json::from_str::<serde_json::Value>(JS_PACKAGE)
        .ok()
        .and_then(|p| p["devDependencies"][package].as_str().map(str::to_owned))
        .ok_or_else(|| {
            DevkitError::Usage(format!("sdk-js/package.json names no {package} version"))
        })
}

/// What to make.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The project's folder name, e.g. `my-filter`.
    pub name: String,
    /// Its language.
    pub lang: Lang,
    /// Its plugin kind.
    pub kind: Kind,
    /// Where to make the folder (default: the current folder).
    pub dir: Option<PathBuf>,
    /// The plugin's full name (default `example.<Name>`).
    pub plugin_name: Option<String>,
    /// The SDK a Rust project depends on.
    pub sdk_path: Option<PathBuf>,
}

/// A file of a template: its path in the project and its text.
type File = (&'static str, &'static str);

const PYTHON_HELPER: &[File] = &[
    (
        "__init__.py",
        include_str!("../../../sdk-python/wasm_connect/__init__.py"),
    ),
    (
        "_batch.py",
        include_str!("../../../sdk-python/wasm_connect/_batch.py"),
    ),
    (
        "_data.py",
        include_str!("../../../sdk-python/wasm_connect/_data.py"),
    ),
    (
        "_errors.py",
        include_str!("../../../sdk-python/wasm_connect/_errors.py"),
    ),
    (
        "_layout.py",
        include_str!("../../../sdk-python/wasm_connect/_layout.py"),
    ),
    (
        "_plugins.py",
        include_str!("../../../sdk-python/wasm_connect/_plugins.py"),
    ),
    (
        "exports.py",
        include_str!("../../../sdk-python/wasm_connect/exports.py"),
    ),
    (
        "log.py",
        include_str!("../../../sdk-python/wasm_connect/log.py"),
    ),
];

const JS_HELPER: &[File] = &[
    ("batch.js", include_str!("../../../sdk-js/batch.js")),
    ("build.mjs", include_str!("../../../sdk-js/build.mjs")),
    ("data.js", include_str!("../../../sdk-js/data.js")),
    ("errors.js", include_str!("../../../sdk-js/errors.js")),
    ("exports.js", include_str!("../../../sdk-js/exports.js")),
    ("files.js", include_str!("../../../sdk-js/files.js")),
    ("index.js", include_str!("../../../sdk-js/index.js")),
    ("plugins.js", include_str!("../../../sdk-js/plugins.js")),
    (
        "wasi/clocks.wit",
        include_str!("../../../sdk-js/wasi/clocks.wit"),
    ),
    (
        "wasi/filesystem.wit",
        include_str!("../../../sdk-js/wasi/filesystem.wit"),
    ),
    ("wasi/io.wit", include_str!("../../../sdk-js/wasi/io.wit")),
];

const README: &str = include_str!("templates/README.md.tmpl");
const RECORDS: &str = include_str!("templates/records.jsonl");
const CARGO_TOML: &str = include_str!("templates/rust/Cargo.toml.tmpl");
const PACKAGE_JSON: &str = include_str!("templates/js/package.json.tmpl");

fn source(lang: Lang, kind: Kind) -> &'static str {
    match (lang, kind) {
        (Lang::Rust, Kind::Transform) => include_str!("templates/rust/transform.rs"),
        (Lang::Rust, Kind::Predicate) => include_str!("templates/rust/predicate.rs"),
        (Lang::Rust, Kind::Converter) => include_str!("templates/rust/converter.rs"),
        (Lang::Rust, Kind::Source) => include_str!("templates/rust/source.rs"),
        (Lang::Rust, Kind::Sink) => include_str!("templates/rust/sink.rs"),
        (Lang::Python, Kind::Transform) => include_str!("templates/python/transform.py"),
        (Lang::Python, Kind::Predicate) => include_str!("templates/python/predicate.py"),
        (Lang::Python, Kind::Converter) => include_str!("templates/python/converter.py"),
        (Lang::Python, Kind::Source) => include_str!("templates/python/source.py"),
        (Lang::Python, Kind::Sink) => include_str!("templates/python/sink.py"),
        (Lang::Js, Kind::Transform) => include_str!("templates/js/transform.js"),
        (Lang::Js, Kind::Predicate) => include_str!("templates/js/predicate.js"),
        (Lang::Js, Kind::Converter) => include_str!("templates/js/converter.js"),
        (Lang::Js, Kind::Source) => include_str!("templates/js/source.js"),
        (Lang::Js, Kind::Sink) => include_str!("templates/js/sink.js"),
    }
}

impl Kind {
    /// The smallest world of the contract that exports this kind.
    fn world(self) -> &'static str {
        match self {
            Kind::Transform | Kind::Predicate => "transform-plugin",
            Kind::Converter => "converter-plugin",
            Kind::Source => "source-plugin",
            Kind::Sink => "sink-plugin",
        }
    }

    fn words(self) -> &'static str {
        match self {
            Kind::Transform => "transform",
            Kind::Predicate => "predicate",
            Kind::Converter => "converter",
            Kind::Source => "source connector",
            Kind::Sink => "sink connector",
        }
    }

    /// The arguments of `plugin test` that suit the sample records.
    fn test_args(self) -> &'static str {
        match self {
            Kind::Transform | Kind::Predicate | Kind::Sink => " < test/records.jsonl",
            Kind::Converter => " --direction from-connect < test/records.jsonl",
            Kind::Source => " --config topic=greetings",
        }
    }

    fn usage(self, plugin: &str) -> String {
        match self {
            Kind::Transform => format!("transforms=tag\ntransforms.tag.type={plugin}"),
            Kind::Predicate => format!(
                "predicates=important\npredicates.important.type={plugin}\ntransforms.<alias>.predicate=important"
            ),
            Kind::Converter => format!("value.converter={plugin}"),
            Kind::Source => format!("connector.class={plugin}\ntopic=greetings"),
            Kind::Sink => format!("connector.class={plugin}\ntopics=greetings"),
        }
    }
}

/// `my-filter` → `MyFilter`.
fn camel(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Replace each `{{key}}` of `template`.
fn fill(template: &str, vars: &[(&str, String)]) -> String {
    vars.iter().fold(template.to_owned(), |text, (key, value)| {
        text.replace(&format!("{{{{{key}}}}}"), value)
    })
}

/// Where the SDK of the checkout this binary was built from is, if it is
/// still there.
fn default_sdk() -> Option<PathBuf> {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk-guest");
    built
        .join("Cargo.toml")
        .is_file()
        .then(|| built.canonicalize().unwrap_or_else(|_| built.clone()))
}

/// Make the project; returns its folder.
pub fn new_project(options: &NewOptions) -> Result<PathBuf, DevkitError> {
    let name = options.name.trim();
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && name.starts_with(|c: char| c.is_ascii_alphabetic());
    if !valid {
        return Err(DevkitError::Usage(format!(
            "plugin new {name}: a name starts with a letter and holds letters, digits, - and _ (it names the folder, \
             the crate or package and the plugin)"
        )));
    }
    let dir = options
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from("."))
        .join(name);
    if dir.exists()
        && std::fs::read_dir(&dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(DevkitError::Usage(format!(
            "{} already exists and is not empty: choose another name or --dir",
            dir.display()
        )));
    }
    let type_name = camel(name);
    let plugin = options
        .plugin_name
        .clone()
        .unwrap_or_else(|| format!("example.{type_name}"));
    let kind = options.kind;
    let world = kind.world();
    let (wasm, build, wit_where) = match options.lang {
        Lang::Rust => (
            format!("target/wasm32-wasip2/release/{}.wasm", name.replace('-', "_")),
            "```sh\nrustup target add wasm32-wasip2    # once\ncargo build --release --target wasm32-wasip2\n```\n\n\
             `cargo test` runs the unit tests natively."
                .to_owned(),
            "the SDK's: `wasm-connect-sdk` in Cargo.toml",
        ),
        Lang::Python => (
            format!("{name}.wasm"),
            format!(
                "```sh\npip install -r build-requirements.txt    # componentize-py, once\n\
                 componentize-py -d wit -w {world} componentize app -o {name}.wasm\n```\n\n\
                 `wasm_connect/` is the helper package (per-record views and batch-wide operations); \
                 `app.py` is your plugin."
            ),
            "in `wit/`",
        ),
        Lang::Js => (
            format!("{name}.wasm"),
            "```sh\nnpm install      # componentize-js, once\nnpm run build\n```\n\n\
             `wasm-connect/` is the helper (per-record views, batch-wide operations, files through \
             WASI, and `build.mjs`); `app.js` is your plugin."
                .to_owned(),
            "in `wit/`",
        ),
    };
    let language = match options.lang {
        Lang::Rust => "Rust",
        Lang::Python => "Python",
        Lang::Js => "JavaScript",
    };
    let sdk = match options.lang {
        Lang::Rust => {
            let sdk = options.sdk_path.clone().or_else(default_sdk).ok_or_else(|| {
                DevkitError::Usage(
                    "a Rust plugin depends on the wasm-connect SDK by path: give --sdk-path, the sdk-guest \
                     folder of a wasm-connect checkout"
                        .into(),
                )
            })?;
            if !sdk.join("Cargo.toml").is_file() {
                return Err(DevkitError::Usage(format!(
                    "--sdk-path {}: no Cargo.toml there (it is the sdk-guest folder of a wasm-connect checkout)",
                    sdk.display()
                )));
            }
            sdk.display().to_string()
        }
        _ => String::new(),
    };
    let (componentize_js, preview2_shim) = match options.lang {
        Lang::Js => (
            js_pin("@bytecodealliance/componentize-js")?,
            js_pin("@bytecodealliance/preview2-shim")?,
        ),
        _ => Default::default(),
    };
    let vars: Vec<(&str, String)> = vec![
        ("project", name.to_owned()),
        ("crate", name.to_owned()),
        ("type", type_name),
        ("plugin", plugin.clone()),
        ("world", world.to_owned()),
        ("wasm", wasm),
        ("build", build),
        ("wit_where", wit_where.to_owned()),
        ("language", language.to_owned()),
        ("kind_words", kind.words().to_owned()),
        ("test_args", kind.test_args().to_owned()),
        ("usage", kind.usage(&plugin)),
        ("contract", contract::CONTRACT.to_owned()),
        ("sdk", sdk),
        (
            "dependencies",
            if kind == Kind::Source {
                "serde_json = \"1\"\n".to_owned()
            } else {
                String::new()
            },
        ),
        ("componentize_js", componentize_js),
        ("preview2_shim", preview2_shim),
    ];
    let mut files: Vec<(String, String)> = vec![
        ("README.md".into(), fill(README, &vars)),
        ("test/records.jsonl".into(), RECORDS.to_owned()),
    ];
    let code = fill(source(options.lang, kind), &vars);
    match options.lang {
        Lang::Rust => {
            files.push(("Cargo.toml".into(), fill(CARGO_TOML, &vars)));
            files.push(("src/lib.rs".into(), code));
            files.push((".gitignore".into(), "target/\n".into()));
        }
        Lang::Python => {
            files.push(("app.py".into(), code));
            files.push(("wit/plugin.wit".into(), contract::WIT.to_owned()));
            files.push((
                "build-requirements.txt".into(),
                PYTHON_REQUIREMENTS.to_owned(),
            ));
            files.push((".gitignore".into(), "*.wasm\n__pycache__/\n".into()));
            for (path, text) in PYTHON_HELPER {
                files.push((format!("wasm_connect/{path}"), (*text).to_owned()));
            }
        }
        Lang::Js => {
            files.push(("app.js".into(), code));
            files.push(("wit/plugin.wit".into(), contract::WIT.to_owned()));
            files.push(("package.json".into(), fill(PACKAGE_JSON, &vars)));
            files.push((".gitignore".into(), "*.wasm\nnode_modules/\n".into()));
            for (path, text) in JS_HELPER {
                files.push((format!("wasm-connect/{path}"), (*text).to_owned()));
            }
        }
    }
    for (path, text) in files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| DevkitError::Io {
                what: format!("creating {}", parent.display()),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| DevkitError::Io {
            what: format!("writing {}", path.display()),
            source,
        })?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_types() {
        assert_eq!(camel("my-filter"), "MyFilter");
        assert_eq!(camel("route_by_header2"), "RouteByHeader2");
    }

    /// Every file of the helpers is in the binary, so a new project gets
    /// the whole helper.
    #[test]
    fn the_helpers_are_embedded_whole() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let listed = |dir: &str, files: &[File]| {
            let mut on_disk: Vec<String> = Vec::new();
            for sub in ["", "wasi"] {
                let Ok(entries) = std::fs::read_dir(root.join(dir).join(sub)) else {
                    continue;
                };
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let helper = [".py", ".js", ".mjs", ".wit"]
                        .iter()
                        .any(|x| name.ends_with(x));
                    if e.path().is_file() && helper {
                        on_disk.push(if sub.is_empty() {
                            name
                        } else {
                            format!("{sub}/{name}")
                        });
                    }
                }
            }
            on_disk.sort();
            let mut embedded: Vec<String> = files.iter().map(|(p, _)| (*p).to_owned()).collect();
            embedded.sort();
            assert_eq!(embedded, on_disk, "{dir}");
        };
        listed("sdk-python/wasm_connect", PYTHON_HELPER);
        listed("sdk-js", JS_HELPER);
    }

    #[test]
    fn a_project_is_written_and_not_over_another() {
        let dir = tempfile::tempdir().unwrap();
        let options = NewOptions {
            name: "my-filter".into(),
            lang: Lang::Python,
            kind: Kind::Transform,
            dir: Some(dir.path().to_owned()),
            plugin_name: None,
            sdk_path: None,
        };
        let made = new_project(&options).unwrap();
        let app = std::fs::read_to_string(made.join("app.py")).unwrap();
        assert!(app.contains("class MyFilter(wc.Transform):"), "{app}");
        assert!(app.contains("name = \"example.MyFilter\""), "{app}");
        let readme = std::fs::read_to_string(made.join("README.md")).unwrap();
        assert!(readme.contains(
            "componentize-py -d wit -w transform-plugin componentize app -o my-filter.wasm"
        ));
        assert!(!readme.contains("{{"), "{readme}");
        assert_eq!(
            std::fs::read_to_string(made.join("wit/plugin.wit")).unwrap(),
            contract::WIT
        );
        let again = new_project(&options).err().unwrap().to_string();
        assert!(
            again.ends_with(
                "my-filter already exists and is not empty: choose another name or --dir"
            ),
            "{again}"
        );
        let bad = NewOptions {
            name: "9 lives".into(),
            ..options
        };
        assert!(new_project(&bad).is_err());
    }
}
