use super::*;
use crate::config::test_entries as entries;
use std::fs;
use std::path::{Path, PathBuf};

fn keys(names: &[&str]) -> Vec<String> {
    names.iter().map(|k| (*k).to_owned()).collect()
}

fn vars(value: &str) -> Vec<(&str, &str, &str)> {
    variables(value)
        .map(|v| (v.provider, v.path, v.key))
        .collect()
}

/// A registry with a file provider (no restriction), a directory
/// provider and an environment provider over `env`.
fn registry(env: &[(&str, &str)]) -> ConfigProviders {
    let mut p = ConfigProviders::new();
    p.register("file", Arc::new(FileConfigProvider::default()));
    p.register("dir", Arc::new(DirectoryConfigProvider::default()));
    let env = EnvVarConfigProvider::with_vars(entries(env), &[]).unwrap();
    p.register("env", Arc::new(env));
    p
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn the_variable_syntax_is_apaches() {
    assert!(VARIABLE.is_some());
    assert_eq!(
        vars("${file:/etc/a.properties:user}"),
        vec![("file", "/etc/a.properties", "user")]
    );
    assert_eq!(vars("${env:HOME}"), vec![("env", "", "HOME")]);
    assert_eq!(vars("${env::HOME}"), vec![("env", "", "HOME")]);
    // The provider ends at the first colon, the path at the second.
    assert_eq!(vars("${a:b:c:d}"), vec![("a", "b", "c:d")]);
    assert_eq!(
        vars("x${a:k}y${b:p:k2}z"),
        vec![("a", "", "k"), ("b", "p", "k2")]
    );
    assert!(vars("${novariable} $x {a:b} $ {a:b}").is_empty());
    assert!(contains_variables("pre ${env:X} post"));
    assert!(!contains_variables("plain"));
    let v = variables("ab${env:X}").next().unwrap();
    assert_eq!(v.span, 2..10);
}

#[test]
fn file_provider_reads_properties() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("db.properties");
    fs::write(&file, "user=alice\npassword = s3cr\\u0065t\nuser=bob\n").unwrap();
    let p = FileConfigProvider::default();
    let got = p
        .get(path_str(&file), &keys(&["user", "password", "absent"]))
        .unwrap();
    assert_eq!(got.get("user").map(String::as_str), Some("bob"));
    assert_eq!(got.get("password").map(String::as_str), Some("s3cret"));
    assert!(!got.contains_key("absent"));
    assert!(p.get("", &keys(&["user"])).unwrap().is_empty());

    let err = p
        .get(
            path_str(&dir.path().join("nope.properties")),
            &keys(&["user"]),
        )
        .unwrap_err();
    assert!(
        matches!(&err, ProviderError::ReadProperties { path, .. } if path.ends_with("nope.properties")),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("Could not read properties from file "),
        "{err}"
    );
}

#[test]
fn missing_keys_and_unknown_providers_stay_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.properties");
    fs::write(&file, "k=v\n").unwrap();
    let f = path_str(&file);
    let resolved = registry(&[("USER", "alice")])
        .resolve(&entries(&[
            ("known", &format!("${{file:{f}:k}}")),
            ("missing", &format!("${{file:{f}:nope}}")),
            ("unknown", "${vault:secret/db:password}"),
            ("no.path", "${file:k}"),
            ("plain", "just text"),
        ]))
        .unwrap();
    assert_eq!(
        resolved,
        entries(&[
            ("known", "v"),
            ("missing", &format!("${{file:{f}:nope}}")),
            ("unknown", "${vault:secret/db:password}"),
            ("no.path", "${file:k}"),
            ("plain", "just text"),
        ])
    );
}

#[test]
fn several_variables_in_one_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw.properties");
    fs::write(&file, "pw=hunter2\n").unwrap();
    let f = path_str(&file);
    let value =
        format!("jdbc://${{env:USER}}:${{file:{f}:pw}}@${{env::HOST}}/${{nope:x}}${{env:UNSET}}");
    let resolved = registry(&[("USER", "alice"), ("HOST", "db")])
        .resolve(&entries(&[("url", &value)]))
        .unwrap();
    assert_eq!(
        resolved,
        entries(&[("url", "jdbc://alice:hunter2@db/${nope:x}${env:UNSET}")])
    );
    // One pass: a value that looks like a variable is not resolved again.
    let resolved = registry(&[("A", "${env:B}"), ("B", "b")])
        .resolve(&entries(&[("k", "${env:A}")]))
        .unwrap();
    assert_eq!(resolved, entries(&[("k", "${env:B}")]));
}

