//! Makes the instance's Atlassian connection ask for the Jira scopes this app needs, through
//! Vestibule's admin API (secret key), when the app starts.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use url::Url;
use vestibule_core::ProviderId;
use vestibule_core::api::{Connection, ConnectionList, CreateConnection, UpdateConnection};

/// What the app reads: the user (Vestibule's own need) and their Jira issues.
pub const SCOPES: &[&str] = &["read:me", "read:jira-work", "read:jira-user"];

/// How long to wait for a Vestibule server that is still starting.
const STARTUP_WAIT: Duration = Duration::from_secs(30);

/// The scopes a connection must have: the ones it has, plus ours (order kept, no repeats).
pub fn wanted_scopes(current: &[String]) -> Vec<String> {
    let mut scopes = current.to_vec();
    for scope in SCOPES {
        if !scopes.iter().any(|s| s == scope) {
            scopes.push((*scope).to_owned());
        }
    }
    scopes
}

/// Adds the Jira scopes to the Atlassian connection (creating one if there is none).
/// Users who signed in before keep their old grant until they sign in again.
pub async fn ensure_jira_scopes(http: &reqwest::Client, api: &Url, secret_key: &str) -> Result<()> {
    let list_url = api.join("v1/admin/connections")?;
    let list: ConnectionList = wait_for_list(http, &list_url, secret_key).await?;
    let atlassian = list
        .connections
        .iter()
        .find(|c| c.provider == ProviderId::Atlassian);
    match atlassian {
        Some(connection) => {
            let scopes = wanted_scopes(&connection.scopes);
            if scopes == connection.scopes {
                tracing::info!("the Atlassian connection already asks for the Jira scopes");
                return Ok(());
            }
            let url = api.join(&format!("v1/admin/connections/{}", connection.id))?;
            let update = UpdateConnection {
                scopes: Some(scopes),
                ..Default::default()
            };
            let updated: Connection = send(http.patch(url).json(&update), secret_key).await?;
            tracing::info!(scopes = %updated.scopes.join(" "), "Atlassian connection updated");
        }
        None => {
            let create = CreateConnection {
                provider: ProviderId::Atlassian,
                audience: vestibule_core::api::ConnectionAudience::AllUsers,
                enabled_for_sign_in: true,
                use_custom_credentials: false,
                client_id: None,
                client_secret: None,
                scopes: Some(SCOPES.iter().map(|s| (*s).to_owned()).collect()),
            };
            let created: Connection = send(http.post(list_url).json(&create), secret_key).await?;
            tracing::info!(scopes = %created.scopes.join(" "), "Atlassian connection created");
        }
    }
    Ok(())
}

/// Lists the connections, retrying while the server is not up yet.
async fn wait_for_list(
    http: &reqwest::Client,
    url: &Url,
    secret_key: &str,
) -> Result<ConnectionList> {
    let deadline = tokio::time::Instant::now() + STARTUP_WAIT;
    loop {
        match send(http.get(url.clone()), secret_key).await {
            Ok(list) => return Ok(list),
            Err(err) if is_connect_error(&err) && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(err) => return Err(err),
        }
    }
}

fn is_connect_error(err: &anyhow::Error) -> bool {
    err.downcast_ref::<reqwest::Error>()
        .is_some_and(|e| e.is_connect() || e.is_timeout())
}

async fn send<T: serde::de::DeserializeOwned>(
    request: reqwest::RequestBuilder,
    secret_key: &str,
) -> Result<T> {
    let response = request.bearer_auth(secret_key).send().await?;
    let status = response.status();
    if !status.is_success() {
        let body = response.text().await.unwrap_or_default();
        let what = serde_json::from_str::<vestibule_core::ApiError>(&body)
            .map(|e| format!("{}: {}", e.code, e.message))
            .unwrap_or(body);
        bail!("Vestibule's admin API answered HTTP {status} ({what}); is the secret key right?");
    }
    response
        .json()
        .await
        .context("reading Vestibule's admin API answer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_scopes_are_added_once_and_other_scopes_kept() {
        let current = vec!["read:me".to_owned(), "read:confluence-user".to_owned()];
        assert_eq!(
            wanted_scopes(&current),
            [
                "read:me",
                "read:confluence-user",
                "read:jira-work",
                "read:jira-user"
            ]
        );
        let done = wanted_scopes(&current);
        assert_eq!(wanted_scopes(&done), done);
    }
}
