//! The Atlassian side of sign-in: the authorize URL, the code and refresh-token grants (through
//! the `oauth2` crate) and the two API reads sign-in needs, over one HTTP client that follows no
//! redirects and gives up after a timeout.

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use serde::Deserialize;
use url::Url;
use vestibule_core::provider::ATLASSIAN;

/// Where one OAuth app's endpoints live: Atlassian's, or an emulator's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `https://auth.atlassian.com`: `/authorize` and `/oauth/token`.
    pub auth_base: Url,
    /// `https://api.atlassian.com`: `/me` and `/oauth/token/accessible-resources`.
    pub api_base: Url,
}

impl Endpoints {
    fn auth(&self, path: &str) -> String {
        format!("{}{path}", self.auth_base.as_str().trim_end_matches('/'))
    }

    fn api(&self, path: &str) -> String {
        format!("{}{path}", self.api_base.as_str().trim_end_matches('/'))
    }

    /// An API host on plain http is an emulator (development or tests): its avatar URLs are
    /// plain http too.
    fn is_plain_http(&self) -> bool {
        self.api_base.scheme() == "http"
    }
}

/// Whether a URL from the provider (an avatar, a site) may be stored and handed to apps,
/// which render it as a link or an image, perhaps without a CSP: an absolute `https` URL
/// (or `http` from a plain-http emulator) with a host, no credentials and nothing a browser
/// would strip or reinterpret. `javascript:`, `data:` and the like never pass.
pub fn is_safe_provider_url(value: &str, allow_http: bool) -> bool {
    if value.is_empty()
        || value.len() > 2048
        || value
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return false;
    }
    let Ok(url) = Url::parse(value) else {
        return false;
    };
    let scheme_ok = match url.scheme() {
        "https" => true,
        "http" => allow_http,
        _ => false,
    };
    scheme_ok
        && url.host_str().is_some_and(|host| !host.is_empty())
        && url.username().is_empty()
        && url.password().is_none()
        // Exactly as parsed: no scheme-relative or oddly cased spelling slips through.
        && value
            .get(..url.scheme().len() + 3)
            .is_some_and(|prefix| prefix == format!("{}://", url.scheme()))
}

/// One OAuth app's credentials and endpoints.
#[derive(Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: String,
    pub endpoints: Endpoints,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

/// What went wrong talking to Atlassian. The text is safe to log: it never holds a token or
/// a response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The code or refresh token was refused (used, expired, revoked).
    #[error("invalid_grant")]
    InvalidGrant,
    /// An error answer, garbage, a timeout or a dropped connection.
    #[error("provider unavailable: {0}")]
    Unavailable(String),
}

/// Tokens from a successful grant.
pub struct TokenSet {
    pub access_token: String,
    pub expires_in: Duration,
    pub refresh_token: Option<String>,
    /// What Atlassian says it granted, when it says.
    pub scopes: Option<Vec<String>>,
}

/// `GET /me`
#[derive(Debug, Clone, Deserialize)]
pub struct AtlassianProfile {
    pub account_id: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: Option<bool>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub picture: Option<String>,
    #[serde(default)]
    pub account_status: Option<String>,
}

/// One entry of `GET /oauth/token/accessible-resources`: a site the token can reach.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessibleResource {
    pub id: String,
    pub name: String,
    pub url: String,
    #[serde(default, rename = "avatarUrl")]
    pub avatar_url: Option<String>,
}

/// A PKCE pair for one authorization.
pub struct Pkce {
    pub challenge: PkceCodeChallenge,
    pub verifier: String,
}

