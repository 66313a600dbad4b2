//! Where a browser may be sent after sign-in: a path on this instance, or a page on an origin
//! the operator allowed. Everything else is refused, however it is spelled.

use url::{Origin, Url};

/// This instance's origin and the operator's allow-list, compared as parsed origins.
#[derive(Debug, Clone)]
pub struct RedirectPolicy {
    base: Url,
    allowed: Vec<Origin>,
}

const MAX_LEN: usize = 2048;

impl RedirectPolicy {
    /// `allowed` entries are origins such as `https://app.example.com`; a malformed one is an error
    /// so that a typo does not silently allow nothing (or too much).
    pub fn new(public_url: &Url, allowed: &[String]) -> Result<Self, String> {
        let mut origins = Vec::new();
        for entry in allowed.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            let url = Url::parse(entry).map_err(|e| format!("allowed origin {entry:?}: {e}"))?;
            let path_ok = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
            if !matches!(url.scheme(), "http" | "https")
                || !url.username().is_empty()
                || url.password().is_some()
                || !path_ok
            {
                return Err(format!(
                    "allowed origin {entry:?} must be just scheme://host[:port]"
                ));
            }
            origins.push(url.origin());
        }
        Ok(Self {
            base: public_url.clone(),
            allowed: origins,
        })
    }

    /// Whether `origin` (an `Origin` request header) is this instance or an allowed origin.
    /// Browsers serialize an origin one way only (`scheme://host[:port]`, lowercase, default
    /// port left out, no userinfo, path or slash), so only that exact text counts: anything
    /// else (`http://evil@host`, `HTTP://HOST`, `null`) is cross-site.
    pub fn is_trusted_origin(&self, origin: &str) -> bool {
        std::iter::once(self.base.origin())
            .chain(self.allowed.iter().cloned())
            .any(|trusted| trusted.is_tuple() && trusted.ascii_serialization() == origin)
    }

    /// The absolute URL to redirect to, or `None` when `input` must be refused.
    pub fn resolve(&self, input: &str) -> Option<Url> {
        if input.is_empty() || input.len() > MAX_LEN {
            return None;
        }
        // URL parsers drop tabs and newlines and turn `\` into `/`, so `/\evil.test` or
        // `/\t/evil.test` would become `//evil.test`. Refuse them outright.
        if input
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
        {
            return None;
        }
        if let Some(rest) = input.strip_prefix('/') {
            // A path: but `//host` is a scheme-relative URL, and an encoded slash may be
            // decoded by someone down the line.
            let lower = rest.to_ascii_lowercase();
            if rest.starts_with('/') || lower.starts_with("%2f") || lower.starts_with("%5c") {
                return None;
            }
            let url = self.base.join(input).ok()?;
            return (url.origin() == self.base.origin()).then_some(url);
        }
        // Otherwise only a full `http(s)://` URL; `https:evil.test` and friends are refused.
        let lower = input.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return None;
        }
        let url = Url::parse(input).ok()?;
        if !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        // `allowed.test.` is another origin to a browser; `127.0.0.1.` parses as an IP but is
        // still a spelling no legitimate link uses.
        if raw_host(input).ends_with('.') {
            return None;
        }
        let origin = url.origin();
        (origin == self.base.origin() || self.allowed.contains(&origin)).then_some(url)
    }
}

