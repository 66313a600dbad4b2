//! A development instance for one test: the `vestibule` binary on a free loopback port with
//! its own data directory and log file, and the backend API called with its secret key.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, header};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use url::Url;
use vestibule_core::api::{CreateUser, User, UserList};
use vestibule_core::sign_in_token::{self, CreateSignInToken, SignInToken};

use crate::{Error, SignInAs};

/// How long the binary may take to print its banner.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a backend API call may take.
const API_TIMEOUT: Duration = Duration::from_secs(10);

/// Options for [`TestInstance`]; every one has a default that suits a test on one machine.
#[derive(Debug, Clone)]
pub struct TestInstanceBuilder {
    binary: Option<PathBuf>,
    listen: String,
    public_url: Option<String>,
    allowed_origins: Vec<String>,
    dist_dir: Option<PathBuf>,
    args: Vec<String>,
    envs: Vec<(String, String)>,
}

impl Default for TestInstanceBuilder {
    fn default() -> Self {
        Self {
            binary: None,
            listen: "127.0.0.1:0".to_owned(),
            public_url: None,
            allowed_origins: Vec::new(),
            dist_dir: None,
            args: Vec::new(),
            envs: Vec::new(),
        }
    }
}

impl TestInstanceBuilder {
    /// The `vestibule` binary; else `$VESTIBULE_BIN`, else `vestibule` on `PATH`.
    pub fn binary(mut self, path: impl Into<PathBuf>) -> Self {
        self.binary = Some(path.into());
        self
    }

    /// The listen address; `127.0.0.1:0` (a free port) by default.
    pub fn listen(mut self, address: impl Into<String>) -> Self {
        self.listen = address.into();
        self
    }

    /// Where browsers reach the instance (`--public-url`); `http://<listen address>` by default.
    pub fn public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// An origin your app runs on (`--allowed-origins`): it may embed the components and be
    /// redirected to after sign-in.
    pub fn allowed_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_origins.push(origin.into());
        self
    }

    /// The built account portal (`--dist-dir`); else `$VESTIBULE_DIST_DIR` when set.
    pub fn dist_dir(mut self, path: impl Into<PathBuf>) -> Self {
        self.dist_dir = Some(path.into());
        self
    }

    /// Any other `vestibule serve` argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// An environment variable for the binary (`VESTIBULE_*`).
    pub fn env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.envs.push((name.into(), value.into()));
        self
    }

    /// Starts the instance and waits until it listens.
    pub async fn start(self) -> Result<TestInstance, Error> {
        let binary = self
            .binary
            .or_else(|| std::env::var_os("VESTIBULE_BIN").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("vestibule"));
        let data_dir = tempfile::Builder::new()
            .prefix("vestibule-test-")
            .tempdir()?;
        let log_path = data_dir.path().join("vestibule.log");
        let mut command = Command::new(&binary);
        command
            .arg("serve")
            .args(["--environment", "development", "--listen", &self.listen])
            .arg("--data-dir")
            .arg(data_dir.path());
        if let Some(url) = &self.public_url {
            command.args(["--public-url", url]);
        }
        for origin in &self.allowed_origins {
            command.args(["--allowed-origins", origin]);
        }
        if let Some(dist) = self
            .dist_dir
            .or_else(|| std::env::var_os("VESTIBULE_DIST_DIR").map(PathBuf::from))
        {
            command.arg("--dist-dir").arg(dist);
        }
        let mut child = command
            .args(&self.args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Error::Start(format!("{}: {e}", binary.display())))?;
        let log = Arc::new(Mutex::new(std::fs::File::create(&log_path)?));
        let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel();
        let stdout = child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>);
        let stderr = child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn AsyncRead + Send + Unpin>);
        for (stream, banner) in [(stdout, Some(lines_tx)), (stderr, None)] {
            if let Some(stream) = stream {
                tokio::spawn(copy_lines(stream, log.clone(), banner));
            }
        }
        let banner = tokio::time::timeout(START_TIMEOUT, Banner::read(&mut lines))
            .await
            .ok()
            .flatten()
            .ok_or_else(|| {
                let printed = std::fs::read_to_string(&log_path).unwrap_or_default();
                Error::Start(format!(
                    "{} printed no banner within {START_TIMEOUT:?}; it printed:\n{printed}",
                    binary.display()
                ))
            })?;
        // Keep draining, so that the child never blocks on a full pipe.
        tokio::spawn(async move { while lines.recv().await.is_some() {} });
        let public_url = match &self.public_url {
            Some(url) => Url::parse(url)?,
            None => Url::parse(&banner.listening)?,
        };
        Ok(TestInstance {
            public_url,
            api_url: banner.listening.trim_end_matches('/').to_owned(),
            emulator_url: banner.emulator,
            secret_key: banner.secret_key,
            data_dir: Some(data_dir),
            log_path,
            _child: child,
        })
    }
}

