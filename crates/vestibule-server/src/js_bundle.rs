//! The script bundle (`js-dist/`, built by `cargo xtask js`) as this server serves it: read
//! once at start, the wasm renamed by its content hash inside the JS, both precompressed
//! (brotli, gzip), and the JS's Subresource Integrity hash for the copy-paste snippet.
//!
//! The routes live in [`crate::routes::js`]; this module owns the bytes and the names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Bytes;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256, Sha384};
use tokio::sync::OnceCell;

/// The sign-in bundle: `vestibule.js` and `vestibule_bg.wasm`.
pub const MAIN: &str = "vestibule";
/// The full bundle, when `cargo xtask js` builds one: `vestibule-full.js` and its wasm.
pub const FULL: &str = "vestibule-full";
/// The version in the script's URL: this server's, so a page pins the bundle its server
/// speaks to.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The command that builds the bundle, named wherever it is missing.
pub const BUILD_COMMAND: &str = "cargo xtask js";

/// Why a bundle on disk could not be served.
#[derive(Debug, thiserror::Error)]
pub enum JsBundleError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not UTF-8 JavaScript")]
    NotUtf8 { path: PathBuf },
}

/// One file in the three encodings a browser may ask for. The compressed ones are made once,
/// in the background from the start (brotli at its best quality takes a while), and the
/// first request that needs them waits for them.
#[derive(Debug, Clone)]
pub struct Asset {
    pub identity: Bytes,
    /// The first 16 hex digits of the identity bytes' SHA-256: names the wasm, tags the ETag.
    pub hash: String,
    compressed: Arc<OnceCell<Compressed>>,
}

/// The gzip and brotli bodies of an [`Asset`].
#[derive(Debug)]
pub struct Compressed {
    pub gzip: Bytes,
    pub brotli: Bytes,
}

impl Asset {
    fn new(bytes: Vec<u8>) -> Self {
        Self {
            hash: hex::encode(Sha256::digest(&bytes))[..16].to_owned(),
            identity: bytes.into(),
            compressed: Arc::default(),
        }
    }

    /// The gzip and brotli bodies: made by the first caller (off the async threads), awaited
    /// by the others. A failure to compress (it cannot fail on bytes in memory) leaves the
    /// encodings empty, and [`Asset::body`] then answers with the identity bytes.
    pub async fn compressed(&self) -> &Compressed {
        self.compressed
            .get_or_init(|| {
                let bytes = self.identity.clone();
                async move {
                    let made = tokio::task::spawn_blocking(move || compress(&bytes)).await;
                    match made {
                        Ok(Ok(compressed)) => compressed,
                        failed => {
                            tracing::error!(?failed, "compressing the script bundle failed");
                            Compressed {
                                gzip: Bytes::new(),
                                brotli: Bytes::new(),
                            }
                        }
                    }
                }
            })
            .await
    }

    /// The encoding to send for what the request accepts, and its bytes.
    pub async fn body(&self, accepted: Encoding) -> (Encoding, Bytes) {
        if accepted == Encoding::Identity {
            return (accepted, self.identity.clone());
        }
        let compressed = self.compressed().await;
        match accepted {
            Encoding::Brotli if !compressed.brotli.is_empty() => {
                (accepted, compressed.brotli.clone())
            }
            Encoding::Gzip if !compressed.gzip.is_empty() => (accepted, compressed.gzip.clone()),
            _ => (Encoding::Identity, self.identity.clone()),
        }
    }

    /// A strong ETag per encoding: the encoded bytes differ, so their tags must too.
    pub fn etag(&self, encoding: Encoding) -> String {
        match encoding {
            Encoding::Brotli => format!("\"{}-br\"", self.hash),
            Encoding::Gzip => format!("\"{}-gz\"", self.hash),
            Encoding::Identity => format!("\"{}\"", self.hash),
        }
    }
}

