//! Cross-origin access to the frontend API: an app on another origin (one the operator
//! allowed) calls `/v1/client`, `/v1/environment`, `/v1/sign_out`, `/v1/me/*` and the token
//! endpoint with the browser's cookies. Every other origin, and every other route, gets no
//! CORS header at all. Also the start-up checks of the allow-list.

use std::time::Duration;

use anyhow::bail;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowCredentials, AllowOrigin, CorsLayer};
use url::{Host, Url};
use vestibule_core::api::InstanceEnvironment;

use crate::redirect::RedirectPolicy;

/// Whether `path` belongs to the frontend API that allowed origins may call.
pub fn is_frontend_api(path: &str) -> bool {
    const EXACT: [&str; 3] = ["/v1/client", "/v1/environment", "/v1/sign_out"];
    const PREFIXES: [&str; 2] = ["/v1/client/", "/v1/me/"];
    EXACT.contains(&path) || PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The CORS layer: credentials allowed, for exactly the trusted origins on frontend routes.
/// `Vary: Origin` goes on every response, so no cache serves one origin's answer to another.
pub fn frontend_api(redirects: &RedirectPolicy) -> CorsLayer {
    let trusted = {
        let redirects = redirects.clone();
        move |origin: &HeaderValue, parts: &Parts| {
            is_frontend_api(parts.uri.path())
                && origin
                    .to_str()
                    .is_ok_and(|origin| redirects.is_trusted_origin(origin))
        }
    };
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(trusted.clone()))
        .allow_credentials(AllowCredentials::predicate(trusted))
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
        // `Vary` comes from `append_vary`: tower-http would join its list into a new string
        // (and copy the list with the layer) on every request.
        .vary(Vec::<HeaderName>::new())
}

/// The `Vary` that tower-http's CORS layer sends by default, as one constant value.
const VARY: HeaderValue = HeaderValue::from_static(
    "origin, access-control-request-method, access-control-request-headers",
);

/// Appends [`VARY`] to every response, preflights included ([`crate::envelope`], right outside
/// [`frontend_api`]); values already there, such as compression's, stay.
pub fn append_vary(headers: &mut HeaderMap) {
    headers.append(header::VARY, VARY);
}

/// Refuses allow-lists that cannot work, with a sentence saying why, before the server starts.
/// (Malformed entries are refused by [`RedirectPolicy::new`].)
pub fn check_allowed_origins(
    environment: InstanceEnvironment,
    public_url: &Url,
    origins: &[String],
) -> anyhow::Result<()> {
    for entry in origins.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if entry == "*" || entry.contains('*') {
            bail!(
                "--allowed-origins: {entry:?} is not allowed: the frontend API answers with the \
                 browser's cookies, which browsers never accept for a wildcard; list each origin \
                 (https://app.example.com)"
            );
        }
        if entry.eq_ignore_ascii_case("null") {
            bail!(
                "--allowed-origins: \"null\" is the origin of sandboxed and file pages; it cannot be trusted"
            );
        }
        let Ok(url) = Url::parse(entry) else {
            continue;
        };
        if environment == InstanceEnvironment::Production
            && public_url.scheme() == "https"
            && url.scheme() == "http"
            && !is_loopback(&url)
        {
            bail!(
                "--allowed-origins: {entry:?} is plain http while this instance is https: its \
                 pages are another site to the browser, which keeps the session cookie from them; \
                 serve the app over https"
            );
        }
    }
    Ok(())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Response;

    #[test]
    fn vary_names_the_cors_request_headers_after_what_is_there() {
        let mut response = Response::new(());
        response
            .headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        append_vary(response.headers_mut());
        let vary: Vec<_> = response.headers().get_all(header::VARY).iter().collect();
        assert_eq!(
            vary,
            [
                "accept-encoding",
                "origin, access-control-request-method, access-control-request-headers"
            ]
        );
    }

    #[test]
    fn only_the_frontend_api_is_cross_origin() {
        for path in [
            "/v1/client",
            "/v1/client/sessions/sess_1/tokens",
            "/v1/environment",
            "/v1/sign_out",
            "/v1/me/sessions",
            "/v1/me/external_accounts/x",
        ] {
            assert!(is_frontend_api(path), "{path}");
        }
        for path in [
            "/v1/admin/connections",
            "/v1/users/u",
            "/v1/oauth_callback",
            "/v1/clientx",
            "/.well-known/jwks.json",
            "/",
        ] {
            assert!(!is_frontend_api(path), "{path}");
        }
    }

    #[test]
    fn unworkable_allow_lists_are_refused() {
        let https = Url::parse("https://auth.example.com").unwrap();
        let check = |env, list: &[&str]| {
            let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            check_allowed_origins(env, &https, &list)
        };
        use InstanceEnvironment::{Development, Production};
        assert!(check(Production, &["https://app.example.com"]).is_ok());
        assert!(check(Production, &["*"]).is_err());
        assert!(check(Production, &["https://*.example.com"]).is_err());
        assert!(check(Development, &["null"]).is_err());
        assert!(check(Production, &["http://app.example.com"]).is_err());
        assert!(check(Production, &["http://localhost:8080"]).is_ok());
        assert!(check(Development, &["http://app.example.com"]).is_ok());
    }
}
