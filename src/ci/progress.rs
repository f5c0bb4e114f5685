//! The gate's progress bar on stderr: redrawn in place on a terminal, a line
//! per tenth of the run in a CI log.

use crate::model::run_item::RunProgress;
use std::io::{IsTerminal, Write};

const WIDTH: usize = 30;

pub struct Bar {
    terminal: bool,
    shown_tenth: i64,
}

impl Bar {
    pub fn new() -> Bar {
        Bar { terminal: std::io::stderr().is_terminal(), shown_tenth: -1 }
    }

    pub fn draw(&mut self, p: &RunProgress) {
        let line = line(p);
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r{line}\x1b[K");
        } else {
            let done = p.completed_items + p.failed_items;
            let tenth = if p.total_items > 0 { done * 10 / p.total_items } else { 10 };
            if tenth <= self.shown_tenth || tenth >= 10 {
                return;
            }
            self.shown_tenth = tenth;
            let _ = writeln!(err, "{line}");
        }
        let _ = err.flush();
    }

    /// Shows the run's final state on its own line.
    pub fn finish(&mut self, p: &RunProgress) {
        if self.terminal {
            eprintln!("\r{}\x1b[K", line(p));
        } else {
            eprintln!("{}", line(p));
        }
    }
}

/// `[#########-----]  30/40 items  2 failed  12,345 tokens  $0.0123`
pub fn line(p: &RunProgress) -> String {
    let done = p.completed_items + p.failed_items;
    let filled = if p.total_items > 0 { (done as usize * WIDTH) / p.total_items as usize } else { WIDTH };
    let filled = filled.min(WIDTH);
    format!(
        "[{}{}] {done:>4}/{} items  {} failed  {} tokens  ${:.4}  {}",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        p.total_items,
        p.failed_items,
        p.total_tokens,
        p.total_cost,
        p.status.as_str()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::run::RunStatus;

    #[test]
    fn the_bar_fills_with_the_finished_items() {
        let p = RunProgress {
            id: 1,
            status: RunStatus::Running,
            total_items: 40,
            completed_items: 18,
            failed_items: 2,
            total_cost: 0.01234,
            total_tokens: 900,
            progress_percentage: 50.0,
        };
        let text = line(&p);
        assert!(text.starts_with(&format!("[{}{}]", "#".repeat(15), "-".repeat(15))), "{text}");
        assert!(text.contains("20/40 items  2 failed  900 tokens  $0.0123  running"), "{text}");
    }
}
