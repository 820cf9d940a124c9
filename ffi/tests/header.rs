//! The committed header `include/dialcore.h` must be what cbindgen generates
//! from the code. Regenerate it with
//! `DIALCORE_BLESS=1 cargo test -p dialcore-ffi --test header`.

use std::path::PathBuf;

fn generate() -> String {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml is readable and valid");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn committed_header_matches_the_code() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../include/dialcore.h");
    let generated = generate();
    if std::env::var_os("DIALCORE_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("include/dialcore.h is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/dialcore.h differs from what ffi/src generates; regenerate it with\n\
         \n    DIALCORE_BLESS=1 cargo test -p dialcore-ffi --test header\n\n\
         and commit the result"
    );
}

#[test]
fn header_version_macro_matches_the_crate() {
    let expected = format!("#define DIALCORE_VERSION \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        generate().contains(&expected),
        "ffi/cbindgen.toml after_includes must define DIALCORE_VERSION as {:?}; update it",
        env!("CARGO_PKG_VERSION")
    );
}