/// What the binary prints on stdout once it listens.
struct Banner {
    listening: String,
    emulator: Option<String>,
    secret_key: String,
}

impl Banner {
    /// Reads until the last line that matters (the development instance's secret key).
    async fn read(lines: &mut tokio::sync::mpsc::UnboundedReceiver<String>) -> Option<Self> {
        let (mut listening, mut emulator) = (None, None);
        while let Some(line) = lines.recv().await {
            if let Some(rest) = line.strip_prefix("atlassian emulator at ") {
                emulator = Some(rest.trim().to_owned());
            } else if let Some(rest) = line.strip_prefix("vestibule listening on ") {
                listening = Some(rest.trim().to_owned());
            } else if let Some(key) = line.strip_prefix("secret key: ") {
                return Some(Self {
                    listening: listening?,
                    emulator,
                    secret_key: key.trim().to_owned(),
                });
            }
        }
        None
    }
}

async fn copy_lines(
    stream: Box<dyn AsyncRead + Send + Unpin>,
    log: Arc<Mutex<std::fs::File>>,
    banner: Option<tokio::sync::mpsc::UnboundedSender<String>>,
) {
    use std::io::Write;
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Ok(mut file) = log.lock() {
            let _ = writeln!(file, "{line}");
        }
        if let Some(banner) = &banner {
            let _ = banner.send(line);
        }
    }
}

/// A running development instance, stopped when dropped. Dropping it prints its log, which
/// libtest shows for a failing test only; when the test panics (or `VESTIBULE_TEST_KEEP` is
/// set) its data directory and log file are kept and their location printed.
pub struct TestInstance {
    public_url: Url,
    api_url: String,
    emulator_url: Option<String>,
    secret_key: String,
    data_dir: Option<tempfile::TempDir>,
    log_path: PathBuf,
    _child: Child,
}

impl TestInstance {
    /// A development instance with every default.
    pub async fn start() -> Result<Self, Error> {
        TestInstanceBuilder::default().start().await
    }

    pub fn builder() -> TestInstanceBuilder {
        TestInstanceBuilder::default()
    }

    /// Where browsers reach the instance: the components' `frontend_api`.
    pub fn url(&self) -> &Url {
        &self.public_url
    }

    /// `http://127.0.0.1:PORT`, where this process reaches the backend API (the public URL may
    /// use a host name only the test browser resolves).
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// The development instance's secret key, for the backend API.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The in-process Atlassian emulator; its admin API (seed accounts and sites, faults,
    /// the virtual clock) is under `/__admin`.
    pub fn emulator_url(&self) -> Option<&str> {
        self.emulator_url.as_deref()
    }

    pub fn data_dir(&self) -> &Path {
        self.data_dir.as_ref().map_or(Path::new(""), |d| d.path())
    }

    /// Everything the binary printed (banner and log lines).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// Sign in through the real flow as the emulator account with this e-mail address (or
    /// account id), then go to `redirect_url`.
    pub fn as_email(&self, email: &str, redirect_url: &str) -> SignInAs {
        SignInAs::email(self.public_url.clone(), email, redirect_url)
    }

