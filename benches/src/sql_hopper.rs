//! The SQL hopper baseline: how the most used open-source dialer keeps its
//! lists, written the way its best users tune it. Leads live in a table with
//! a **partial index** `(priority DESC, next_call_at) WHERE status IN
//! ('NEW','RETRY')`, which serves the refill's `ORDER BY` directly (no temp
//! B-tree; [`SqlHopper::refill_plan`] prints SQLite's plan) and holds only
//! dialable leads; a `hopper` table is refilled with
//! `INSERT INTO hopper SELECT … WHERE status IN ('NEW','RETRY') AND
//! next_call_at <= ? ORDER BY priority DESC, next_call_at LIMIT ?` — sized
//! like a real dialer's background refill ([`SqlHopper::set_refill`]: a
//! larger batch whenever the hopper runs below what a take needs, its cost
//! amortized over the takes it serves) — the dialer takes leads from the
//! hopper (marking them `INCALL`), and every call event is a status
//! `UPDATE` on the lead.
//!
//! SQLite through `rusqlite` (bundled SQLite), either in memory or on disk in
//! WAL mode with `synchronous=NORMAL` (the usual WAL setting: no fsync per
//! commit, so the baseline is not charged for durability dialcore's numbers do
//! not pay for either). Statements are prepared once and cached.

use std::path::Path;

use rusqlite::{params, Connection};

pub use rusqlite::Error;

/// Lead status: ready for a first call.
pub const NEW: &str = "NEW";
/// Lead status: another attempt is scheduled at `next_call_at`.
pub const RETRY: &str = "RETRY";
/// Lead status: in the hopper, about to be dialed.
pub const QUEUED: &str = "QUEUE";
/// Lead status: being called.
pub const INCALL: &str = "INCALL";
/// Lead status: answered, talking to an operator.
pub const ANSWERED: &str = "ANSWER";
/// Lead status: the call ended, the operator is wrapping up.
pub const ACW: &str = "ACW";
/// Lead status: reached, final.
pub const DONE: &str = "DONE";
/// Lead status: on the do-not-call list.
pub const DNC: &str = "DNC";

/// One lead to insert.
#[derive(Debug, Clone, Copy)]
pub struct Lead<'a> {
    /// The number as text, E.164 with `+`.
    pub phone: &'a str,
    /// Its status (one of the constants of this module).
    pub status: &'a str,
    /// Selection priority, higher first.
    pub priority: i64,
    /// Attempts made.
    pub called_count: i64,
    /// When it may be called next (ms).
    pub next_call_at: i64,
}

/// The leads and hopper tables on one SQLite connection.
#[derive(Debug)]
pub struct SqlHopper {
    conn: Connection,
    /// Leads per refill (at least what the take asks for).
    refill: usize,
}

const SCHEMA: &str = "
CREATE TABLE leads (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL,
    status TEXT NOT NULL,
    priority INT NOT NULL DEFAULT 0,
    called_count INT NOT NULL DEFAULT 0,
    next_call_at INT NOT NULL DEFAULT 0
);
CREATE INDEX leads_dialable ON leads (priority DESC, next_call_at)
    WHERE status IN ('NEW', 'RETRY');
CREATE TABLE hopper (
    hopper_id INTEGER PRIMARY KEY,
    lead_id INT NOT NULL,
    phone TEXT NOT NULL,
    priority INT NOT NULL
);
CREATE INDEX hopper_order ON hopper (priority DESC, hopper_id);
";

/// The refill's SELECT (the hopper's INSERT reads it).
const REFILL_SELECT: &str = "SELECT id, phone, priority FROM leads
             WHERE status IN ('NEW', 'RETRY') AND next_call_at <= ?1
             ORDER BY priority DESC, next_call_at
             LIMIT ?2";

impl SqlHopper {
    /// An in-memory database.
    pub fn in_memory() -> Result<Self, Error> {
        Self::init(Connection::open_in_memory()?)
    }

