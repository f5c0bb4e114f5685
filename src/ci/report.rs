//! What the gate says: a plain-text summary for the log, JUnit XML for CI test
//! reports (each check and each newly failing item a test case), and markdown
//! for a pull-request comment.

use crate::model::dataset::Dataset;
use crate::model::gate::GateResult;
use crate::model::paired::Comparison;
use crate::model::run::DatasetRun;

pub struct Report<'a> {
    pub base: &'a str,
    pub dataset: &'a Dataset,
    pub run: &'a DatasetRun,
    pub baseline: &'a DatasetRun,
    pub result: &'a GateResult,
}

impl Report<'_> {
    fn verdict(&self) -> &'static str {
        if self.result.passed {
            "PASSED"
        } else {
            "FAILED"
        }
    }

    fn compare_url(&self) -> String {
        format!("{}/datasets/{}/compare?runs={},{}", self.base, self.dataset.id, self.baseline.id, self.run.id)
    }

    /// One row per score: baseline mean, run mean, and the paired statistics.
    fn rows(&self) -> Vec<[String; 6]> {
        let r = self.result;
        let names: std::collections::BTreeSet<&String> = r.means.keys().chain(r.baseline_means.keys()).collect();
        names
            .into_iter()
            .map(|name| {
                let mean = |m: Option<&f64>| m.map(|v| format!("{v:.3}")).unwrap_or_else(|| "–".into());
                let stats = r.comparisons.iter().find(|c| &c.score == name);
                [
                    name.clone(),
                    mean(r.baseline_means.get(name)),
                    mean(r.means.get(name)),
                    stats.map(|c| format!("{:+.3}", c.mean_delta)).unwrap_or_else(|| "–".into()),
                    stats.map(|c| format!("{:+.3} … {:+.3}", c.ci_low, c.ci_high)).unwrap_or_else(|| "–".into()),
                    stats.map(verdict_words).unwrap_or_else(|| "not paired".into()),
                ]
            })
            .collect()
    }
}

fn verdict_words(c: &Comparison) -> String {
    let mut words = format!("{} (n = {})", c.verdict.label(), c.n);
    if let Some(p) = c.mcnemar_p {
        words.push_str(&format!(
            ", {} newly failing, {} newly passing, McNemar p = {p:.3}",
            c.newly_failing.len(),
            c.newly_passing.len()
        ));
    }
    words
}

const HEADERS: [&str; 6] = ["score", "baseline", "run", "mean Δ", "95 % interval", "verdict"];

/// The summary printed on stdout.
pub fn summary(r: &Report) -> String {
    let mut out = format!(
        "observ gate: {} — dataset `{}`, run `{}` (#{}) against the baseline `{}` (#{})\n",
        r.verdict(),
        r.dataset.name,
        r.run.name,
        r.run.id,
        r.baseline.name,
        r.baseline.id
    );
    out.push_str(&format!(
        "run {}: {} items, {} failed, {} tokens, ${:.4}\n\n",
        r.run.status.as_str(),
        r.run.total_items,
        r.run.failed_items,
        r.run.total_tokens,
        r.run.total_cost
    ));
    let rows = r.rows();
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|row| row[i].chars().count()).chain([HEADERS[i].chars().count()]).max().unwrap_or(0))
        .collect();
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("  {}\n", padded.join("  ").trim_end())
    };
    out.push_str(&line(HEADERS.to_vec()));
    for row in &rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    if !r.result.checks.is_empty() {
        out.push_str("\nchecks:\n");
        for check in &r.result.checks {
            let mark = if check.passed { "ok  " } else { "FAIL" };
            out.push_str(&format!("  {mark} {} — {}\n", check.condition, check.detail));
        }
    }
    if !r.result.newly_failing.is_empty() {
        out.push_str(&format!("\nnewly failing items ({}):\n", r.result.newly_failing.len()));
        for item in &r.result.newly_failing {
            out.push_str(&format!(
                "  item #{} fails {} (passed in the baseline): {}\n",
                item.dataset_item_id,
                item.scores.join(", "),
                item.input_preview
            ));
        }
    }
    out.push_str(&format!("\ncompare: {}", r.compare_url()));
    out
}

fn xml(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// JUnit XML: a test case per check and per newly failing item.
pub fn junit(r: &Report) -> String {
    let mut cases = Vec::new();
    for check in &r.result.checks {
        let failure = (!check.passed).then(|| check.detail.clone());
        cases.push(("observ.gate.checks", check.condition.clone(), failure));
    }
    for item in &r.result.newly_failing {
        let name = format!("item #{}: {}", item.dataset_item_id, item.input_preview);
        let failure = format!("newly fails {} (passed in the baseline run #{})", item.scores.join(", "), r.baseline.id);
        cases.push(("observ.gate.items", name, Some(failure)));
    }
    let failures = cases.iter().filter(|c| c.2.is_some()).count();
    let suite = xml(&format!("observ gate: {} run {} vs baseline {}", r.dataset.name, r.run.name, r.baseline.name));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!("<testsuites name=\"observ gate\" tests=\"{}\" failures=\"{failures}\">\n", cases.len()));
    out.push_str(&format!("  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{failures}\">\n", cases.len()));
    for (class, name, failure) in &cases {
        out.push_str(&format!("    <testcase classname=\"{class}\" name=\"{}\"", xml(name)));
        match failure {
            None => out.push_str("/>\n"),
            Some(message) => out.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                xml(message),
                xml(&format!("{message}\ncompare: {}", r.compare_url()))
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// Text for a markdown table cell or list entry: no table breaks, no markup.
fn md(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('`', "\\`")
        .replace('*', "\\*")
        .replace('_', "\\_")
        .replace('<', "&lt;")
        .replace(['\n', '\r'], " ")
}

/// A markdown summary for a pull-request comment.
pub fn markdown(r: &Report) -> String {
    let icon = if r.result.passed { "✅" } else { "❌" };
    let mut out = format!(
        "### {icon} Observ gate {}: {} — run {} vs baseline {}\n\n",
        r.verdict().to_lowercase(),
        md(&r.dataset.name),
        md(&r.run.name),
        md(&r.baseline.name)
    );
    out.push_str(&format!("| {} |\n|{}\n", HEADERS.join(" | "), "---|".repeat(6)));
    for row in r.rows() {
        out.push_str(&format!("| {} |\n", row.iter().map(|c| md(c)).collect::<Vec<_>>().join(" | ")));
    }
    if !r.result.checks.is_empty() {
        out.push('\n');
        for check in &r.result.checks {
            let mark = if check.passed { "✅" } else { "❌" };
            out.push_str(&format!("- {mark} {} — {}\n", md(&check.condition), md(&check.detail)));
        }
    }
    if !r.result.newly_failing.is_empty() {
        out.push_str(&format!(
            "\n**Newly failing items ({})**\n\n| item | fails | input |\n|---|---|---|\n",
            r.result.newly_failing.len()
        ));
        for item in &r.result.newly_failing {
            out.push_str(&format!(
                "| #{} | {} | {} |\n",
                item.dataset_item_id,
                md(&item.scores.join(", ")),
                md(&item.input_preview)
            ));
        }
    }
    out.push_str(&format!("\n[Open the comparison]({})\n", r.compare_url()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_is_escaped_for_xml_and_markdown() {
        assert_eq!(xml("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(md("a|b `c` *d*\nnext"), "a\\|b \\`c\\` \\*d\\* next");
    }
}
