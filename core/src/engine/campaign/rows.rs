//! A CSV import that also says, row by row, which contact each input line
//! became: for a host (the C API's import report) that must map the rows of
//! a list it was given back to the contact ids, and list every bad row.
//!
//! It is [`Campaign::import_csv_path`] with the importer's row callback
//! ([`crate::import::import_csv_path_rows`]); the contacts, the journal and
//! the queue are updated exactly as there.

use super::Campaign;
use crate::import::{self, ImportError, ImportReport, RowSeen};

impl Campaign {
    /// Imports the CSV file at `path` like [`Campaign::import_csv_path`],
    /// calling `on_row` for every data row in line order with its line and
    /// the contact added for it (none for a row in
    /// [`ImportReport::row_errors`]).
    pub fn import_csv_path_rows(
        &mut self,
        path: impl AsRef<std::path::Path>,
        on_row: impl FnMut(RowSeen),
    ) -> Result<ImportReport, ImportError> {
        self.run_import(|store, zones, blacklist, options| {
            import::import_csv_path_rows(path, store, zones, blacklist, options, on_row)
        })
    }

    /// [`Campaign::import_csv`] from any reader (a list held in memory),
    /// calling `on_row` for every data row as
    /// [`Campaign::import_csv_path_rows`] does.
    pub fn import_csv_rows<R: std::io::Read>(
        &mut self,
        input: R,
        on_row: impl FnMut(RowSeen),
    ) -> Result<ImportReport, ImportError> {
        self.run_import(|store, zones, blacklist, options| {
            import::import_csv_rows(input, store, zones, blacklist, options, on_row)
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::config::CampaignConfig;
    use crate::store::ContactId;
    use crate::{Campaign, State};

    #[test]
    fn rows_map_lines_to_the_contacts_added() {
        let dir = std::env::temp_dir().join(format!("dialcore-rows-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("list.csv");
        std::fs::write(
            &path,
            "phone,timezone\n+14155550100,UTC\n\n+14155550101,Nowhere/Land\nbad,UTC\n+14155550102,UTC\n",
        )
        .unwrap();
        let mut c = Campaign::new(CampaignConfig::default()).unwrap();
        let mut rows = Vec::new();
        let report = c.import_csv_path_rows(&path, |r| rows.push(r)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let seen: Vec<(u64, Option<u32>)> = rows
            .iter()
            .map(|r| (r.line, r.contact.map(|c| c.0)))
            .collect();
        assert_eq!(
            seen,
            vec![(2, Some(0)), (4, None), (5, Some(1)), (6, Some(2))]
        );
        assert_eq!(report.row_errors.len(), 1);
        assert_eq!(report.row_errors[0].line, 4);
        assert_eq!(c.state(ContactId(1)), Some(State::InvalidRecord));
        assert_eq!(c.state(ContactId(2)), Some(State::Initial));
        assert!(c.needs_poll());

        // The same list from memory: the same rows and contacts.
        let mut m = Campaign::new(CampaignConfig::default()).unwrap();
        let mut from_memory = Vec::new();
        let again = m
            .import_csv_rows(
                &b"phone,timezone\n+14155550100,UTC\n\n+14155550101,Nowhere/Land\nbad,UTC\n+14155550102,UTC\n"[..],
                |r| from_memory.push(r),
            )
            .unwrap();
        assert_eq!(from_memory, rows);
        assert_eq!(again.ids, report.ids);
        assert_eq!(m.state(ContactId(1)), Some(State::InvalidRecord));
    }
}
