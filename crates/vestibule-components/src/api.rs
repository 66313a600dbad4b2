//! The frontend and admin API as the browser calls it: `fetch` with the session cookie,
//! JSON in and out, and the server's `ApiError` body turned into a [`RequestError`].
//!
//! `web-sys`'s `fetch` is used directly rather than gloo or reqwest: every byte of the
//! wasm module is downloaded by every visitor of a sign-in page. Measured: `call` written
//! with `gloo-net` 0.6 (`default-features = false, features = ["http"]`, its
//! `RequestBuilder` with the same headers and credentials) made the `<SignIn/>`-only page
//! 1,835 B brotli larger (wasm +1,621, loader +214; 79,705 → 81,540 B with `wasm-opt -Oz`
//! and the minified loader). Issue 11 would take that (under its 2 KB bar), but it would put
//! the page over its budget (80,228 B, the size before issue 8), so the direct fetch stays
//! until the page has that much room.

use serde::Serialize;
use vestibule_core::api::OAuthIntent;
use vestibule_core::{ApiError, ErrorCode, ProviderId};

use crate::json::FromJson;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why a call to the Vestibule server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The server answered with its JSON error body.
    #[error("{}: {}", .error.code, .error.message)]
    Api { status: u16, error: ApiError },
    /// The server answered with an error status but no error body (a proxy, say).
    #[error("the server answered with HTTP {0}")]
    Status(u16),
    /// The request never got an answer: offline, DNS, CORS.
    #[error("the server could not be reached")]
    Network,
    /// The answer was not the JSON this version of the components expects.
    #[error("the server's answer could not be read")]
    Decode,
}

impl RequestError {
    /// The server's error code, when it sent one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    /// The request field the server blamed, for showing the message beside it.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Api { error, .. } => error.field.as_deref(),
            _ => None,
        }
    }

    /// The reference to quote for internal errors.
    pub fn reference(&self) -> Option<&str> {
        match self {
            Self::Api { error, .. } => error.reference.as_deref(),
            _ => None,
        }
    }
}

/// Where the Vestibule server's frontend API lives: `""` for the page's own origin, or an
/// absolute URL such as `https://auth.example.com`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FrontendApi {
    base: String,
}

impl FrontendApi {
    pub fn new(base: impl Into<String>) -> Self {
        let mut base = base.into();
        while base.ends_with('/') {
            base.pop();
        }
        Self { base }
    }

    /// The base URL as given, without a trailing slash (`""` for same origin).
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The absolute or origin-relative URL of an API path such as `/v1/client`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Where the browser goes to start an OAuth flow with `provider`.
    pub fn oauth_start_url(
        &self,
        provider: ProviderId,
        intent: OAuthIntent,
        redirect_url: &str,
    ) -> String {
        format!(
            "{}/v1/oauth/{}/start?intent={}&redirect_url={}",
            self.base,
            provider.as_str(),
            intent.as_str(),
            encode_component(redirect_url)
        )
    }

    /// `GET` a JSON resource.
    pub async fn get<T: FromJson>(&self, path: &str) -> Result<T, RequestError> {
        let text = self.call("GET", path, None).await?;
        decode(text)
    }

    /// `GET` a JSON resource as the browser parsed it, for a caller that reads it later.
    pub(crate) async fn get_json(&self, path: &str) -> Result<JsValue, RequestError> {
        self.call("GET", path, None).await
    }

    /// A state-changing call with a JSON body, answered with JSON.
    pub async fn send<B: Serialize, T: FromJson>(
        &self,
        method: &str,
        path: &str,
        body: &B,
    ) -> Result<T, RequestError> {
        let body = serde_json::to_string(body).map_err(|_| RequestError::Decode)?;
        let text = self.call(method, path, Some(body)).await?;
        decode(text)
    }

    /// A state-changing call whose answer carries nothing the caller needs
    /// (`POST /v1/sign_out`, the `DELETE`s).
    pub async fn send_empty(&self, method: &str, path: &str) -> Result<(), RequestError> {
        // A POST always carries a body so that a server reading JSON finds some.
        let body = (method == "POST").then(|| "{}".to_owned());
        self.call(method, path, body).await.map(|_| ())
    }

    /// A `POST` with an empty JSON object, answered with JSON the caller reads itself
    /// (the session token: its reader lives beside its cache).
    pub(crate) async fn send_json(
        &self,
        method: &str,
        path: &str,
    ) -> Result<JsValue, RequestError> {
        self.call(method, path, Some("{}".to_owned())).await
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<JsValue, RequestError> {
        let window = web_sys::window().ok_or(RequestError::Network)?;
        let headers = web_sys::Headers::new().map_err(|_| RequestError::Network)?;
        headers
            .set("Accept", "application/json")
            .map_err(|_| RequestError::Network)?;
        let init = web_sys::RequestInit::new();
        init.set_method(method);
        // `include` so that a frontend API on another origin still gets its session cookie;
        // on the same origin it is the same as the default.
        init.set_credentials(web_sys::RequestCredentials::Include);
        if method != "GET" {
            // The server refuses writes that are not JSON: a plain form post from another
            // site cannot forge one.
            headers
                .set("Content-Type", "application/json")
                .map_err(|_| RequestError::Network)?;
        }
        if let Some(body) = body {
            init.set_body(&JsValue::from_str(&body));
        }
        init.set_headers(&headers);

        let response = JsFuture::from(window.fetch_with_str_and_init(&self.url(path), &init))
            .await
            .map_err(|_| RequestError::Network)?;
        let response: web_sys::Response = response.dyn_into().map_err(|_| RequestError::Network)?;
        let status = response.status();
        let json = match response.text() {
            Ok(promise) => JsFuture::from(promise)
                .await
                .ok()
                .and_then(|v| v.as_string())
                .and_then(|t| js_sys::JSON::parse(&t).ok())
                .unwrap_or(JsValue::NULL),
            Err(_) => JsValue::NULL,
        };
        if response.ok() {
            Ok(json)
        } else {
            Err(match ApiError::from_json(&json) {
                Some(error) => RequestError::Api { status, error },
                None => RequestError::Status(status),
            })
        }
    }
}

fn decode<T: FromJson>(json: JsValue) -> Result<T, RequestError> {
    T::from_json(&json).ok_or(RequestError::Decode)
}

/// `encodeURIComponent`, so that a redirect URL survives as one query parameter.
pub(crate) fn encode_component(value: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::encode_uri_component(value))
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        // Native builds only type-check and run unit tests; percent-encode by hand there.
        let mut out = String::with_capacity(value.len());
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_url_carries_intent_and_encoded_redirect() {
        let api = FrontendApi::new("https://auth.example.com/");
        assert_eq!(
            api.oauth_start_url(
                ProviderId::Atlassian,
                OAuthIntent::SignIn,
                "https://app.example.com/a?b=c"
            ),
            "https://auth.example.com/v1/oauth/atlassian/start?intent=sign_in\
             &redirect_url=https%3A%2F%2Fapp.example.com%2Fa%3Fb%3Dc"
        );
    }

    #[test]
    fn same_origin_api_has_relative_urls() {
        assert_eq!(FrontendApi::new("").url("/v1/client"), "/v1/client");
    }
}
