//! Turning command-line options into a runnable instance: the production checks, the keys
//! (generated into the data dir in development), the instance id, the development default
//! connection and the in-process Atlassian emulator.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use url::{Host, Url};
use vestibule_core::api::InstanceEnvironment;

use crate::atlassian::{Credentials, Endpoints};
use crate::config::ServeArgs;
use crate::crypto::{MasterKey, random_bytes};
use crate::db::Db;
use crate::embedded_emulator::{self, EmbeddedEmulator};
use crate::store::{connections, new_id};

const MIN_SECRET_KEY_LEN: usize = 32;

/// The keys an instance runs with.
pub struct Keys {
    pub master_key: MasterKey,
    pub secret_key: String,
}

/// Refuses a production start without its secrets and a safe public URL. (Without
/// `--public-url` the URL is `http://<listen address>`, acceptable only on loopback.)
pub fn check_production(args: &ServeArgs, public_url: &Url) -> anyhow::Result<()> {
    if args.master_key.as_deref().is_none_or(str::is_empty) {
        bail!(
            "production needs --master-key (VESTIBULE_MASTER_KEY): 32 random bytes as hex or base64"
        );
    }
    match args.secret_key.as_deref() {
        Some(key) if key.trim().len() >= MIN_SECRET_KEY_LEN => {}
        _ => bail!(
            "production needs --secret-key (VESTIBULE_SECRET_KEY) of at least {MIN_SECRET_KEY_LEN} characters"
        ),
    }
    if args.public_url.is_none() && !args.listen.ip().is_loopback() {
        bail!(
            "production needs --public-url (VESTIBULE_PUBLIC_URL), the https URL browsers reach this server at"
        );
    }
    match public_url.scheme() {
        "https" => {}
        "http" if is_loopback(public_url) => {}
        _ => bail!(
            "production needs an https public URL (plain http only on a loopback address, for tests)"
        ),
    }
    Ok(())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Production: the configured keys. Development: configured ones, else the data dir's files,
/// generated (0600) on first start.
pub fn load_keys(args: &ServeArgs, environment: InstanceEnvironment) -> anyhow::Result<Keys> {
    let production = environment == InstanceEnvironment::Production;
    let master_encoded = match args.master_key.as_deref().filter(|k| !k.is_empty()) {
        Some(key) => key.to_owned(),
        None if production => bail!("production needs --master-key"),
        None => {
            read_or_create(
                &args.data_dir.join("master.key"),
                MasterKey::generate_encoded,
            )?
            .0
        }
    };
    let master_key = MasterKey::parse(&master_encoded).context("--master-key")?;
    let secret_key = match args.secret_key.as_deref().filter(|k| !k.is_empty()) {
        Some(key) => key.trim().to_owned(),
        None if production => bail!("production needs --secret-key"),
        None => {
            read_or_create(&args.data_dir.join("secret.key"), || {
                format!("sk_test_{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
            })?
            .0
        }
    };
    Ok(Keys {
        master_key,
        secret_key,
    })
}

/// The data dir, private to this user.
pub fn create_data_dir(dir: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .with_context(|| format!("cannot create data dir {}", dir.display()))
}

/// The file's trimmed contents, or `generate()` written to a new file readable only by us.
fn read_or_create(
    path: &Path,
    generate: impl FnOnce() -> String,
) -> anyhow::Result<(String, bool)> {
    match std::fs::read_to_string(path) {
        Ok(s) if !s.trim().is_empty() => return Ok((s.trim().to_owned(), false)),
        Ok(_) => bail!(
            "{} is empty; delete it to generate a new key",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let value = generate();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    writeln!(file, "{value}")?;
    file.sync_all()?;
    Ok((value, true))
}

/// This instance's id: random, made once, kept in the database.
pub async fn instance_id(db: &Db) -> anyhow::Result<String> {
    let candidate = new_id("ins");
    crate::with_db!(db, pool => sqlx::query("INSERT INTO instance_facts (name, value) VALUES ('instance_id', $1) ON CONFLICT (name) DO NOTHING")
        .bind(&candidate)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(
        crate::with_db!(db, pool => sqlx::query_scalar("SELECT value FROM instance_facts WHERE name = 'instance_id'")
            .fetch_one(pool)
            .await)?,
    )
}

/// A fresh development instance gets an enabled Atlassian connection on shared credentials,
/// once: an admin who deletes it later does not see it come back.
pub async fn seed_development_connection(db: &Db, now: i64) -> anyhow::Result<()> {
    let first_time = crate::with_db!(db, pool => sqlx::query(
        "INSERT INTO instance_facts (name, value) VALUES ('development_connection_seeded', 'yes') \
         ON CONFLICT (name) DO NOTHING",
    )
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?
        == 1;
    if first_time {
        connections::insert(db, &connections::development_default(now)).await?;
    }
    Ok(())
}

/// The shared development credentials: the operator's, or the in-process emulator's demo app
/// with this instance's callback URL registered (a build without the emulator refuses).
pub async fn shared_credentials(
    args: &ServeArgs,
    callback_url: &str,
) -> anyhow::Result<(Credentials, Option<EmbeddedEmulator>)> {
    if let (Some(client_id), Some(client_secret)) =
        (&args.shared_client_id, &args.shared_client_secret)
    {
        return Ok((
            Credentials {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                endpoints: Endpoints {
                    auth_base: args.atlassian_auth_url.clone(),
                    api_base: args.atlassian_api_url.clone(),
                },
            },
            None,
        ));
    }
    let (credentials, emulator) = embedded_emulator::start(callback_url).await?;
    Ok((credentials, Some(emulator)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prod(
        public_url: Option<&str>,
        master: Option<&str>,
        secret: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut args = ServeArgs::defaults();
        args.environment = crate::config::EnvironmentArg::Production;
        args.public_url = public_url.map(|u| Url::parse(u).unwrap());
        args.master_key = master.map(str::to_owned);
        args.secret_key = secret.map(str::to_owned);
        let url = args
            .public_url
            .clone()
            .unwrap_or_else(|| Url::parse("http://127.0.0.1:3000").unwrap());
        check_production(&args, &url)
    }

    #[test]
    fn production_refuses_to_start_without_its_secrets() {
        let master = MasterKey::generate_encoded();
        let secret = "sk_live_0123456789abcdef0123456789abcdef";
        assert!(prod(Some("https://auth.app.test"), Some(&master), Some(secret)).is_ok());
        assert!(prod(Some("http://127.0.0.1:4000"), Some(&master), Some(secret)).is_ok());
        assert!(prod(Some("http://localhost:4000"), Some(&master), Some(secret)).is_ok());
        assert!(prod(Some("http://auth.app.test"), Some(&master), Some(secret)).is_err());
        // No public URL: http://127.0.0.1:3000, loopback, acceptable for tests.
        assert!(prod(None, Some(&master), Some(secret)).is_ok());
        assert!(prod(Some("https://auth.app.test"), None, Some(secret)).is_err());
        assert!(prod(Some("https://auth.app.test"), Some(&master), None).is_err());
        assert!(prod(Some("https://auth.app.test"), Some(&master), Some("short")).is_err());
    }

    #[test]
    fn production_on_a_public_address_needs_a_public_url() {
        let mut args = ServeArgs::defaults();
        args.environment = crate::config::EnvironmentArg::Production;
        args.listen = "0.0.0.0:443".parse().unwrap();
        args.master_key = Some(MasterKey::generate_encoded());
        args.secret_key = Some("sk_live_0123456789abcdef0123456789abcdef".into());
        let url = Url::parse("http://0.0.0.0:443").unwrap();
        assert!(check_production(&args, &url).is_err());
    }

    #[test]
    fn development_keys_are_generated_once_with_private_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let mut args = ServeArgs::defaults();
        args.data_dir = dir.path().to_owned();
        let first = load_keys(&args, InstanceEnvironment::Development).unwrap();
        let second = load_keys(&args, InstanceEnvironment::Development).unwrap();
        assert_eq!(first.secret_key, second.secret_key);
        assert_eq!(first.master_key.key_id(), second.master_key.key_id());
        assert!(first.secret_key.starts_with("sk_test_"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for name in ["master.key", "secret.key"] {
                let mode = std::fs::metadata(dir.path().join(name))
                    .unwrap()
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600, "{name}");
            }
        }
    }
}
