//! CSV as RFC 4180 writes it: comma-separated fields, optional double quotes
//! around a field, `""` for a quote inside one, newlines (LF or CRLF) inside
//! quoted fields. The reader is incremental — it takes text in pieces of any
//! size — so the server parses an upload as it streams in, and the browser uses
//! the same code for its preview.

/// One record, with the physical line (1-based) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    pub line: usize,
    pub fields: Vec<String>,
}

/// Malformed CSV, at a physical line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    FieldStart,
    Unquoted,
    Quoted,
    /// A `"` inside a quoted field: either the first half of `""` or its end.
    QuoteInQuoted,
    /// Just ended a record on `\r`; a following `\n` belongs to it.
    AfterCr,
}

/// Reads records from text fed in pieces. Blank lines are skipped.
#[derive(Debug, Clone)]
pub struct CsvReader {
    state: State,
    field: String,
    fields: Vec<String>,
    /// The physical line being read.
    line: usize,
    record_line: usize,
    /// Whether the current record has any character (a blank line has none).
    touched: bool,
    at_start: bool,
}

impl Default for CsvReader {
    fn default() -> Self {
        CsvReader {
            state: State::FieldStart,
            field: String::new(),
            fields: Vec::new(),
            line: 1,
            record_line: 1,
            touched: false,
            at_start: true,
        }
    }
}

impl CsvReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// The physical line the reader is on (for errors about the input itself).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Reads `text`, appending each completed record to `out`. Records completed
    /// before an error are in `out`.
    pub fn feed(&mut self, text: &str, out: &mut Vec<CsvRecord>) -> Result<(), CsvError> {
        for c in text.chars() {
            if let Some(record) = self.push(c)? {
                out.push(record);
            }
        }
        Ok(())
    }

    /// Ends the input: returns the last record when the text did not end with a newline.
    pub fn finish(mut self) -> Result<Option<CsvRecord>, CsvError> {
        match self.state {
            State::Quoted => Err(CsvError {
                line: self.record_line,
                message: format!("a quoted field opened on line {} is never closed", self.record_line),
            }),
            _ if self.touched => Ok(Some(self.end_record())),
            _ => Ok(None),
        }
    }

    /// Reads one character; returns the record it completes, if any.
    pub fn push(&mut self, c: char) -> Result<Option<CsvRecord>, CsvError> {
        if self.at_start {
            self.at_start = false;
            if c == '\u{feff}' {
                return Ok(None); // a byte-order mark, as spreadsheets write it
            }
        }
        match self.state {
            State::AfterCr => {
                self.state = State::FieldStart;
                if c == '\n' {
                    return Ok(None);
                }
                self.push(c)
            }
            State::FieldStart => match c {
                '"' => {
                    self.touched = true;
                    self.state = State::Quoted;
                    Ok(None)
                }
                ',' => {
                    self.touched = true;
                    self.end_field();
                    Ok(None)
                }
                '\n' | '\r' => Ok(self.end_line(c)),
                _ => {
                    self.touched = true;
                    self.field.push(c);
                    self.state = State::Unquoted;
                    Ok(None)
                }
            },
            State::Unquoted => match c {
                ',' => {
                    self.end_field();
                    self.state = State::FieldStart;
                    Ok(None)
                }
                '\n' | '\r' => Ok(self.end_line(c)),
                // A quote inside an unquoted field is kept as it is (lenient, like most readers).
                _ => {
                    self.field.push(c);
                    Ok(None)
                }
            },
            State::Quoted => {
                match c {
                    '"' => self.state = State::QuoteInQuoted,
                    '\n' => {
                        self.line += 1;
                        self.field.push(c);
                    }
                    _ => self.field.push(c),
                }
                Ok(None)
            }
            State::QuoteInQuoted => match c {
                '"' => {
                    self.field.push('"');
                    self.state = State::Quoted;
                    Ok(None)
                }
                ',' => {
                    self.end_field();
                    self.state = State::FieldStart;
                    Ok(None)
                }
                '\n' | '\r' => Ok(self.end_line(c)),
                other => Err(CsvError {
                    line: self.line,
                    message: format!(
                        "unexpected `{other}` after a closing quote (write a quote inside a quoted field as \"\")"
                    ),
                }),
            },
        }
    }

    fn end_field(&mut self) {
        self.fields.push(std::mem::take(&mut self.field));
    }

    fn end_line(&mut self, c: char) -> Option<CsvRecord> {
        let record = self.touched.then(|| self.end_record());
        self.line += 1;
        self.record_line = self.line;
        self.state = if c == '\r' { State::AfterCr } else { State::FieldStart };
        record
    }

    fn end_record(&mut self) -> CsvRecord {
        self.end_field();
        self.touched = false;
        CsvRecord { line: self.record_line, fields: std::mem::take(&mut self.fields) }
    }
}

/// Every record of a whole text.
pub fn parse(text: &str) -> Result<Vec<CsvRecord>, CsvError> {
    let mut reader = CsvReader::new();
    let mut records = Vec::new();
    reader.feed(text, &mut records)?;
    records.extend(reader.finish()?);
    Ok(records)
}

