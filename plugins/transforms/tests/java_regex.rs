//! Java regular expressions and replacement strings against Java itself:
//! `tests/data/regex_corpus.txt` holds `pattern<TAB>replacement<TAB>topic`
//! lines (`%n`, `%r`, `%t`, `%uXXXX`, `%%` escapes), `regex_expected.txt`
//! what `RegexRouter` does with each on a JDK (25; JDK 17 differs only in
//! two error messages and `\p{IsEmoji}`), printed by a small Java harness:
//! `INVALID <description> @<index>` when `Pattern.compile` fails,
//! `NOMATCH` when `matches()` is false, `ROUTE "<topic>"` from
//! `replaceFirst`, or `FAIL <message>` when the replacement is bad.

// Test helpers outside #[test] functions may stop loudly too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use wasm_connect_plugin_transforms::route_util::JavaRegex;
use wasm_connect_plugin_transforms::route_util::java_regex::RegexError;
use wasm_connect_plugin_transforms::route_util::java_replacement::Replacement;

fn unpct(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            other => panic!("bad escape {other:?}"),
        }
    }
    out
}

fn esc(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let cp = u32::from(c);
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            _ if cp < 0x20 || cp == 0x7f || (0x80..0xa0).contains(&cp) => {
                out.push_str(&format!("\\u{cp:04x}"))
            }
            _ => out.push(c),
        }
    }
    out
}

fn run(pattern: &str, replacement: &str, topic: &str) -> String {
    match JavaRegex::compile(pattern) {
        Err(RegexError::Syntax {
            description, index, ..
        }) => format!("INVALID {description} @{}", index.map_or(-1, |i| i as i64)),
        Err(RegexError::Unsupported(feature)) => format!("UNSUPPORTED {feature}"),
        Err(RegexError::Engine(reason)) => format!("ENGINE {reason}"),
        Ok(regex) => {
            if !regex.matches(topic) {
                return "NOMATCH".into();
            }
            match Replacement::new(replacement, &regex).replace_first(&regex, topic) {
                Ok(routed) => format!("ROUTE \"{}\"", esc(&routed)),
                Err(message) => format!("FAIL {message}"),
            }
        }
    }
}

#[test]
fn regex_router_matches_java() {
    let corpus = include_str!("data/regex_corpus.txt");
    let expected = include_str!("data/regex_expected.txt");
    assert_eq!(corpus.lines().count(), expected.lines().count());
    let mut failures = Vec::new();
    let mut unsupported = 0;
    for (line, want) in corpus.lines().zip(expected.lines()) {
        let fields: Vec<String> = line.split('\t').map(unpct).collect();
        let got = run(&fields[0], &fields[1], &fields[2]);
        if got == want {
            continue;
        }
        // A group repeated by `*` or `+` whose body can match empty: Java's
        // backtracking makes one more, empty, iteration and reports it;
        // Rust's engine reports the last non-empty one.
        if matches!(line, "(a*)*\t[$1]\taaa" | "(a*)+\t[$1]\taaa") {
            continue;
        }
        // Features Rust's engine lacks are refused; Java runs them.
        if got.starts_with("UNSUPPORTED ") {
            unsupported += 1;
            println!("refused: {line} (java: {want}) -> {got}");
            continue;
        }
        failures.push(format!("{line}\n  java: {want}\n  ours: {got}"));
    }
    println!("{unsupported} patterns use features Rust's engine lacks");
    assert!(unsupported < 40, "{unsupported} patterns refused");
    assert!(
        failures.is_empty(),
        "{} differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
