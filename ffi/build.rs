//! Gives the shared library its SONAME on ELF systems, so that programs
//! linked against `libdialcore.so` record the ABI they were built for and
//! the loader refuses a library of another one.
//!
//! The SONAME follows the crate version: `libdialcore.so.MAJOR` from 1.0
//! on, and `libdialcore.so.0.MINOR` before (where, as in Cargo's semver, a
//! new minor version may break the ABI). `scripts/install` installs the
//! file as `libdialcore.so.MAJOR.MINOR.PATCH` with the SONAME and the
//! unversioned development name as symbolic links.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
    let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
    let abi = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    match target_os.as_str() {
        "linux" | "freebsd" | "netbsd" | "openbsd" | "dragonfly" | "android" => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libdialcore.so.{abi}");
        }
        "macos" | "ios" => {
            println!(
                "cargo:rustc-cdylib-link-arg=-Wl,-install_name,@rpath/libdialcore.{abi}.dylib"
            );
        }
        _ => {}
    }
}
