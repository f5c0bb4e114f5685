//! `observ gate`: the CI gate. Against a running Observ server (the key from
//! `OBSERV_API_KEY`), it starts a run of a dataset (or takes a finished one),
//! shows its progress on the terminal, has the server judge it against the
//! dataset's baseline with the compare statistics, prints a summary, writes
//! JUnit XML and a markdown summary when asked, and exits 0 when the gate
//! holds, 1 when it fails, 2 on an error.

mod api;
mod progress;
pub mod report;

use crate::model::dataset::Dataset;
use crate::model::gate::{GateConditions, GateResult};
use crate::model::run::DatasetRun;
use api::{decode, Api};
use serde_json::{json, Value};
use std::time::Duration;

pub const USAGE: &str = "usage: observ gate --url URL --dataset NAME [options]   (key from OBSERV_API_KEY)
  --url URL                 the Observ server (or OBSERV_URL)
  --dataset NAME            the dataset to run
  --run-name NAME           name of the run to start; a run of that name that exists already is taken
  --run RUN                 take this existing run (id or name) instead of starting one
  --baseline RUN|baseline   compare with this run (id or name), or the dataset's marked baseline (default)
  --min SCORE=VALUE         the run's mean of SCORE must be at least VALUE (repeatable)
  --max-newly-failing N     at most N items may fail that passed in the baseline
  --allow-worse             do not fail on a `worse` verdict (by default any worse score fails)
  --concurrency N           items run at once (server default otherwise)
  --repetitions N           runs of each item (default 1)
  --timeout SECONDS         give up waiting for the run after this long (default 3600)
  --junit FILE              write the checks and newly failing items as JUnit XML
  --markdown FILE           write a markdown summary (for a pull-request comment)
exit status: 0 the gate holds, 1 it fails, 2 an error (bad arguments, URL, key, dataset…)";

/// Why the gate could not give a verdict (exit 2).
#[derive(Debug)]
pub enum GateError {
    Usage(String),
    Failed(String),
}

impl std::fmt::Display for GateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GateError::Usage(m) => write!(f, "{m}\n{USAGE}"),
            GateError::Failed(m) => write!(f, "{m}"),
        }
    }
}

/// The command line, read.
#[derive(Debug, Default)]
pub struct Options {
    pub url: String,
    pub dataset: String,
    pub run_name: Option<String>,
    pub run: Option<String>,
    pub baseline: Option<String>,
    pub conditions: GateConditions,
    pub concurrency: Option<i64>,
    pub repetitions: Option<i64>,
    pub timeout: Duration,
    pub junit: Option<String>,
    pub markdown: Option<String>,
}

impl Options {
    pub fn parse(args: &[String], url_from_env: Option<String>) -> Result<Options, GateError> {
        let usage = |m: String| GateError::Usage(m);
        let mut o = Options { timeout: Duration::from_secs(3600), ..Options::default() };
        let mut url = url_from_env;
        let mut dataset = None;
        let mut words = args.iter();
        while let Some(flag) = words.next() {
            if flag == "--allow-worse" {
                o.conditions.fail_on_worse = false;
                continue;
            }
            const WITH_VALUE: [&str; 12] = [
                "--url",
                "--dataset",
                "--run-name",
                "--run",
                "--baseline",
                "--min",
                "--max-newly-failing",
                "--concurrency",
                "--repetitions",
                "--timeout",
                "--junit",
                "--markdown",
            ];
            if !WITH_VALUE.contains(&flag.as_str()) {
                return Err(usage(format!("unknown option `{flag}`")));
            }
            let value = words.next().ok_or_else(|| usage(format!("{flag} needs a value")))?.clone();
            let number = |v: &str| v.parse::<i64>().map_err(|_| usage(format!("{flag} {v}: expected a whole number")));
            match flag.as_str() {
                "--url" => url = Some(value),
                "--dataset" => dataset = Some(value),
                "--run-name" => o.run_name = Some(value),
                "--run" => o.run = Some(value),
                "--baseline" => o.baseline = Some(value),
                "--min" => {
                    let (score, min) = value
                        .split_once('=')
                        .ok_or_else(|| usage(format!("--min {value}: expected SCORE=VALUE, e.g. exact=0.9")))?;
                    let min: f64 = min
                        .trim()
                        .parse()
                        .ok()
                        .filter(|m: &f64| m.is_finite())
                        .ok_or_else(|| usage(format!("--min {value}: `{min}` is not a number")))?;
                    o.conditions.min.insert(score.trim().to_string(), min);
                }
                "--max-newly-failing" => {
                    let n = number(&value)?;
                    o.conditions.max_newly_failing =
                        Some(usize::try_from(n).map_err(|_| usage(format!("{flag} {value}: must be 0 or more")))?);
                }
                "--concurrency" => o.concurrency = Some(number(&value)?),
                "--repetitions" => o.repetitions = Some(number(&value)?),
                "--timeout" => o.timeout = Duration::from_secs(number(&value)?.max(1) as u64),
                "--junit" => o.junit = Some(value),
                "--markdown" => o.markdown = Some(value),
                _ => unreachable!("every flag with a value is matched above"),
            }
        }
        o.url = url.ok_or_else(|| usage("--url is required (or set OBSERV_URL)".into()))?;
        o.dataset = dataset.ok_or_else(|| usage("--dataset is required".into()))?;
        if o.run.is_some() && o.run_name.is_some() {
            return Err(usage("--run takes an existing run; --run-name names a new one: give one of them".into()));
        }
        Ok(o)
    }
}

