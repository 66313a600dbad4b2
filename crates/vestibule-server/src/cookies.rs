//! The instance's cookies. Names carry the instance id, because browsers share cookies across
//! ports: a development and a production instance on one loopback host must not overwrite
//! each other's. On https they are `Secure` and `__Host-` prefixed.

use axum_extra::extract::cookie::{Cookie, SameSite};
use cookie::time::Duration;

#[derive(Debug, Clone)]
pub struct CookieNames {
    pub session: String,
    pub flow: String,
    pub admin: String,
    secure: bool,
}

impl CookieNames {
    pub fn new(instance_id: &str, secure: bool) -> Self {
        let prefix = if secure { "__Host-" } else { "" };
        let suffix: String = instance_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(12)
            .collect();
        Self {
            session: format!("{prefix}vst_session_{suffix}"),
            flow: format!("{prefix}vst_oauth_flow_{suffix}"),
            admin: format!("{prefix}vst_admin_{suffix}"),
            secure,
        }
    }

    fn build(
        &self,
        name: &str,
        value: String,
        same_site: SameSite,
        max_age: i64,
    ) -> Cookie<'static> {
        Cookie::build((name.to_owned(), value))
            .http_only(true)
            .secure(self.secure)
            .same_site(same_site)
            .path("/")
            .max_age(Duration::seconds(max_age.max(0)))
            .build()
    }

    /// Lax: the browser sends it on the top-level navigation back from Atlassian.
    pub fn session(&self, token: String, max_age: i64) -> Cookie<'static> {
        self.build(&self.session, token, SameSite::Lax, max_age)
    }

    /// Lax for the same reason: the callback is a cross-site navigation.
    pub fn flow(&self, token: String, max_age: i64) -> Cookie<'static> {
        self.build(&self.flow, token, SameSite::Lax, max_age)
    }

    /// Strict: only the dashboard, on this site, ever needs it.
    pub fn admin(&self, token: String, max_age: i64) -> Cookie<'static> {
        self.build(&self.admin, token, SameSite::Strict, max_age)
    }

    /// A cookie that deletes `name` (same attributes, so the browser matches it).
    pub fn removal(&self, name: &str) -> Cookie<'static> {
        let same_site = if name == self.admin {
            SameSite::Strict
        } else {
            SameSite::Lax
        };
        self.build(name, String::new(), same_site, 0)
    }
}

/// The value of cookie `name` in a request's `Cookie` headers, without building a jar (this
/// runs on every session check).
pub fn cookie_value<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_cookies_are_host_prefixed_and_secure() {
        let names = CookieNames::new("ins_0123456789abcdef", true);
        let c = names.session("t".into(), 60).to_string();
        assert!(c.starts_with("__Host-vst_session_ins012345678=t"), "{c}");
        assert!(c.contains("HttpOnly") && c.contains("Secure") && c.contains("Path=/"));
        assert!(c.contains("SameSite=Lax"));
        assert!(
            names
                .admin("t".into(), 60)
                .to_string()
                .contains("SameSite=Strict")
        );
    }

    #[test]
    fn cookie_values_are_found_by_exact_name() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            "cookie",
            "a=1; vst_session_x=tok; vst_session_xy=other"
                .parse()
                .unwrap(),
        );
        headers.append("cookie", "b=\"q\"".parse().unwrap());
        assert_eq!(cookie_value(&headers, "vst_session_x"), Some("tok"));
        assert_eq!(cookie_value(&headers, "b"), Some("q"));
        assert_eq!(cookie_value(&headers, "vst_session"), None);
    }

    #[test]
    fn http_cookies_are_plain_but_http_only() {
        let names = CookieNames::new("ins_x", false);
        let c = names.flow("t".into(), 600).to_string();
        assert!(c.starts_with("vst_oauth_flow_insx=t"));
        assert!(c.contains("HttpOnly") && !c.contains("Secure"));
        assert!(c.contains("Max-Age=600"));
    }
}
