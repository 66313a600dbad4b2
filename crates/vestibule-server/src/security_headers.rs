//! The security headers that every answer carries (CSP, `nosniff`, referrer policy, no
//! framing), set in one step by [`crate::envelope`] on the way out.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

/// The headers, each replacing whatever a handler set under the same name.
#[derive(Debug, Clone)]
pub struct SecurityHeaders(Arc<[(HeaderName, HeaderValue); 4]>);

impl SecurityHeaders {
    /// The instance's headers with `content_security_policy` as its CSP.
    pub fn new(content_security_policy: HeaderValue) -> Self {
        Self(Arc::new([
            (header::CONTENT_SECURITY_POLICY, content_security_policy),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ),
            (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
        ]))
    }

    /// Writes the headers into `headers`, overriding any of the same name.
    pub fn apply_to(&self, headers: &mut HeaderMap) {
        for (name, value) in self.0.iter() {
            headers.insert(name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Response;

    #[test]
    fn every_header_is_set_and_overrides_a_handlers_own() {
        let headers = SecurityHeaders::new(HeaderValue::from_static("default-src 'self'"));
        let mut response = Response::new(());
        response.headers_mut().insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("ALLOWALL"),
        );
        headers.apply_to(response.headers_mut());
        let h = response.headers();
        assert_eq!(h[header::CONTENT_SECURITY_POLICY], "default-src 'self'");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(
            h[header::REFERRER_POLICY],
            "strict-origin-when-cross-origin"
        );
        assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
        assert_eq!(h.get_all(header::X_FRAME_OPTIONS).iter().count(), 1);
    }
}
