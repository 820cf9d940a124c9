//! The committed `core/src/compliance/nanp/table.rs` is what the generator
//! writes from `tools/nanp-table/data/`. `DIALCORE_BLESS=1 cargo test -p
//! nanp-table` (or `cargo run -p nanp-table`) rewrites it.

#[test]
fn committed_table_is_up_to_date() {
    let generated = nanp_table::generate().expect("extracts read");
    let path = nanp_table::table_path();
    if std::env::var_os("DIALCORE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("table written");
        return;
    }
    let committed = std::fs::read_to_string(&path).expect("committed table");
    assert!(
        committed == generated,
        "{} is out of date: run `cargo run -p nanp-table`",
        path.display()
    );
}
