//! Apache's `RegexRouter`: when a record's whole topic matches `regex`,
//! the topic becomes `Matcher.replaceFirst(replacement)`.

use std::collections::HashMap;

use wasm_connect_sdk::prelude::*;

use crate::route_util::java_replacement::Replacement;
use crate::route_util::{self, JavaRegex, record_error};

const REGEX: &str = "regex";
const REPLACEMENT: &str = "replacement";

/// How many topics' routes are remembered between batches; a task rarely
/// sees more topics than this, and the map stays small if it does.
const ROUTE_CACHE_LIMIT: usize = 1024;

/// Apache's `org.apache.kafka.connect.transforms.RegexRouter`.
pub struct RegexRouter {
    regex: JavaRegex,
    replacement: Replacement,
    /// Topic → new topic (`None`: unchanged) or Java's replacement error.
    routes: HashMap<String, std::result::Result<Option<String>, String>>,
}

impl RegexRouter {
    /// Where records of `topic` go: `None` to stay, or Java's error.
    fn route(&mut self, topic: &str) -> std::result::Result<Option<String>, String> {
        if let Some(route) = self.routes.get(topic) {
            return route.clone();
        }
        let route = if self.regex.matches(topic) {
            self.replacement
                .replace_first(&self.regex, topic)
                .map(|routed| (routed != topic).then_some(routed))
        } else {
            Ok(None)
        };
        if self.routes.len() >= ROUTE_CACHE_LIMIT {
            self.routes.clear();
        }
        self.routes.insert(topic.to_owned(), route.clone());
        route
    }
}

impl Transform for RegexRouter {
    fn manifest() -> Manifest {
        Manifest::new(
            PluginKind::Transform,
            "wasmconnect.transforms.RegexRouter",
            env!("CARGO_PKG_VERSION"),
        )
        .aliases(["org.apache.kafka.connect.transforms.RegexRouter"])
        .description("Update the record topic using the configured regular expression and replacement string.")
        .config(
            ConfigDef::new(REGEX, ConfigType::String)
                .importance(Importance::High)
                .doc("Regular expression to use for matching, in Java's syntax; when it matches the whole topic, Matcher.replaceFirst() with the replacement gives the new topic."),
        )
        .config(
            ConfigDef::new(REPLACEMENT, ConfigType::String)
                .importance(Importance::High)
                .doc("Replacement string."),
        )
    }

    fn configure(config: Config) -> Result<Self> {
        let pattern = route_util::string(&config, REGEX)?;
        let regex = route_util::regex(REGEX, &pattern)?;
        let replacement = route_util::string(&config, REPLACEMENT)?;
        let replacement = Replacement::new(&replacement, &regex);
        Ok(Self {
            regex,
            replacement,
            routes: HashMap::new(),
        })
    }

