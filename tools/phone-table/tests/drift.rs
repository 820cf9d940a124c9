//! The committed `core/src/contacts/phone/table.rs` is what the generator writes
//! from the metadata of the `phonenumber` crate in `Cargo.lock`.
//! `DIALCORE_BLESS=1 cargo test -p phone-table` rewrites it.

#[test]
fn committed_table_is_up_to_date() {
    let generated = phone_table::generate().expect("metadata reads");
    let path = phone_table::table_path();
    if std::env::var_os("DIALCORE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("table written");
        return;
    }
    let committed = std::fs::read_to_string(&path).expect("committed table");
    assert!(
        committed == generated,
        "{} is out of date: run `DIALCORE_BLESS=1 cargo test -p phone-table` (or `cargo run -p phone-table`)",
        path.display()
    );
}
