//! Every address httpvet prints or writes comes from one place: the crate's
//! `repository` field, set at release (`[workspace.package] repository` in
//! the root `Cargo.toml`). While it is unset, as in a build from a clone,
//! no link is emitted at all: a dead address is worse than none, and the
//! rules' documentation ships in the binary (`httpvet explain CODE`).

use crate::rules::Rule;

/// The repository this build was released from, if any.
pub fn repository() -> Option<&'static str> {
    from(env!("CARGO_PKG_REPOSITORY"))
}

fn from(field: &'static str) -> Option<&'static str> {
    let r = field.trim().trim_end_matches('/');
    (!r.is_empty()).then_some(r)
}

/// A rule's page (`docs/rules/CODE.md`) at this release's tag.
pub fn rule_page(rule: &Rule) -> Option<String> {
    repository().map(|r| page_at(r, crate::VERSION, rule))
}

fn page_at(repository: &str, version: &str, rule: &Rule) -> String {
    format!("{repository}/blob/v{version}/docs/rules/{}.md", rule.code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_come_only_from_a_set_repository() {
        assert_eq!(from(""), None);
        assert_eq!(from("  "), None);
        assert_eq!(
            from("https://example.org/team/httpvet/"),
            Some("https://example.org/team/httpvet")
        );
        let rule = &crate::rules::RULES[6];
        assert_eq!(
            page_at("https://example.org/team/httpvet", "1.2.0", rule),
            "https://example.org/team/httpvet/blob/v1.2.0/docs/rules/HV007.md"
        );
        // This build's: absent unless the field is set.
        assert_eq!(
            rule_page(rule).is_some(),
            !env!("CARGO_PKG_REPOSITORY").trim().is_empty()
        );
    }
}
