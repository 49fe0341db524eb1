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

/// Every rule's page has the sections the hover and SARIF read.
#[test]
fn every_page_has_the_sections_the_tools_quote() {
    for rule in RULES {
        for heading in ["What it does", "Why is this bad?"] {
            let text = httpvet::rules::section(rule, heading);
            assert!(
                text.is_some_and(|t| t.len() > 20),
                "{} lacks {heading}",
                rule.code
            );
        }
    }
}

/// A build from a clone has no `repository` set: nothing httpvet prints or
/// writes holds an address that may not exist (the SARIF schema's aside).
#[test]
fn no_address_without_a_repository() {
    assert!(
        httpvet::links::repository().is_none(),
        "set only at release"
    );
    let dir = httpvet_tests::Scratch::new("links");
    std::fs::write(
        dir.join("a.go"),
        "package main\n\nimport \"net/http\"\n\nvar hits = map[string]int{}\n\nfunc count(w http.ResponseWriter, r *http.Request) {\n\thits[r.URL.Path]++\n}\n",
    )
    .unwrap();
    for format in ["text", "json", "sarif", "github"] {
        let out = std::process::Command::new(httpvet_tests::httpvet_bin!())
            .args(["check", "--format", format, "."])
            .current_dir(&dir)
            .output()
            .unwrap();
        let all = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        let urls: Vec<&str> = all
            .split(|c: char| c.is_whitespace() || c == '"')
            .filter(|w| w.contains("://") && !w.starts_with("file://"))
            .filter(|w| *w != "https://json.schemastore.org/sarif-2.1.0.json")
            .collect();
        assert!(urls.is_empty(), "{format}: {urls:?}");
    }
}

/// ARCHITECTURE.md's layers, as the code keeps them: the syntax helpers read
/// nothing above them, and the package index reads only them (rules record
/// their facts through the collector the engine hands the index).
#[test]
fn lower_layers_never_name_higher_ones() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src");
    let above_index = ["crate::rules", "crate::engine", "crate::lsp", "crate::cli"];
    let mut files = vec![(src.join("index.rs"), &above_index[..])];
    let above_syntax = [
        "crate::index",
        "crate::rules",
        "crate::engine",
        "crate::lsp",
        "crate::cli",
    ];
    for entry in std::fs::read_dir(src.join("syntax")).expect("server/src/syntax") {
        files.push((entry.expect("an entry").path(), &above_syntax[..]));
    }
    let mut wrong = Vec::new();
    for (path, above) in files {
        let text = std::fs::read_to_string(&path).expect("a source file");
        for (i, line) in text.lines().enumerate() {
            // Doc links name other layers without depending on them.
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(name) = above.iter().find(|a| line.contains(*a)) {
                wrong.push(format!("{}:{}: {name}", path.display(), i + 1));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a lower layer names a higher one:\n{}",
        wrong.join("\n")
    );
}