    fn apply(&mut self, mut batch: Batch) -> Result<Batch> {
        // Routes are decided once per entry of the batch's topic table;
        // records only get their topic index changed.
        let topics = batch.topics.len();
        let mut new_index: Vec<Option<std::result::Result<u32, String>>> = vec![None; topics];
        for i in 0..batch.len() {
            let topic = route_util::topic_index(&batch, i)?;
            let t = topic as usize;
            let slot = new_index.get_mut(t).ok_or_else(|| {
                PluginError::data(format!(
                    "record {i} names topic {t}, but the batch has {topics}"
                ))
                .at_record(i)
            })?;
            if slot.is_none() {
                let name = batch.topics[t].clone();
                *slot = Some(match self.route(&name) {
                    Ok(None) => Ok(topic),
                    Ok(Some(routed)) => Ok(batch.intern_topic(&routed).map_err(record_error(i))?),
                    Err(message) => Err(message),
                });
            }
            match &new_index[t] {
                Some(Ok(index)) if *index != topic => {
                    route_util::set_topic_index(&mut batch, i, *index)?;
                }
                Some(Err(message)) => {
                    return Err(PluginError::data(message.clone()).at_record(i));
                }
                _ => {}
            }
        }
        Ok(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route_util::testing::{config, run, source_record, string_header};

    fn router(regex: &str, replacement: &str) -> RegexRouter {
        RegexRouter::configure(config(&[(REGEX, regex), (REPLACEMENT, replacement)])).unwrap()
    }

    /// Apache's `RegexRouterTest.apply`.
    fn apply(regex: &str, replacement: &str, topic: &str) -> String {
        let records = run(&mut router(regex, replacement), &[Record::new(topic)]).unwrap();
        records[0].topic.clone()
    }

    #[test]
    fn regex_router_test() {
        assert_eq!(apply("foo", "bar", "foo"), "bar"); // staticReplacement
        assert_eq!(apply("foo", "bar", "orig"), "orig"); // doesntMatch
        assert_eq!(apply("(.*)", "$1", "orig"), "orig"); // identity
        assert_eq!(apply("(.*)", "prefix-$1", "orig"), "prefix-orig"); // addPrefix
        assert_eq!(apply("(.*)", "$1-suffix", "orig"), "orig-suffix"); // addSuffix
        assert_eq!(
            apply("(.*)-(\\d\\d\\d\\d\\d\\d\\d\\d)", "$1", "index-20160117"),
            "index"
        ); // slice
    }

    #[test]
    fn java_replacement_rules() {
        // The whole topic must match, then the first match is replaced.
        assert_eq!(apply("a|ab", "X", "ab"), "Xb");
        assert_eq!(apply("foo", "bar", "xfoo"), "xfoo");
        // "$1abc" is group 1 then "abc"; "$10" with one group is "$1" "0".
        assert_eq!(apply("(.*)", "$1abc", "t"), "tabc");
        assert_eq!(apply("(.*)", "$10", "t"), "t0");
        assert_eq!(apply("(?<name>.*)", "${name}!", "t"), "t!");
        assert_eq!(apply("(.*)", "\\$1", "t"), "$1");
        // ConfigDef trims string values.
        assert_eq!(apply(" foo ", " bar ", "foo"), "bar");
    }

    #[test]
    fn records_keep_everything_else_and_topics_are_interned() {
        let mut original = source_record(vec![string_header("h", "v")]);
        original.topic = "db.inventory".into();
        let other = Record::new("logs");
        let records = run(
            &mut router("db\\.(.*)", "cdc-$1"),
            &[original.clone(), other.clone(), original.clone()],
        )
        .unwrap();
        let mut expected = original;
        expected.topic = "cdc-inventory".into();
        assert_eq!(records, vec![expected.clone(), other, expected]);
    }

    #[test]
    fn bad_replacements_fail_the_records_that_match() {
        let mut router = router("a(.*)", "$2");
        let err = router
            .apply(crate::route_util::testing::given(&[
                Record::new("b"),
                Record::new("ax"),
            ]))
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Data);
        assert_eq!(err.message, "No group 2");
        assert_eq!(err.record, Some(1));
        // Records that do not match pass, as in Apache.
        assert!(
            router
                .apply(crate::route_util::testing::given(&[Record::new("b")]))
                .is_ok()
        );
    }

    #[test]
    fn bad_regexes_are_config_errors() {
        let err = |regex: &str| {
            RegexRouter::configure(config(&[(REGEX, regex), (REPLACEMENT, "x")]))
                .err()
                .unwrap()
        };
        let e = err("[");
        assert_eq!(e.kind, ErrorKind::Config);
        assert_eq!(
            e.message,
            "Invalid value [ for configuration regex: Invalid regex: Unclosed character class near index 0\n[\n^"
        );
        let e = err("(a)\\1");
        assert!(e.message.starts_with("Invalid value (a)\\1 for configuration regex: Invalid regex: the back reference \\1 is not supported"), "{}", e.message);
        assert!(err("(?<=a)b").message.contains("lookbehind"));
        assert!(err("a*+").message.contains("possessive quantifier"));
        let e = RegexRouter::configure(config(&[(REGEX, "x")]))
            .err()
            .unwrap();
        assert_eq!(
            e.message,
            "Missing required configuration \"replacement\" which has no default value."
        );
    }
}
