//! Importing items from a CSV or JSONL body. The body is first spooled to a
//! temporary file (size-capped, and given up when the client goes quiet), so a
//! slow upload never holds the write connection; then the file is parsed and
//! its rows handed to the database layer, which writes them in one transaction
//! that commits only when every row was good. The REST import and the import
//! page's server function both end here.

use crate::model::csv::{CsvReader, CsvRecord};
use crate::model::import::{jsonl_item, ColumnMapping, CsvColumns, FileFormat, ImportError};
use crate::model::item::ItemDraft;
use crate::server::db::{self, Db};
use crate::server::error::AppError;
use axum::body::Bytes;
use futures_util::{Stream, StreamExt};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// Largest import body.
pub const IMPORT_LIMIT_MB: usize = 512;
/// How long the body may send nothing before the import is abandoned.
pub const IMPORT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// Reads `body` as `format` into `dataset_id`, all or nothing; returns the
/// number of items written.
pub async fn import_items<S, E>(
    db: &Db,
    dataset_id: i64,
    format: FileFormat,
    mapping: &ColumnMapping,
    body: S,
) -> Result<u64, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let file = spool(body, IMPORT_IDLE_TIMEOUT).await?;
    let body = file_chunks(file);
    let (sender, received) = mpsc::channel(ROWS_IN_FLIGHT);
    let parse = async move {
        let mut rows = Rows { sender, count: 0 };
        let parsed = match format {
            FileFormat::Csv => read_csv(&mut rows, mapping, body).await,
            FileFormat::Jsonl => read_jsonl(&mut rows, body).await,
        };
        let parsed = parsed.and_then(|()| match rows.count {
            0 => Err(AppError::field("file", "has no items to import")),
            _ => Ok(()),
        });
        // The error goes down the stream so the write rolls back, never commits.
        if let Err(error) = parsed {
            let _ = rows.sender.send(Err(error)).await;
        }
    };
    let received = futures_util::stream::unfold(received, |mut r| async move { r.recv().await.map(|row| (row, r)) });
    let write = db::transfer::import_items(db, dataset_id, received);
    futures_util::future::join(parse, write).await.1
}

/// Parsed items waiting for the writer at most.
const ROWS_IN_FLIGHT: usize = 1024;

/// Where parsed items go: the database layer's import, through a bounded channel.
struct Rows {
    sender: mpsc::Sender<Result<ItemDraft, AppError>>,
    count: u64,
}

impl Rows {
    async fn push(&mut self, draft: ItemDraft) -> Result<(), AppError> {
        // A closed channel means the write stopped; its own error is the answer.
        self.sender.send(Ok(draft)).await.map_err(|_| AppError::Conflict("import: the write stopped".into()))?;
        self.count += 1;
        Ok(())
    }
}

/// Writes the whole body to an anonymous temporary file (gone once closed)
/// and rewinds it. Fails past the size limit or after `idle` without data.
async fn spool<S, E>(mut body: S, idle: Duration) -> Result<tokio::fs::File, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let spool_error = |e: std::io::Error| AppError::internal(format!("import spool file: {e}"));
    let file = tokio::task::spawn_blocking(tempfile::tempfile)
        .await
        .map_err(|e| AppError::internal(format!("import spool file: {e}")))?
        .map_err(spool_error)?;
    let mut file = tokio::fs::File::from_std(file);
    let mut total = 0;
    loop {
        let next = tokio::time::timeout(idle, body.next()).await.map_err(|_| {
            AppError::Timeout(format!("body: no data for {} s, the import was abandoned", idle.as_secs_f32()))
        })?;
        let Some(chunk) = next else { break };
        file.write_all(&checked(chunk, &mut total)?).await.map_err(spool_error)?;
    }
    file.flush().await.map_err(spool_error)?;
    file.rewind().await.map_err(spool_error)?;
    Ok(file)
}

/// A spooled file as a stream of chunks.
fn file_chunks(file: tokio::fs::File) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
    Box::pin(futures_util::stream::unfold(Some(file), |file| async move {
        let mut file = file?;
        let mut buffer = vec![0; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok(Bytes::from(buffer)), Some(file)))
            }
            // The error ends the stream: the reader reports it.
            Err(e) => Some((Err(e), None)),
        }
    }))
}

