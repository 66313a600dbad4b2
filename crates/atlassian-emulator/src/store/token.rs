//! `/oauth/token`: client authentication, the authorization-code and refresh-token grants, token families.

use std::time::SystemTime;

use super::{
    ACCESS_TOKEN_LIFETIME, AccessToken, CODE_LIFETIME, GRANT_ABSOLUTE_LIFETIME, Grant, GrantId,
    OFFLINE_ACCESS, REFRESH_INACTIVITY_LIFETIME, REFRESH_REUSE_LEEWAY, RefreshToken, Store,
};
use crate::clock::has_elapsed;
use crate::model::OAuthApp;
use crate::secrets::{TokenHash, constant_time_eq, random_token, verify_s256};

/// The body of a `POST /oauth/token`, JSON or form-encoded.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct TokenRequest {
    pub grant_type: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
}

/// A successful token response.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct IssuedTokens {
    pub access_token: String,
    pub expires_in: u64,
    pub token_type: &'static str,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// A refused token request; the route turns it into Atlassian's status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Unknown client, or missing or wrong secret.
    InvalidClient,
    InvalidRequest(String),
    UnsupportedGrantType(String),
    InvalidGrant(&'static str),
}

pub(crate) const UNKNOWN_REFRESH_TOKEN: &str = "Unknown or invalid refresh token.";
pub(crate) const INVALID_CODE: &str = "Invalid authorization code";

impl Store {
    /// Client credentials come from the body only, as Atlassian documents them.
    fn authenticate_client(&self, request: &TokenRequest) -> Result<&OAuthApp, TokenError> {
        let client_id = request.client_id.as_deref().unwrap_or_default();
        let secret = request.client_secret.as_deref().unwrap_or_default();
        match self.apps.get(client_id) {
            Some(app) if !secret.is_empty() && constant_time_eq(&app.client_secret, secret) => {
                Ok(app)
            }
            _ => Err(TokenError::InvalidClient),
        }
    }

    pub(crate) fn token(
        &mut self,
        request: &TokenRequest,
        now: SystemTime,
    ) -> Result<IssuedTokens, TokenError> {
        match request.grant_type.as_deref() {
            Some("authorization_code") => self.exchange_code(request, now),
            Some("refresh_token") => self.refresh(request, now),
            Some(other) => Err(TokenError::UnsupportedGrantType(other.to_owned())),
            None => Err(TokenError::InvalidRequest(
                "Missing required parameter: grant_type".to_owned(),
            )),
        }
    }

