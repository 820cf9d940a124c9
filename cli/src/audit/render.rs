//! The audit as Markdown (printed and written) and as a standalone HTML
//! page with an inline SVG chart of the abandon rate per day and over the
//! rolling 30 days, against the target.

use std::fmt::Write as _;

use dialcore::records::format_time;

use super::{day_name, pct, Audit};

/// The audit as Markdown.
pub fn markdown(a: &Audit) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Compliance audit: {}\n", a.campaign);
    let _ = writeln!(s, "{}\n", span_line(a));
    let verdict = if a.passed() {
        "**PASSED**: every rule held."
    } else {
        "**FAILED**: a rule was broken."
    };
    let _ = writeln!(s, "{verdict}\n");
    let _ = writeln!(s, "| rule | result | found |\n|---|---|---|");
    for r in &a.rules {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            r.title,
            if r.passed { "pass" } else { "**FAIL**" },
            r.summary
        );
    }
    for r in a.rules.iter().filter(|r| !r.items.is_empty()) {
        let _ = writeln!(s, "\n## {}\n", r.title);
        for item in &r.items {
            let _ = writeln!(s, "- {item}");
        }
    }
    let _ = writeln!(
        s,
        "\n## Contacts held back, by reason\n\n| reason | hold-backs |\n|---|---:|"
    );
    for (reason, n) in &a.held_back {
        let _ = writeln!(s, "| {reason} | {n} |");
    }
    let _ = writeln!(s, "\n## Abandon rate per day\n");
    let _ = writeln!(
        s,
        "| day (UTC) | answered | abandoned | rate | rolling 30 days |\n|---|---:|---:|---:|---:|"
    );
    for (&d, day) in &a.days {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            day_name(d),
            day.answered,
            day.abandoned,
            pct(day.rate()),
            pct(day.rate_30d)
        );
    }
    s
}

fn span_line(a: &Audit) -> String {
    match a.span {
        Some((first, last)) => format!(
            "{} attempts dialed from {} to {}; abandon target {}.",
            a.attempts,
            format_time(first),
            format_time(last),
            pct(a.target)
        ),
        None => format!("No attempts; abandon target {}.", pct(a.target)),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The audit as a standalone HTML page.
pub fn html(a: &Audit) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Compliance audit: {0}</title>\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.2em .5em}}.fail{{color:#b00;font-weight:bold}}.pass{{color:#070}}</style>\
         </head><body>\n<h1>Compliance audit: {0}</h1>\n<p>{1}</p>\n",
        esc(&a.campaign),
        esc(&span_line(a))
    );
    let _ = writeln!(
        s,
        "<p class=\"{}\">{}</p>",
        if a.passed() { "pass" } else { "fail" },
        if a.passed() {
            "PASSED: every rule held."
        } else {
            "FAILED: a rule was broken."
        }
    );
    s.push_str("<table><tr><th>rule</th><th>result</th><th>found</th></tr>\n");
    for r in &a.rules {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
            esc(r.title),
            if r.passed { "pass" } else { "fail" },
            if r.passed { "pass" } else { "FAIL" },
            esc(&r.summary)
        );
    }
    s.push_str("</table>\n<h2>Contacts held back, by reason</h2>\n<table><tr><th>reason</th><th>hold-backs</th></tr>\n");
    for (reason, n) in &a.held_back {
        let _ = writeln!(s, "<tr><td>{reason}</td><td>{n}</td></tr>");
    }
    s.push_str("</table>\n<h2>Abandon rate</h2>\n");
    s.push_str(&svg(a));
    for r in a.rules.iter().filter(|r| !r.items.is_empty()) {
        let _ = writeln!(s, "<h2>{}</h2>\n<ul>", esc(r.title));
        for item in &r.items {
            let _ = writeln!(s, "<li>{}</li>", esc(item));
        }
        s.push_str("</ul>\n");
    }
    s.push_str("</body></html>\n");
    s
}

/// Bars: the rate per day; line: the rolling 30 days; dashed: the target.
pub fn svg(a: &Audit) -> String {
    let (w, h, left, bottom) = (640.0_f64, 240.0_f64, 48.0_f64, 28.0_f64);
    let n = a.days.len().max(1) as f64;
    let top_rate = a
        .days
        .values()
        .map(|d| d.rate().max(d.rate_30d))
        .fold(a.target * 1.5, f64::max)
        .max(0.01);
    let plot_w = w - left - 8.0;
    let plot_h = h - bottom - 8.0;
    let y = |rate: f64| 8.0 + plot_h * (1.0 - rate / top_rate);
    let slot = plot_w / n;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"abandon rate per day\">\n"
    );
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#333\"/>",
        8.0 + plot_h,
        w - 8.0,
        8.0 + plot_h
    );
    for i in 0..=4 {
        let rate = top_rate * f64::from(i) / 4.0;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"end\">{:.1}%</text>",
            left - 4.0,
            y(rate) + 3.0,
            rate * 100.0
        );
    }
    let mut line = String::new();
    for (i, (&d, day)) in a.days.iter().enumerate() {
        let x = left + slot * i as f64;
        let top = y(day.rate());
        let _ = writeln!(
            s,
            "<rect x=\"{:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#7aa6d8\"><title>{} {}</title></rect>",
            x + slot * 0.1,
            slot * 0.8,
            (8.0 + plot_h - top).max(0.0),
            day_name(d),
            pct(day.rate())
        );
        let _ = write!(line, "{:.1},{:.1} ", x + slot / 2.0, y(day.rate_30d));
    }
    if !line.is_empty() {
        let _ = writeln!(
            s,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"#d2691e\" stroke-width=\"2\"/>",
            line.trim_end()
        );
    }
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#b00\" stroke-dasharray=\"4 3\"/>",
        y(a.target),
        w - 8.0
    );
    let _ = writeln!(
        s,
        "<text x=\"{left}\" y=\"{}\" font-size=\"10\">bars: rate per day; line: rolling 30 days; dashed: target {}</text>",
        h - 8.0,
        pct(a.target)
    );
    s.push_str("</svg>\n");
    s
}
