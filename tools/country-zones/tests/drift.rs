//! The committed table is what the generator makes of the committed data,
//! and every zone it names is one the engine's tz database knows.

#[test]
fn the_committed_table_is_the_generated_one() {
    let data = include_str!("../data/map_data.txt");
    let codes = country_zones::single_zone_codes(data);
    let committed = include_str!("../../../core/src/contacts/phone/country_zones.rs");
    assert_eq!(
        committed,
        country_zones::render(&codes),
        "run cargo run -p country-zones"
    );
    assert!(codes
        .iter()
        .any(|(cc, z)| *cc == 49 && z == "Europe/Berlin"));
    assert!(
        !codes.iter().any(|(cc, _)| [1, 7, 34, 55, 61].contains(cc)),
        "multi-zone countries"
    );
    for (cc, zone) in &codes {
        assert!(
            dialcore::zones::ZoneTable::new(zone).is_ok(),
            "+{cc}: {zone} is not in the bundled tz database"
        );
    }
}
