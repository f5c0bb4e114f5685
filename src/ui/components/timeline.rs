//! The waterfall's geometry: a trace's observations in tree order (each under
//! its parent, siblings by start time) and each one's place on the shared time
//! axis that runs from the trace's first start to its last end.

use crate::model::stats::{duration_label, parse_timestamp_ms};
use crate::model::trace::Observation;
use std::collections::{HashMap, HashSet};

/// One observation's row.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    /// Its place in the observations given to [`timeline`].
    pub index: usize,
    pub depth: usize,
    /// The observation ids above it, root first: collapsing any hides the row.
    pub ancestors: Vec<String>,
    pub has_children: bool,
    /// Where it starts, in percent of the axis.
    pub left: f64,
    /// Its length in percent of the axis; `None` draws a point (an event, or
    /// an observation that never ended).
    pub width: Option<f64>,
    pub duration_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub rows: Vec<TimelineRow>,
    /// The axis' length (at least 1 ms).
    pub span_ms: i64,
}

/// Observations in tree order with their bars. Observations whose parent is
/// not in the trace are roots; a parent cycle (which no sane exporter sends)
/// is cut where it closes, so every observation shows exactly once.
pub fn timeline(observations: &[Observation], trace_start: &str, trace_end: Option<&str>) -> Timeline {
    let starts: Vec<Option<i64>> = observations.iter().map(|o| parse_timestamp_ms(&o.start_time)).collect();
    let ends: Vec<Option<i64>> =
        observations.iter().map(|o| o.end_time.as_deref().and_then(parse_timestamp_ms)).collect();
    let t0 = starts.iter().flatten().copied().chain(parse_timestamp_ms(trace_start)).min().unwrap_or_default();
    let t_end = ends
        .iter()
        .chain(&starts)
        .flatten()
        .copied()
        .chain(trace_end.and_then(parse_timestamp_ms))
        .chain([t0])
        .max()
        .unwrap_or(t0);
    let span_ms = (t_end - t0).max(1);
    let percent = |ms: i64| (ms as f64 / span_ms as f64 * 100.0).clamp(0.0, 100.0);

    let rows = tree_order(observations)
        .into_iter()
        .map(|(index, depth, ancestors, has_children)| {
            let o = &observations[index];
            let (start, end) = (starts[index], ends[index]);
            let duration_ms = start.zip(end).map(|(s, e)| (e - s).max(0));
            let point = o.kind == "event" || duration_ms.is_none();
            TimelineRow {
                index,
                depth,
                ancestors,
                has_children,
                left: start.map(|s| percent(s - t0)).unwrap_or_default(),
                width: (!point).then(|| percent(duration_ms.unwrap_or_default())),
                duration_ms,
            }
        })
        .collect();
    Timeline { rows, span_ms }
}

/// (index, depth, ancestor ids, has children), parents before children.
fn tree_order(observations: &[Observation]) -> Vec<(usize, usize, Vec<String>, bool)> {
    let ids: HashSet<&str> = observations.iter().map(|o| o.observation_id.as_str()).collect();
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut roots = Vec::new();
    for (i, o) in observations.iter().enumerate() {
        match o.parent_observation_id.as_deref().filter(|p| ids.contains(p) && *p != o.observation_id) {
            Some(parent) => children.entry(parent).or_default().push(i),
            None => roots.push(i),
        }
    }
    let mut out = Vec::with_capacity(observations.len());
    let mut seen = vec![false; observations.len()];
    // Cycles have no root: whatever is left unseen starts a walk of its own.
    let starts: Vec<usize> = roots.into_iter().chain(0..observations.len()).collect();
    for start in starts {
        if seen[start] {
            continue;
        }
        let mut stack = vec![(start, Vec::<String>::new())];
        while let Some((i, ancestors)) = stack.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            let id = observations[i].observation_id.as_str();
            let kids: Vec<usize> =
                children.get(id).map(|k| k.iter().copied().filter(|k| !seen[*k]).collect()).unwrap_or_default();
            let mut below = ancestors.clone();
            below.push(id.to_string());
            for kid in kids.iter().rev() {
                stack.push((*kid, below.clone()));
            }
            out.push((i, ancestors.len(), ancestors, !kids.is_empty()));
        }
    }
    out
}

