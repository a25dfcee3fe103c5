//! The two locale files must say the same things: every key in both, with
//! the same interpolated variables. `build.rs` refuses to generate the
//! words otherwise; this test says which key, in a test failure.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

const EN: &str = include_str!("locales/en.json");
const KO: &str = include_str!("locales/ko.json");

/// Every leaf key (dotted path) with the variables its text uses.
fn leaves(json: &str) -> BTreeMap<String, BTreeSet<String>> {
    fn walk(prefix: &str, value: &Value, out: &mut BTreeMap<String, BTreeSet<String>>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, v, out);
                }
            }
            Value::String(text) => {
                out.insert(prefix.to_owned(), variables(text));
            }
            other => panic!("{prefix}: expected text, found {other}"),
        }
    }
    let value: Value = serde_json::from_str(json).expect("locale file is JSON");
    let mut out = BTreeMap::new();
    walk("", &value, &mut out);
    out
}

fn variables(text: &str) -> BTreeSet<String> {
    text.split("{{")
        .skip(1)
        .filter_map(|rest| rest.split_once("}}"))
        .map(|(name, _)| name.trim().to_owned())
        .collect()
}

#[test]
fn korean_and_english_have_the_same_keys_and_variables() {
    let en = leaves(EN);
    let ko = leaves(KO);
    let missing_ko: Vec<_> = en.keys().filter(|k| !ko.contains_key(*k)).collect();
    let missing_en: Vec<_> = ko.keys().filter(|k| !en.contains_key(*k)).collect();
    assert!(missing_ko.is_empty(), "missing in ko.json: {missing_ko:?}");
    assert!(missing_en.is_empty(), "missing in en.json: {missing_en:?}");
    for (key, vars) in &en {
        assert_eq!(vars, &ko[key], "{key}: different variables");
    }
}

#[test]
fn no_translation_is_empty_or_left_in_english() {
    let en = leaves(EN);
    let ko: BTreeMap<String, String> = {
        fn flat(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
            match v {
                Value::Object(m) => m.iter().for_each(|(k, v)| {
                    let p = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flat(&p, v, out)
                }),
                Value::String(s) => {
                    out.insert(prefix.to_owned(), s.clone());
                }
                _ => {}
            }
        }
        let mut out = BTreeMap::new();
        flat("", &serde_json::from_str(KO).expect("JSON"), &mut out);
        out
    };
    // Texts that are the same in both languages on purpose.
    let same_on_purpose = [
        "app.language_switch",
        "regions.took",
        "fetch_error.http",
        "uptime.bar_status",
    ];
    for key in en.keys() {
        let text = &ko[key];
        assert!(!text.trim().is_empty(), "{key} is empty in ko.json");
        if !same_on_purpose.contains(&key.as_str()) {
            // Korean text has Hangul once variables are taken out.
            let words: String = text
                .split("{{")
                .map(|p| p.split_once("}}").map_or(p, |(_, r)| r))
                .collect();
            assert!(
                words
                    .chars()
                    .any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c)),
                "{key} in ko.json has no Korean: {text:?}"
            );
        }
    }
}

#[test]
fn variables_are_found() {
    assert_eq!(
        variables("{{ a }} of {{b}} and {{ a }}"),
        BTreeSet::from(["a".to_owned(), "b".to_owned()])
    );
}
