//! A tiny static HTTP server for the example pages, so that a test serves them on an origin
//! other than Vestibule's, as an app would. The pages name the Vestibule server as
//! `http://localhost:3000` (what `cargo xtask demo` runs); the site writes the test's own
//! server URL in its place.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The Vestibule URL the example pages are written with.
pub const EXAMPLE_VESTIBULE_URL: &str = "http://localhost:3000";

/// A directory served on a loopback port until dropped.
pub struct StaticSite {
    task: JoinHandle<()>,
}

impl StaticSite {
    /// Serves `dir` on `127.0.0.1:port`, with [`EXAMPLE_VESTIBULE_URL`] in `.html` files
    /// replaced by `vestibule_url`. `/` is `index.html`.
    pub async fn start(dir: &Path, port: u16, vestibule_url: &str) -> Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .with_context(|| format!("binding 127.0.0.1:{port}"))?;
        let dir = dir.to_owned();
        let vestibule_url = vestibule_url.to_owned();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (dir, url) = (dir.clone(), vestibule_url.clone());
                tokio::spawn(async move {
                    let _ = answer(stream, &dir, &url).await;
                });
            }
        });
        Ok(Self { task })
    }
}

impl Drop for StaticSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One request, one answer, then the connection closes.
async fn answer(mut stream: TcpStream, dir: &Path, vestibule_url: &str) -> Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let (status, content_type, body) = match file_for(dir, path) {
        Some(file) => match tokio::fs::read(&file).await {
            Ok(bytes) => {
                let is_html = file.extension().is_some_and(|e| e == "html");
                let body = if is_html {
                    String::from_utf8_lossy(&bytes)
                        .replace(EXAMPLE_VESTIBULE_URL, vestibule_url)
                        .into_bytes()
                } else {
                    bytes
                };
                ("200 OK", content_type(&file), body)
            }
            Err(_) => ("404 Not Found", "text/plain", b"not found".to_vec()),
        },
        None => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    let header = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         cache-control: no-cache\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(header.as_bytes()).await?;
    stream.write_all(&body).await?;
    stream.shutdown().await?;
    Ok(())
}

/// The file a request path names inside `dir`; nothing outside it, nothing hidden.
fn file_for(dir: &Path, path: &str) -> Option<PathBuf> {
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let relative = path.trim_start_matches('/');
    let relative = if relative.is_empty() {
        "index.html"
    } else {
        relative
    };
    let safe = relative
        .split('/')
        .all(|segment| !segment.is_empty() && !segment.starts_with('.'));
    safe.then(|| dir.join(relative))
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::file_for;
    use std::path::Path;

    #[test]
    fn only_files_inside_the_directory() {
        let dir = Path::new("/site");
        assert_eq!(file_for(dir, "/"), Some(dir.join("index.html")));
        assert_eq!(file_for(dir, "/?x=1"), Some(dir.join("index.html")));
        assert_eq!(file_for(dir, "/a.html"), Some(dir.join("a.html")));
        assert_eq!(file_for(dir, "/../etc/passwd"), None);
        assert_eq!(file_for(dir, "/.git/config"), None);
        assert_eq!(file_for(dir, "/a//b"), None);
    }
}
