//! The snapshot image of a campaign: which sections it has and how the
//! engine's state is written to and rebuilt from them.

use super::*;

impl Campaign {
    /// Writes the snapshot of generation `generation`, whose journal starts
    /// at sequence number `first_seq`.
    pub(in crate::engine::campaign) fn write_snapshot(
        &self,
        path: &Path,
        generation: u64,
        first_seq: u64,
    ) -> io::Result<u64> {
        let mut w = SnapshotWriter::create(path, generation)?;
        w.section(*b"SEQN", &first_seq.to_le_bytes())?;
        w.section(*b"CONF", reopen::config_text(&self.config).as_bytes())?;
        let mut meta = Vec::with_capacity(96);
        for v in [
            self.now_ms,
            u64::from(self.paused),
            u64::from(self.canceled),
            self.operators.len() as u64,
            self.counters.metrics.dials,
            self.counters.metrics.answered,
            self.counters.metrics.machine,
            self.counters.metrics.connected,
            self.counters.metrics.abandoned,
            self.store.len() as u64,
        ] {
            meta.extend_from_slice(&v.to_le_bytes());
        }
        w.section(*b"META", &meta)?;
        let zones: Vec<&str> = self.zones.names().collect();
        w.section(*b"ZONE", zones.join("\n").as_bytes())?;
        w.section(*b"STAT", self.store.states())?;
        w.section(*b"ATTE", self.store.attempts_column())?;
        w.section(*b"OUTC", self.store.last_outcomes())?;
        w.section(*b"PRIO", self.store.priorities())?;
        w.section(*b"ZONI", &snapshot::u16s_as_le_bytes(self.store.zones()))?;
        w.section_with(*b"NUMB", |out| self.store.numbers().write_le(out))?;
        let (ends, arena) = self.store.external_parts();
        w.section(*b"EXTE", &snapshot::u32s_as_le_bytes(&ends))?;
        w.section(*b"EXTA", arena)?;
        let mut invalid = Vec::new();
        for (id, reason, raw) in self.store.invalid_entries() {
            invalid.extend_from_slice(&id.to_le_bytes());
            invalid.push(reason.code());
            invalid.extend_from_slice(&(raw.len() as u32).to_le_bytes());
            invalid.extend_from_slice(raw);
        }
        w.section(*b"INVL", &invalid)?;
        // Several numbers a contact (absent in older snapshots: one each).
        let (headers, extra, states) = self.store.number_parts();
        if !headers.is_empty() {
            w.section(*b"NHDR", &snapshot::u16s_as_le_bytes(&headers))?;
            w.section(*b"NXTR", &snapshot::u64s_as_le_bytes(extra))?;
            w.section(*b"NSTA", states)?;
        }
        let mut dues = Vec::new();
        for (id, at) in self.timers.iter_pending() {
            if self.store.states()[id as usize] == State::RetryScheduled as u8 {
                dues.extend_from_slice(&id.to_le_bytes());
                dues.extend_from_slice(&at.to_le_bytes());
            }
        }
        w.section(*b"DUES", &dues)?;
        // Personal callback marks (absent in older snapshots: none).
        let marks = self.callbacks.marks();
        if !marks.is_empty() {
            let mut b = Vec::with_capacity(marks.len() * 16);
            for (id, operator, expires_ms) in marks {
                b.extend_from_slice(&id.to_le_bytes());
                b.extend_from_slice(&operator.to_le_bytes());
                b.extend_from_slice(&expires_ms.to_le_bytes());
            }
            w.section(*b"PCBK", &b)?;
        }
        let mut live = Vec::new();
        let mut live_ids: Vec<(u32, u8)> = self
            .calls
            .iter()
            .map(|(id, l)| (id, live_flags(l)))
            .collect();
        live_ids.sort_unstable();
        for (id, flags) in live_ids {
            live.extend_from_slice(&id.to_le_bytes());
            live.push(flags);
        }
        w.section(*b"LIVE", &live)?;
        w.section_with(*b"BLAC", |out| self.blacklist.write_to(out).map(|_| ()))?;
        let mut meters = Vec::new();
        for meter in [&self.counters.day, &self.counters.month] {
            let buckets: Vec<(u64, u32, u32)> = meter.buckets().collect();
            meters.extend_from_slice(&(buckets.len() as u32).to_le_bytes());
            for (start, answered, abandoned) in buckets {
                meters.extend_from_slice(&start.to_le_bytes());
                meters.extend_from_slice(&answered.to_le_bytes());
                meters.extend_from_slice(&abandoned.to_le_bytes());
            }
        }
        w.section(*b"METR", &meters)?;
        let mut abandoned: Vec<(u32, u64)> = self
            .history
            .abandoned_at
            .iter()
            .map(|(&k, &v)| (k, v))
            .collect();
        abandoned.sort_unstable();
        let mut ab = Vec::with_capacity(abandoned.len() * 12);
        for (id, at) in abandoned {
            ab.extend_from_slice(&id.to_le_bytes());
            ab.extend_from_slice(&at.to_le_bytes());
        }
        w.section(*b"ABAN", &ab)?;
        let mut recent: Vec<(u64, &[u64])> = self
            .history
            .recent_dials
            .iter()
            .map(|(&n, t)| (n, t.as_slice()))
            .collect();
        recent.sort_unstable_by_key(|r| r.0);
        let mut rd = Vec::new();
        for (number, times) in recent {
            rd.extend_from_slice(&number.to_le_bytes());
            rd.extend_from_slice(&(times.len() as u32).to_le_bytes());
            for t in times {
                rd.extend_from_slice(&t.to_le_bytes());
            }
        }
        w.section(*b"RECD", &rd)?;
        if let Some(rules) = self.rules() {
            w.section(*b"RULE", rules.text.as_bytes())?;
        }
        let regions = self.explicit_regions();
        if !regions.is_empty() {
            let mut b = Vec::with_capacity(regions.len() * 8);
            for (id, r) in regions {
                b.extend_from_slice(&id.to_le_bytes());
                b.extend_from_slice(&records::region_bytes(Some(r)));
            }
            w.section(*b"RGNS", &b)?;
        }
        w.finish()
    }
}