impl Pkce {
    pub fn new() -> Self {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        Self {
            challenge,
            verifier: verifier.secret().clone(),
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// Talks to Atlassian (or the emulator) for every connection of the instance.
#[derive(Debug, Clone)]
pub struct AtlassianClient {
    http: reqwest::Client,
}

impl AtlassianClient {
    pub fn new(connect_timeout: Duration, timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // Following redirects would let a token endpoint bounce our secret elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .user_agent(concat!("vestibule/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http })
    }

    fn oauth_client(
        credentials: &Credentials,
        redirect_uri: &str,
    ) -> Result<
        BasicClient<
            oauth2::EndpointSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointNotSet,
            oauth2::EndpointSet,
        >,
        ProviderError,
    > {
        let bad = |e: oauth2::url::ParseError| ProviderError::Unavailable(format!("bad URL: {e}"));
        Ok(
            BasicClient::new(ClientId::new(credentials.client_id.clone()))
                .set_client_secret(ClientSecret::new(credentials.client_secret.clone()))
                .set_auth_uri(AuthUrl::new(credentials.endpoints.auth("/authorize")).map_err(bad)?)
                .set_token_uri(
                    TokenUrl::new(credentials.endpoints.auth("/oauth/token")).map_err(bad)?,
                )
                .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).map_err(bad)?)
                // Atlassian reads client_id and client_secret from the body.
                .set_auth_type(AuthType::RequestBody),
        )
    }

    /// Atlassian's consent page for this authorization.
    pub fn authorize_url(
        &self,
        credentials: &Credentials,
        redirect_uri: &str,
        scopes: &[String],
        state: &str,
        pkce: PkceCodeChallenge,
    ) -> Result<Url, ProviderError> {
        let client = Self::oauth_client(credentials, redirect_uri)?;
        let state = state.to_owned();
        let mut request = client
            .authorize_url(move || CsrfToken::new(state))
            .add_extra_param("audience", ATLASSIAN.audience)
            .add_extra_param("prompt", "consent")
            .set_pkce_challenge(pkce);
        for scope in scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        if let Some(offline) = ATLASSIAN.offline_scope {
            request = request.add_scope(Scope::new(offline.to_owned()));
        }
        Ok(request.url().0)
    }

    pub async fn exchange_code(
        &self,
        credentials: &Credentials,
        redirect_uri: &str,
        code: &str,
        verifier: &str,
    ) -> Result<TokenSet, ProviderError> {
        let client = Self::oauth_client(credentials, redirect_uri)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        Ok(token_set(&response))
    }

    pub async fn refresh(
        &self,
        credentials: &Credentials,
        redirect_uri: &str,
        refresh_token: &str,
    ) -> Result<TokenSet, ProviderError> {
        let client = Self::oauth_client(credentials, redirect_uri)?;
        let response = client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        Ok(token_set(&response))
    }

    /// Opens an authorization URL as a browser would, without following the answer: where the
    /// provider redirected (the callback, with a code) when it consented at once, `None` when
    /// it answered with a page for a person instead. Development only: the emulator consents
    /// at once to a `login_hint` naming a seeded account.
    pub async fn authorize_without_browser(
        &self,
        authorize_url: &Url,
    ) -> Result<Option<Url>, ProviderError> {
        let response = self
            .http
            .get(authorize_url.clone())
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(e.without_url().to_string()))?;
        if !response.status().is_redirection() {
            return Ok(None);
        }
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ProviderError::Unavailable("a redirect without Location".into()))?;
        Url::parse(location)
            .map(Some)
            .map_err(|e| ProviderError::Unavailable(format!("bad redirect: {e}")))
    }

    /// The profile, with a picture URL only when it is one we may hand to browsers.
    pub async fn me(
        &self,
        endpoints: &Endpoints,
        access_token: &str,
    ) -> Result<AtlassianProfile, ProviderError> {
        let mut profile: AtlassianProfile =
            self.get_json(&endpoints.api("/me"), access_token).await?;
        let allow_http = endpoints.is_plain_http();
        profile.picture = profile
            .picture
            .filter(|url| is_safe_provider_url(url, allow_http));
        Ok(profile)
    }

    /// The sites, without any whose URL we may not hand to browsers, and without an avatar
    /// URL that is not one.
    pub async fn accessible_resources(
        &self,
        endpoints: &Endpoints,
        access_token: &str,
    ) -> Result<Vec<AccessibleResource>, ProviderError> {
        let resources: Vec<AccessibleResource> = self
            .get_json(
                &endpoints.api("/oauth/token/accessible-resources"),
                access_token,
            )
            .await?;
        let allow_http = endpoints.is_plain_http();
        Ok(resources
            .into_iter()
            .filter(|site| is_safe_provider_url(&site.url, allow_http))
            .map(|mut site| {
                site.avatar_url = site
                    .avatar_url
                    .filter(|url| is_safe_provider_url(url, allow_http));
                site
            })
            .collect())
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        access_token: &str,
    ) -> Result<T, ProviderError> {
        let response = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| ProviderError::Unavailable(transport_failure(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ProviderError::Unavailable(format!(
                "{} answered {status}",
                path_of(url)
            )));
        }
        let is_json = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ProviderError::Unavailable(format!(
                "{} answered something other than JSON",
                path_of(url)
            )));
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| ProviderError::Unavailable(transport_failure(&e)))?;
        serde_json::from_slice(&body).map_err(|_| {
            ProviderError::Unavailable(format!("{} answered malformed JSON", path_of(url)))
        })
    }
}