fn compress(bytes: &[u8]) -> std::io::Result<Compressed> {
    Ok(Compressed {
        gzip: gzip(bytes)?.into(),
        brotli: brotli(bytes)?.into(),
    })
}

/// One bundle: its ES module and the wasm the module fetches.
#[derive(Debug, Clone)]
pub struct Module {
    /// `vestibule` or `vestibule-full`.
    pub name: &'static str,
    /// The JS with the wasm's hashed name written in.
    pub js: Asset,
    pub wasm: Asset,
    /// `sha384-<base64>` of the JS as served (identity bytes; SRI hashes the decoded body).
    pub integrity: String,
}

impl Module {
    /// `vestibule@0.1.0.js`
    pub fn versioned_file(&self) -> String {
        format!("{}@{VERSION}.js", self.name)
    }

    /// `vestibule.js`: the development name, revalidated on every load.
    pub fn unversioned_file(&self) -> String {
        format!("{}.js", self.name)
    }

    /// `vestibule_bg.<hash>.wasm`
    pub fn wasm_file(&self) -> String {
        hashed_wasm_name(self.name, &self.wasm.hash)
    }
}

/// The bundle this process serves: absent (never built) or loaded.
#[derive(Debug, Clone)]
pub struct JsBundle(Arc<Loaded>);

#[derive(Debug)]
enum Loaded {
    Missing { dir: PathBuf },
    Ready(Vec<Module>),
}

impl JsBundle {
    /// Reads `dir`. Without `vestibule.js` in it the bundle is missing (the routes answer 404
    /// and the log says how to build it); a bundle that is there but broken is an error.
    pub fn load(dir: &Path) -> Result<Self, JsBundleError> {
        let Some(main) = read_module_files(dir, MAIN)? else {
            return Ok(Self::missing(dir));
        };
        let mut files = vec![(MAIN, main)];
        if let Some(full) = read_module_files(dir, FULL)? {
            files.push((FULL, full));
        }
        let wasm: Vec<Asset> = files
            .iter_mut()
            .map(|(_, (_, wasm))| Asset::new(std::mem::take(wasm)))
            .collect();
        // Each JS may name any bundle's wasm (the sign-in bundle may load the full one).
        let renames: Vec<(String, String)> = files
            .iter()
            .zip(&wasm)
            .map(|((name, _), wasm)| {
                (
                    format!("{name}_bg.wasm"),
                    hashed_wasm_name(name, &wasm.hash),
                )
            })
            .collect();
        let mut modules = Vec::new();
        for ((name, (js, _)), wasm) in files.into_iter().zip(wasm) {
            let (js, replaced) = rename_wasm(&js, &renames);
            if replaced == 0 {
                tracing::warn!(
                    bundle = name,
                    "{name}.js names no {name}_bg.wasm: its wasm cannot be served under a hashed name"
                );
            }
            let integrity = format!("sha384-{}", STANDARD.encode(Sha384::digest(js.as_bytes())));
            modules.push(Module {
                name,
                js: Asset::new(js.into_bytes()),
                wasm,
                integrity,
            });
        }
        Ok(Self(Arc::new(Loaded::Ready(modules))))
    }

    /// A bundle that was never built in `dir`.
    pub fn missing(dir: &Path) -> Self {
        Self(Arc::new(Loaded::Missing {
            dir: dir.to_owned(),
        }))
    }

    /// Compresses every file in the background, the sign-in bundle's script first, so that
    /// the first visitor does not wait for it.
    pub fn compress_in_background(&self) {
        let bundle = self.clone();
        tokio::spawn(async move {
            for module in bundle.modules().unwrap_or_default() {
                module.js.compressed().await;
                module.wasm.compressed().await;
            }
        });
    }

    /// The bundles, or `None` when none was built.
    pub fn modules(&self) -> Option<&[Module]> {
        match &*self.0 {
            Loaded::Ready(modules) => Some(modules),
            Loaded::Missing { .. } => None,
        }
    }

