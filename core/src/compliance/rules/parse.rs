//! The rule file format (TOML), read with `toml`'s spanned parser so every
//! error names its line and field.
//!
//! ```toml
//! # An example, not legal advice.
//! [campaign]                      # every number
//! hours = "Mon-Sat 08:00-21:00"   # a calling-window spec (crate::window)
//! closed_days = ["Sun"]           # day bans: closed all day
//! holidays = ["2026-12-25", "2026-12-31..2027-01-01"]  # local dates, or A..B inclusive
//! # ... or yearly: "12-25", "4th thu of nov", "last mon of may", each
//! # optionally "... observed" (Sat -> also Fri, Sun -> also Mon); see
//! # super::recurring
//! max_calls = 3                   # per number ...
//! per_hours = 24                  # ... in any rolling 24 h (1..=168; default 24)
//! unresolved = "most-restrictive" # numbers with no region: every region rule
//!                                 # applies ("most-restrictive", the default)
//!                                 # or only [campaign] ("campaign")
//!
//! [regions.US-FL]                 # ISO 3166: a subdivision ...
//! hours = "Mon-Sun 08:00-20:00"
//! max_calls = 3
//!
//! [regions.US]                    # ... or a whole country
//! holidays = [2026-11-26]         # TOML dates work as well as strings
//! ```
//!
//! Every key is optional; an empty file is a valid set that restricts
//! nothing. Unknown tables or keys, a region twice (`US-FL` and `us-fl`),
//! `max_calls` 0 or `per_hours` out of range, `per_hours` without
//! `max_calls`, bad times, days or dates are errors.

use jiff::civil::{Date, Weekday};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::recurring::{self, Yearly};
use super::{Cap, Rule, RuleSet, RulesError, Unresolved, MAX_CAP_HOURS, MAX_REGION_RULES};
use crate::nanp::Region;
use crate::window::WeeklyWindow;

struct Ctx<'a> {
    text: &'a str,
}

impl Ctx<'_> {
    fn line(&self, at: usize) -> usize {
        self.text[..at.min(self.text.len())]
            .bytes()
            .filter(|&b| b == b'\n')
            .count()
            + 1
    }

    fn err(
        &self,
        span: std::ops::Range<usize>,
        field: &str,
        message: impl Into<String>,
    ) -> RulesError {
        RulesError {
            line: self.line(span.start),
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Reads a rule file; see the module docs for the format.
pub fn parse(text: &str) -> Result<RuleSet, RulesError> {
    let ctx = Ctx { text };
    let doc = DeTable::parse(text).map_err(|e| {
        let line = e.span().map_or(0, |s| ctx.line(s.start));
        RulesError {
            line,
            field: String::new(),
            message: format!("not valid TOML: {}", e.message()),
        }
    })?;
    let mut set = RuleSet {
        campaign: Rule::default(),
        regions: Vec::new(),
        unresolved: Unresolved::default(),
        text: text.to_owned(),
    };
    for (key, value) in doc.get_ref().iter() {
        match key.get_ref().as_ref() {
            "campaign" => {
                let table = as_table(&ctx, value, "campaign")?;
                set.campaign = read_rule(&ctx, table, "campaign", Some(&mut set.unresolved))?;
            }
            "regions" => {
                let table = as_table(&ctx, value, "regions")?;
                for (name, rule) in table.iter() {
                    let field = format!("regions.{}", name.get_ref());
                    let region = Region::parse(name.get_ref())
                        .map_err(|e| ctx.err(name.span(), &field, e.to_string()))?;
                    if set.regions.iter().any(|(r, _)| *r == region) {
                        return Err(ctx.err(
                            name.span(),
                            &field,
                            format!("region {region} given twice"),
                        ));
                    }
                    if set.regions.len() == MAX_REGION_RULES {
                        return Err(ctx.err(
                            name.span(),
                            &field,
                            format!("more than {MAX_REGION_RULES} region rules"),
                        ));
                    }
                    let table = as_table(&ctx, rule, &field)?;
                    set.regions
                        .push((region, read_rule(&ctx, table, &field, None)?));
                }
            }
            other => {
                return Err(ctx.err(
                    key.span(),
                    other,
                    "unknown table (expected [campaign] or [regions.XX-YY])",
                ))
            }
        }
    }
    Ok(set)
}

fn as_table<'a, 'i>(
    ctx: &Ctx<'_>,
    value: &'a Spanned<DeValue<'i>>,
    field: &str,
) -> Result<&'a DeTable<'i>, RulesError> {
    match value.get_ref() {
        DeValue::Table(t) => Ok(t),
        _ => Err(ctx.err(value.span(), field, "expected a table")),
    }
}

fn as_str<'a>(
    ctx: &Ctx<'_>,
    value: &'a Spanned<DeValue<'_>>,
    field: &str,
) -> Result<&'a str, RulesError> {
    match value.get_ref() {
        DeValue::String(s) => Ok(s.as_ref()),
        _ => Err(ctx.err(value.span(), field, "expected a string")),
    }
}

