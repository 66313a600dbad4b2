//! The doctor's two requests to Atlassian and how their answers are read: the authorize URL
//! exactly as a sign-in sends it, and a token request with a code that cannot exist.
//!
//! Reading is split from sending so that plain tests cover every kind of answer; the
//! emulator's answers (see its crate docs, "Where the emulator had to choose") are the ones
//! the server tests run against.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, DATE, LOCATION};
use url::Url;

/// What `GET /authorize` told us about the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeFinding {
    /// A login or consent answer: the client, the Callback URL and the scopes passed.
    /// `private_app` when the consent page says whether the app is shared.
    Proceeds {
        private_app: Option<bool>,
    },
    UnknownClient,
    CallbackNotRegistered,
    /// `description` as Atlassian gave it (it may name the scope).
    InvalidScope {
        description: String,
    },
    /// Another error page: the doctor says which error, and no more.
    Refused {
        error: String,
    },
    /// A timeout, a refused connection, a server error.
    Unavailable(String),
    /// An answer that is neither an error page nor a login or consent answer.
    Unreadable,
}

/// What the token endpoint said about the Client ID and Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenFinding {
    /// `invalid_grant` for our made-up code: the credentials themselves were accepted.
    SecretAccepted,
    /// `access_denied` / `invalid_client` / 401.
    SecretRejected,
    Unavailable(String),
    /// Anything else (an HTML page, another error); `detail` says what, never the body.
    Unexpected(String),
}

/// An answer reduced to what the doctor reads: status, `Location`, `Date` and a bounded body.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub date: Option<SystemTime>,
    pub body: String,
}

/// Bodies longer than this are cut: an error or consent page is far smaller.
const MAX_BODY: usize = 256 * 1024;

impl Answer {
    async fn read(response: reqwest::Response) -> Result<Self, String> {
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let status = response.status();
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE);
        let date = header(DATE).and_then(|d| httpdate::parse_http_date(&d).ok());
        let mut body = Vec::new();
        let mut response = response;
        while let Some(chunk) = response.chunk().await.map_err(|e| transport(&e))? {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_BODY {
                body.truncate(MAX_BODY);
                break;
            }
        }
        Ok(Self {
            status,
            location,
            content_type,
            date,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    fn is_json(&self) -> bool {
        self.content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json"))
    }
}

/// A transport failure in words safe to show: no URL (its query), nothing from a body.
pub fn transport(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "the connection failed".to_owned()
    }
}

/// `GET` without cookies and without following a redirect (the client is built that way).
pub async fn get(http: &reqwest::Client, url: &Url) -> Result<Answer, String> {
    let response = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "text/html")
        .send()
        .await
        .map_err(|e| transport(&e))?;
    Answer::read(response).await
}

/// The authorization-code grant with a code that was never issued. The secret goes to the
/// token endpoint only, in the body, as sign-in sends it.
pub async fn token_with_invalid_code(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    client_secret: &str,
    redirect_uri: &str,
) -> Result<Answer, String> {
    let code = format!("vestibule-doctor-{}", crate::crypto::random_token());
    let response = http
        .post(token_url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", client_id),
            ("client_secret", client_secret),
            ("code", &code),
            ("redirect_uri", redirect_uri),
        ])
        .send()
        .await
        .map_err(|e| transport(&e))?;
    Answer::read(response).await
}