/// Counts bytes against the limit and turns transport errors into 400s.
fn checked<E: std::fmt::Display>(chunk: Result<Bytes, E>, total: &mut usize) -> Result<Bytes, AppError> {
    let chunk = chunk.map_err(|e| AppError::BadRequest(format!("body: {e}")))?;
    *total += chunk.len();
    if *total > IMPORT_LIMIT_MB * 1024 * 1024 {
        return Err(AppError::TooLarge(IMPORT_LIMIT_MB));
    }
    Ok(chunk)
}

async fn read_csv<S, E>(rows: &mut Rows, mapping: &ColumnMapping, mut body: S) -> Result<(), AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut reader = CsvReader::new();
    let mut columns: Option<CsvColumns> = None;
    let mut records = Vec::new();
    // Bytes of a UTF-8 character split across two chunks.
    let mut carry: Vec<u8> = Vec::new();
    let mut total = 0;
    while let Some(chunk) = body.next().await {
        let chunk = checked(chunk, &mut total)?;
        carry.extend_from_slice(&chunk);
        let valid = match std::str::from_utf8(&carry) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return Err(ImportError::new(reader.line(), "the file is not UTF-8 text").into()),
        };
        let text = std::str::from_utf8(&carry[..valid]).unwrap_or_default();
        let fed = reader.feed(text, &mut records);
        write_csv_records(rows, &mut columns, mapping, &mut records).await?;
        fed.map_err(|e| ImportError::new(e.line, e.message))?;
        carry.drain(..valid);
    }
    if !carry.is_empty() {
        return Err(ImportError::new(reader.line(), "the file is not UTF-8 text").into());
    }
    records.extend(reader.finish().map_err(|e| ImportError::new(e.line, e.message))?);
    write_csv_records(rows, &mut columns, mapping, &mut records).await?;
    if columns.is_none() {
        return Err(ImportError::new(1, "the file is empty: a CSV import starts with a header row").into());
    }
    Ok(())
}

/// The first record is the header; the others become items.
async fn write_csv_records(
    rows: &mut Rows,
    columns: &mut Option<CsvColumns>,
    mapping: &ColumnMapping,
    records: &mut Vec<CsvRecord>,
) -> Result<(), AppError> {
    for record in records.drain(..) {
        match columns {
            None => *columns = Some(CsvColumns::from_header(&record, mapping)?),
            Some(cols) => rows.push(cols.item(&record)?).await?,
        }
    }
    Ok(())
}

async fn read_jsonl<S, E>(rows: &mut Rows, mut body: S) -> Result<(), AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut pending: Vec<u8> = Vec::new();
    let mut line = 0;
    let mut total = 0;
    while let Some(chunk) = body.next().await {
        let chunk = checked(chunk, &mut total)?;
        let mut rest = &chunk[..];
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            pending.extend_from_slice(&rest[..end]);
            line += 1;
            write_jsonl_line(rows, line, &pending).await?;
            pending.clear();
            rest = &rest[end + 1..];
        }
        pending.extend_from_slice(rest);
    }
    if !pending.is_empty() {
        write_jsonl_line(rows, line + 1, &pending).await?;
    }
    Ok(())
}

async fn write_jsonl_line(rows: &mut Rows, line: usize, bytes: &[u8]) -> Result<(), AppError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::new(line, "the line is not UTF-8 text"))?;
    if let Some(draft) = jsonl_item(line, text)? {
        rows.push(draft).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_that_stops_sending_is_abandoned() {
        let stalled = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"{\"input\": 1}\n"))])
            .chain(futures_util::stream::pending());
        let err = spool(Box::pin(stalled), Duration::from_millis(200)).await.unwrap_err();
        assert_eq!(err.status(), axum::http::StatusCode::REQUEST_TIMEOUT);
        assert_eq!(err.to_string(), "body: no data for 0.2 s, the import was abandoned");
    }

    #[tokio::test]
    async fn a_spooled_body_reads_back_whole() {
        let parts = ["a,b\n", "1,2\n", "é"].map(|p| Ok::<_, std::io::Error>(Bytes::from(p)));
        let file = spool(futures_util::stream::iter(parts), IMPORT_IDLE_TIMEOUT).await.unwrap();
        let chunks: Vec<Bytes> = file_chunks(file).map(|c| c.unwrap()).collect().await;
        assert_eq!(chunks.concat(), "a,b\n1,2\né".as_bytes());
    }
}