fn as_u32(ctx: &Ctx<'_>, value: &Spanned<DeValue<'_>>, field: &str) -> Result<u32, RulesError> {
    match value.get_ref() {
        DeValue::Integer(i) => u32::from_str_radix(i.as_str(), i.radix()).map_err(|_| {
            ctx.err(
                value.span(),
                field,
                format!("{i} is not a whole number from 0 to 4294967295"),
            )
        }),
        _ => Err(ctx.err(value.span(), field, "expected a whole number")),
    }
}

fn as_array<'a, 'i>(
    ctx: &Ctx<'_>,
    value: &'a Spanned<DeValue<'i>>,
    field: &str,
) -> Result<&'a [Spanned<DeValue<'i>>], RulesError> {
    match value.get_ref() {
        DeValue::Array(a) => Ok(&a[..]),
        _ => Err(ctx.err(value.span(), field, "expected an array")),
    }
}

fn parse_date(
    ctx: &Ctx<'_>,
    text: &str,
    span: std::ops::Range<usize>,
    field: &str,
) -> Result<Date, RulesError> {
    text.trim().parse::<Date>().map_err(|_| {
        ctx.err(
            span,
            field,
            format!(
                "bad date {text:?} (expected YYYY-MM-DD, or yearly MM-DD or \"4th thu of nov\")"
            ),
        )
    })
}

fn parse_weekday(
    ctx: &Ctx<'_>,
    text: &str,
    span: std::ops::Range<usize>,
    field: &str,
) -> Result<Weekday, RulesError> {
    recurring::parse_weekday(&text.trim().to_ascii_lowercase()).ok_or_else(|| {
        ctx.err(
            span,
            field,
            format!("bad day {text:?} (expected Mon … Sun)"),
        )
    })
}

/// A yearly holiday text added to `rule`: `Ok(false)` when `text` is not a
/// yearly form (an explicit date, perhaps).
fn yearly(
    ctx: &Ctx<'_>,
    text: &str,
    span: std::ops::Range<usize>,
    field: &str,
    rule: &mut Rule,
) -> Result<bool, RulesError> {
    match Yearly::parse(text).map_err(|m| ctx.err(span, field, m))? {
        Some(y) => {
            rule.holidays.add_yearly(y);
            Ok(true)
        }
        None => Ok(false),
    }
}

