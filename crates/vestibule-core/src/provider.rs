//! The provider catalog. A provider is data — names, endpoints, scopes — not a code path.

use serde::{Deserialize, Serialize};

/// A sign-in provider Vestibule knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderId {
    Atlassian,
}

impl ProviderId {
    pub const ALL: &'static [ProviderId] = &[ProviderId::Atlassian];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Atlassian => "atlassian",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|p| p.as_str() == s)
    }

    /// The catalog entry for this provider.
    pub fn info(self) -> &'static ProviderInfo {
        match self {
            Self::Atlassian => &ATLASSIAN,
        }
    }
}

crate::error::try_from_name!(ProviderId, "provider");

impl std::fmt::Display for ProviderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the server and the components need to know about one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInfo {
    pub id: ProviderId,
    /// "Atlassian", shown on buttons ("Continue with Atlassian").
    pub display_name: &'static str,
    /// Logo path under the portal's `public/` folder.
    pub icon_path: &'static str,
    /// Production authorization server (the `/authorize` and `/oauth/token` host).
    pub auth_base_url: &'static str,
    /// Production API host (`/me`, `/oauth/token/accessible-resources`).
    pub api_base_url: &'static str,
    /// The `audience` parameter the authorize URL must carry.
    pub audience: &'static str,
    /// Scopes a new connection starts with.
    pub default_scopes: &'static [&'static str],
    /// Scopes every connection must keep, because sign-in reads the profile with them.
    pub required_scopes: &'static [&'static str],
    /// Scope asked for on top of the connection's own, so the server gets a refresh token.
    pub offline_scope: Option<&'static str>,
    /// Where the admin creates the OAuth app.
    pub console_url: &'static str,
}

pub static ATLASSIAN: ProviderInfo = ProviderInfo {
    id: ProviderId::Atlassian,
    display_name: "Atlassian",
    icon_path: "/icons/atlassian.svg",
    auth_base_url: "https://auth.atlassian.com",
    api_base_url: "https://api.atlassian.com",
    audience: "api.atlassian.com",
    default_scopes: &["read:me"],
    required_scopes: &["read:me"],
    offline_scope: Some("offline_access"),
    console_url: "https://developer.atlassian.com/console/myapps/",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_round_trips_by_name() {
        for p in ProviderId::ALL {
            assert_eq!(ProviderId::parse(p.as_str()), Some(*p));
            assert_eq!(p.info().id, *p);
        }
        assert_eq!(ProviderId::parse("github"), None);
        assert_eq!(
            ProviderId::try_from("atlassian".to_owned()),
            Ok(ProviderId::Atlassian)
        );
        let bad = ProviderId::try_from("github".to_owned()).unwrap_err();
        assert_eq!(bad.to_string(), "unknown provider \"github\"");
    }

    #[test]
    fn defaults_satisfy_requirements() {
        for p in ProviderId::ALL {
            let info = p.info();
            for required in info.required_scopes {
                assert!(info.default_scopes.contains(required), "{required} missing");
            }
        }
    }
}
