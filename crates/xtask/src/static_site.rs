//! A tiny static HTTP server for `cargo xtask demo --example plain-html|custom-elements`:
//! the example's folder on its own origin (`http://localhost:4000`), as an app would serve
//! it, so that the page loads Vestibule's script from another origin.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Serves `dir` on `listen` in a background thread, for as long as the process runs.
pub fn spawn(dir: PathBuf, listen: &str) -> Result<()> {
    let listener = TcpListener::bind(listen).with_context(|| format!("binding {listen}"))?;
    std::thread::spawn(move || {
        for stream in listener.incoming().map_while(Result::ok) {
            let dir = dir.clone();
            std::thread::spawn(move || {
                if let Err(err) = answer(stream, &dir) {
                    eprintln!("static site: {err:#}");
                }
            });
        }
    });
    Ok(())
}

/// One request, one answer, then the connection closes.
fn answer(mut stream: TcpStream, dir: &Path) -> Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/");
    let found = file_for(dir, path).and_then(|file| Some((std::fs::read(&file).ok()?, file)));
    let (status, content_type, body) = match found {
        Some((body, file)) => ("200 OK", content_type(&file), body),
        None => ("404 Not Found", "text/plain", b"not found".to_vec()),
    };
    write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         cache-control: no-cache\r\nconnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    Ok(())
}

/// The file a request path names inside `dir` (`/` is `index.html`); nothing outside it,
/// nothing hidden.
fn file_for(dir: &Path, path: &str) -> Option<PathBuf> {
    let path = path.split(['?', '#']).next().unwrap_or("/");
    let relative = match path.trim_start_matches('/') {
        "" => "index.html",
        relative => relative,
    };
    relative
        .split('/')
        .all(|segment| !segment.is_empty() && !segment.starts_with('.'))
        .then(|| dir.join(relative))
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("md") => "text/markdown; charset=utf-8",
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
        assert_eq!(file_for(dir, "/README.md"), Some(dir.join("README.md")));
        assert_eq!(file_for(dir, "/../../etc/passwd"), None);
        assert_eq!(file_for(dir, "/.git/config"), None);
    }
}
