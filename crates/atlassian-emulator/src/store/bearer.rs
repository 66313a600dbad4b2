//! The API host's side: what a bearer access token stands for and whether it opens an endpoint.

use std::time::SystemTime;

use super::Store;
use crate::model::{AtlassianAccount, AtlassianSite};
use crate::secrets::TokenHash;

/// Why a bearer token does not open the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BearerError {
    /// Missing, unknown, expired or revoked.
    Unauthorized,
    /// Valid, but without the scope the endpoint needs.
    MissingScope,
}

/// What a valid bearer token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub account: AtlassianAccount,
    pub site: Option<AtlassianSite>,
    pub scopes: Vec<String>,
}

impl Store {
    /// What a bearer token grants, when it is known, unexpired, unrevoked and carries `required_scope`.
    pub(crate) fn authenticate_bearer(
        &self,
        token: Option<&str>,
        required_scope: Option<&str>,
        now: SystemTime,
    ) -> Result<Authenticated, BearerError> {
        let token = token
            .filter(|t| !t.is_empty())
            .ok_or(BearerError::Unauthorized)?;
        let access = self
            .access_tokens
            .get(&TokenHash::of(token))
            .ok_or(BearerError::Unauthorized)?;
        if now >= access.expires_at {
            return Err(BearerError::Unauthorized);
        }
        let grant = self
            .grants
            .get(&access.grant)
            .filter(|g| !g.revoked)
            .ok_or(BearerError::Unauthorized)?;
        let account = self
            .account(&grant.account_id)
            .ok_or(BearerError::Unauthorized)?;
        if let Some(scope) = required_scope
            && !grant.scopes.iter().any(|s| s == scope)
        {
            return Err(BearerError::MissingScope);
        }
        let site = grant
            .site_id
            .as_deref()
            .and_then(|id| account.sites.iter().find(|s| s.id == id))
            .cloned();
        Ok(Authenticated {
            account: account.clone(),
            site,
            scopes: grant.scopes.clone(),
        })
    }
}
