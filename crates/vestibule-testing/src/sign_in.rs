//! Signing a WebDriver-driven browser in and out.

use fantoccini::Client;
use url::Url;
use vestibule_core::sign_in_token::SignInToken;

use crate::Error;

/// Whom to sign in as, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInAs {
    /// Through the real OAuth flow of a development instance: its emulator consents at once
    /// as the seeded account that `login_hint` names (an e-mail address or account id).
    LoginHint {
        /// The instance's public URL (the components' `frontend_api`).
        frontend_api: Url,
        login_hint: String,
        /// Where the browser goes once signed in: a path on the instance or a URL on one of
        /// its allowed origins.
        redirect_url: String,
    },
    /// A sign-in token's URL, from `POST /v1/sign_in_tokens`.
    Ticket { url: Url },
}

impl SignInAs {
    /// The emulator account with this e-mail address (or account id), through the real flow.
    pub fn email(frontend_api: Url, email: &str, redirect_url: &str) -> Self {
        Self::LoginHint {
            frontend_api,
            login_hint: email.to_owned(),
            redirect_url: redirect_url.to_owned(),
        }
    }

    /// The user a sign-in token was made for.
    pub fn ticket(token: &SignInToken) -> Result<Self, Error> {
        Ok(Self::Ticket {
            url: Url::parse(&token.url)?,
        })
    }

    /// The URL the browser opens to sign in.
    pub fn start_url(&self) -> Url {
        match self {
            Self::LoginHint {
                frontend_api,
                login_hint,
                redirect_url,
            } => {
                let mut url = frontend_api
                    .join("/v1/oauth/atlassian/start")
                    .expect("a path");
                url.query_pairs_mut()
                    .append_pair("intent", "sign_in")
                    .append_pair("login_hint", login_hint)
                    .append_pair("redirect_url", redirect_url);
                url
            }
            Self::Ticket { url } => url.clone(),
        }
    }

    fn instance_origin(&self) -> url::Origin {
        match self {
            Self::LoginHint { frontend_api, .. } => frontend_api.origin(),
            Self::Ticket { url } => url.origin(),
        }
    }
}

/// Signs the browser in and returns the URL it lands on (the redirect URL). A refusal (an
/// expired or used ticket, a hint the emulator does not know) is [`Error::Refused`] with the
/// instance's error code.
pub async fn sign_in(client: &Client, who: &SignInAs) -> Result<Url, Error> {
    // Every hop is a server redirect, which WebDriver's navigation follows to the end; the
    // emulator's consent page is the one stop that is not (an unknown `login_hint`).
    client.goto(who.start_url().as_str()).await?;
    let landed = client.current_url().await?;
    let on_instance = landed.origin() == who.instance_origin();
    let error = landed
        .query_pairs()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned());
    if let (true, Some(code)) = (on_instance, error) {
        return Err(Error::Refused {
            code,
            url: landed.to_string(),
        });
    }
    if landed.path().ends_with("/auth/authorize") {
        return Err(Error::Refused {
            code: "consent_page_shown".to_owned(),
            url: landed.to_string(),
        });
    }
    Ok(landed)
}

/// Signs the browser out of the instance at `frontend_api`: a `POST /v1/sign_out` from the
/// current page, which must be on the instance or one of its allowed origins (your app).
pub async fn sign_out(client: &Client, frontend_api: &Url) -> Result<(), Error> {
    let endpoint = frontend_api.join("/v1/sign_out")?;
    let status = client
        .execute_async(
            r#"const [url, done] = arguments;
               fetch(url, { method: 'POST', credentials: 'include' })
                 .then(r => done(r.status), e => done(String(e)));"#,
            vec![serde_json::Value::from(endpoint.as_str())],
        )
        .await?;
    match status.as_u64() {
        Some(code) if (200..300).contains(&code) => Ok(()),
        _ => Err(Error::Refused {
            code: format!("sign_out answered {status}"),
            url: endpoint.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_flow_starts_with_the_hint_and_the_redirect() {
        let who = SignInAs::email(
            Url::parse("http://auth.test:4000").unwrap(),
            "mara.jensen@example.com",
            "http://app.test:8080/",
        );
        let url = who.start_url();
        assert_eq!(url.path(), "/v1/oauth/atlassian/start");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["login_hint"], "mara.jensen@example.com");
        assert_eq!(q["redirect_url"], "http://app.test:8080/");
        assert_eq!(q["intent"], "sign_in");
    }

    #[test]
    fn a_ticket_opens_its_own_url() {
        let token = SignInToken {
            id: "sit_1".into(),
            user_id: "user_1".into(),
            token: "t".into(),
            url: "http://auth.test:4000/v1/sign_in_tokens/accept?token=t".into(),
            expires_at: 0,
        };
        assert_eq!(
            SignInAs::ticket(&token).unwrap().start_url().as_str(),
            token.url
        );
    }
}
