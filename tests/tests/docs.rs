//! Every rule documents itself in the fixed sections, and the registry is sound.

use httpvet::rules::{find, DOC_SECTIONS, RULES};

#[test]
fn every_rule_has_every_doc_section() {
    for rule in RULES {
        for section in DOC_SECTIONS {
            assert!(
                rule.docs.contains(section),
                "{} {} lacks the section {section:?}",
                rule.code,
                rule.name
            );
        }
        assert!(
            rule.docs.contains("```go"),
            "{}: the example is Go code",
            rule.code
        );
    }
}

#[test]
fn codes_are_sequential_and_names_are_kebab_case() {
    assert_eq!(RULES.len(), 12);
    for (i, rule) in RULES.iter().enumerate() {
        assert_eq!(rule.code, format!("HV{:03}", i + 1));
        assert!(rule
            .name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-'));
        assert_eq!(find(rule.name).map(|r| r.code), Some(rule.code));
        assert_eq!(
            find(&rule.code.to_lowercase()).map(|r| r.code),
            Some(rule.code)
        );
    }
}
