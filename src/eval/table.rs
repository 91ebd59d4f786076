//! The one output style of `twinlake eval`: titled, aligned tables on the
//! terminal; the whole report as JSON with `--json`.

use serde::Serialize;

/// A titled table of figures.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Table {
    /// What the table shows.
    pub title: String,
    /// Column names; the first column holds row labels.
    pub header: Vec<String>,
    /// Cells, already formatted.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with `title` and `header`.
    pub fn new(title: impl Into<String>, header: &[&str]) -> Self {
        Table {
            title: title.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// The table as text: title, header, rule, rows; the label column
    /// left-aligned, figures right-aligned.
    pub fn render(&self) -> String {
        let columns = self
            .header
            .len()
            .max(self.rows.iter().map(Vec::len).max().unwrap_or(0));
        let width = |c: usize| {
            std::iter::once(&self.header)
                .chain(&self.rows)
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..columns).map(width).collect();
        let line = |cells: &[String]| {
            let mut out = String::new();
            for (c, w) in widths.iter().enumerate() {
                let cell = cells.get(c).map(String::as_str).unwrap_or("");
                if c == 0 {
                    out.push_str(&format!("{cell:<w$}"));
                } else {
                    out.push_str(&format!("  {cell:>w$}"));
                }
            }
            out.trim_end().to_string()
        };
        let mut out = format!("{}\n{}\n", self.title, line(&self.header));
        out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1)));
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }
}

/// Prints `report` as JSON when `json`, else each table in turn.
pub fn emit<T: Serialize>(report: &T, tables: &[Table], json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        for table in tables {
            println!("{}", table.render());
        }
    }
    Ok(())
}

/// A figure in [0, 1] with three decimals.
pub fn ratio(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{x:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_align_and_labels_lead() {
        let mut t = Table::new("Recall", &["system", "R@10"]);
        t.row(vec!["twinlake".into(), ratio(0.81234)]);
        t.row(vec!["bm25".into(), ratio(0.5)]);
        assert_eq!(
            t.render(),
            "Recall\nsystem     R@10\n---------------\ntwinlake  0.812\nbm25      0.500\n"
        );
        assert_eq!(ratio(f64::NAN), "-");
    }
}