/// Runs the gate; returns the exit status.
pub async fn main(args: &[String]) -> i32 {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return 0;
    }
    match gate(args).await {
        Ok(passed) => i32::from(!passed),
        Err(e) => {
            eprintln!("observ gate: {e}");
            2
        }
    }
}

async fn gate(args: &[String]) -> Result<bool, GateError> {
    let options = Options::parse(args, std::env::var("OBSERV_URL").ok())?;
    let key = std::env::var("OBSERV_API_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
        .ok_or_else(|| GateError::Usage("OBSERV_API_KEY is not set: create a key in Settings → API keys".into()))?;
    let api = Api::new(&options.url, key.trim())?;
    let dataset = find_dataset(&api, &options.dataset).await?;
    let runs: Vec<DatasetRun> =
        decode(api.get(&format!("/api/v1/datasets/{}/runs", dataset.id)).await?["data"].take(), "runs")?;
    let baseline = baseline_of(&dataset, &runs, options.baseline.as_deref())?;
    let run = candidate(&api, &dataset, &runs, &options).await?;
    if run.id == baseline.id {
        return Err(GateError::Failed(format!("the run and the baseline are the same run (#{})", run.id)));
    }
    let mut bar = progress::Bar::new();
    let run = api.follow(run.id, options.timeout, |p| bar.draw(p)).await?;
    bar.finish(&crate::model::run_item::RunProgress::from(&run));
    let body = json!({"run_id": run.id, "baseline_run_id": baseline.id, "conditions": options.conditions});
    let result: GateResult =
        decode(api.post(&format!("/api/v1/datasets/{}/gate", dataset.id), &body).await?, "the gate")?;
    let report =
        report::Report { base: api.base(), dataset: &dataset, run: &run, baseline: &baseline, result: &result };
    println!("{}", report::summary(&report));
    if let Some(path) = &options.junit {
        write(path, &report::junit(&report))?;
    }
    if let Some(path) = &options.markdown {
        write(path, &report::markdown(&report))?;
    }
    Ok(result.passed)
}

fn write(path: &str, text: &str) -> Result<(), GateError> {
    std::fs::write(path, text).map_err(|e| GateError::Failed(format!("cannot write {path}: {e}")))
}

async fn find_dataset(api: &Api, name: &str) -> Result<Dataset, GateError> {
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/datasets?limit=100&search={}", encode(name));
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", encode(c)));
        }
        let mut page = api.get(&path).await?;
        let found: Vec<Dataset> = decode(page["data"].take(), "datasets")?;
        if let Some(dataset) = found.into_iter().find(|d| d.name == name) {
            return Ok(dataset);
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_string()),
            None => return Err(GateError::Failed(format!("no dataset named `{name}` on {}", api.base()))),
        }
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A run of the dataset by id or name.
fn named<'a>(runs: &'a [DatasetRun], which: &str) -> Option<&'a DatasetRun> {
    let id: Option<i64> = which.trim_start_matches('#').parse().ok();
    runs.iter().find(|r| Some(r.id) == id).or_else(|| runs.iter().find(|r| r.name == which))
}