/// The first `n` records of a text (for previews of large files); stops reading there.
pub fn parse_first(text: &str, n: usize) -> Result<Vec<CsvRecord>, CsvError> {
    let mut reader = CsvReader::new();
    let mut records = Vec::new();
    for c in text.chars() {
        if records.len() >= n {
            return Ok(records);
        }
        records.extend(reader.push(c)?);
    }
    if records.len() < n {
        records.extend(reader.finish()?);
    }
    Ok(records)
}

/// Appends one record, quoting the fields that need it, ended by CRLF.
pub fn write_record<S: AsRef<str>>(out: &mut String, fields: impl IntoIterator<Item = S>) {
    for (n, field) in fields.into_iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let field = field.as_ref();
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(records: &[CsvRecord]) -> Vec<Vec<&str>> {
        records.iter().map(|r| r.fields.iter().map(String::as_str).collect()).collect()
    }

    #[test]
    fn plain_and_quoted_fields() {
        let records = parse("a,b,c\n1,\"two, too\",\"say \"\"hi\"\"\"\n").unwrap();
        assert_eq!(fields(&records), vec![vec!["a", "b", "c"], vec!["1", "two, too", "say \"hi\""]]);
        assert_eq!((records[0].line, records[1].line), (1, 2));
    }

    #[test]
    fn newlines_inside_quotes_count_physical_lines() {
        let records = parse("input\n\"line one\nline two\"\nnext\r\n\"a\r\nb\"\r\nlast").unwrap();
        assert_eq!(
            fields(&records),
            vec![vec!["input"], vec!["line one\nline two"], vec!["next"], vec!["a\r\nb"], vec!["last"]]
        );
        let lines: Vec<usize> = records.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![1, 2, 4, 5, 7]);
    }

    #[test]
    fn crlf_empty_fields_blank_lines_and_bom() {
        let records = parse("\u{feff}a,b\r\n\r\n,\r\n\"\",x\r\n").unwrap();
        assert_eq!(fields(&records), vec![vec!["a", "b"], vec!["", ""], vec!["", "x"]]);
        assert_eq!(records[1].line, 3);
    }

    #[test]
    fn feeding_in_pieces_gives_the_same_records() {
        let text = "a,\"b\"\"c\"\r\n\"multi\nline\",é\n";
        let whole = parse(text).unwrap();
        let mut reader = CsvReader::new();
        let mut records = Vec::new();
        for c in text.chars() {
            reader.feed(&c.to_string(), &mut records).unwrap();
        }
        records.extend(reader.finish().unwrap());
        assert_eq!(records, whole);
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("a\n\"ok\"\n\"bad\"x\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("after a closing quote"), "{}", err.message);
        let err = parse("a\nb\n\"never\nclosed\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("never closed"), "{}", err.message);
    }

    #[test]
    fn quotes_inside_unquoted_fields_are_kept() {
        assert_eq!(fields(&parse("5\" disk,x").unwrap()), vec![vec!["5\" disk", "x"]]);
    }

    #[test]
    fn parse_first_stops_early() {
        let records = parse_first("h\n1\n2\n3\n\"unclosed", 3).unwrap();
        assert_eq!(fields(&records), vec![vec!["h"], vec!["1"], vec!["2"]]);
    }

    #[test]
    fn written_records_read_back() {
        let rows = vec![
            vec!["id".to_string(), "input".to_string()],
            vec!["1".to_string(), "{\"q\":\"a, \\\"b\\\"\"}".to_string()],
            vec!["2".to_string(), "multi\nline\r\nand \"quotes\"".to_string()],
            vec!["3".to_string(), String::new()],
        ];
        let mut out = String::new();
        for row in &rows {
            write_record(&mut out, row);
        }
        assert!(out.starts_with("id,input\r\n1,\"{\"\"q\"\""), "{out}");
        let back: Vec<Vec<String>> = parse(&out).unwrap().into_iter().map(|r| r.fields).collect();
        assert_eq!(back, rows);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Never a panic; an error names a line of the text; pieces of any size
        /// read the same as the whole.
        #[test]
        fn any_text_in_any_pieces(text in "[a,\"\r\n é]{0,60}|\\PC{0,60}", cut in 0usize..60) {
            let whole = parse(&text);
            if let Err(e) = &whole {
                let line_ends = text.matches(['\r', '\n']).count();
                prop_assert!(e.line >= 1 && e.line <= line_ends + 1, "{:?}", e);
                prop_assert!(!e.message.is_empty());
            }
            let cut = text.char_indices().map(|(i, _)| i).nth(cut).unwrap_or(text.len());
            let mut reader = CsvReader::new();
            let mut records = Vec::new();
            let fed = reader.feed(&text[..cut], &mut records).and_then(|()| reader.feed(&text[cut..], &mut records));
            let pieces = fed.and_then(|()| reader.finish()).map(|last| {
                records.extend(last);
                records
            });
            prop_assert_eq!(pieces, whole);
        }
    }
}
