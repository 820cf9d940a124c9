//! Writes `core/src/contacts/phone/country_zones.rs` (see the library docs).

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let data = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/map_data.txt"))
        .expect("data/map_data.txt");
    let out = format!("{root}/core/src/contacts/phone/country_zones.rs");
    let codes = country_zones::single_zone_codes(&data);
    std::fs::write(&out, country_zones::render(&codes)).expect("write the table");
    println!("{} single-zone calling codes written to {out}", codes.len());
}
