//! The floor journal's records: one [`Admin`] change each, encoded as a
//! kind byte and its fields (little-endian integers, length-prefixed
//! strings and number lists), in the checksummed frames of
//! [`crate::journal`]. A campaign record carries every setting of
//! [`CONFIG_FIELDS`] by name, so a build with a new setting still reads an
//! old journal (the setting keeps its default) and an unknown one is an
//! error naming it.

use super::super::caps::CapsConfig;
use super::super::dnc::{ListId, Scope};
use super::super::trunk::{TrunkConfig, TrunkId};
use super::super::{CampaignId, PoolId};
use crate::config::{CampaignConfig, FieldValue, CONFIG_FIELDS};

/// One admin change, as journaled.
#[derive(Debug, Clone, PartialEq)]
pub(in crate::floor) enum Admin {
    AddCampaign(String, u8, u32, Vec<(String, FieldValue)>),
    RemoveCampaign(CampaignId),
    Share(CampaignId, u8, u32),
    AddPool(String),
    Assign(PoolId, CampaignId, bool),
    AddOperator(PoolId),
    InboundTarget(PoolId, u32),
    AddTrunk(TrunkConfig),
    Route(CampaignId, Vec<TrunkId>),
    AddList(String, Scope),
    ListAdd(ListId, Vec<u64>, Option<u64>),
    ListRemove(ListId, Vec<u64>),
    Caps(CapsConfig),
}

/// Every setting of the configuration, by name.
pub(super) fn config_values(config: &CampaignConfig) -> Vec<(String, FieldValue)> {
    CONFIG_FIELDS
        .iter()
        .map(|f| (f.name.to_owned(), (f.get)(config)))
        .collect()
}

/// The configuration of journaled settings (a setting this build does not
/// know is an error naming it).
pub(super) fn config_from(values: &[(String, FieldValue)]) -> Result<CampaignConfig, String> {
    let mut config = CampaignConfig::default();
    for (name, value) in values {
        let field = crate::config::config_field(name)
            .ok_or_else(|| format!("floor journal: unknown campaign setting {name:?}"))?;
        (field.set)(&mut config, value.clone())
            .map_err(|e| format!("floor journal: setting {name}: {e}"))?;
    }
    Ok(config)
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
    buf.extend_from_slice(s.as_bytes());
}

fn put_u32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_u64(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(&v.to_le_bytes());
}

fn put_numbers(buf: &mut Vec<u8>, numbers: &[u64]) {
    put_u32(buf, numbers.len() as u32);
    for &n in numbers {
        put_u64(buf, n);
    }
}

pub(super) fn encode(admin: &Admin, buf: &mut Vec<u8>) {
    match admin {
        Admin::AddCampaign(name, priority, weight, values) => {
            buf.push(1);
            put_str(buf, name);
            buf.push(*priority);
            put_u32(buf, *weight);
            put_u32(buf, values.len() as u32);
            for (field, value) in values {
                put_str(buf, field);
                match value {
                    FieldValue::Bool(b) => buf.extend_from_slice(&[1, u8::from(*b)]),
                    FieldValue::UInt(u) => {
                        buf.push(2);
                        put_u64(buf, *u);
                    }
                    FieldValue::Float(x) => {
                        buf.push(3);
                        put_u64(buf, x.to_bits());
                    }
                    FieldValue::Text(s) => {
                        buf.push(4);
                        put_str(buf, s);
                    }
                    FieldValue::None => buf.push(5),
                }
            }
        }
        Admin::RemoveCampaign(c) => {
            buf.push(2);
            put_u32(buf, c.0);
        }
        Admin::Share(c, p, w) => {
            buf.push(3);
            put_u32(buf, c.0);
            buf.push(*p);
            put_u32(buf, *w);
        }
        Admin::AddPool(name) => {
            buf.push(4);
            put_str(buf, name);
        }
        Admin::Assign(p, c, on) => {
            buf.push(5);
            put_u32(buf, p.0);
            put_u32(buf, c.0);
            buf.push(u8::from(*on));
        }
        Admin::AddOperator(p) => {
            buf.push(6);
            put_u32(buf, p.0);
        }
        Admin::InboundTarget(p, n) => {
            buf.push(7);
            put_u32(buf, p.0);
            put_u32(buf, *n);
        }
        Admin::AddTrunk(t) => {
            buf.push(8);
            for v in [t.max_calls, t.cps_milli, t.burst, t.min_cps_milli] {
                put_u32(buf, v);
            }
        }
        Admin::Route(c, trunks) => {
            buf.push(9);
            put_u32(buf, c.0);
            put_u32(buf, trunks.len() as u32);
            for t in trunks {
                put_u32(buf, t.0);
            }
        }
        Admin::AddList(name, scope) => {
            buf.push(10);
            put_str(buf, name);
            match scope {
                Scope::Floor => buf.push(0),
                Scope::Campaign(c) => {
                    buf.push(1);
                    put_u32(buf, c.0);
                }
                Scope::Campaigns(cs) => {
                    buf.push(2);
                    put_u32(buf, cs.len() as u32);
                    for c in cs {
                        put_u32(buf, c.0);
                    }
                }
            }
        }
        Admin::ListAdd(l, numbers, until) => {
            buf.push(11);
            put_u32(buf, l.0);
            match until {
                None => buf.push(0),
                Some(t) => {
                    buf.push(1);
                    put_u64(buf, *t);
                }
            }
            put_numbers(buf, numbers);
        }
        Admin::ListRemove(l, numbers) => {
            buf.push(12);
            put_u32(buf, l.0);
            put_numbers(buf, numbers);
        }
        Admin::Caps(c) => {
            buf.push(13);
            for v in [c.per_24h, c.per_days, c.days] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
}

/// Reads a payload front to back; running out of bytes is an error.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.0.len() < n {
            return Err("a record ends early".to_owned());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(
            self.take(2)?.try_into().expect("2 bytes"),
        ))
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn str(&mut self) -> Result<String, String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| "a name is not UTF-8".to_owned())
    }

    fn numbers(&mut self) -> Result<Vec<u64>, String> {
        let n = self.u32()? as usize;
        if n > self.0.len() / 8 {
            return Err("a number list ends early".to_owned());
        }
        (0..n).map(|_| self.u64()).collect()
    }
}