/// `count + 1` labels along the axis: (percent, "0 ms" … the span).
pub fn ticks(span_ms: i64, count: usize) -> Vec<(f64, String)> {
    let count = count.max(1);
    (0..=count)
        .map(|n| {
            let fraction = n as f64 / count as f64;
            (fraction * 100.0, duration_label((span_ms as f64 * fraction).round() as i64))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(id: &str, parent: Option<&str>, kind: &str, start_ms: i64, end_ms: Option<i64>) -> Observation {
        let ts = |ms: i64| crate::model::stats::format_timestamp_ms(1_700_000_000_000 + ms);
        Observation {
            id: 0,
            observation_id: id.into(),
            parent_observation_id: parent.map(String::from),
            kind: kind.into(),
            name: Some(id.into()),
            start_time: ts(start_ms),
            end_time: end_ms.map(ts),
            level: None,
            status_message: None,
            model: None,
            model_parameters: None,
            input: None,
            output: None,
            usage: None,
            cost_usd: 0.0,
            cost_details: None,
            completion_start_time: None,
            environment: None,
            version: None,
            metadata: serde_json::json!({}),
        }
    }

    #[test]
    fn rows_follow_the_tree_and_the_clock() {
        let all = vec![
            obs("root", None, "span", 0, Some(1000)),
            obs("a", Some("root"), "generation", 100, Some(600)),
            obs("b", Some("root"), "span", 600, Some(1000)),
            obs("a1", Some("a"), "event", 250, None),
            obs("orphan", Some("gone"), "span", 500, Some(500)),
        ];
        let ts = |ms: i64| crate::model::stats::format_timestamp_ms(1_700_000_000_000 + ms);
        let t = timeline(&all, &ts(0), Some(&ts(1000)));
        assert_eq!(t.span_ms, 1000);
        let order: Vec<(&str, usize, bool)> =
            t.rows.iter().map(|r| (all[r.index].observation_id.as_str(), r.depth, r.has_children)).collect();
        assert_eq!(order, [("root", 0, true), ("a", 1, true), ("a1", 2, false), ("b", 1, false), ("orphan", 0, false)]);
        let a = &t.rows[1];
        assert_eq!((a.left, a.width, a.duration_ms), (10.0, Some(50.0), Some(500)));
        assert_eq!(t.rows[2].ancestors, ["root", "a"]);
        assert_eq!((t.rows[2].left, t.rows[2].width), (25.0, None), "an event is a point");
        assert_eq!(t.rows[4].width, Some(0.0), "a zero-length span is a bar (drawn at its minimum width)");
    }

    #[test]
    fn cycles_and_self_parents_still_show_every_observation_once() {
        let all = vec![
            obs("x", Some("y"), "span", 0, Some(10)),
            obs("y", Some("x"), "span", 5, Some(10)),
            obs("z", Some("z"), "span", 0, Some(0)),
        ];
        let t = timeline(&all, "not a time", None);
        let mut seen: Vec<usize> = t.rows.iter().map(|r| r.index).collect();
        seen.sort();
        assert_eq!(seen, [0, 1, 2]);
        assert_eq!(t.span_ms, 10);
    }

    #[test]
    fn ticks_span_the_axis() {
        assert_eq!(
            ticks(2000, 4),
            [
                (0.0, "0 ms".to_string()),
                (25.0, "500 ms".to_string()),
                (50.0, "1.0 s".to_string()),
                (75.0, "1.5 s".to_string()),
                (100.0, "2.0 s".to_string())
            ]
        );
    }
}
