//! Points `SWITCHYARD_STATIC_DIR` at the console bundle (`static/` at the workspace root, kept in
//! every checkout by `static/.gitkeep`) for the monitoring module to embed, and rebuilds when anything
//! in it changes. Without the directory an empty one stands in (creating `static/` later then needs a
//! change to this file, or `cargo clean -p switchyard`, to be noticed).

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let bundle = manifest.join("..").join("static");
    println!("cargo:rerun-if-changed=build.rs");
    let dir = if bundle.is_dir() {
        println!("cargo:rerun-if-changed={}", bundle.display());
        bundle
    } else {
        let empty = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("static-empty");
        std::fs::create_dir_all(&empty).expect("create an empty bundle directory");
        empty
    };
    println!("cargo:rustc-env=SWITCHYARD_STATIC_DIR={}", dir.display());
}