fn baseline_of(dataset: &Dataset, runs: &[DatasetRun], which: Option<&str>) -> Result<DatasetRun, GateError> {
    let run = match which.unwrap_or("baseline") {
        "baseline" => {
            let id = dataset.baseline_run_id.ok_or_else(|| {
                GateError::Failed(format!(
                    "dataset `{}` has no baseline: mark a run as its baseline (Runs tab, or POST /api/v1/runs/{{id}}/baseline), or pass --baseline RUN",
                    dataset.name
                ))
            })?;
            runs.iter().find(|r| r.id == id)
        }
        other => named(runs, other),
    };
    let run = run.ok_or_else(|| {
        GateError::Failed(format!("--baseline {}: no such run of `{}`", which.unwrap_or("baseline"), dataset.name))
    })?;
    if !run.status.is_finished() {
        return Err(GateError::Failed(format!("the baseline run `{}` is still {}", run.name, run.status.as_str())));
    }
    Ok(run.clone())
}

/// The run to judge: the one named by `--run`, the existing run called
/// `--run-name`, or a new run started now.
async fn candidate(api: &Api, dataset: &Dataset, runs: &[DatasetRun], o: &Options) -> Result<DatasetRun, GateError> {
    if let Some(which) = &o.run {
        return named(runs, which)
            .cloned()
            .ok_or_else(|| GateError::Failed(format!("--run {which}: no such run of `{}`", dataset.name)));
    }
    if let Some(existing) = o.run_name.as_deref().and_then(|name| runs.iter().find(|r| r.name == name)) {
        eprintln!("observ gate: run `{}` (#{}) exists already; taking it", existing.name, existing.id);
        return Ok(existing.clone());
    }
    let mut body = serde_json::Map::new();
    if let Some(name) = &o.run_name {
        body.insert("name".into(), json!(name));
    }
    if let Some(n) = o.concurrency {
        body.insert("concurrency".into(), json!(n));
    }
    if let Some(n) = o.repetitions {
        body.insert("repetitions".into(), json!(n));
    }
    let run: DatasetRun =
        decode(api.post(&format!("/api/v1/datasets/{}/runs", dataset.id), &Value::Object(body)).await?, "the new run")?;
    eprintln!("observ gate: started run `{}` (#{}) of `{}`", run.name, run.id, dataset.name);
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| w.to_string()).collect()
    }

    #[test]
    fn options_are_read_and_mistakes_named() {
        let o = Options::parse(
            &args(&["--dataset", "qa", "--min", "exact=0.9", "--min", "judge = 0.5", "--max-newly-failing", "0"]),
            Some("http://h".into()),
        )
        .unwrap();
        assert_eq!((o.url.as_str(), o.dataset.as_str()), ("http://h", "qa"));
        assert_eq!(o.conditions.min.get("exact"), Some(&0.9));
        assert_eq!(o.conditions.min.get("judge"), Some(&0.5));
        assert_eq!(o.conditions.max_newly_failing, Some(0));
        assert!(o.conditions.fail_on_worse);
        let message = |words: &[&str]| match Options::parse(&args(words), Some("http://h".into())) {
            Err(GateError::Usage(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(message(&["--dataset", "qa", "--min", "exact"]).contains("SCORE=VALUE"));
        assert!(message(&["--dataset", "qa", "--min", "exact=high"]).contains("`high` is not a number"));
        assert!(message(&["--dataset", "qa", "--max-newly-failing", "-1"]).contains("0 or more"));
        assert!(message(&["--min", "a=1"]).contains("--dataset is required"));
        assert!(message(&["--dataset", "qa", "--colour"]).contains("unknown option `--colour`"));
        assert!(message(&["--dataset"]).contains("--dataset needs a value"));
        assert!(
            matches!(Options::parse(&args(&["--dataset", "qa"]), None), Err(GateError::Usage(m)) if m.contains("--url"))
        );
    }

    #[test]
    fn names_are_percent_encoded() {
        assert_eq!(encode("qa/support bot"), "qa%2Fsupport%20bot");
    }
}
