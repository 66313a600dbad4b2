//! Strips the wasm `name` section at link time (about half of the unoptimised module).
//!
//! Debian's wasm-opt (binaryen 108) writes the export of wasm-bindgen 0.2.130's
//! `__wbindgen_externrefs` table with the wrong table index, so the page fails with
//! "WebAssembly.Table.set(): Argument 1 is invalid"; `index.html` therefore turns wasm-opt
//! off, and this takes over the one thing it did that matters for size. Measured on the
//! portal: wasm-opt -Oz saved 1 % of brotli size over stripping alone.
//!
//! `target_features` is kept: wasm-bindgen reads it to know which wasm features it may use.
fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo::rustc-link-arg-bins=--strip-all");
        println!("cargo::rustc-link-arg-bins=--keep-section=target_features");
    }
}
