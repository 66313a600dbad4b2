//! The API host's side: what a bearer access token stands for and whether it opens an endpoint.

use std::time::SystemTime;

use super::{Grant, Store};
use crate::model::{AtlassianAccount, AtlassianSite};
use crate::secrets::TokenHash;

/// Why a bearer token does not open the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BearerError {
    /// Missing, unknown, expired or revoked.
    Unauthorized,
    /// Valid, but without the scope the endpoint needs.
    MissingScope,
    /// Valid, but its grant is for another site (or none) than the `cloudid` in the path.
    SiteNotGranted,
}

/// A token that opens one site's product API: who it acts for, on which site.
#[derive(Debug, Clone)]
pub(crate) struct SiteAccess {
    pub account: AtlassianAccount,
    pub site: AtlassianSite,
}

/// What a valid bearer token stands for.
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    pub account: AtlassianAccount,
    pub site: Option<AtlassianSite>,
    pub scopes: Vec<String>,
}

impl Store {
    /// The grant and account behind a known, unexpired, unrevoked access token.
    fn live_grant(
        &self,
        token: Option<&str>,
        now: SystemTime,
    ) -> Result<(&Grant, &AtlassianAccount), BearerError> {
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
        Ok((grant, account))
    }

    /// What a bearer token grants, when it is known, unexpired, unrevoked and carries `required_scope`.
    pub(crate) fn authenticate_bearer(
        &self,
        token: Option<&str>,
        required_scope: Option<&str>,
        now: SystemTime,
    ) -> Result<Authenticated, BearerError> {
        let (grant, account) = self.live_grant(token, now)?;
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

    /// For `{api}/ex/jira/{cloud_id}/…`: a live token whose grant is for that site and carries `scope`.
    pub(crate) fn authenticate_for_site(
        &self,
        token: Option<&str>,
        cloud_id: &str,
        scope: &str,
        now: SystemTime,
    ) -> Result<SiteAccess, BearerError> {
        let (grant, account) = self.live_grant(token, now)?;
        let site = account
            .sites
            .iter()
            .find(|s| s.id == cloud_id && grant.site_id.as_deref() == Some(cloud_id))
            .ok_or(BearerError::SiteNotGranted)?;
        if !grant.scopes.iter().any(|s| s == scope) {
            return Err(BearerError::MissingScope);
        }
        Ok(SiteAccess {
            account: account.clone(),
            site: site.clone(),
        })
    }
}