pub(super) fn decode(payload: &[u8]) -> Result<Admin, String> {
    let mut r = Reader(payload);
    let admin = match r.u8()? {
        1 => {
            let name = r.str()?;
            let priority = r.u8()?;
            let weight = r.u32()?;
            let n = r.u32()?;
            let mut values = Vec::new();
            for _ in 0..n {
                let field = r.str()?;
                let value = match r.u8()? {
                    1 => FieldValue::Bool(r.u8()? != 0),
                    2 => FieldValue::UInt(r.u64()?),
                    3 => FieldValue::Float(f64::from_bits(r.u64()?)),
                    4 => FieldValue::Text(r.str()?),
                    5 => FieldValue::None,
                    k => return Err(format!("unknown setting value kind {k}")),
                };
                values.push((field, value));
            }
            Admin::AddCampaign(name, priority, weight, values)
        }
        2 => Admin::RemoveCampaign(CampaignId(r.u32()?)),
        3 => Admin::Share(CampaignId(r.u32()?), r.u8()?, r.u32()?),
        4 => Admin::AddPool(r.str()?),
        5 => Admin::Assign(PoolId(r.u32()?), CampaignId(r.u32()?), r.u8()? != 0),
        6 => Admin::AddOperator(PoolId(r.u32()?)),
        7 => Admin::InboundTarget(PoolId(r.u32()?), r.u32()?),
        8 => Admin::AddTrunk(TrunkConfig {
            max_calls: r.u32()?,
            cps_milli: r.u32()?,
            burst: r.u32()?,
            min_cps_milli: r.u32()?,
        }),
        9 => {
            let c = CampaignId(r.u32()?);
            let n = r.u32()?;
            let trunks = (0..n)
                .map(|_| r.u32().map(TrunkId))
                .collect::<Result<_, _>>()?;
            Admin::Route(c, trunks)
        }
        10 => {
            let name = r.str()?;
            let scope = match r.u8()? {
                0 => Scope::Floor,
                1 => Scope::Campaign(CampaignId(r.u32()?)),
                2 => {
                    let n = r.u32()?;
                    Scope::Campaigns(
                        (0..n)
                            .map(|_| r.u32().map(CampaignId))
                            .collect::<Result<_, _>>()?,
                    )
                }
                k => return Err(format!("unknown list scope {k}")),
            };
            Admin::AddList(name, scope)
        }
        11 => {
            let l = ListId(r.u32()?);
            let until = match r.u8()? {
                0 => None,
                _ => Some(r.u64()?),
            };
            Admin::ListAdd(l, r.numbers()?, until)
        }
        12 => Admin::ListRemove(ListId(r.u32()?), r.numbers()?),
        13 => Admin::Caps(CapsConfig {
            per_24h: r.u16()?,
            per_days: r.u16()?,
            days: r.u16()?,
        }),
        k => return Err(format!("unknown floor record kind {k}")),
    };
    if !r.0.is_empty() {
        return Err("a record has bytes left over".to_owned());
    }
    Ok(admin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_admin_record_round_trips() {
        let config = CampaignConfig::default();
        let records = [
            Admin::AddCampaign("sales".into(), 3, 7, config_values(&config)),
            Admin::RemoveCampaign(CampaignId(4)),
            Admin::Share(CampaignId(1), 2, 9),
            Admin::AddPool("english".into()),
            Admin::Assign(PoolId(1), CampaignId(2), false),
            Admin::AddOperator(PoolId(3)),
            Admin::InboundTarget(PoolId(0), 5),
            Admin::AddTrunk(TrunkConfig::new(30, 5)),
            Admin::Route(CampaignId(1), vec![TrunkId(0), TrunkId(2)]),
            Admin::AddList(
                "brand".into(),
                Scope::Campaigns(vec![CampaignId(0), CampaignId(3)]),
            ),
            Admin::ListAdd(ListId(1), vec![12_125_550_100, 7], Some(99)),
            Admin::ListRemove(ListId(0), vec![1, 2, 3]),
            Admin::Caps(CapsConfig {
                per_24h: 3,
                per_days: 7,
                days: 7,
            }),
        ];
        for admin in records {
            let mut buf = Vec::new();
            encode(&admin, &mut buf);
            assert_eq!(decode(&buf), Ok(admin.clone()));
            assert!(
                decode(&buf[..buf.len() - 1]).is_err(),
                "{admin:?} cut short"
            );
        }
        assert_eq!(config_from(&config_values(&config)), Ok(config));
        assert!(decode(&[99]).unwrap_err().contains("99"));
    }
}
