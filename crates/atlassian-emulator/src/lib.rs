//! A local stand-in for Atlassian's OAuth 2.0 (3LO) provider, for zero-config development and headless tests.
//!
//! One listener serves both Atlassian hosts under path prefixes:
//!
//! | Atlassian | emulator |
//! |---|---|
//! | `https://auth.atlassian.com/authorize` | `{base}/auth/authorize` |
//! | `https://auth.atlassian.com/oauth/token` | `{base}/auth/oauth/token` |
//! | `https://api.atlassian.com/me` | `{base}/api/me` |
//! | `https://api.atlassian.com/oauth/token/accessible-resources` | `{base}/api/oauth/token/accessible-resources` |
//! | `https://api.atlassian.com/ex/jira/{cloudid}/rest/api/3/myself` | `{base}/api/ex/jira/{cloudid}/rest/api/3/myself` |
//! | `https://api.atlassian.com/ex/jira/{cloudid}/rest/api/3/search/jql` | `{base}/api/ex/jira/{cloudid}/rest/api/3/search/jql` |
//!
//! plus `{base}/auth/authorize/consent` (the consent form's target), `{base}/avatars/{id}` (drawn avatars) and
//! the JSON admin API under `{base}/__admin` (see below). Everything — apps, secrets, codes, tokens — lives in
//! memory only; tokens and codes are stored as SHA-256 hashes and never logged.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use atlassian_emulator::{AutoConsent, Seed, demo};
//!
//! let emulator = atlassian_emulator::start(Seed::Demo).await?; // 127.0.0.1, a free port
//! let control = emulator.control();
//! control.add_redirect_uri(demo::CLIENT_ID, "http://127.0.0.1:3000/oauth/callback").unwrap();
//! // Headless: /authorize redirects at once with a code for Mara Jensen's site.
//! control.set_auto_consent(Some(AutoConsent::new(demo::ACCOUNT_DEFAULT)));
//! println!("auth host {}, api host {}", emulator.auth_base_url(), emulator.api_base_url());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # The flow
//!
//! `GET /auth/authorize` checks, in this order, `client_id` (a registered app), `redirect_uri` (exactly one of
//! the app's callback URLs, byte for byte), `audience` (`api.atlassian.com`), `response_type` (`code`) and
//! `scope` (space separated; each one enabled for the app, `offline_access` always allowed). Any failure is an
//! HTML error page with status 400, never a redirect, whose `data-error` marker says which check failed
//! (see "Probing a connection without a user"). PKCE is optional: `code_challenge` with
//! `code_challenge_method=S256` is accepted and then enforced at the token endpoint.
//!
//! Then it shows the consent page: the app's name (`data-testid="app-name"`), the requested scopes
//! (`scope-list`), one radio button per seeded account (`account-option-<account_id>`), a site picker
//! (`site-select`, sites grouped by account, value = site id) and the `accept` / `cancel` buttons, all in one
//! form that carries only a server-side pending-authorization id plus the person's choice. A few lines of
//! JavaScript grey out the other accounts' sites; the page works without them. Accept answers `303` to
//! `redirect_uri?code=…&state=…`; Cancel answers `303` to
//! `redirect_uri?error=access_denied&error_description=…&state=…`. A wrong account/site pair re-renders the
//! page with a message (`data-testid="form-error"`, status 400).
//!
//! Codes live 10 minutes, are single use and bound to the client and the `redirect_uri`. Access tokens live
//! 3600 s. A refresh token comes only with `offline_access`; refresh tokens rotate, a rotated one still works
//! for 10 minutes, and reusing it later revokes the whole family (every refresh and access token of that
//! consent). 90 days without a refresh, or 365 days after consent, end the family too. All of it follows the
//! virtual clock ([`EmulatorControl::advance_clock`]).
//!
//! # Headless sign-in
//!
//! - [`EmulatorControl::set_auto_consent`] with `Some(AutoConsent { account_id, site_id })`: after all its
//!   checks, `/authorize` consents as that account (to `site_id`, or the account's first site when `None`) and
//!   answers `302` with the code at once.
//! - [`EmulatorControl::set_auto_consent_by_login_hint`]`(true)`: `/authorize?…&login_hint=<email or account_id>`
//!   naming a seeded account consents as that account for its first site. Without a matching hint the request
//!   falls back to the fixed auto consent, if any, else to the consent page. A hint without the mode only
//!   pre-selects that account on the page.
//!
//! The default is the real consent page.
//!
//! # Jira (the part a "my issues" app needs)
//!
//! Each seeded site carries Jira issues ([`JiraIssue`]; the demo seed gives every demo site a few, listed in
//! [`demo`]). Through the gateway path `{base}/api/ex/jira/{cloudid}/rest/api/3/…`, with
//! `Authorization: Bearer <access token>`:
//!
//! - `GET …/myself` (needs `read:jira-user`): the signed-in account as Jira's user bean (`accountId`,
//!   `accountType`, `emailAddress`, `avatarUrls`, `displayName`, `active`, `timeZone`, `locale`, `groups`,
//!   `applicationRoles`, `expand`, `self`).
//! - `GET …/search/jql` (needs `read:jira-work`) with `jql`, `fields` (comma separated, repeatable; `*all`,
//!   `*navigable`, names, `-name`; default: ids only, as documented), `maxResults` (default 50, at most
//!   5000) and `nextPageToken`: `{"issues": [...], "isLast": bool, "nextPageToken": "…"}` (the token only
//!   when more pages follow). Issues carry `expand`, `id`, `self`, `key` and the chosen `fields` (`summary`,
//!   `status` with `statusCategory`, `assignee`, `reporter`, `priority`, `issuetype`, `project`, `created`,
//!   `updated` in Jira's `2026-01-15T10:22:31.000+0000` format, `labels`, `resolution`, `description` as an
//!   Atlassian Document Format paragraph list).
//! - The JQL subset: clauses joined by `AND`, each `field = value`, `field != value` or `field IS [NOT]
//!   EMPTY` on `assignee`/`reporter` (account id or `currentUser()`), `project`, `status`, `statusCategory`,
//!   `resolution` (`Unresolved`/`Done`), `issuetype`, `priority`, `key`, `labels`; then `ORDER BY` on
//!   `created`, `updated`, `key` or `priority` (`ASC`/`DESC`). Without `ORDER BY`: `created DESC`. Anything
//!   else — `OR`, `NOT`, parentheses, `IN`, `~`, `<`, other functions, other fields — and a query with no
//!   restriction answer 400 `{"errorMessages": ["…"], "errors": {}}` (Jira's error shape; for the
//!   unrestricted query Jira's own message, "Unbounded JQL queries are not allowed here…").
//! - No or a dead token: 401 `{"code":401,"message":"Unauthorized"}` with `WWW-Authenticate: Bearer`. A live
//!   token whose grant is for another site (or for a cloud id that does not exist): 403
//!   `{"code":403,"message":"Forbidden; the token does not grant access to this site"}`. Without the
//!   endpoint's scope: 403 `{"code":403,"message":"Forbidden; scope does not match"}`.
//!
//! # Admin API (`{base}/__admin`, JSON)
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /__admin/apps` | an [`OAuthApp`] (`distribution`: `"sharing"` or `"private"`) | 201 |
//! | `GET /__admin/apps/{client_id}` | — | 200 the app without its secret, 404 `unknown_app` |
//! | `PATCH /__admin/apps/{client_id}` | an [`AppUpdate`]: any of `name`, `client_secret`, `redirect_uris` (replaces the list), `scopes`, `distribution`, `owner_account_id` | 200 the app without its secret, 404 `unknown_app`, 400 `invalid_redirect_uri`/`invalid_body` |
//! | `POST /__admin/apps/{client_id}/redirect_uris` | `{"uri": "http://…"}` | 204, 404 unknown app, 400 bad URL |
//! | `GET /__admin/sites/{cloud_id}/issues` | — | 200 the site's [`JiraIssue`]s, 404 `unknown_site` |
//! | `POST /__admin/sites/{cloud_id}/issues` | a [`JiraIssue`] (same key replaces) | 201 `{"id","key"}`, 404 `unknown_site`, 400 `unknown_account`/`invalid_issue_key` |
//! | `POST /__admin/accounts` | an [`AtlassianAccount`] (`status`: `"active"`, `"inactive"`, `"closed"`) | 201 |
//! | `POST /__admin/clock/advance` | `{"seconds": 3600}` | 200 `{"offset_seconds": N}` |
//! | `POST /__admin/faults` | `{"endpoint": "token", "fault": {"kind": "status", "status": 500}, "times": 1}` | 204 |
//! | `DELETE /__admin/faults` | — | 204 |
//! | `PUT /__admin/auto_consent` | `{"account_id": "…", "site_id": null}` or `null` to turn it off | 204 |
//! | `PUT /__admin/auto_consent/login_hint` | `{"enabled": true}` | 204 |
//! | `GET /__admin/stats` | — | `{"calls": {"authorize": N, …}, "issued": {…}, "clock_offset_seconds": N}` |
//!
//! Endpoints are `authorize`, `token`, `me`, `accessible_resources`, `jira_myself`, `jira_search`. Fault
//! kinds: `status` (`status`), `delay` (`millis`), `malformed_json`, `html_body`, `drop_connection`.
//!
//! # Probing a connection without a user
//!
//! A connection check (Vestibule's "doctor") can ask the emulator what a sign-in would meet, with no cookies
//! and no redirects followed. These answers are stable and tested (`tests/probes.rs`):
//!
//! | probe | answer |
//! |---|---|
//! | `GET /auth/authorize?…` with an unknown `client_id` | 400 `text/html`, no `Location`; `data-testid="error-page"` with `data-error="unknown_client"`; `error-code` `invalid_request`; text "Unknown client: …" |
//! | … with a `redirect_uri` not registered byte for byte (a trailing slash, another port) | 400 HTML, `data-error="redirect_uri_mismatch"`, `invalid_request`, text "Callback URL mismatch. …" |
//! | … with a scope the app has not enabled | 400 HTML, `data-error="invalid_scope"`, `data-invalid-scopes="a b"` (the scopes not enabled, space separated), `error-code` `invalid_scope` |
//! | … with everything right | 200 HTML consent page: `data-testid="consent-page"` with `data-distribution="sharing"` or `"private"` (then also `data-testid="private-notice"`) — or, when a test turned auto consent on, 302 to `redirect_uri?code=…` |
//! | `POST /auth/oauth/token` (form or JSON) `grant_type=authorization_code` with a made-up `code`, right `client_id`/`client_secret` | 403 `{"error":"invalid_grant","error_description":"Invalid authorization code"}`; nothing is issued |
//! | … with a wrong or empty secret, or an unknown client | 401 `{"error":"access_denied","error_description":"Unauthorized"}` |
//!
//! `/authorize` checks in a fixed order (client, callback URL, audience, response type, scopes, PKCE) and
//! reports only the first failure, so an unknown client hides a callback mismatch, and a callback mismatch
//! hides a scope problem. Other `data-error` values: `missing_parameter`, `invalid_audience`,
//! `unsupported_response_type`, `invalid_code_challenge`, `invalid_request`, `server_error` (an injected
//! fault); after consent `not_shared` (403, a private app and an account that is not its owner),
//! `expired_request` and `invalid_auto_consent`.
//!
//! **Can a private app be told from outside?** On Atlassian, no, as far as we know: "Not sharing" is
//! enforced at consent, for the signed-in person, and a request without a session is sent to Atlassian's
//! login page whatever the app's distribution (expected, not verified here). The emulator has no login step,
//! so its consent page answers at once and says the distribution (`data-distribution`): that marker is an
//! emulator feature (chosen). A check must therefore treat a login redirect, or a page without the marker,
//! as "cannot tell" and remind the admin to set Distribution to Sharing.
//!
//! # Documented, observed, chosen
//!
//! **Documented** by Atlassian and followed as written: the two hosts and their paths; the `/authorize`
//! parameters (`audience=api.atlassian.com`, `client_id`, `scope`, `redirect_uri`, `state`,
//! `response_type=code`, `prompt=consent`); the token request with `client_id` and `client_secret` in the
//! body; `expires_in: 3600`; a refresh token only with `offline_access`, rotating; `/me` and
//! `accessible-resources` shapes; calling products through `https://api.atlassian.com/ex/jira/{cloudid}`;
//! Jira's `myself` user bean; `search/jql`'s parameters and defaults (`fields` defaults to ids only,
//! `maxResults` 50 and at most 5000, `nextPageToken` absent on the last page, the query must be bounded);
//! only the owner can authorize an app that is not shared.
//!
//! **Observed** on the real service (reported by users, not documented), and copied:
//!
//! - **Wrong or missing client secret, unknown client**: 401 `{"error":"access_denied","error_description":
//!   "Unauthorized"}` — what Atlassian's Auth0-based token endpoint answers.
//! - **Invalid, expired, replayed or foreign codes, and PKCE failures**: 403 `invalid_grant` (Auth0's status;
//!   RFC 6749 says 400). Descriptions: `Invalid authorization code`, `Missing code_verifier`,
//!   `Failed to verify code_verifier`, and a `redirect_uri` mismatch message.
//! - **Error pages at `/authorize`** read like Auth0's ("Unknown client", "Callback URL mismatch").
//! - **An unbounded search** answers "Unbounded JQL queries are not allowed here. Please add a search
//!   restriction to your query."; search answers carry `isLast`.
//!
//! **Chosen** by the emulator, where the docs are silent or the real answer is unknown:
//!
//! - **Client authentication** is read from the body only (`client_id`, `client_secret`), as the docs show
//!   it; an HTTP Basic `Authorization` header is ignored, so a client that only sends Basic gets the 401 above.
//!   Malformed token requests (missing `code`, `redirect_uri`, `grant_type`, bad body, other content types)
//!   are 400 `invalid_request`; an unknown `grant_type` is 400 `unsupported_grant_type`.
//! - **PKCE**: Atlassian accepts `code_challenge` but documents no PKCE support for 3LO (public clients are
//!   not supported and the secret stays required). The emulator enforces it whenever a challenge was sent,
//!   accepts only `S256` (a missing method means `plain` and is refused), and refuses a `code_verifier` for a
//!   code issued without a challenge (OAuth 2.1's downgrade rule). A failed verifier does not burn the code.
//! - **Refresh-token errors**: always 403 `{"error":"invalid_grant","error_description":"Unknown or invalid
//!   refresh token."}`; reuse after the 10-minute leeway, 90 days idle and 365 days after consent also revoke
//!   the family (its access tokens stop working too, which Atlassian's self-contained JWTs may not do until
//!   they expire). Reuse within the leeway returns a fresh pair that becomes the family's newest token.
//! - **Earlier access tokens keep working** after a refresh, until they expire or the family is revoked.
//! - **Code replay** revokes the family issued from the first exchange (RFC 6749 §4.1.2); it is detected even
//!   after the code's 10 minutes.
//! - **Missing `state` or `prompt`** are accepted (the docs call them required); no `state` is then sent
//!   back. The consent page is shown whatever `prompt` says.
//! - **Errors at `/authorize`** are error pages, never redirects — also for `invalid_scope` and
//!   `unsupported_response_type`, which RFC 6749 would redirect once the client and `redirect_uri` are valid.
//!   Their `data-error` and `data-invalid-scopes` markers are the emulator's own; Atlassian's page has none
//!   that we know of.
//! - **No login step**: the consent page lists the seeded accounts and is shown to any request; the
//!   distribution marker on it is described above.
//! - **Several redirect URIs per app**: Atlassian's console takes one callback URL per app; the emulator keeps
//!   a list so one app can serve several local ports.
//! - **One site per consent**: the consent page authorizes exactly one site (a "resource-level" grant).
//!   Atlassian adds further consented sites to the same grant; the emulator makes a new grant per consent.
//! - **Not shared (private) apps**: the consent page warns, and Accept with any account but the owner answers
//!   a 403 error page (`not_shared`) saying only the owner can authorize it; the real wording is unknown.
//! - **Closed or inactive accounts** can consent; `/me` reports their `account_status`.
//! - **`/me` without `read:me`**: 403 `{"code":403,"message":"Forbidden; scope does not match"}`. Atlassian's
//!   gateway has been seen answering 401 `Unauthorized; scope does not match` instead; the emulator's 403
//!   lets a client tell "sign in again" from "ask for more scopes". Without a valid token: 401
//!   `{"code":401,"message":"Unauthorized"}` with `WWW-Authenticate: Bearer`. The Jira endpoints answer the
//!   same way, and a token for another site (or an unknown cloud id) is a 403 too.
//! - **`accessible-resources` `scopes`** lists the granted scopes except `offline_access`; `avatarUrl` and
//!   `/me`'s `picture` point at the emulator's own drawn avatars unless the seed gives a URL.
//! - **Search details**: `self` links use the gateway URL the caller used; `nextPageToken` is opaque, never
//!   expires and only works with the JQL it was issued for (else 400 "The provided next page token is invalid
//!   or expired."); `maxResults` below 1 counts as 1; unknown `fields` names are ignored; an ids-only answer
//!   has no `key` or `self`; the default order is `created DESC`, ties newest key first; the JQL subset
//!   above, with the emulator's own message for what it does not understand. Demo issues are dated relative
//!   to the moment the emulator started (the real clock; the virtual clock does not age them).
//! - **`login_hint` auto consent** is an emulator feature; Atlassian has no such mode.
//! - **Injected faults** count as calls; `Delay` waits and then answers normally; `Status` answers a JSON error
//!   body (an HTML page for `authorize`); `DropConnection` closes the TCP connection without a byte of response.
//!
//! # Module map
//!
//! | module | owns |
//! |---|---|
//! | `routes/` | the HTTP surface: `authorize` (authorize + consent form), `token`, `api` (`/me`, accessible-resources, avatars), `jira` (the site API), `admin` (`/__admin`), `mod` (router, HTML and redirect helpers) |
//! | `store/` | the provider's memory and rules, one `impl Store` per side: `authorize`, `token`, `bearer`, `jira`; `mod` holds the `Store`, its records and the control calls |
//! | `jira/` | [`JiraIssue`], the JQL subset (`jql`), search paging and `fields` (`paging`), Jira's JSON (`render`), the demo issues (`demo`) |
//! | `pages` | server-rendered HTML: consent page, error pages, index, avatars |
//! | `model`, `seed` | the public types tests seed and steer with; the demo cast ([`demo`]) |
//! | `control` | [`EmulatorControl`], the handle behind the admin API |
//! | `faults`, `server`, `clock`, `secrets` | fault injection, the listener (drops connections on request), the virtual clock, random tokens, hashing and PKCE |
//!
//! # Binary
//!
//! `cargo run -p atlassian-emulator -- --listen 127.0.0.1:4000 --seed demo` (env `ATLASSIAN_EMULATOR_LISTEN`,
//! `ATLASSIAN_EMULATOR_SEED`, `ATLASSIAN_EMULATOR_REDIRECT_URIS`, `ATLASSIAN_EMULATOR_AUTO_CONSENT_BY_LOGIN_HINT`)
//! prints its URLs, serves the admin API and stops gracefully on Ctrl-C or SIGTERM.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

