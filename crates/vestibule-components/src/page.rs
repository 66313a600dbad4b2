//! What the components read from the page's own URL (`?error=`, `?redirect_url=`), and
//! which redirect targets they are willing to follow.

/// The page's `?name=` query parameter, decoded.
pub(crate) fn query_param(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name).filter(|v| !v.is_empty())
}

/// The page's origin, such as `https://app.example.com`.
pub(crate) fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// `scheme://host[:port]` of an absolute http(s) URL, lower-cased; `None` otherwise.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .map(|r| ("https://", r))
        .or_else(|| lower.strip_prefix("http://").map(|r| ("http://", r)))?;
    let host_end = rest.1.find(['/', '?', '#', '\\']).unwrap_or(rest.1.len());
    let host = &rest.1[..host_end];
    (!host.is_empty() && !host.contains('@')).then(|| format!("{}{}", rest.0, host))
}

/// Turns a redirect target into an absolute URL if it is safe to follow: a path on the
/// page's origin, or an absolute URL on one of `trusted` origins. Anything else
/// (`//evil.example`, `javascript:`) yields `None`, so a crafted `?redirect_url=` cannot
/// send a signed-in visitor to another site.
pub(crate) fn safe_redirect(target: &str, page_origin: &str, trusted: &[&str]) -> Option<String> {
    let target = target.trim();
    if target.starts_with('/') && !target.starts_with("//") && !target.starts_with("/\\") {
        return Some(format!("{page_origin}{target}"));
    }
    let target_origin = origin_of(target)?;
    let allowed = std::iter::once(page_origin)
        .chain(trusted.iter().copied())
        .filter_map(origin_of)
        .any(|o| o == target_origin);
    allowed.then(|| target.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://app.example.com";

    #[test]
    fn paths_on_this_origin_are_followed() {
        assert_eq!(
            safe_redirect("/dashboard?x=1", PAGE, &[]).as_deref(),
            Some("https://app.example.com/dashboard?x=1")
        );
    }

    #[test]
    fn other_sites_are_refused_unless_trusted() {
        assert_eq!(safe_redirect("//evil.example/x", PAGE, &[]), None);
        assert_eq!(safe_redirect("/\\evil.example", PAGE, &[]), None);
        assert_eq!(safe_redirect("javascript:alert(1)", PAGE, &[]), None);
        assert_eq!(safe_redirect("https://evil.example/", PAGE, &[]), None);
        assert_eq!(
            safe_redirect("https://app.example.com@evil.example/", PAGE, &[]),
            None
        );
        assert_eq!(
            safe_redirect(
                "https://docs.example.com/a",
                PAGE,
                &["https://docs.example.com/"]
            )
            .as_deref(),
            Some("https://docs.example.com/a")
        );
    }

    #[test]
    fn origins_ignore_path_and_case() {
        assert_eq!(
            origin_of("HTTPS://App.example.com:8443/a?b").as_deref(),
            Some("https://app.example.com:8443")
        );
        assert_eq!(origin_of("ftp://x"), None);
    }
}