#[test]
fn directory_provider_reads_regular_files_directly_inside() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("password"), "hunter2\n").unwrap();
    fs::write(d.join("bad-utf8"), b"a\xffb").unwrap();
    fs::create_dir(d.join("sub")).unwrap();
    fs::write(d.join("sub").join("inner"), "x").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(d.join("password"), d.join("linked")).unwrap();
    let p = DirectoryConfigProvider::default();
    let got = p
        .get(
            path_str(d),
            &keys(&[
                "password",
                "bad-utf8",
                "sub",
                "sub/inner",
                "../x",
                "linked",
                "absent",
            ]),
        )
        .unwrap();
    assert_eq!(got.get("password").map(String::as_str), Some("hunter2\n"));
    assert_eq!(got.get("bad-utf8").map(String::as_str), Some("a\u{fffd}b"));
    #[cfg(unix)]
    assert_eq!(got.get("linked").map(String::as_str), Some("hunter2\n"));
    for absent in ["sub", "sub/inner", "../x", "absent"] {
        assert!(!got.contains_key(absent), "{absent}");
    }
    // Not a directory: nothing, as Apache (a warning only).
    assert!(
        p.get(path_str(&d.join("password")), &keys(&["password"]))
            .unwrap()
            .is_empty()
    );
    assert!(
        p.get(path_str(&d.join("gone")), &keys(&["x"]))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn env_provider_with_allowlist() {
    let env = [
        ("DB_USER", "alice"),
        ("DB_PASSWORD", "hunter2"),
        ("HOME", "/root"),
    ];
    let all = EnvVarConfigProvider::with_vars(entries(&env), &[]).unwrap();
    assert_eq!(all.get("", &keys(&["HOME"])).unwrap().len(), 1);
    let some =
        EnvVarConfigProvider::with_vars(entries(&env), &entries(&[(ALLOWLIST_PATTERN, "DB_.*")]))
            .unwrap();
    let got = some.get("", &keys(&["DB_USER", "HOME", "DB_"])).unwrap();
    assert_eq!(
        got,
        BTreeMap::from([("DB_USER".to_owned(), "alice".to_owned())])
    );
    // The whole name must match.
    let partial =
        EnvVarConfigProvider::with_vars(entries(&env), &entries(&[(ALLOWLIST_PATTERN, "DB")]))
            .unwrap();
    assert!(partial.get("", &keys(&["DB_USER"])).unwrap().is_empty());
    // A path is an error.
    assert_eq!(
        some.get("/x", &keys(&["DB_USER"])).unwrap_err().to_string(),
        "Path is not supported for EnvVarConfigProvider, invalid value '/x'"
    );
    let bad = EnvVarConfigProvider::with_vars(entries(&env), &entries(&[(ALLOWLIST_PATTERN, "(")]))
        .unwrap_err();
    assert_eq!(bad.param, ALLOWLIST_PATTERN);
    assert!(
        bad.to_string().starts_with(
            "Invalid value ( for configuration allowlist.pattern: not a valid regular expression"
        ),
        "{bad}"
    );
    // Values never show in Debug.
    assert!(!format!("{some:?}").contains("alice"));
}

#[test]
fn the_real_environment_is_read() {
    // PATH is set wherever tests run.
    let env = EnvVarConfigProvider::configure(&[]).unwrap();
    let got = env.get("", &keys(&["PATH"])).unwrap();
    assert_eq!(got.get("PATH").cloned(), std::env::var("PATH").ok());
}

#[test]
fn normalisation_is_lexical() {
    for (input, expected) in [
        ("/a/./b/../c", "/a/c"),
        ("/a/b/", "/a/b"),
        ("//a//b", "/a/b"),
        ("/../a", "/a"),
        ("/a/../..", "/"),
        ("a/../../b", "../b"),
        ("./a", "a"),
        // Nothing on disk is consulted: these paths do not exist.
        ("/no/such/dir/../../x", "/no/x"),
    ] {
        assert_eq!(
            normalize(Path::new(input)),
            PathBuf::from(expected),
            "{input}"
        );
    }
}

#[test]
fn allowed_paths_by_component() {
    let root = tempfile::tempdir().unwrap();
    let allowed_dir = root.path().join("allowed");
    let sibling = root.path().join("allowed-not");
    fs::create_dir(&allowed_dir).unwrap();
    fs::create_dir(&sibling).unwrap();
    fs::write(allowed_dir.join("in.properties"), "k=inside\n").unwrap();
    fs::write(sibling.join("out.properties"), "k=outside\n").unwrap();
    let allowed = AllowedPaths::parse(Some(&format!(" {} ,", allowed_dir.display()))).unwrap();

    let inside = allowed_dir.join("in.properties");
    assert_eq!(allowed.check(path_str(&inside)), Some(inside.clone()));
    // A prefix by characters is not a prefix by components.
    assert_eq!(
        allowed.check(path_str(&sibling.join("out.properties"))),
        None
    );
    // `..` cannot climb out.
    let climbing = format!("{}/../allowed-not/out.properties", allowed_dir.display());
    assert_eq!(allowed.check(&climbing), None);
    // `..` that stays inside is fine and is normalised.
    let wandering = format!("{}/x/../in.properties", allowed_dir.display());
    assert_eq!(allowed.check(&wandering), Some(inside.clone()));
    // Relative paths are never inside an absolute root.
    assert_eq!(allowed.check("in.properties"), None);

    let mut providers = ConfigProviders::new();
    providers.register("file", Arc::new(FileConfigProvider::new(allowed.clone())));
    providers.register("dir", Arc::new(DirectoryConfigProvider::new(allowed)));
    let raw = entries(&[
        ("a", &format!("${{file:{}:k}}", inside.display())),
        ("b", &format!("${{file:{climbing}:k}}")),
        (
            "c",
            &format!("${{dir:{}:out.properties}}", sibling.display()),
        ),
        (
            "d",
            &format!("${{dir:{}:in.properties}}", allowed_dir.display()),
        ),
    ]);
    let resolved = providers.resolve(&raw).unwrap();
    assert_eq!(resolved[0].1, "inside");
    assert_eq!(resolved[1], raw[1], "outside: left as written");
    assert_eq!(resolved[2], raw[2], "outside: left as written");
    assert_eq!(resolved[3].1, "k=inside\n");
}

#[test]
fn allowed_paths_must_be_absolute_and_exist() {
    assert_eq!(AllowedPaths::parse(None).unwrap(), AllowedPaths::any());
    assert_eq!(AllowedPaths::parse(Some("")).unwrap(), AllowedPaths::any());
    let rel = AllowedPaths::parse(Some("etc/secrets")).unwrap_err();
    assert_eq!(
        rel.to_string(),
        "Invalid value etc/secrets for configuration allowed.paths: Path etc/secrets is not absolute"
    );
    let gone = AllowedPaths::parse(Some("/no/such/../dir")).unwrap_err();
    assert_eq!(gone.message, "Path /no/dir does not exist");
}

#[test]
fn worker_config_builds_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let p = ConfigProviders::from_worker_config(
        &entries(&[
            ("config.providers", "file, dir ,env,file,"),
            (
                "config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider",
            ),
            ("config.providers.file.param.allowed.paths", &d),
            ("config.providers.dir.class", "DirectoryConfigProvider"),
            ("config.providers.env.class", "EnvVar"),
            ("config.providers.env.param.allowlist.pattern", "PATH"),
            ("config.providers.unlisted.class", "File"),
        ]),
        "worker config w.properties",
    )
    .unwrap();
    assert_eq!(p.names().collect::<Vec<_>>(), vec!["dir", "env", "file"]);
    assert!(
        ConfigProviders::from_worker_config(&[], "w")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn worker_config_problems_are_all_reported() {
    let err = ConfigProviders::from_worker_config(
        &entries(&[
            ("config.providers", "a,b,c,d"),
            (
                "config.providers.b.class",
                "com.example.VaultConfigProvider",
            ),
            ("config.providers.c.class", "FileConfigProvider"),
            ("config.providers.c.param.allowed.paths", "relative/dir"),
            ("config.providers.d.class", "EnvVarConfigProvider"),
            ("config.providers.d.param.allowlist.pattern", "[z-a]"),
        ]),
        "worker config w.properties",
    )
    .unwrap_err();
    assert_eq!(err.source_name, "worker config w.properties");
    assert_eq!(err.problems.len(), 4, "{err}");
    assert_eq!(
        err.problems[0],
        "Missing required configuration \"config.providers.a.class\" which has no default value."
    );
    assert_eq!(
        err.problems[1],
        "Invalid value com.example.VaultConfigProvider for configuration config.providers.b.class: Failed to find any class that implements ConfigProvider and which name matches com.example.VaultConfigProvider, available ConfigProviders are: org.apache.kafka.common.config.provider.DirectoryConfigProvider, org.apache.kafka.common.config.provider.EnvVarConfigProvider, org.apache.kafka.common.config.provider.FileConfigProvider"
    );
    assert_eq!(
        err.problems[2],
        "Invalid value relative/dir for configuration config.providers.c.param.allowed.paths: Path relative/dir is not absolute"
    );
    assert!(
        err.problems[3].starts_with(
            "Invalid value [z-a] for configuration config.providers.d.param.allowlist.pattern: not a valid regular expression"
        ),
        "{}",
        err.problems[3]
    );
}

/// A provider a plugin might supply.
#[derive(Debug)]
struct Vault;

impl ConfigProvider for Vault {
    fn get(&self, path: &str, keys: &[String]) -> Result<BTreeMap<String, String>, ProviderError> {
        if path == "broken" {
            return Err(ProviderError::Failed("vault sealed".into()));
        }
        Ok(keys
            .iter()
            .map(|k| (k.clone(), format!("{path}/{k}")))
            .collect())
    }
}

struct VaultFactory;

impl ProviderFactory for VaultFactory {
    fn classes(&self) -> Vec<String> {
        vec!["com.example.Vault".into()]
    }

    fn create(
        &self,
        class: &str,
        params: &[(String, String)],
    ) -> Option<Result<Arc<dyn ConfigProvider>, String>> {
        (class == "com.example.Vault").then(|| match get(params, "token") {
            Some(_) => Ok(Arc::new(Vault) as Arc<dyn ConfigProvider>),
            None => Err("the parameter token is required".to_owned()),
        })
    }
}

#[test]
fn other_providers_plug_in() {
    let p = ConfigProviders::from_worker_config_with(
        &entries(&[
            ("config.providers", "vault"),
            ("config.providers.vault.class", "com.example.Vault"),
            ("config.providers.vault.param.token", "t0ken"),
        ]),
        "w",
        &VaultFactory,
    )
    .unwrap();
    assert_eq!(
        p.resolve(&entries(&[("k", "${vault:db:pw}")])).unwrap(),
        entries(&[("k", "db/pw")])
    );
    let err = ConfigProviders::from_worker_config_with(
        &entries(&[
            ("config.providers", "vault,x"),
            ("config.providers.vault.class", "com.example.Vault"),
            ("config.providers.x.class", "Nope"),
        ]),
        "w",
        &VaultFactory,
    )
    .unwrap_err();
    assert_eq!(
        err.problems[0],
        "Cannot configure config provider 'vault' (com.example.Vault): the parameter token is required"
    );
    assert!(err.problems[1].ends_with("available ConfigProviders are: com.example.Vault, org.apache.kafka.common.config.provider.DirectoryConfigProvider, org.apache.kafka.common.config.provider.EnvVarConfigProvider, org.apache.kafka.common.config.provider.FileConfigProvider"), "{}", err.problems[1]);

    let mut direct = ConfigProviders::new();
    assert!(direct.register("vault", Arc::new(Vault)).is_none());
    assert!(direct.register("vault", Arc::new(Vault)).is_some());
}

#[test]
fn a_failed_lookup_names_the_key_and_fails_only_its_users() {
    let mut p = registry(&[("USER", "alice")]);
    p.register("vault", Arc::new(Vault));
    let raw = entries(&[
        ("ok", "${env:USER}"),
        ("db.password", "${vault:broken:pw}"),
        ("other", "x${vault:broken:pw2}"),
    ]);
    let each = p.resolve_each(&raw);
    assert_eq!(each[0], Ok("alice".to_owned()));
    assert_eq!(
        each[1].as_ref().unwrap_err().to_string(),
        "Cannot resolve the variables for config provider 'vault' (path 'broken') in configuration db.password: vault sealed"
    );
    assert!(
        matches!(&each[2], Err(ProviderError::Lookup { config_key, .. }) if config_key == "other")
    );
    assert_eq!(p.resolve(&raw).unwrap_err(), each[1].clone().unwrap_err());
}

#[test]
fn secrets_never_show_in_errors_or_debug() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.properties");
    fs::write(&good, "password=hunter2\n").unwrap();
    // A malformed escape right inside a secret.
    let bad = dir.path().join("bad.properties");
    fs::write(&bad, "password=hunt\\u12zzer2\n").unwrap();
    let p = registry(&[("SECRET", "hunter2")]);
    let raw = entries(&[
        ("a", &format!("${{file:{}:password}}", good.display())),
        ("b", "${env:SECRET}"),
        ("c", &format!("${{file:{}:password}}", bad.display())),
    ]);
    let each = p.resolve_each(&raw);
    assert_eq!(each[0], Ok("hunter2".to_owned()));
    assert_eq!(each[1], Ok("hunter2".to_owned()));
    let err = each[2].clone().unwrap_err();
    for text in [err.to_string(), format!("{err:?}"), format!("{p:?}")] {
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("hunt"), "{text}");
        assert!(!text.contains("12zz"), "{text}");
    }
    assert!(err.to_string().contains("line 1: malformed"), "{err}");
}

#[test]
fn raw_text_is_put_back_for_keys_with_variables() {
    let raw = entries(&[("pw", "${env:PW}"), ("file", "/tmp/x")]);
    let task = entries(&[("pw", "hunter2"), ("file", "/tmp/x"), ("task.id", "0")]);
    assert_eq!(
        restore_variables(&raw, task),
        entries(&[("pw", "${env:PW}"), ("file", "/tmp/x"), ("task.id", "0")])
    );
}