mod clock;
mod control;
mod faults;
mod jira;
mod model;
mod pages;
mod routes;
mod secrets;
mod seed;
mod server;
mod store;

pub use control::EmulatorControl;
pub use jira::{JiraIssue, StatusCategory};
pub use model::{
    AccountStatus, AppUpdate, AtlassianAccount, AtlassianSite, AutoConsent, ControlError,
    Distribution, Endpoint, ExtendedProfile, Fault, IssuedSummary, OAuthApp,
};
pub use seed::{Seed, demo};

/// Starts an emulator on `127.0.0.1` and a free port, with the admin API.
pub async fn start(seed: Seed) -> io::Result<RunningEmulator> {
    Emulator::new(seed).start().await
}

/// Starts an emulator on `addr` (port 0 picks a free one), with the admin API.
pub async fn start_on(addr: SocketAddr, seed: Seed) -> io::Result<RunningEmulator> {
    Emulator::new(seed).listen_on(addr).start().await
}

/// How to start an emulator: seed, address, admin API.
#[derive(Debug, Clone)]
pub struct Emulator {
    seed: Seed,
    addr: SocketAddr,
    admin_api: bool,
}

impl Emulator {
    /// `127.0.0.1:0`, admin API on.
    pub fn new(seed: Seed) -> Self {
        Self {
            seed,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            admin_api: true,
        }
    }

