//! `nanp-table`: writes `core/src/compliance/nanp/table.rs` from the committed
//! extracts in `tools/nanp-table/data/`; `nanp-table extract DIR` first
//! refreshes those extracts from a libphonenumber `resources/` directory.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [] => nanp_table::write_table(),
        [cmd, dir] if cmd == "extract" => nanp_table::extract(std::path::Path::new(dir)),
        _ => Err("usage: nanp-table [extract LIBPHONENUMBER_RESOURCES_DIR]".to_owned()),
    };
    match result {
        Ok(msg) => println!("{msg}"),
        Err(e) => {
            eprintln!("nanp-table: {e}");
            std::process::exit(1);
        }
    }
}
