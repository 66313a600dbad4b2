//! What a fresh emulator holds: nothing ([`Seed::Empty`]) or the demo app and accounts ([`Seed::Demo`]).

use std::fmt;
use std::str::FromStr;

use time::OffsetDateTime;

use crate::jira::JiraIssue;
use crate::model::{
    AccountStatus, AtlassianAccount, AtlassianSite, Distribution, ExtendedProfile, OAuthApp,
};

/// The data an emulator starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Seed {
    /// No app and no account: the test registers what it needs.
    Empty,
    /// The shared development app ([`demo::CLIENT_ID`]) and the demo accounts listed in [`demo`].
    #[default]
    Demo,
}

impl Seed {
    pub(crate) fn apps(self) -> Vec<OAuthApp> {
        match self {
            Self::Empty => Vec::new(),
            Self::Demo => vec![demo::app()],
        }
    }

    pub(crate) fn accounts(self) -> Vec<AtlassianAccount> {
        match self {
            Self::Empty => Vec::new(),
            Self::Demo => demo::accounts(),
        }
    }

    /// Jira issues as (cloud id, issue), dated relative to `now`.
    pub(crate) fn issues(self, now: OffsetDateTime) -> Vec<(String, JiraIssue)> {
        match self {
            Self::Empty => Vec::new(),
            Self::Demo => crate::jira::demo::issues(now),
        }
    }
}

impl FromStr for Seed {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "empty" => Ok(Self::Empty),
            "demo" => Ok(Self::Demo),
            other => Err(format!(
                "unknown seed {other:?}: expected \"demo\" or \"empty\""
            )),
        }
    }
}

impl fmt::Display for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "empty",
            Self::Demo => "demo",
        })
    }
}

pub mod demo {
    //! The demo seed: Vestibule's shared development credentials and a cast of accounts covering the cases a
    //! sign-in flow must handle.
    //!
    //! | account | e-mail | sites | notes |
    //! |---|---|---|---|
    //! | [`ACCOUNT_DEFAULT`] Mara Jensen | [`EMAIL_DEFAULT`] | [`SITE_DEFAULT`] | the happy path |
    //! | [`ACCOUNT_NO_SITE`] Tomás Okafor | [`EMAIL_NO_SITE`] | none | consents, gets `[]` from accessible-resources |
    //! | [`ACCOUNT_THREE_SITES`] Priya Raman | [`EMAIL_THREE_SITES`] | [`SITE_ACME`], [`SITE_GLOBEX`], [`SITE_INITECH`] | owner of the demo app |
    //! | [`ACCOUNT_UNVERIFIED`] Lena Hoffmann | [`EMAIL_UNVERIFIED`] | [`SITE_UNVERIFIED`] | `email_verified: false` |
    //! | [`ACCOUNT_CLOSED`] Kofi Mensah | [`EMAIL_CLOSED`] | [`SITE_CLOSED`] | `account_status: "closed"` |
    //!
    //! Every site has a few Jira issues. On [`SITE_DEFAULT`] (project `NW`, "Northwind Platform") Mara is
    //! assigned `NW-1` (In Progress, updated 2 hours ago), `NW-2` (To Do, a day ago) and `NW-3` (Done); `NW-4`
    //! is unassigned and `NW-5` is Priya's. Priya's sites have `ACME-1`…`ACME-4`, `GLX-1`, `GLX-2`, `INI-1`,
    //! `INI-2`; Lena's `HS-1`, `HS-2`; Kofi's `ML-1`, `ML-2`.

    use super::*;

    /// The app standing for Vestibule's shared development credentials. Distribution "Sharing", scopes
    /// [`SCOPES`] (and `offline_access`, always allowed). It starts with no redirect URI: register yours with
    /// [`EmulatorControl::add_redirect_uri`](crate::EmulatorControl::add_redirect_uri), the admin API or
    /// the binary's `--redirect-uri`.
    pub const CLIENT_ID: &str = "vestibule-dev-shared-client";
    /// Not a secret: it only opens this emulator.
    pub const CLIENT_SECRET: &str = "vestibule-dev-shared-secret-emulator-only";
    pub const APP_NAME: &str = "Vestibule (development)";
    /// The scopes the demo app has enabled: the profile, and reading Jira (`myself` and the issue search),
    /// so a development connection can ask for what a "my issues" app needs.
    pub const SCOPES: &[&str] = &["read:me", "read:jira-user", "read:jira-work"];

    /// Mara Jensen: an ordinary active account with one site. The default for happy-path tests.
    pub const ACCOUNT_DEFAULT: &str = "557058:2f6b5c1e-8d4a-4b0e-9a51-6c3e7f2d1a01";
    pub const EMAIL_DEFAULT: &str = "mara.jensen@example.com";
    pub const SITE_DEFAULT: &str = "4d9a6c3e-1b2f-4e8a-9c7d-5f0e1a2b3c01";

    /// Tomás Okafor: an account with no site at all.
    pub const ACCOUNT_NO_SITE: &str = "557058:7c1d9e2a-3b4f-4a6c-8e0d-1f2a3b4c5d02";
    pub const EMAIL_NO_SITE: &str = "tomas.okafor@example.com";

    /// Priya Raman: three sites to choose from; she also owns the demo app.
    pub const ACCOUNT_THREE_SITES: &str = "557058:9e3f1a5b-6c7d-4e8f-a0b1-2c3d4e5f6a03";
    pub const EMAIL_THREE_SITES: &str = "priya.raman@example.com";
    pub const SITE_ACME: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c11";
    pub const SITE_GLOBEX: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c12";
    pub const SITE_INITECH: &str = "7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c13";