fn path_of(url: &str) -> &str {
    url.find("://")
        .and_then(|i| url[i + 3..].find('/').map(|j| &url[i + 3 + j..]))
        .unwrap_or(url)
}

/// A description of a transport failure without the URL's query or anything from the body.
fn transport_failure(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else if e.is_body() || e.is_decode() {
        "connection failed while reading the answer".to_owned()
    } else {
        "request failed".to_owned()
    }
}

type OAuthError =
    RequestTokenError<oauth2::HttpClientError<reqwest::Error>, oauth2::basic::BasicErrorResponse>;

fn token_error(error: OAuthError) -> ProviderError {
    match error {
        RequestTokenError::ServerResponse(response) => match response.error() {
            BasicErrorResponseType::InvalidGrant => ProviderError::InvalidGrant,
            other => ProviderError::Unavailable(format!("token endpoint refused: {other}")),
        },
        RequestTokenError::Request(oauth2::HttpClientError::Reqwest(e)) => {
            ProviderError::Unavailable(format!("token endpoint: {}", transport_failure(&e)))
        }
        RequestTokenError::Request(_) => {
            ProviderError::Unavailable("token endpoint: request failed".to_owned())
        }
        // Never log the body: a half-parsed success answer holds tokens.
        RequestTokenError::Parse(_, _) => {
            ProviderError::Unavailable("token endpoint answered malformed JSON".to_owned())
        }
        RequestTokenError::Other(message) => {
            ProviderError::Unavailable(format!("token endpoint: {message}"))
        }
    }
}

fn token_set(response: &oauth2::basic::BasicTokenResponse) -> TokenSet {
    TokenSet {
        access_token: response.access_token().secret().clone(),
        expires_in: response.expires_in().unwrap_or(Duration::from_secs(3600)),
        refresh_token: response.refresh_token().map(|t| t.secret().clone()),
        scopes: response
            .scopes()
            .map(|scopes| scopes.iter().map(|s| s.as_str().to_owned()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials {
            client_id: "client-1".into(),
            client_secret: "secret-1".into(),
            endpoints: Endpoints {
                auth_base: Url::parse("https://auth.atlassian.com").unwrap(),
                api_base: Url::parse("https://api.atlassian.com").unwrap(),
            },
        }
    }

    #[test]
    fn authorize_url_carries_everything_atlassian_requires() {
        let client = AtlassianClient::new(Duration::from_secs(1), Duration::from_secs(1)).unwrap();
        let pkce = Pkce::new();
        let url = client
            .authorize_url(
                &credentials(),
                "https://app.test/v1/oauth_callback",
                &["read:me".to_owned(), "read:jira-work".to_owned()],
                "the-state",
                pkce.challenge,
            )
            .unwrap();
        assert_eq!(
            url.origin().ascii_serialization(),
            "https://auth.atlassian.com"
        );
        assert_eq!(url.path(), "/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["audience"], "api.atlassian.com");
        assert_eq!(q["prompt"], "consent");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "client-1");
        assert_eq!(q["scope"], "read:me read:jira-work offline_access");
        assert_eq!(q["state"], "the-state");
        assert_eq!(q["redirect_uri"], "https://app.test/v1/oauth_callback");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["code_challenge"].len(), 43);
        assert!(!url.as_str().contains("secret-1"));
    }

    #[test]
    fn only_web_urls_from_the_provider_are_kept() {
        for ok in [
            "https://mara.atlassian.net",
            "https://avatar-management.services.atlassian.com/a/b.png?size=48",
        ] {
            assert!(is_safe_provider_url(ok, false), "{ok}");
        }
        assert!(is_safe_provider_url(
            "http://127.0.0.1:4000/avatars/x",
            true
        ));
        for bad in [
            "http://127.0.0.1:4000/avatars/x",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            " javascript:alert(1)",
            "data:image/svg+xml,<svg onload=alert(1)>",
            "vbscript:x",
            "file:///etc/passwd",
            "//evil.test/a.png",
            "/relative.png",
            "https:evil.test",
            "HTTPS://evil.test",
            "https://user:pw@evil.test/",
            "https://evil.test/\tx",
            "",
        ] {
            assert!(!is_safe_provider_url(bad, false), "{bad:?}");
        }
        assert!(!is_safe_provider_url("javascript:alert(1)", true));
    }

    #[test]
    fn paths_are_logged_without_hosts() {
        assert_eq!(path_of("http://127.0.0.1:9/api/me"), "/api/me");
    }
}