/// Reads the answer to the authorize URL. `redirect_uri` is the Callback URL we sent, so that
/// an error sent back to it reads as an error and a code as a consent given.
pub fn read_authorize(answer: &Answer, request_url: &Url) -> AuthorizeFinding {
    if answer.status.is_server_error() || answer.status == StatusCode::TOO_MANY_REQUESTS {
        return AuthorizeFinding::Unavailable(format!("answered HTTP {}", answer.status.as_u16()));
    }
    if answer.status.is_redirection() {
        let Some(location) = answer
            .location
            .as_deref()
            .and_then(|l| request_url.join(l).ok())
        else {
            return AuthorizeFinding::Unreadable;
        };
        let query = |name: &str| {
            location
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        return match query("error") {
            Some(error) => {
                finding_for_error(&error, &query("error_description").unwrap_or_default())
            }
            // To a login page, a consent page, or straight back with a code.
            None => AuthorizeFinding::Proceeds { private_app: None },
        };
    }
    if let Some((error, description)) = error_of_page(&answer.body) {
        return finding_for_error(&error, &description);
    }
    if answer.status.is_success() && is_consent_page(&answer.body) {
        return AuthorizeFinding::Proceeds {
            private_app: Some(answer.body.contains("data-testid=\"private-notice\"")),
        };
    }
    if answer.status.is_client_error() {
        return AuthorizeFinding::Refused {
            error: format!("HTTP {}", answer.status.as_u16()),
        };
    }
    AuthorizeFinding::Unreadable
}

/// The consent page asks for a decision: a form with Accept.
fn is_consent_page(body: &str) -> bool {
    body.contains("<form") && body.contains("data-testid=\"accept\"")
}

fn finding_for_error(error: &str, description: &str) -> AuthorizeFinding {
    let lower = description.to_ascii_lowercase();
    if error == "invalid_client" || lower.contains("unknown client") {
        AuthorizeFinding::UnknownClient
    } else if lower.contains("callback url mismatch") || lower.contains("redirect_uri") {
        AuthorizeFinding::CallbackNotRegistered
    } else if error == "invalid_scope" {
        AuthorizeFinding::InvalidScope {
            description: description.to_owned(),
        }
    } else {
        AuthorizeFinding::Refused {
            error: error.chars().take(64).collect(),
        }
    }
}

/// The error code and description of an authorize error page, read from its
/// `error-code` and `error-description` elements.
fn error_of_page(body: &str) -> Option<(String, String)> {
    let error = element_text(body, "error-code")?;
    let description = element_text(body, "error-description").unwrap_or_default();
    Some((error, description))
}

/// The text inside the element with `data-testid="{testid}"`, entities for `&<>"'` decoded.
fn element_text(body: &str, testid: &str) -> Option<String> {
    let marker = format!("data-testid=\"{testid}\"");
    let start = body.find(&marker)?;
    let rest = &body[start..];
    let open_end = rest.find('>')? + 1;
    let rest = &rest[open_end..];
    let text = &rest[..rest.find('<')?];
    Some(
        text.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&amp;", "&")
            .trim()
            .to_owned(),
    )
}

/// Reads the token endpoint's answer to a code that cannot exist.
pub fn read_token(answer: &Answer) -> TokenFinding {
    if answer.status.is_server_error() || answer.status == StatusCode::TOO_MANY_REQUESTS {
        return TokenFinding::Unavailable(format!("answered HTTP {}", answer.status.as_u16()));
    }
    if !answer.is_json() {
        if answer.status == StatusCode::UNAUTHORIZED {
            return TokenFinding::SecretRejected;
        }
        return TokenFinding::Unexpected("an answer that is not JSON".to_owned());
    }
    let error = serde_json::from_str::<serde_json::Value>(&answer.body)
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_owned));
    match error.as_deref() {
        Some("invalid_grant") => TokenFinding::SecretAccepted,
        Some("access_denied" | "invalid_client" | "unauthorized_client") => {
            TokenFinding::SecretRejected
        }
        _ if answer.status == StatusCode::UNAUTHORIZED => TokenFinding::SecretRejected,
        Some(other) => TokenFinding::Unexpected(other.chars().take(64).collect()),
        None if answer.status.is_success() => {
            TokenFinding::Unexpected("tokens for a code that was never issued".to_owned())
        }
        None => TokenFinding::Unexpected(format!("HTTP {}", answer.status.as_u16())),
    }
}

/// The scopes an `invalid_scope` description names, among those asked for.
pub fn scopes_named(description: &str, asked: &[String]) -> Vec<String> {
    asked
        .iter()
        .filter(|scope| {
            description
                .split(|c: char| c.is_whitespace() || matches!(c, ',' | '"' | '\'' | '.' | '`'))
                .any(|word| word == scope.as_str())
        })
        .cloned()
        .collect()
}