pub(super) fn section(snap: &Snapshot, tag: [u8; 4]) -> Result<&[u8], String> {
    snap.section(tag).ok_or_else(|| {
        format!(
            "section {} missing",
            String::from_utf8_lossy(&tag).into_owned()
        )
    })
}

pub(super) fn column<T>(
    snap: &Snapshot,
    tag: [u8; 4],
    decode: fn(&[u8]) -> Option<Vec<T>>,
) -> Result<Vec<T>, String> {
    decode(section(snap, tag)?).ok_or_else(|| {
        format!(
            "section {} has a partial value",
            String::from_utf8_lossy(&tag)
        )
    })
}

impl Campaign {
    pub(in crate::engine::campaign) fn restore_snapshot(
        &mut self,
        snap: &Snapshot,
    ) -> Result<(), String> {
        let mut meta = Cursor {
            bytes: section(snap, *b"META")?,
        };
        self.now_ms = meta.u64()?;
        self.paused = meta.u64()? != 0;
        self.canceled = meta.u64()? != 0;
        let operators = meta.u64()?;
        self.counters.metrics.dials = meta.u64()?;
        self.counters.metrics.answered = meta.u64()?;
        self.counters.metrics.machine = meta.u64()?;
        self.counters.metrics.connected = meta.u64()?;
        self.counters.metrics.abandoned = meta.u64()?;
        for _ in 0..operators.min(u64::from(u32::MAX)) {
            self.operators.add();
        }
        let zones = std::str::from_utf8(section(snap, *b"ZONE")?)
            .map_err(|_| "zone names are not UTF-8".to_owned())?;
        for (id, name) in zones.split('\n').enumerate() {
            if id == 0 {
                if name != self.zones.name(ZoneId::DEFAULT) {
                    return Err(format!("zone:{name}\n{}", self.zones.name(ZoneId::DEFAULT)));
                }
                continue;
            }
            let got = self.zones.intern(name).map_err(|e| e.to_string())?;
            if usize::from(got.0) != id {
                return Err(format!("zone {name:?} listed twice"));
            }
        }
        let mut invalid = Vec::new();
        let mut invalid_raw = Vec::new();
        let mut inv = Cursor {
            bytes: section(snap, *b"INVL")?,
        };
        while !inv.bytes.is_empty() {
            let id = inv.u32()?;
            let reason = PhoneError::from_code(inv.u8()?).ok_or("unknown phone error code")?;
            let len = inv.u32()? as usize;
            let raw = inv.take(len)?;
            invalid.push((id, reason, invalid_raw.len() as u32, len as u32));
            invalid_raw.extend_from_slice(raw);
        }
        self.store = ContactStore::from_columns(StoreColumns {
            state: section(snap, *b"STAT")?.to_vec(),
            attempts: section(snap, *b"ATTE")?.to_vec(),
            last_outcome: section(snap, *b"OUTC")?.to_vec(),
            priority: section(snap, *b"PRIO")?.to_vec(),
            zone: column(snap, *b"ZONI", snapshot::le_bytes_to_u16s)?,
            number: column(snap, *b"NUMB", snapshot::le_bytes_to_u64s)?,
            external_end: column(snap, *b"EXTE", snapshot::le_bytes_to_u32s)?,
            external_arena: section(snap, *b"EXTA")?.to_vec(),
            invalid,
            invalid_raw,
            number_header: match snap.section(*b"NHDR") {
                Some(_) => column(snap, *b"NHDR", snapshot::le_bytes_to_u16s)?,
                None => Vec::new(),
            },
            extra_numbers: match snap.section(*b"NXTR") {
                Some(_) => column(snap, *b"NXTR", snapshot::le_bytes_to_u64s)?,
                None => Vec::new(),
            },
            number_states: snap
                .section(*b"NSTA")
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
        })?;
        if let Some(&z) = self
            .store
            .zones()
            .iter()
            .find(|&&z| usize::from(z) >= self.zones.len())
        {
            return Err(format!("contact zone {z} is not in the zone table"));
        }
        let mut dues = Cursor {
            bytes: section(snap, *b"DUES")?,
        };
        while !dues.bytes.is_empty() {
            let id = dues.u32()?;
            let at = dues.u64()?;
            self.replay.dues.insert(id, at);
        }
        if let Some(bytes) = snap.section(*b"PCBK") {
            let mut marks = Cursor { bytes };
            while !marks.bytes.is_empty() {
                let id = marks.u32()?;
                let operator = marks.u32()?;
                let expires_ms = marks.u64()?;
                self.replay.personal.insert(id, (operator, expires_ms));
            }
        }
        let mut live = Cursor {
            bytes: section(snap, *b"LIVE")?,
        };
        while !live.bytes.is_empty() {
            let id = live.u32()?;
            let flags = live.u8()?;
            self.replay.live.insert(id, flags);
        }
        let mut blacklist = section(snap, *b"BLAC")?;
        self.blacklist = Blacklist::read_from(&mut blacklist).map_err(|e| e.to_string())?;
        let mut meters = Cursor {
            bytes: section(snap, *b"METR")?,
        };
        for which in 0..2 {
            let count = meters.u32()?;
            let mut buckets = Vec::with_capacity(count.min(1 << 16) as usize);
            for _ in 0..count {
                buckets.push((meters.u64()?, meters.u32()?, meters.u32()?));
            }
            let meter = if which == 0 {
                &mut self.counters.day
            } else {
                &mut self.counters.month
            };
            meter.restore_buckets(buckets);
        }
        let mut ab = Cursor {
            bytes: section(snap, *b"ABAN")?,
        };
        while !ab.bytes.is_empty() {
            let id = ab.u32()?;
            let at = ab.u64()?;
            self.history.abandoned_at.insert(id, at);
        }
        let mut rd = Cursor {
            bytes: section(snap, *b"RECD")?,
        };
        while !rd.bytes.is_empty() {
            let number = rd.u64()?;
            let count = rd.u32()?;
            let times = self.history.recent_dials.entry(number).or_default();
            for _ in 0..count {
                times.push(rd.u64()?);
            }
        }
        // Optional: only a campaign with calling rules has it.
        if let Some(text) = snap.section(*b"RULE") {
            let text = std::str::from_utf8(text).map_err(|_| "section RULE not UTF-8")?;
            let set = crate::rules::RuleSet::parse(text).map_err(|e| e.to_string())?;
            self.install_rules(set);
        }
        if let Some(b) = snap.section(*b"RGNS") {
            for chunk in b.chunks(8) {
                let (id, region) = chunk.split_at_checked(4).ok_or("section RGNS cut")?;
                let id = u32::from_le_bytes(id.try_into().map_err(|_| "section RGNS cut")?);
                self.apply_contact_region(id, records::region_from_bytes(region)?);
            }
        }
        Ok(())
    }
}
