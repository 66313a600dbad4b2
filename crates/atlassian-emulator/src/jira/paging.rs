//! The query of `GET …/rest/api/3/search/jql`: `jql`, `fields` (repeatable, comma separated), `maxResults`
//! and the opaque `nextPageToken`, which carries the offset and a fingerprint of the query it belongs to.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Documented default page size.
pub(crate) const DEFAULT_MAX_RESULTS: usize = 50;
/// Documented maximum ("It returns max 5000 issues").
pub(crate) const MAX_MAX_RESULTS: usize = 5000;

/// Every field the emulator can answer, in the order it writes them; `*navigable` and `*all` mean all of them.
pub(crate) const FIELDS: &[&str] = &[
    "summary",
    "status",
    "assignee",
    "reporter",
    "priority",
    "issuetype",
    "project",
    "created",
    "updated",
    "labels",
    "resolution",
    "description",
];

/// Which fields to write for each issue. Empty is Jira's default for this endpoint: ids only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FieldSelection {
    pub fields: Vec<&'static str>,
    /// `key` was asked for by name (it is a top-level property, not a field).
    pub key: bool,
}

impl FieldSelection {
    /// Reads `fields=a,b&fields=-c`: `*all`/`*navigable`, names, and `-name` to leave one out.
    /// Unknown names are ignored, as Jira ignores them.
    pub(crate) fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut include: Vec<&str> = Vec::new();
        let mut exclude: Vec<&str> = Vec::new();
        let mut key = false;
        for name in values.into_iter().flat_map(|v| v.split(',')).map(str::trim) {
            match name {
                "" | "id" => {}
                "*all" | "*navigable" => include.extend(FIELDS),
                "key" => key = true,
                _ => match name.strip_prefix('-') {
                    Some(excluded) => exclude.push(excluded),
                    None => include.push(name),
                },
            }
        }
        // A list made only of exclusions starts from the navigable fields, as Jira's `-description` does.
        if include.is_empty() && !exclude.is_empty() {
            include.extend(FIELDS);
        }
        let fields = FIELDS
            .iter()
            .copied()
            .filter(|f| include.iter().any(|i| i.eq_ignore_ascii_case(f)))
            .filter(|f| !exclude.iter().any(|e| e.eq_ignore_ascii_case(f)))
            .collect();
        Self { fields, key }
    }

    /// Only ids: the answer leaves out `key`, `self` and `fields`.
    pub(crate) fn ids_only(&self) -> bool {
        self.fields.is_empty() && !self.key
    }
}

fn fingerprint(jql: &str) -> String {
    let digest = Sha256::digest(jql.as_bytes());
    digest[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// The token for the page that starts at `offset` of `jql`'s results.
pub(crate) fn next_page_token(jql: &str, offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}.{}", fingerprint(jql)))
}

/// The offset a token stands for, when it was issued for this same `jql`.
pub(crate) fn offset_of(token: &str, jql: &str) -> Option<usize> {
    let decoded = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (offset, print) = decoded.split_once('.')?;
    (print == fingerprint(jql)).then_some(())?;
    offset.parse().ok()
}

/// `maxResults` as Jira reads it: absent is 50, larger than 5000 is 5000, below 1 is 1.
pub(crate) fn max_results(value: Option<&str>) -> Result<usize, String> {
    match value {
        None | Some("") => Ok(DEFAULT_MAX_RESULTS),
        Some(text) => text
            .parse::<i64>()
            .map(|n| usize::try_from(n.clamp(1, MAX_MAX_RESULTS as i64)).unwrap_or(1))
            .map_err(|_| format!("The value '{text}' is invalid for the maxResults parameter.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_selection_is_ids_only() {
        let none = FieldSelection::parse([]);
        assert!(none.ids_only());
        assert!(FieldSelection::parse(["id"]).ids_only());
    }

    #[test]
    fn fields_are_read_from_repeated_comma_separated_values() {
        let selection = FieldSelection::parse(["summary, status", "assignee,bogus", "key"]);
        assert_eq!(selection.fields, ["summary", "status", "assignee"]);
        assert!(selection.key);
        assert_eq!(FieldSelection::parse(["*navigable"]).fields, FIELDS);
        let without = FieldSelection::parse(["-description"]);
        assert!(!without.fields.contains(&"description") && without.fields.contains(&"summary"));
        assert!(
            !FieldSelection::parse(["*all,-labels"])
                .fields
                .contains(&"labels")
        );
    }

    #[test]
    fn a_page_token_only_works_for_its_own_query() {
        let token = next_page_token("assignee = currentUser()", 50);
        assert_eq!(offset_of(&token, "assignee = currentUser()"), Some(50));
        assert_eq!(offset_of(&token, "project = NW"), None);
        assert_eq!(offset_of("not a token", "project = NW"), None);
    }

    #[test]
    fn max_results_is_clamped() {
        assert_eq!(max_results(None), Ok(50));
        assert_eq!(max_results(Some("2")), Ok(2));
        assert_eq!(max_results(Some("0")), Ok(1));
        assert_eq!(max_results(Some("100000")), Ok(5000));
        assert!(max_results(Some("ten")).is_err());
    }
}