/// How far our clock is ahead of `date` (negative: behind), in whole seconds.
pub fn skew_secs(our_now: i64, date: SystemTime) -> i64 {
    let theirs = date
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs() as i64;
    our_now - theirs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, location: Option<&str>, body: &str) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap(),
            location: location.map(str::to_owned),
            content_type: Some("text/html; charset=utf-8".into()),
            date: None,
            body: body.to_owned(),
        }
    }

    fn json(status: u16, body: &str) -> Answer {
        Answer {
            content_type: Some("application/json".into()),
            ..answer(status, None, body)
        }
    }

    fn error_page(error: &str, description: &str) -> String {
        format!(
            "<div data-testid=\"error-page\"><p data-testid=\"error-description\" style=\"m\">{description}</p></div>\
             <p>Error: <code data-testid=\"error-code\">{error}</code></p>"
        )
    }

    fn request() -> Url {
        Url::parse("https://auth.atlassian.com/authorize?client_id=x").unwrap()
    }

    #[test]
    fn error_pages_say_which_part_is_wrong() {
        let read = |error, description| {
            read_authorize(
                &answer(400, None, &error_page(error, description)),
                &request(),
            )
        };
        assert_eq!(
            read("invalid_request", "Unknown client: abc"),
            AuthorizeFinding::UnknownClient
        );
        assert_eq!(
            read(
                "invalid_request",
                "Callback URL mismatch. https://a.test/cb is not in the list"
            ),
            AuthorizeFinding::CallbackNotRegistered
        );
        assert_eq!(
            read(
                "invalid_scope",
                "Scope &quot;read:jira-work&quot; is not enabled"
            ),
            AuthorizeFinding::InvalidScope {
                description: "Scope \"read:jira-work\" is not enabled".into()
            }
        );
        assert_eq!(
            read("unsupported_response_type", "nope"),
            AuthorizeFinding::Refused {
                error: "unsupported_response_type".into()
            }
        );
    }

    #[test]
    fn redirects_proceed_unless_they_carry_an_error() {
        let login = answer(302, Some("/login?state=abc"), "");
        assert_eq!(
            read_authorize(&login, &request()),
            AuthorizeFinding::Proceeds { private_app: None }
        );
        let error = answer(
            302,
            Some("https://app.test/cb?error=invalid_scope&error_description=bad+scope"),
            "",
        );
        assert_eq!(
            read_authorize(&error, &request()),
            AuthorizeFinding::InvalidScope {
                description: "bad scope".into()
            }
        );
        assert_eq!(
            read_authorize(&answer(302, None, ""), &request()),
            AuthorizeFinding::Unreadable
        );
    }

    #[test]
    fn consent_pages_tell_a_private_app() {
        let consent = "<form method=post><button data-testid=\"accept\">Accept</button></form>";
        assert_eq!(
            read_authorize(&answer(200, None, consent), &request()),
            AuthorizeFinding::Proceeds {
                private_app: Some(false)
            }
        );
        let private = format!("<p data-testid=\"private-notice\">only its owner</p>{consent}");
        assert_eq!(
            read_authorize(&answer(200, None, &private), &request()),
            AuthorizeFinding::Proceeds {
                private_app: Some(true)
            }
        );
    }

    #[test]
    fn maintenance_pages_and_server_errors_are_not_a_verdict() {
        let maintenance = "<h1>We'll be back shortly</h1>";
        assert_eq!(
            read_authorize(&answer(200, None, maintenance), &request()),
            AuthorizeFinding::Unreadable
        );
        assert_eq!(
            read_authorize(&answer(503, None, maintenance), &request()),
            AuthorizeFinding::Unavailable("answered HTTP 503".into())
        );
    }

    #[test]
    fn token_answers() {
        assert_eq!(
            read_token(&json(403, r#"{"error":"invalid_grant"}"#)),
            TokenFinding::SecretAccepted
        );
        assert_eq!(
            read_token(&json(400, r#"{"error":"invalid_grant"}"#)),
            TokenFinding::SecretAccepted
        );
        assert_eq!(
            read_token(&json(401, r#"{"error":"access_denied"}"#)),
            TokenFinding::SecretRejected
        );
        assert_eq!(
            read_token(&answer(401, None, "<h1>no</h1>")),
            TokenFinding::SecretRejected
        );
        assert_eq!(
            read_token(&json(500, r#"{"error":"server_error"}"#)),
            TokenFinding::Unavailable("answered HTTP 500".into())
        );
        assert_eq!(
            read_token(&answer(200, None, "<h1>We'll be back</h1>")),
            TokenFinding::Unexpected("an answer that is not JSON".into())
        );
        assert_eq!(
            read_token(&json(400, r#"{"error":"invalid_request"}"#)),
            TokenFinding::Unexpected("invalid_request".into())
        );
    }

    #[test]
    fn invalid_scope_descriptions_name_scopes_exactly() {
        let asked = vec!["read:me".to_owned(), "read:jira-work".to_owned()];
        assert_eq!(
            scopes_named(
                "Scope \"read:jira-work\" is not enabled for Prod App.",
                &asked
            ),
            vec!["read:jira-work".to_owned()]
        );
        assert!(scopes_named("invalid scope", &asked).is_empty());
    }

    #[test]
    fn skew_is_signed() {
        let date = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        assert_eq!(skew_secs(1300, date), 300);
        assert_eq!(skew_secs(900, date), -100);
    }
}