    /// An on-disk database at `path` in WAL mode (`synchronous=NORMAL`).
    pub fn wal(path: &Path) -> Result<Self, Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        Self::init(conn)
    }

    fn init(conn: Connection) -> Result<Self, Error> {
        conn.execute_batch(SCHEMA)?;
        conn.set_prepared_statement_cache_capacity(32);
        Ok(SqlHopper { conn, refill: 0 })
    }

    /// Refills take `leads` at a time (a background-sized hopper) instead
    /// of just what the take that found the hopper short needs.
    pub fn set_refill(&mut self, leads: usize) {
        self.refill = leads;
    }

    /// SQLite's `EXPLAIN QUERY PLAN` of the refill's SELECT, one line per
    /// step (`SEARCH leads USING INDEX leads_dialable …` when the partial
    /// index serves it; `USE TEMP B-TREE FOR ORDER BY` would mean a sort).
    pub fn refill_plan(&self) -> Result<Vec<String>, Error> {
        let mut stmt = self
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {REFILL_SELECT}"))?;
        let rows = stmt.query_map(params![0i64, 100i64], |r| r.get::<_, String>(3))?;
        rows.collect()
    }

    /// The connection, for ad-hoc queries.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Inserts leads in one transaction with a prepared statement (the fast
    /// way to load a list); returns how many were inserted.
    pub fn insert_leads<'a>(
        &mut self,
        leads: impl IntoIterator<Item = Lead<'a>>,
    ) -> Result<usize, Error> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO leads (phone, status, priority, called_count, next_call_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for lead in leads {
                insert.execute(params![
                    lead.phone,
                    lead.status,
                    lead.priority,
                    lead.called_count,
                    lead.next_call_at
                ])?;
                n += 1;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Loads a CSV contact list (`phone`, `priority` columns by header name)
    /// parsed with the `csv` crate into `leads` as `NEW`, all in one
    /// transaction with a prepared insert (the index kept up to date as rows
    /// go in). Numbers are normalized and checked like the row store's; a
    /// bad one is skipped. Returns how many were inserted.
    pub fn load_csv(&mut self, path: &Path) -> Result<usize, Box<dyn std::error::Error>> {
        let mut reader = csv::Reader::from_path(path)?;
        let headers = reader.headers()?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name))
        };
        let phone = column("phone").ok_or("no phone column")?;
        let priority = column("priority");
        let tx = self.conn.transaction()?;
        let mut n = 0;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO leads (phone, status, priority, called_count, next_call_at)
                 VALUES (?1, 'NEW', ?2, 0, 0)",
            )?;
            let mut record = csv::StringRecord::new();
            let mut number = String::new();
            while reader.read_record(&mut record)? {
                number.clear();
                number.push('+');
                number.extend(record[phone].chars().filter(char::is_ascii_digit));
                if !(9..=16).contains(&number.len()) {
                    continue;
                }
                let p: i64 = priority
                    .and_then(|i| record.get(i))
                    .and_then(|p| p.trim().parse().ok())
                    .unwrap_or(0);
                insert.execute(params![number, p])?;
                n += 1;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Refills the hopper with up to `limit` dialable leads due at `now`
    /// and marks them queued, in one transaction; returns how many were
    /// added.
    pub fn fill_hopper(&mut self, now: i64, limit: usize) -> Result<usize, Error> {
        let tx = self.conn.transaction()?;
        let added = tx
            .prepare_cached(&format!(
                "INSERT INTO hopper (lead_id, phone, priority) {REFILL_SELECT}"
            ))?
            .execute(params![now, limit as i64])?;
        tx.prepare_cached(
            "UPDATE leads SET status = 'QUEUE'
             WHERE id IN (SELECT lead_id FROM hopper)",
        )?
        .execute([])?;
        tx.commit()?;
        Ok(added)
    }

    /// Takes up to `n` leads from the hopper (highest priority first) to
    /// dial: each one is removed from the hopper and its lead marked
    /// `INCALL` with one more call counted. Their ids are appended to `out`.
    pub fn take(&mut self, n: usize, out: &mut Vec<i64>) -> Result<usize, Error> {
        let start = out.len();
        {
            let mut pick = self.conn.prepare_cached(
                "SELECT hopper_id, lead_id FROM hopper ORDER BY priority DESC, hopper_id LIMIT ?1",
            )?;
            let rows = pick.query_map([n as i64], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
            let mut picked = Vec::with_capacity(n);
            for row in rows {
                picked.push(row?);
            }
            drop(pick);
            for (hopper_id, lead_id) in picked {
                self.conn
                    .prepare_cached("DELETE FROM hopper WHERE hopper_id = ?1")?
                    .execute([hopper_id])?;
                self.conn
                    .prepare_cached(
                        "UPDATE leads SET status = 'INCALL', called_count = called_count + 1
                         WHERE id = ?1",
                    )?
                    .execute([lead_id])?;
                out.push(lead_id);
            }
        }
        Ok(out.len() - start)
    }

    /// Selects the next `n` leads to dial: refills the hopper when it holds
    /// fewer than `n` (with the refill size, at least `n`), then takes `n`.
    /// Ids are appended to `out`.
    pub fn next_to_dial(&mut self, now: i64, n: usize, out: &mut Vec<i64>) -> Result<usize, Error> {
        if self.hopper_len()? < n {
            self.fill_hopper(now, n.max(self.refill))?;
        }
        self.take(n, out)
    }

    /// Leads in the hopper.
    pub fn hopper_len(&self) -> Result<usize, Error> {
        self.conn
            .prepare_cached("SELECT count(*) FROM hopper")?
            .query_row([], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
    }

    /// One call event: sets the lead's status (its own autocommit statement,
    /// as events arrive one at a time).
    pub fn set_status(&mut self, lead: i64, status: &str) -> Result<(), Error> {
        self.conn
            .prepare_cached("UPDATE leads SET status = ?2 WHERE id = ?1")?
            .execute(params![lead, status])?;
        Ok(())
    }

    /// A call that did not reach the client: the lead goes back to `RETRY`
    /// at `next_call_at`.
    pub fn schedule_retry(&mut self, lead: i64, next_call_at: i64) -> Result<(), Error> {
        self.conn
            .prepare_cached("UPDATE leads SET status = 'RETRY', next_call_at = ?2 WHERE id = ?1")?
            .execute(params![lead, next_call_at])?;
        Ok(())
    }

    /// Leads per status, by `GROUP BY`.
    pub fn counts(&self) -> Result<Vec<(String, i64)>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, count(*) FROM leads GROUP BY status ORDER BY status")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_due_leads_by_priority() {
        let mut db = SqlHopper::in_memory().unwrap();
        let lead = |phone, status, priority, next_call_at| Lead {
            phone,
            status,
            priority,
            called_count: 0,
            next_call_at,
        };
        db.insert_leads([
            lead("+1", NEW, 0, 0),
            lead("+2", NEW, 5, 0),
            lead("+3", RETRY, 9, 1_000),
            lead("+4", DONE, 9, 0),
            lead("+5", RETRY, 1, 10),
        ])
        .unwrap();
        let mut out = Vec::new();
        assert_eq!(db.next_to_dial(100, 2, &mut out).unwrap(), 2);
        assert_eq!(out, [2, 5]);
        db.set_status(2, ANSWERED).unwrap();
        db.schedule_retry(5, 2_000).unwrap();
        out.clear();
        assert_eq!(db.next_to_dial(1_000, 5, &mut out).unwrap(), 2);
        assert_eq!(out, [3, 1]);
    }

    #[test]
    fn the_partial_index_serves_the_refill_without_a_sort() {
        let db = SqlHopper::in_memory().unwrap();
        let plan = db.refill_plan().unwrap().join("; ");
        assert!(plan.contains("leads_dialable"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    #[test]
    fn a_background_refill_takes_more_than_the_take_needs() {
        let mut db = SqlHopper::in_memory().unwrap();
        let phones: Vec<String> = (0..50).map(|i| format!("+1{i:09}")).collect();
        db.insert_leads(phones.iter().enumerate().map(|(i, p)| Lead {
            phone: p,
            status: NEW,
            priority: (i % 3) as i64,
            called_count: 0,
            next_call_at: 0,
        }))
        .unwrap();
        db.set_refill(20);
        let mut out = Vec::new();
        db.next_to_dial(0, 5, &mut out).unwrap();
        assert_eq!(out.len(), 5);
        assert_eq!(db.hopper_len().unwrap(), 15);
        // Highest priority first, in insertion order within one.
        assert_eq!(out, [3, 6, 9, 12, 15]);
    }
}
