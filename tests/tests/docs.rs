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

/// Each rule's page in `docs/rules/` is generated from the rule's docs; a
/// stale page fails here. `UPDATE_DOCS=1` rewrites them.
#[test]
fn rule_pages_are_up_to_date() {
    let dir = httpvet_tests::repo_root().join("docs/rules");
    let update = std::env::var_os("UPDATE_DOCS").is_some();
    let mut index = String::from("# httpvet rules\n\n| code | name | summary |\n|---|---|---|\n");
    for rule in RULES {
        index.push_str(&format!(
            "| [{}]({}.md) | {} | {} |\n",
            rule.code, rule.code, rule.name, rule.summary
        ));
    }
    let mut pages: Vec<(std::path::PathBuf, String)> = RULES
        .iter()
        .map(|r| (dir.join(format!("{}.md", r.code)), httpvet::rules::page(r)))
        .collect();
    pages.push((dir.join("README.md"), index));
    for (path, want) in pages {
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is stale: run UPDATE_DOCS=1 cargo test -p httpvet-tests --test docs",
            path.display()
        );
    }
}

/// The language server links each diagnostic to its rule's page.
#[test]
fn diagnostics_link_to_the_pages() {
    for rule in RULES {
        let link = httpvet::lsp::rule_page(rule);
        assert!(
            link.ends_with(&format!("docs/rules/{}.md", rule.code)),
            "{link}"
        );
    }
}