/// The host as written in an absolute URL (`scheme://host:port/...`), port left off.
fn raw_host(input: &str) -> &str {
    let after_scheme = input.split_once("://").map_or("", |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RedirectPolicy {
        RedirectPolicy::new(
            &Url::parse("http://127.0.0.1:3000").unwrap(),
            &["https://allowed.test".to_owned()],
        )
        .unwrap()
    }

    fn refused(input: &str) {
        assert_eq!(policy().resolve(input), None, "{input:?} must be refused");
    }

    #[test]
    fn same_origin_paths_are_made_absolute() {
        let p = policy();
        assert_eq!(
            p.resolve("/user").unwrap().as_str(),
            "http://127.0.0.1:3000/user"
        );
        assert_eq!(
            p.resolve("/dashboard?tab=2#x").unwrap().as_str(),
            "http://127.0.0.1:3000/dashboard?tab=2#x"
        );
        assert_eq!(
            p.resolve("http://127.0.0.1:3000/x").unwrap().as_str(),
            "http://127.0.0.1:3000/x"
        );
    }

    #[test]
    fn allowed_origins_are_accepted_as_themselves() {
        let p = policy();
        assert_eq!(
            p.resolve("https://allowed.test/after").unwrap().as_str(),
            "https://allowed.test/after"
        );
        // Host names are case-insensitive: this is the very same origin.
        assert_eq!(
            p.resolve("HTTPS://ALLOWED.TEST/a").unwrap().as_str(),
            "https://allowed.test/a"
        );
        assert!(p.resolve("https://allowed.test:443/a").is_some());
    }

    #[test]
    fn scheme_relative_urls_are_refused() {
        refused("//evil.test");
        refused("//evil.test/path");
        refused("///evil.test");
    }

    #[test]
    fn backslash_tricks_are_refused() {
        refused("/\\evil.test");
        refused("\\\\evil.test");
        refused("/\t/evil.test");
        refused("/\n/evil.test");
        refused(" /user");
    }

    #[test]
    fn scheme_without_slashes_is_refused() {
        refused("https:evil.test");
        refused("https:/evil.test");
        refused("https:allowed.test");
        refused("http:\\\\evil.test");
    }

    #[test]
    fn foreign_origins_are_refused() {
        refused("https://evil.test");
        refused("https://evil.test/user");
        refused("http://allowed.test");
        refused("https://allowed.test:8443/");
        refused("http://127.0.0.1:3001/user");
        refused("http://localhost:3000/user");
    }

    #[test]
    fn credentials_in_urls_are_refused() {
        refused("https://user@evil.test");
        refused("https://user:pass@allowed.test/");
        refused("https://allowed.test@evil.test");
        refused("http://127.0.0.1:3000@evil.test/");
    }

    #[test]
    fn lookalike_hosts_are_refused() {
        refused("https://allowed.test.evil.test");
        refused("https://allowed.test.evil.test/");
        refused("https://evilallowed.test");
        refused("https://allowed.testevil.test");
    }

    #[test]
    fn encoded_slashes_are_refused() {
        refused("%2F%2Fevil.test");
        refused("%2f%2fevil.test");
        refused("/%2F%2Fevil.test");
        refused("/%2f/evil.test");
        refused("/%5Cevil.test");
    }

    #[test]
    fn script_and_data_urls_are_refused() {
        refused("javascript:alert(1)");
        refused("JavaScript:alert(1)");
        refused("data:text/html,<script>alert(1)</script>");
        refused("vbscript:msgbox(1)");
        refused("file:///etc/passwd");
    }

    #[test]
    fn trailing_dot_and_case_variants_that_are_other_origins_are_refused() {
        refused("https://allowed.test./");
        refused("https://ALLOWED.TEST./");
        refused("http://127.0.0.1.:3000/user");
        // Same letters, other scheme: another origin.
        refused("HTTP://ALLOWED.TEST/");
    }

    #[test]
    fn relative_paths_without_a_slash_and_junk_are_refused() {
        refused("user");
        refused("evil.test");
        refused("");
        refused(&format!("/{}", "a".repeat(3000)));
    }

    #[test]
    fn origin_header_check() {
        let p = policy();
        assert!(p.is_trusted_origin("http://127.0.0.1:3000"));
        assert!(p.is_trusted_origin("https://allowed.test"));
        assert!(!p.is_trusted_origin("https://evil.test"));
        assert!(!p.is_trusted_origin("null"));
        assert!(!p.is_trusted_origin("http://127.0.0.1:3000.evil.test"));
    }

    #[test]
    fn origins_count_only_as_browsers_serialize_them() {
        let p = policy();
        for spelling in [
            "http://evil@127.0.0.1:3000",
            "http://evil:pw@127.0.0.1:3000",
            "https://x@allowed.test",
            "http://127.0.0.1:3000/",
            "http://127.0.0.1:3000/path",
            "HTTP://127.0.0.1:3000",
            "https://ALLOWED.test",
            "https://allowed.test:443",
            "http://127.0.0.1:3000?x",
            " http://127.0.0.1:3000",
        ] {
            assert!(
                !p.is_trusted_origin(spelling),
                "{spelling:?} must be cross-site"
            );
        }
    }

    #[test]
    fn malformed_allow_list_entries_are_errors() {
        let base = Url::parse("http://127.0.0.1:3000").unwrap();
        assert!(RedirectPolicy::new(&base, &["allowed.test".to_owned()]).is_err());
        assert!(RedirectPolicy::new(&base, &["https://a.test/path".to_owned()]).is_err());
        assert!(RedirectPolicy::new(&base, &["javascript:x".to_owned()]).is_err());
        assert!(
            RedirectPolicy::new(&base, &[" https://a.test ".to_owned(), String::new()]).is_ok()
        );
    }
}