    pub fn listen_on(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Serve `/__admin/...` (the default) or not.
    pub fn admin_api(mut self, enabled: bool) -> Self {
        self.admin_api = enabled;
        self
    }

    /// Binds, seeds and serves in the background until [`RunningEmulator::shutdown`] (or drop).
    pub async fn start(self) -> io::Result<RunningEmulator> {
        let listener = TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(control::Shared::new(format!("http://{addr}")));
        {
            let mut store = shared.store();
            for app in self.seed.apps() {
                store.register_app(app);
            }
            for account in self.seed.accounts() {
                store.seed_account(account);
            }
            for (site, issue) in self.seed.issues(time::OffsetDateTime::now_utc()) {
                if let Err(error) = store.seed_issue(&site, issue) {
                    tracing::warn!(%error, "a seeded issue was refused");
                }
            }
        }
        let router = routes::router(shared.clone(), self.admin_api);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(server::serve(listener, router, shutdown_rx));
        tracing::info!(%addr, seed = %self.seed, "Atlassian emulator listening");
        Ok(RunningEmulator {
            addr,
            control: EmulatorControl { shared },
            shutdown,
            task: Some(task),
        })
    }
}

/// A running emulator. Dropping it stops the server too, without waiting.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    control: EmulatorControl,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl RunningEmulator {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:PORT/auth`, standing for `https://auth.atlassian.com`.
    pub fn auth_base_url(&self) -> String {
        format!("{}/auth", self.base_url())
    }

    /// `http://127.0.0.1:PORT/api`, standing for `https://api.atlassian.com`.
    pub fn api_base_url(&self) -> String {
        format!("{}/api", self.base_url())
    }

    pub fn control(&self) -> EmulatorControl {
        self.control.clone()
    }

    /// Stops accepting, lets requests in flight finish (up to a few seconds) and returns when the server is gone.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take()
            && let Err(error) = task.await
        {
            tracing::warn!(%error, "emulator task ended abnormally");
        }
        tracing::info!(addr = %self.addr, "Atlassian emulator stopped");
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
