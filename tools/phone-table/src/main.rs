//! Writes `core/src/contacts/phone/table.rs` (see the library docs).

fn main() {
    match phone_table::generate() {
        Ok(text) => {
            let path = phone_table::table_path();
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("phone-table: {}: {e}", path.display());
                std::process::exit(1);
            }
            println!("wrote {}", path.display());
        }
        Err(e) => {
            eprintln!("phone-table: {e}");
            std::process::exit(1);
        }
    }
}