    /// Lena Hoffmann: `email_verified: false`.
    pub const ACCOUNT_UNVERIFIED: &str = "557058:1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c04";
    pub const EMAIL_UNVERIFIED: &str = "lena.hoffmann@example.com";
    pub const SITE_UNVERIFIED: &str = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a814";

    /// Kofi Mensah: `account_status: "closed"`; can still consent.
    pub const ACCOUNT_CLOSED: &str = "557058:5d6e7f8a-9b0c-4d1e-8f2a-3b4c5d6e7f05";
    pub const EMAIL_CLOSED: &str = "kofi.mensah@example.com";
    pub const SITE_CLOSED: &str = "6f7a8b9c-0d1e-4f2a-b3c4-d5e6f7a8b915";

    /// The accounts, in the order the consent page lists them.
    pub const ACCOUNTS: &[&str] = &[
        ACCOUNT_DEFAULT,
        ACCOUNT_NO_SITE,
        ACCOUNT_THREE_SITES,
        ACCOUNT_UNVERIFIED,
        ACCOUNT_CLOSED,
    ];

    pub(crate) fn app() -> OAuthApp {
        OAuthApp {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            name: APP_NAME.to_owned(),
            redirect_uris: Vec::new(),
            scopes: SCOPES.iter().map(|s| (*s).to_owned()).collect(),
            distribution: Distribution::Sharing,
            owner_account_id: ACCOUNT_THREE_SITES.to_owned(),
        }
    }

    fn site(id: &str, name: &str) -> AtlassianSite {
        AtlassianSite::new(id, name, format!("https://{name}.atlassian.net"))
    }

    fn profile(
        job_title: &str,
        organization: &str,
        department: &str,
        location: &str,
    ) -> ExtendedProfile {
        ExtendedProfile {
            job_title: Some(job_title.to_owned()),
            organization: Some(organization.to_owned()),
            department: Some(department.to_owned()),
            location: Some(location.to_owned()),
        }
    }

    pub(crate) fn accounts() -> Vec<AtlassianAccount> {
        let mut mara = AtlassianAccount::new(ACCOUNT_DEFAULT, EMAIL_DEFAULT, "Mara Jensen")
            .with_site(site(SITE_DEFAULT, "northwind"));
        mara.zoneinfo = "Europe/Copenhagen".to_owned();
        mara.locale = "en-GB".to_owned();
        mara.extended_profile = profile(
            "Engineering Manager",
            "Northwind Traders",
            "Platform",
            "Copenhagen",
        );

        let mut tomas = AtlassianAccount::new(ACCOUNT_NO_SITE, EMAIL_NO_SITE, "Tomás Okafor");
        tomas.zoneinfo = "Africa/Lagos".to_owned();
        tomas.extended_profile = ExtendedProfile {
            job_title: Some("Freelance Designer".to_owned()),
            ..ExtendedProfile::default()
        };

        let mut priya =
            AtlassianAccount::new(ACCOUNT_THREE_SITES, EMAIL_THREE_SITES, "Priya Raman")
                .with_site(site(SITE_ACME, "acme"))
                .with_site(site(SITE_GLOBEX, "globex"))
                .with_site(site(SITE_INITECH, "initech"));
        priya.zoneinfo = "Asia/Kolkata".to_owned();
        priya.locale = "en-IN".to_owned();
        priya.extended_profile = profile(
            "Staff Engineer",
            "Acme Corporation",
            "Developer Experience",
            "Bengaluru",
        );

        let mut lena = AtlassianAccount::new(ACCOUNT_UNVERIFIED, EMAIL_UNVERIFIED, "Lena Hoffmann")
            .with_email_verified(false)
            .with_site(site(SITE_UNVERIFIED, "hoffmann-studio"));
        lena.zoneinfo = "Europe/Berlin".to_owned();
        lena.locale = "de-DE".to_owned();

        let mut kofi = AtlassianAccount::new(ACCOUNT_CLOSED, EMAIL_CLOSED, "Kofi Mensah")
            .with_status(AccountStatus::Closed)
            .with_site(site(SITE_CLOSED, "mensah-logistics"));
        kofi.zoneinfo = "Africa/Accra".to_owned();
        kofi.extended_profile =
            profile("Operations Lead", "Mensah Logistics", "Operations", "Accra");

        vec![mara, tomas, priya, lena, kofi]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_names_round_trip() {
        for seed in [Seed::Empty, Seed::Demo] {
            assert_eq!(seed.to_string().parse::<Seed>(), Ok(seed));
        }
        assert_eq!(" Demo ".parse::<Seed>(), Ok(Seed::Demo));
        assert!("full".parse::<Seed>().is_err());
    }

    #[test]
    fn the_demo_cast_covers_every_case_it_promises() {
        let accounts = demo::accounts();
        let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
        assert_eq!(ids, demo::ACCOUNTS);
        let by_id = |id: &str| accounts.iter().find(|a| a.account_id == id).unwrap();
        assert_eq!(by_id(demo::ACCOUNT_DEFAULT).sites.len(), 1);
        assert!(by_id(demo::ACCOUNT_NO_SITE).sites.is_empty());
        assert_eq!(by_id(demo::ACCOUNT_THREE_SITES).sites.len(), 3);
        assert!(!by_id(demo::ACCOUNT_UNVERIFIED).email_verified);
        assert_eq!(by_id(demo::ACCOUNT_CLOSED).status, AccountStatus::Closed);
        // Every site id is unique across the cast.
        let mut sites: Vec<&str> = accounts
            .iter()
            .flat_map(|a| a.sites.iter().map(|s| s.id.as_str()))
            .collect();
        let count = sites.len();
        sites.sort_unstable();
        sites.dedup();
        assert_eq!(sites.len(), count);
    }
}
