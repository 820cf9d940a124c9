//! Issue 14, "CSV rows silently lost": each case found there, through the
//! public `Campaign::import_csv`, with what Python's `csv` module (and the
//! `csv` crate) read from the same bytes.

use dialcore::import::{ImportError, RowErrorKind};
use dialcore::{Campaign, CampaignConfig, Mode, State};

fn campaign() -> Campaign {
    let mut config = CampaignConfig::new(Mode::Progressive);
    config.default_country = Some(49);
    Campaign::new(config).expect("config")
}

#[test]
fn an_inch_mark_in_every_row_loses_no_row() {
    let mut csv = String::from("phone,notes\n");
    for i in 0..10 {
        csv.push_str(&format!("030 555000{i},55\" screen\n"));
    }
    let mut c = campaign();
    let report = c.import_csv(csv.as_bytes()).unwrap();
    assert_eq!((report.rows, report.valid), (10, 10), "{report:#?}");
    assert!(report.row_errors.is_empty());
}

#[test]
fn cr_only_line_endings_import_every_row() {
    let csv = "phone\r030 5550001\r030 5550002\r030 5550003\r";
    let mut c = campaign();
    let report = c.import_csv(csv.as_bytes()).unwrap();
    assert_eq!(report.valid, 3, "{report:#?}");
}

#[test]
fn a_quoted_field_of_40_lines_is_one_row_and_no_phantoms() {
    let note: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
    let csv = format!(
        "phone,notes\n030 5550001,\"{}\"\n030 5550002,after\n",
        note.join("\n")
    );
    let mut c = campaign();
    let report = c.import_csv(csv.as_bytes()).unwrap();
    assert_eq!((report.rows, report.valid), (2, 2), "{report:#?}");
    assert_eq!(
        c.counts().get(State::InvalidRecord),
        0,
        "no phantom contacts"
    );
    assert_eq!(report.invalid_rows, vec![]);
}

#[test]
fn a_second_phone_column_is_an_error_naming_both() {
    let mut c = campaign();
    let err = c
        .import_csv(&b"phone,name,PHONE \n030 5550001,x,030 5550002\n"[..])
        .unwrap_err();
    assert!(
        matches!(&err, ImportError::ConflictingColumns { column: "phone", names }
            if names == &["phone".to_string(), "PHONE ".to_string()]),
        "{err:?}"
    );
    assert_eq!(c.store().len(), 0, "nothing imported");
}

#[test]
fn a_stray_quote_at_the_end_is_reported_with_its_lines() {
    let csv = "phone,notes\n030 5550001,ok\n030 5550002,\"oops\n030 5550003,x\n";
    let mut c = campaign();
    let report = c.import_csv(csv.as_bytes()).unwrap();
    assert_eq!(report.valid, 1);
    assert_eq!(report.row_errors.len(), 1);
    assert_eq!(report.row_errors[0].line, 3);
    assert_eq!(
        report.row_errors[0].kind,
        RowErrorKind::UnclosedQuote { last_line: 4 }
    );
}