    /// The sign-in bundle (`vestibule.js`), when built.
    pub fn main(&self) -> Option<&Module> {
        self.modules()?.iter().find(|m| m.name == MAIN)
    }

    /// The lines the server prints at start: the snippet to paste into a page, or where the
    /// bundle was looked for and how to build it.
    pub fn banner(&self, public_url: &str) -> Vec<String> {
        match (&*self.0, self.main()) {
            (Loaded::Missing { dir }, _) => vec![format!(
                "script: not built (no {MAIN}.js in {}); build it with `{BUILD_COMMAND}`",
                dir.display()
            )],
            (Loaded::Ready(_), main) => main
                .into_iter()
                .flat_map(|main| {
                    [
                        format!("script: {}", snippet(public_url, main)),
                        format!("script manifest: {public_url}/v1/js/manifest.json"),
                    ]
                })
                .collect(),
        }
    }
}

/// `<script type="module" src=… integrity=… crossorigin="anonymous"></script>` for a page on
/// another origin.
pub fn snippet(public_url: &str, module: &Module) -> String {
    format!(
        "<script type=\"module\" src=\"{public_url}/v1/js/{}\" integrity=\"{}\" crossorigin=\"anonymous\"></script>",
        module.versioned_file(),
        module.integrity
    )
}

fn hashed_wasm_name(name: &str, hash: &str) -> String {
    format!("{name}_bg.{hash}.wasm")
}

/// `name.js` and `name_bg.wasm` from `dir`; `None` when the JS is not there.
fn read_module_files(dir: &Path, name: &str) -> Result<Option<(String, Vec<u8>)>, JsBundleError> {
    let js_path = dir.join(format!("{name}.js"));
    let js = match std::fs::read(&js_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(JsBundleError::Read {
                path: js_path,
                source,
            });
        }
    };
    let js = String::from_utf8(js).map_err(|_| JsBundleError::NotUtf8 {
        path: js_path.clone(),
    })?;
    let wasm_path = dir.join(format!("{name}_bg.wasm"));
    let wasm = std::fs::read(&wasm_path).map_err(|source| JsBundleError::Read {
        path: wasm_path,
        source,
    })?;
    Ok(Some((js, wasm)))
}

/// The JS with every `from` of `renames` replaced by its `to`, and how many were replaced.
fn rename_wasm(js: &str, renames: &[(String, String)]) -> (String, usize) {
    let mut js = js.to_owned();
    let mut count = 0;
    for (from, to) in renames {
        count += js.matches(from.as_str()).count();
        js = js.replace(from.as_str(), to);
    }
    (js, count)
}

/// Best compression: done once per start, and every visitor downloads the result.
fn brotli(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok(out)
}

fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// The content encoding of one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The `Content-Encoding` value, `None` for identity.
    pub fn header_value(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }

    /// The best encoding `Accept-Encoding` allows: the highest q-value, brotli before gzip
    /// before identity on a tie; `q=0` refuses one, `*` stands for any not named.
    pub fn negotiate(accept_encoding: Option<&str>) -> Self {
        let (mut brotli, mut gzip, mut any) = (None, None, None);
        for item in accept_encoding.unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            match coding.as_str() {
                "br" => brotli = Some(q),
                "gzip" | "x-gzip" => gzip = Some(q),
                "*" => any = Some(q),
                _ => {}
            }
        }
        let brotli = brotli.or(any).unwrap_or(0.0);
        let gzip = gzip.or(any).unwrap_or(0.0);
        if brotli > 0.0 && brotli >= gzip {
            Self::Brotli
        } else if gzip > 0.0 {
            Self::Gzip
        } else {
            Self::Identity
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_wins_ties_and_q_zero_refuses() {
        use Encoding::*;
        let pick = |h: &str| Encoding::negotiate(Some(h));
        assert_eq!(pick("gzip, deflate, br, zstd"), Brotli);
        assert_eq!(pick("gzip"), Gzip);
        assert_eq!(pick("gzip;q=1, br;q=0.5"), Gzip);
        assert_eq!(pick("br;q=0, gzip"), Gzip);
        assert_eq!(pick("br;q=0, gzip;q=0"), Identity);
        assert_eq!(pick("*"), Brotli);
        assert_eq!(pick("*;q=0.5, br;q=0"), Gzip);
        assert_eq!(pick("deflate, identity"), Identity);
        assert_eq!(pick(""), Identity);
        assert_eq!(Encoding::negotiate(None), Identity);
    }

    #[test]
    fn every_bundle_wasm_name_is_rewritten() {
        let renames = vec![
            (
                "vestibule_bg.wasm".to_owned(),
                "vestibule_bg.0011.wasm".to_owned(),
            ),
            (
                "vestibule-full_bg.wasm".to_owned(),
                "vestibule-full_bg.22.wasm".to_owned(),
            ),
        ];
        let js =
            r#"new URL("vestibule_bg.wasm",import.meta.url);import("./vestibule-full_bg.wasm")"#;
        let (out, count) = rename_wasm(js, &renames);
        assert_eq!(count, 2);
        assert_eq!(
            out,
            r#"new URL("vestibule_bg.0011.wasm",import.meta.url);import("./vestibule-full_bg.22.wasm")"#
        );
    }

    fn write_bundle(dir: &Path, js: &str, wasm: &[u8]) {
        std::fs::write(dir.join("vestibule.js"), js).unwrap();
        std::fs::write(dir.join("vestibule_bg.wasm"), wasm).unwrap();
    }

    #[tokio::test]
    async fn a_loaded_bundle_hashes_names_and_compresses() {
        let dir = tempfile::tempdir().unwrap();
        let js = "export const u=new URL('vestibule_bg.wasm',import.meta.url);".repeat(20);
        write_bundle(dir.path(), &js, b"\0asm\x01\0\0\0 a wasm module body");
        let bundle = JsBundle::load(dir.path()).unwrap();
        let main = bundle.main().expect("loaded");
        let expected_hash =
            &hex::encode(Sha256::digest(b"\0asm\x01\0\0\0 a wasm module body"))[..16];
        assert_eq!(
            main.wasm_file(),
            format!("vestibule_bg.{expected_hash}.wasm")
        );
        let served = std::str::from_utf8(&main.js.identity).unwrap();
        assert!(served.contains(&main.wasm_file()) && !served.contains("'vestibule_bg.wasm'"));
        assert_eq!(
            main.integrity,
            format!(
                "sha384-{}",
                STANDARD.encode(Sha384::digest(served.as_bytes()))
            )
        );
        let compressed = main.js.compressed().await;
        assert!(!compressed.brotli.is_empty() && compressed.brotli.len() < main.js.identity.len());
        assert!(!compressed.gzip.is_empty() && compressed.gzip.len() < main.js.identity.len());
        assert_eq!(main.js.body(Encoding::Brotli).await.0, Encoding::Brotli);
        assert_eq!(main.versioned_file(), format!("vestibule@{VERSION}.js"));
        assert!(bundle.banner("https://auth.example.com")[0].contains(&format!(
            "src=\"https://auth.example.com/v1/js/vestibule@{VERSION}.js\" integrity=\"{}\" crossorigin=\"anonymous\"",
            main.integrity
        )));
    }

    #[test]
    fn no_bundle_is_missing_and_a_half_built_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let bundle = JsBundle::load(&dir.path().join("absent")).unwrap();
        assert!(bundle.modules().is_none());
        assert!(bundle.banner("http://x")[0].contains(BUILD_COMMAND));
        std::fs::write(dir.path().join("vestibule.js"), "x").unwrap();
        assert!(matches!(
            JsBundle::load(dir.path()),
            Err(JsBundleError::Read { .. })
        ));
    }
}