fn read_rule(
    ctx: &Ctx<'_>,
    table: &DeTable<'_>,
    at: &str,
    mut unresolved: Option<&mut Unresolved>,
) -> Result<Rule, RulesError> {
    let mut rule = Rule::default();
    let mut max_calls: Option<(u32, std::ops::Range<usize>)> = None;
    let mut per_hours: Option<(u32, std::ops::Range<usize>)> = None;
    // Keys come sorted, not in file order: closed days apply after `hours`.
    let mut closed: Vec<Weekday> = Vec::new();
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let field = format!("{at}.{name}");
        match name {
            "hours" => {
                let spec = as_str(ctx, value, &field)?;
                rule.hours = WeeklyWindow::parse(spec)
                    .map_err(|e| ctx.err(value.span(), &field, e.to_string()))?;
            }
            "closed_days" => {
                for day in as_array(ctx, value, &field)? {
                    closed.push(parse_weekday(
                        ctx,
                        as_str(ctx, day, &field)?,
                        day.span(),
                        &field,
                    )?);
                }
            }
            "holidays" => {
                for item in as_array(ctx, value, &field)? {
                    let (first, last) = match item.get_ref() {
                        DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                            let d = parse_date(ctx, &dt.to_string(), item.span(), &field)?;
                            (d, d)
                        }
                        DeValue::String(s) => match s.split_once("..") {
                            None if yearly(ctx, s, item.span(), &field, &mut rule)? => continue,
                            Some((a, b)) => (
                                parse_date(ctx, a, item.span(), &field)?,
                                parse_date(ctx, b, item.span(), &field)?,
                            ),
                            None => {
                                let d = parse_date(ctx, s, item.span(), &field)?;
                                (d, d)
                            }
                        },
                        _ => {
                            return Err(ctx.err(
                                item.span(),
                                &field,
                                "expected a date (\"2026-12-25\" or 2026-12-25) or a range \"2026-12-24..2026-12-26\"",
                            ))
                        }
                    };
                    if first > last {
                        return Err(ctx.err(
                            item.span(),
                            &field,
                            format!("range ends before it starts ({first} > {last})"),
                        ));
                    }
                    rule.holidays.add(first, last);
                }
            }
            "max_calls" => {
                let n = as_u32(ctx, value, &field)?;
                if n == 0 {
                    return Err(ctx.err(
                        value.span(),
                        &field,
                        "must be at least 1 (use hours = \"never\" to forbid calls)",
                    ));
                }
                max_calls = Some((n, value.span()));
            }
            "per_hours" => {
                let n = as_u32(ctx, value, &field)?;
                if !(1..=MAX_CAP_HOURS).contains(&n) {
                    return Err(ctx.err(
                        value.span(),
                        &field,
                        format!("must be 1 to {MAX_CAP_HOURS} hours"),
                    ));
                }
                per_hours = Some((n, value.span()));
            }
            "unresolved" if unresolved.is_some() => {
                let v = as_str(ctx, value, &field)?;
                let u = match v.trim().to_ascii_lowercase().as_str() {
                    "most-restrictive" => Unresolved::MostRestrictive,
                    "campaign" => Unresolved::Campaign,
                    _ => {
                        return Err(ctx.err(
                            value.span(),
                            &field,
                            format!("{v:?}: expected \"most-restrictive\" or \"campaign\""),
                        ))
                    }
                };
                if let Some(slot) = unresolved.as_deref_mut() {
                    *slot = u;
                }
            }
            _ => {
                return Err(ctx.err(
                    key.span(),
                    &field,
                    "unknown key (expected hours, closed_days, holidays, max_calls, per_hours)",
                ))
            }
        }
    }
    for day in closed {
        rule.hours = rule.hours.without_day(day);
    }
    match (max_calls, per_hours) {
        (Some((n, _)), hours) => rule.caps.push(Cap {
            max_calls: n,
            period_ms: u64::from(hours.map_or(24, |h| h.0)) * 3_600_000,
        }),
        (None, Some((_, span))) => {
            return Err(ctx.err(
                span,
                &format!("{at}.per_hours"),
                "per_hours needs max_calls",
            ))
        }
        (None, None) => {}
    }
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn reads_every_field() {
        let set = parse(
            r#"
[campaign]
hours = "Mon-Sat 08:00-21:00"
closed_days = ["Sun", "saturday"]
holidays = ["2026-12-25", "2026-12-31..2027-01-01", 2026-11-26, "last mon of may", "07-04 observed"]
max_calls = 5
unresolved = "campaign"

[regions.US-FL]
hours = "Mon-Sun 08:00-20:00"
max_calls = 3
per_hours = 24

[regions.us]
max_calls = 1
per_hours = 1
"#,
        )
        .unwrap();
        assert_eq!(
            set.campaign.hours,
            WeeklyWindow::parse("Mon-Fri 08:00-21:00").unwrap()
        );
        assert!(set.campaign.holidays.contains(date(2026, 11, 26)));
        assert!(set.campaign.holidays.contains(date(2027, 1, 1)));
        assert!(!set.campaign.holidays.contains(date(2026, 12, 30)));
        assert_eq!(set.campaign.holidays.yearly().len(), 2);
        assert!(set.campaign.holidays.contains(date(2027, 5, 31)));
        assert!(set.campaign.holidays.contains(date(2026, 7, 3)));
        assert!(!set.campaign.holidays.contains(date(2027, 7, 3)));
        assert_eq!(
            set.campaign.caps.as_slice(),
            [Cap {
                max_calls: 5,
                period_ms: 24 * 3_600_000
            }]
        );
        assert_eq!(set.unresolved, Unresolved::Campaign);
        assert_eq!(set.regions.len(), 2);
        assert_eq!(set.regions[1].0.to_string(), "US");
        assert_eq!(
            set.regions[1].1.caps.as_slice(),
            [Cap {
                max_calls: 1,
                period_ms: 3_600_000
            }]
        );
        assert!(parse("").unwrap().regions.is_empty());
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let cases: &[(&str, usize, &str, &str)] = &[
            (
                "[campaign]\nhours = \"Mon 25:00-26:00\"\n",
                2,
                "campaign.hours",
                "25:00",
            ),
            (
                "[campaign]\n\nclosed_days = [\"Sunday\", \"Funday\"]\n",
                3,
                "campaign.closed_days",
                "Funday",
            ),
            (
                "[regions.US-FL]\nholidays = [\"2026-02-30\"]\n",
                2,
                "regions.US-FL.holidays",
                "2026-02-30",
            ),
            (
                "[regions.US-FL]\nholidays = [\"2026-12-26..2026-12-24\"]\n",
                2,
                "regions.US-FL.holidays",
                "before",
            ),
            (
                "[campaign]\n\nholidays = [\"12-25\", \"5th mon of may\"]\n",
                3,
                "campaign.holidays",
                "ordinal",
            ),
            (
                "[campaign]\nholidays = [\"02-30 observed\"]\n",
                2,
                "campaign.holidays",
                "no such day",
            ),
            ("[regions.Florida]\n", 1, "regions.Florida", "Florida"),
            (
                "[regions.US-FL]\n[regions.us-fl]\n",
                2,
                "regions.us-fl",
                "twice",
            ),
            (
                "[campaign]\nmax_calls = 0\n",
                2,
                "campaign.max_calls",
                "at least 1",
            ),
            (
                "[campaign]\nmax_calls = -1\n",
                2,
                "campaign.max_calls",
                "-1",
            ),
            (
                "[campaign]\nmax_calls = 2\nper_hours = 169\n",
                3,
                "campaign.per_hours",
                "168",
            ),
            (
                "[campaign]\nper_hours = 2\n",
                2,
                "campaign.per_hours",
                "needs max_calls",
            ),
            (
                "[campaign]\nhuors = \"always\"\n",
                2,
                "campaign.huors",
                "unknown key",
            ),
            (
                "[regions.US]\nunresolved = \"campaign\"\n",
                2,
                "regions.US.unresolved",
                "unknown key",
            ),
            (
                "[campaign]\nunresolved = \"lenient\"\n",
                2,
                "campaign.unresolved",
                "lenient",
            ),
            ("[campain]\n", 1, "campain", "unknown table"),
            ("[campaign]\nhours = 9\n", 2, "campaign.hours", "string"),
            (
                "[campaign]\nhours = \"always\"\nhours = \"never\"\n",
                3,
                "",
                "TOML",
            ),
        ];
        for &(text, line, field, needle) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert_eq!(err.field, field, "{text:?}: {err}");
            assert!(err.to_string().contains(needle), "{text:?}: {err}");
            assert!(err.to_string().contains(&format!("line {line}")), "{err}");
        }
    }
}