    fn exchange_code(
        &mut self,
        request: &TokenRequest,
        now: SystemTime,
    ) -> Result<IssuedTokens, TokenError> {
        let client_id = self.authenticate_client(request)?.client_id.clone();
        let code = request
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                TokenError::InvalidRequest("Missing required parameter: code".to_owned())
            })?;
        let redirect_uri = request
            .redirect_uri
            .as_deref()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                TokenError::InvalidRequest("Missing required parameter: redirect_uri".to_owned())
            })?;

        let hash = TokenHash::of(code);
        let stored = self
            .codes
            .get(&hash)
            .cloned()
            .ok_or(TokenError::InvalidGrant(INVALID_CODE))?;
        if let Some(grant) = stored.redeemed_as {
            // RFC 6749 §4.1.2: a replayed code revokes what it was exchanged for.
            self.revoke_grant(grant);
            return Err(TokenError::InvalidGrant(INVALID_CODE));
        }
        if has_elapsed(stored.issued_at, CODE_LIFETIME, now) {
            self.codes.remove(&hash);
            return Err(TokenError::InvalidGrant(INVALID_CODE));
        }
        if stored.client_id != client_id {
            return Err(TokenError::InvalidGrant(INVALID_CODE));
        }
        if stored.redirect_uri != redirect_uri {
            return Err(TokenError::InvalidGrant(
                "redirect_uri does not match the one the authorization code was issued for",
            ));
        }
        match (
            stored.code_challenge.as_deref(),
            request.code_verifier.as_deref(),
        ) {
            (None, None) => {}
            (Some(_), None) => return Err(TokenError::InvalidGrant("Missing code_verifier")),
            (Some(challenge), Some(verifier)) => {
                if !verify_s256(verifier, challenge) {
                    return Err(TokenError::InvalidGrant("Failed to verify code_verifier"));
                }
            }
            // OAuth 2.1: a verifier for a code issued without a challenge is a downgrade attempt.
            (None, Some(_)) => {
                return Err(TokenError::InvalidGrant(
                    "code_verifier was sent but the authorization request had no code_challenge",
                ));
            }
        }

        let grant_id = self.next_grant;
        self.next_grant += 1;
        self.grants.insert(
            grant_id,
            Grant {
                client_id,
                account_id: stored.account_id.clone(),
                site_id: stored.site_id.clone(),
                scopes: stored.scopes.clone(),
                consented_at: stored.issued_at,
                revoked: false,
                current_refresh_token: None,
            },
        );
        if let Some(code) = self.codes.get_mut(&hash) {
            code.redeemed_as = Some(grant_id);
        }
        self.issued.codes_redeemed += 1;
        Ok(self.issue_tokens(grant_id, now))
    }

    fn refresh(
        &mut self,
        request: &TokenRequest,
        now: SystemTime,
    ) -> Result<IssuedTokens, TokenError> {
        let client_id = self.authenticate_client(request)?.client_id.clone();
        let presented = request
            .refresh_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                TokenError::InvalidRequest("Missing required parameter: refresh_token".to_owned())
            })?;
        let invalid = TokenError::InvalidGrant(UNKNOWN_REFRESH_TOKEN);

        let token = self
            .refresh_tokens
            .get(&TokenHash::of(presented))
            .cloned()
            .ok_or_else(|| invalid.clone())?;
        let grant = self
            .grants
            .get(&token.grant)
            .ok_or_else(|| invalid.clone())?;
        if grant.revoked || grant.client_id != client_id {
            return Err(invalid);
        }
        let reused_too_late = token
            .superseded_at
            .is_some_and(|superseded| has_elapsed(superseded, REFRESH_REUSE_LEEWAY, now));
        if has_elapsed(grant.consented_at, GRANT_ABSOLUTE_LIFETIME, now)
            || has_elapsed(token.issued_at, REFRESH_INACTIVITY_LIFETIME, now)
            || reused_too_late
        {
            self.revoke_grant(token.grant);
            return Err(invalid);
        }

        self.issued.refresh_tokens_rotated += 1;
        Ok(self.issue_tokens(token.grant, now))
    }

    /// A new access token, and a new refresh token (superseding the family's current one) when the grant
    /// includes `offline_access`.
    fn issue_tokens(&mut self, grant_id: GrantId, now: SystemTime) -> IssuedTokens {
        let access_token = random_token();
        self.access_tokens.insert(
            TokenHash::of(&access_token),
            AccessToken {
                grant: grant_id,
                expires_at: now + ACCESS_TOKEN_LIFETIME,
            },
        );
        self.issued.access_tokens_issued += 1;

        let Some(grant) = self.grants.get_mut(&grant_id) else {
            unreachable!("tokens are only issued for an existing grant");
        };
        let scope = grant.scopes.join(" ");
        let refresh_token = grant.scopes.iter().any(|s| s == OFFLINE_ACCESS).then(|| {
            let token = random_token();
            let hash = TokenHash::of(&token);
            if let Some(previous) = grant.current_refresh_token.replace(hash.clone())
                && let Some(previous) = self.refresh_tokens.get_mut(&previous)
            {
                previous.superseded_at.get_or_insert(now);
            }
            self.refresh_tokens.insert(
                hash,
                RefreshToken {
                    grant: grant_id,
                    issued_at: now,
                    superseded_at: None,
                },
            );
            self.issued.refresh_tokens_issued += 1;
            token
        });

        IssuedTokens {
            access_token,
            expires_in: ACCESS_TOKEN_LIFETIME.as_secs(),
            token_type: "Bearer",
            scope,
            refresh_token,
        }
    }

    /// Ends a token family: its refresh tokens and the access tokens issued from it stop working.
    fn revoke_grant(&mut self, grant_id: GrantId) {
        if let Some(grant) = self.grants.get_mut(&grant_id)
            && !grant.revoked
        {
            grant.revoked = true;
            self.issued.families_revoked += 1;
        }
    }
}