    /// `GET /v1/users?email=`: the (first) user with that e-mail address.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>, Error> {
        let email: String = url::form_urlencoded::byte_serialize(email.as_bytes()).collect();
        let list: UserList = self
            .backend(Method::GET, &format!("/v1/users?email={email}"), None)
            .await?;
        Ok(list.users.into_iter().next())
    }

    /// `POST /v1/users`: the user of the seeded emulator account with this e-mail address (or
    /// account id), made through the real flow if it never signed in, so that it has tokens
    /// and its Jira issues work. No browser is involved and no session is left behind.
    pub async fn create_user(&self, email: &str) -> Result<User, Error> {
        let body = serde_json::to_vec(&CreateUser {
            emulator_account: email.to_owned(),
        })?;
        self.backend(Method::POST, "/v1/users", Some(body)).await
    }

    /// `POST /v1/sign_in_tokens`: a single-use sign-in link for `user_id`, living 60 s.
    pub async fn sign_in_token(
        &self,
        user_id: &str,
        redirect_url: Option<&str>,
    ) -> Result<SignInToken, Error> {
        self.sign_in_token_with(&CreateSignInToken {
            user_id: user_id.to_owned(),
            expires_in_seconds: None,
            redirect_url: redirect_url.map(str::to_owned),
        })
        .await
    }

    /// `POST /v1/sign_in_tokens` with every field chosen.
    pub async fn sign_in_token_with(
        &self,
        request: &CreateSignInToken,
    ) -> Result<SignInToken, Error> {
        let body = serde_json::to_vec(request)?;
        self.backend(Method::POST, sign_in_token::CREATE_PATH, Some(body))
            .await
    }

    /// One backend API call with the secret key, on its own loopback connection.
    async fn backend<T: serde::de::DeserializeOwned>(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Vec<u8>>,
    ) -> Result<T, Error> {
        let call = async {
            let api = Url::parse(&self.api_url)?;
            let authority = format!(
                "{}:{}",
                api.host_str().unwrap_or("127.0.0.1"),
                api.port_or_known_default().unwrap_or(80)
            );
            let stream = tokio::net::TcpStream::connect(&authority).await?;
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream))
                    .await
                    .map_err(|e| Error::Http(e.to_string()))?;
            tokio::spawn(connection);
            let request = hyper::Request::builder()
                .method(method)
                .uri(path_and_query)
                .header(header::HOST, &authority)
                .header(header::AUTHORIZATION, format!("Bearer {}", self.secret_key))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(body.unwrap_or_default())))
                .map_err(|e| Error::Http(e.to_string()))?;
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| Error::Http(e.to_string()))?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| Error::Http(e.to_string()))?
                .to_bytes();
            if !status.is_success() {
                return Err(Error::Api {
                    status: status.as_u16(),
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                });
            }
            Ok(serde_json::from_slice(&bytes)?)
        };
        tokio::time::timeout(API_TIMEOUT, call)
            .await
            .map_err(|_| Error::Http(format!("no answer within {API_TIMEOUT:?}")))?
    }

    /// Where the data directory and log are, for a failure message.
    pub fn whereabouts(&self) -> String {
        format!(
            "vestibule test instance {}: data in {}, log in {}",
            self.public_url,
            self.data_dir().display(),
            self.log_path.display()
        )
    }
}

impl Drop for TestInstance {
    /// Says where the data and log are (libtest shows it only for a failing test). A panicking
    /// test, or any with `VESTIBULE_TEST_KEEP` set, keeps them for a look afterwards.
    fn drop(&mut self) {
        let keep = std::thread::panicking() || std::env::var_os("VESTIBULE_TEST_KEEP").is_some();
        match self.data_dir.take() {
            Some(dir) if keep => {
                let kept = dir.keep();
                eprintln!(
                    "vestibule test instance {}: data kept in {}, log in {}",
                    self.public_url,
                    kept.display(),
                    self.log_path.display()
                );
            }
            Some(dir) => {
                eprintln!(
                    "vestibule test instance {}: its log was:\n{}",
                    self.public_url,
                    self.log()
                );
                drop(dir);
            }
            None => {}
        }
    }
}
