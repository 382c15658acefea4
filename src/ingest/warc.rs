//! Web archives (WARC) read one record at a time: the HTML pages of HTTP 200 responses, and what the other records are.

use std::io::{self, BufRead, Read};

use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};

use super::read::{self, LineRead};

/// Longest header line (WARC or HTTP) and longest chunk-size line. Real
/// ones are a few hundred bytes; a longer one means the bytes are not
/// headers, and keeping it would let one line take the memory.
const MAX_LINE: usize = 16 << 10;
/// Most lines in one header block, continuation lines included.
const MAX_HEADERS: usize = 256;
/// Blank lines taken between records: two CRLF by the standard, a few more
/// from sloppy writers; many more means the bytes are not records.
const MAX_GAP: usize = 64;
/// Longest WARC-Record-ID kept as an id; a longer one is replaced by the
/// record's number, as a missing one is.
const MAX_ID: usize = 512;

/// The HTML of one HTTP 200 response, with what the record says about it.
#[derive(Debug)]
pub struct Page {
    /// WARC-Record-ID without its angle brackets.
    pub record_id: Option<String>,
    pub target_uri: Option<String>,
    /// WARC-Date as written.
    pub date: Option<String>,
    /// The charset of the HTTP Content-Type header.
    pub charset: Option<String>,
    /// The body, de-chunked and decompressed.
    pub html: Vec<u8>,
}

/// What one record is.
#[derive(Debug)]
pub enum Record {
    Page(Page),
    /// Not an article, counted under this name: the WARC-Type ("request",
    /// "metadata", ...), "non-HTML" or "status 404".
    Other(String),
    /// An HTML response that cannot be read (too large, a body it cannot
    /// decode), and why.
    Refused {
        record_id: Option<String>,
        reason: String,
    },
}

/// Why the records stop before the end of the file.
#[derive(Debug)]
pub enum Damage {
    /// The stream itself failed (a cut gzip member, a disk error).
    Io(io::Error),
    /// The bytes stop being records: the words say where and how.
    Bad(String),
}

impl From<io::Error> for Damage {
    fn from(e: io::Error) -> Self {
        Damage::Io(e)
    }
}

/// Reads records from a (decompressed) WARC stream. Only an HTML page's
/// body is ever held, and at most `max_payload` bytes of it; every other
/// block is read past.
pub struct Reader<R> {
    inner: R,
    max_payload: u64,
    line: Vec<u8>,
    records: usize,
}

/// A header block: names lower-cased, values trimmed, in order.
type Headers = Vec<(String, String)>;

fn header<'h>(headers: &'h Headers, name: &str) -> Option<&'h str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

impl<R: BufRead> Reader<R> {
    pub fn new(inner: R, max_payload: u64) -> Self {
        Reader {
            inner,
            max_payload,
            line: Vec::new(),
            records: 0,
        }
    }

    /// How many records were read whole.
    pub fn records(&self) -> usize {
        self.records
    }

    /// The next record; `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<Record>, Damage> {
        let at = self.records + 1;
        let mut gap = 0;
        loop {
            match read::read_line_capped(&mut self.inner, &mut self.line, MAX_LINE)? {
                LineRead::Eof => return Ok(None),
                LineRead::Line if self.line.is_empty() && gap < MAX_GAP => gap += 1,
                _ => break,
            }
        }
        if !self.line.starts_with(b"WARC/") {
            return Err(Damage::Bad(if self.records == 0 {
                "not a web archive (it does not start with a WARC/1.x line)".into()
            } else {
                format!("damaged web archive: no WARC/1.x line where record {at} should start")
            }));
        }
        let headers =
            read_headers(&mut self.inner, &mut self.line).map_err(|e| in_record(e, at, "WARC headers"))?;
        let length = header(&headers, "content-length")
            .ok_or_else(|| {
                Damage::Bad(format!(
                    "damaged web archive: record {at} has no Content-Length, so the next one cannot be found"
                ))
            })?
            .parse::<u64>()
            .map_err(|_| {
                Damage::Bad(format!(
                    "damaged web archive: record {at} has a Content-Length that is not a number"
                ))
            })?;
        let mut block = (&mut self.inner).take(length);
        let record = match header(&headers, "warc-type").map(str::to_ascii_lowercase) {
            Some(t) if t == "response" => {
                let http = header(&headers, "content-type")
                    .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/http"));
                if http {
                    response(&mut block, &headers, self.max_payload, &mut self.line)?
                } else {
                    Record::Other("non-HTTP response".into())
                }
            }
            Some(t) => Record::Other(type_name(&t)),
            None => Record::Other("untyped".into()),
        };
        // Whatever the record's reading left of its block (a refused page,
        // a request, an image) is read past, not kept.
        io::copy(&mut block, &mut io::sink())?;
        if block.limit() > 0 {
            return Err(Damage::Bad(format!(
                "truncated file (unexpected end of data) in record {at}"
            )));
        }
        self.records += 1;
        Ok(Some(record))
    }
}

/// A WARC-Type as a count's name: short and printable whatever the file says.
fn type_name(t: &str) -> String {
    if !t.is_empty() && t.len() <= 32 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        t.to_string()
    } else {
        "unknown type".into()
    }
}

/// A header block's failure as the damage of record `at`.
fn in_record(damage: Damage, at: usize, what: &str) -> Damage {
    match damage {
        Damage::Bad(why) => Damage::Bad(format!("damaged web archive: {why} in the {what} of record {at}")),
        io => io,
    }
}

/// Header lines up to the blank line that ends them. A line starting with
/// white space continues the one before (WARC allows it, as old HTTP did).
fn read_headers(inner: &mut dyn BufRead, line: &mut Vec<u8>) -> Result<Headers, Damage> {
    let mut headers: Headers = Vec::new();
    let mut lines = 0;
    loop {
        match read::read_line_capped(inner, line, MAX_LINE)? {
            LineRead::Eof => return Err(Damage::Bad("the data ends".into())),
            LineRead::TooLong(n) => {
                return Err(Damage::Bad(format!(
                    "a line of {} (over {})",
                    read::human_bytes(n),
                    read::human_bytes(MAX_LINE as u64)
                )))
            }
            LineRead::Line => {}
        }
        if line.is_empty() {
            return Ok(headers);
        }
        lines += 1;
        if lines > MAX_HEADERS {
            return Err(Damage::Bad(format!("more than {MAX_HEADERS} header lines")));
        }
        let text = String::from_utf8_lossy(line);
        if text.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                if value.len() + text.len() <= MAX_LINE {
                    value.push(' ');
                    value.push_str(text.trim());
                }
                continue;
            }
        }
        match text.split_once(':') {
            Some((name, value)) => headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string())),
            // A cut file's last line is a part of one: its end says which.
            None if inner.fill_buf()?.is_empty() => return Err(Damage::Bad("the data ends".into())),
            None => return Err(Damage::Bad("a header line without a colon".into())),
        }
    }
}

fn record_id(headers: &Headers) -> Option<String> {
    let id = header(headers, "warc-record-id")?;
    let id = id
        .strip_prefix('<')
        .and_then(|i| i.strip_suffix('>'))
        .unwrap_or(id)
        .trim();
    (!id.is_empty() && id.len() <= MAX_ID && !id.chars().any(char::is_control)).then(|| id.to_string())
}

/// The HTTP response in a response record's block: its page, or what it is.
/// Only a read error of the stream is an `Err`; a bad HTTP message is one
/// record's problem, and the block's length still finds the next.
fn response<B: BufRead>(
    block: &mut io::Take<B>,
    warc: &Headers,
    max: u64,
    line: &mut Vec<u8>,
) -> Result<Record, Damage> {
    let refused = |reason: String| Record::Refused {
        record_id: record_id(warc),
        reason,
    };
    let status = match read::read_line_capped(block, line, MAX_LINE)? {
        LineRead::Line => String::from_utf8_lossy(line).into_owned(),
        _ => return Ok(refused("not an HTTP response (no status line)".into())),
    };
    let mut words = status.split_whitespace();
    let code = match (words.next(), words.next()) {
        (Some(v), Some(c)) if v.starts_with("HTTP/") && c.len() == 3 => c.parse::<u16>().ok(),
        _ => None,
    };
    let Some(code) = code else {
        return Ok(refused("not an HTTP response (no status line)".into()));
    };
    let http = match read_headers(block, line) {
        Ok(h) => h,
        Err(Damage::Bad(why)) => return Ok(refused(format!("bad HTTP headers: {why}"))),
        Err(io) => return Err(io),
    };
    if code != 200 {
        return Ok(Record::Other(format!("status {code}")));
    }
    let content_type = header(&http, "content-type").map(str::to_ascii_lowercase);
    let declared_html = content_type.as_deref().map(is_html_type);
    if declared_html == Some(false) {
        return Ok(Record::Other("non-HTML".into()));
    }
    let too_large = |what: &str, n: u64| {
        refused(format!(
            "{what} is {}, over the {} limit for one article",
            read::human_bytes(n),
            read::human_bytes(max)
        ))
    };
    if block.limit() > max {
        return Ok(too_large("page", block.limit()));
    }
    let chunked =
        header(&http, "transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        match dechunk(block, max, line)? {
            Ok(body) => body,
            Err(why) => return Ok(refused(why)),
        }
    } else {
        let mut body = Vec::with_capacity(usize::try_from(block.limit()).unwrap_or(0));
        block.read_to_end(&mut body)?;
        body
    };
    let encoding = header(&http, "content-encoding").map(|e| e.trim().to_ascii_lowercase());
    let html = match encoding.as_deref() {
        None | Some("" | "identity" | "none") => body,
        Some(e @ ("gzip" | "x-gzip" | "deflate")) => match decompress(e, body, max) {
            Ok(html) => html,
            Err(Inflate::TooLarge(n)) => return Ok(too_large("decompressed page", n)),
            Err(Inflate::Corrupt(why)) => return Ok(refused(format!("corrupt {e} HTTP body ({why})"))),
        },
        Some(other) => {
            let shown: String = other.chars().take(32).collect();
            return Ok(refused(format!("HTTP body in {shown} encoding (not read)")));
        }
    };
    if declared_html.is_none() && !looks_like_html(&html) {
        return Ok(Record::Other("non-HTML".into()));
    }
    Ok(Record::Page(Page {
        record_id: record_id(warc),
        target_uri: header(warc, "warc-target-uri")
            .map(|u| u.trim_start_matches('<').trim_end_matches('>').to_string())
            .filter(|u| !u.is_empty()),
        date: header(warc, "warc-date").map(str::to_string),
        charset: content_type.as_deref().and_then(charset),
        html,
    }))
}

fn is_html_type(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("").trim();
    matches!(mime, "text/html" | "application/xhtml+xml")
}

/// For a response that does not say what it is: a page starts with a
/// doctype, a comment or an html tag.
fn looks_like_html(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let head: Vec<u8> = body[start..body.len().min(start + 14)].to_ascii_lowercase();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<!--")
}

fn charset(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        let value = value.trim().trim_matches(['"', '\'']);
        (name.trim() == "charset" && !value.is_empty() && value.len() <= 40).then(|| value.to_string())
    })
}

/// A chunked body joined, at most `max` bytes. The outer `Err` is the
/// stream's; the inner one a body that is not chunked as it says.
fn dechunk(block: &mut dyn BufRead, max: u64, line: &mut Vec<u8>) -> Result<Result<Vec<u8>, String>, Damage> {
    let mut body = Vec::new();
    loop {
        match read::read_line_capped(block, line, MAX_LINE)? {
            LineRead::Line => {}
            _ => return Ok(Err("bad chunked HTTP body (a chunk size is missing)".into())),
        }
        let text = String::from_utf8_lossy(line);
        let digits = text.split(';').next().unwrap_or("").trim();
        let Ok(size) = u64::from_str_radix(digits, 16) else {
            return Ok(Err("bad chunked HTTP body (a chunk size is not a number)".into()));
        };
        if size == 0 {
            // Trailer fields, if any, are left to be read past with the block.
            return Ok(Ok(body));
        }
        let total = body.len() as u64 + size;
        if total > max {
            return Ok(Err(format!(
                "page is over the {} limit for one article",
                read::human_bytes(max)
            )));
        }
        let got = (&mut *block).take(size).read_to_end(&mut body)?;
        if (got as u64) < size {
            return Ok(Err("bad chunked HTTP body (a chunk is cut short)".into()));
        }
        // The CRLF after the chunk's data.
        if read::read_line_capped(block, line, MAX_LINE)? != LineRead::Line || !line.is_empty() {
            return Ok(Err("bad chunked HTTP body (no line break after a chunk)".into()));
        }
    }
}

enum Inflate {
    TooLarge(u64),
    Corrupt(String),
}

/// A gzip or deflate body inflated, at most `max` bytes. Some archives keep
/// the header but store the body decoded: a "gzip" body without gzip's
/// magic bytes is taken as it is. "deflate" is zlib by the standard and raw
/// deflate from some servers: the first two bytes tell which.
fn decompress(encoding: &str, body: Vec<u8>, max: u64) -> Result<Vec<u8>, Inflate> {
    let decoder: Box<dyn Read + '_> = if encoding == "deflate" {
        let zlib = body.len() >= 2
            && body[0] & 0x0f == 8
            && (u16::from(body[0]) << 8 | u16::from(body[1])) % 31 == 0;
        if zlib {
            Box::new(ZlibDecoder::new(&body[..]))
        } else {
            Box::new(DeflateDecoder::new(&body[..]))
        }
    } else if body.starts_with(&[0x1f, 0x8b]) {
        Box::new(MultiGzDecoder::new(&body[..]))
    } else {
        return Ok(body);
    };
    let mut out = Vec::new();
    decoder
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| Inflate::Corrupt(crate::error::io_reason(&e)))?;
    if out.len() as u64 > max {
        return Err(Inflate::TooLarge(out.len() as u64));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{GzEncoder, ZlibEncoder};
    use flate2::Compression;
    use std::io::{BufReader, Write};

    fn record(kind: &str, id: &str, extra: &str, block: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Record-ID: <urn:uuid:{id}>\r\n\
             WARC-Target-URI: https://news.example/{id}\r\nWARC-Date: 2025-01-02T03:04:05Z\r\n\
             {extra}Content-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        r.extend_from_slice(block);
        r.extend_from_slice(b"\r\n\r\n");
        r
    }

    fn response(id: &str, head: &str, body: &[u8]) -> Vec<u8> {
        let mut block = head.as_bytes().to_vec();
        block.extend_from_slice(body);
        record(
            "response",
            id,
            "Content-Type: application/http; msgtype=response\r\n",
            &block,
        )
    }

    fn page(id: &str, body: &str) -> Vec<u8> {
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n";
        response(id, head, body.as_bytes())
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut e = GzEncoder::new(Vec::new(), Compression::fast());
        e.write_all(bytes).expect("gzip");
        e.finish().expect("gzip")
    }

    /// Every record of `input`, and what stopped the reading, if anything.
    fn read_all(input: &[u8], max: u64) -> (Vec<Record>, Option<Damage>) {
        read_all_from(input, max)
    }

    /// `read_all` for any stream.
    fn read_all_from(stream: impl BufRead, max: u64) -> (Vec<Record>, Option<Damage>) {
        let mut reader = Reader::new(stream, max);
        let mut out = Vec::new();
        loop {
            match reader.next_record() {
                Ok(Some(r)) => out.push(r),
                Ok(None) => return (out, None),
                Err(d) => return (out, Some(d)),
            }
        }
    }

    /// Each record in brief: `page ID HTML`, `other KIND`, `refused ID: REASON`.
    fn brief(records: &[Record]) -> Vec<String> {
        records
            .iter()
            .map(|r| match r {
                Record::Page(p) => format!(
                    "page {} {}",
                    p.record_id.as_deref().unwrap_or("-"),
                    String::from_utf8_lossy(&p.html)
                ),
                Record::Other(kind) => format!("other {kind}"),
                Record::Refused { record_id, reason } => {
                    format!("refused {}: {reason}", record_id.as_deref().unwrap_or("-"))
                }
            })
            .collect()
    }

    fn damage(d: Option<Damage>) -> String {
        match d {
            Some(Damage::Bad(why)) => why,
            Some(Damage::Io(e)) => format!("io {:?}", e.kind()),
            None => "none".into(),
        }
    }

    fn crawl() -> Vec<Vec<u8>> {
        vec![
            record(
                "warcinfo",
                "info",
                "Content-Type: application/warc-fields\r\n",
                b"software: test\r\n",
            ),
            record(
                "request",
                "req",
                "Content-Type: application/http; msgtype=request\r\n",
                b"GET /a HTTP/1.1\r\nHost: news.example\r\n\r\n",
            ),
            page("a", "<html><p>first</p></html>"),
            record(
                "metadata",
                "meta",
                "Content-Type: application/warc-fields\r\n",
                b"via: x\r\n",
            ),
            response(
                "gone",
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n",
                b"<html>missing</html>",
            ),
            response(
                "png",
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n",
                b"\x89PNG\r\n\x1a\n\0\0",
            ),
            record(
                "revisit",
                "again",
                "",
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
            ),
            page("b", "<!doctype html><p>second</p>"),
        ]
    }

    const CRAWL: [&str; 8] = [
        "other warcinfo",
        "other request",
        "page urn:uuid:a <html><p>first</p></html>",
        "other metadata",
        "other status 404",
        "other non-HTML",
        "other revisit",
        "page urn:uuid:b <!doctype html><p>second</p>",
    ];

    #[test]
    fn records_are_pages_or_counted_kinds() {
        let (records, end) = read_all(&crawl().concat(), 1 << 20);
        assert_eq!(damage(end), "none");
        assert_eq!(brief(&records), CRAWL);
        let Record::Page(p) = &records[2] else {
            panic!("{records:?}")
        };
        assert_eq!(p.target_uri.as_deref(), Some("https://news.example/a"));
        assert_eq!(p.date.as_deref(), Some("2025-01-02T03:04:05Z"));
        assert_eq!(p.charset.as_deref(), Some("utf-8"), "labels are lower-cased");
        assert_eq!(read_all(b"", 100).0.len(), 0, "an empty stream has no records");
    }

    #[test]
    fn one_gzip_member_per_record_reads_as_one_stream() {
        let members: Vec<u8> = crawl().iter().flat_map(|r| gzip(r)).collect();
        let mut stream = BufReader::new(flate2::read::MultiGzDecoder::new(&members[..]));
        let mut reader = Reader::new(&mut stream, 1 << 20);
        let mut records = Vec::new();
        while let Some(r) = reader.next_record().expect("no damage") {
            records.push(r);
        }
        assert_eq!(brief(&records), CRAWL);
        assert_eq!(reader.records(), 8);
    }

    #[test]
    fn http_bodies_are_dechunked_and_decompressed() {
        let html = "<html><p>a page long enough to be cut into chunks</p></html>";
        let chunked: Vec<u8> = html
            .as_bytes()
            .chunks(16)
            .flat_map(|c| {
                [
                    format!("{:x};ext=1\r\n", c.len()).into_bytes(),
                    c.to_vec(),
                    b"\r\n".to_vec(),
                ]
                .concat()
            })
            .chain(b"0\r\nX-Trailer: yes\r\n\r\n".iter().copied())
            .collect();
        let head = |extra: &str| format!("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n{extra}\r\n");
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::fast());
        zlib.write_all(html.as_bytes()).expect("zlib");
        let zlib = zlib.finish().expect("zlib");
        let input = [
            response("chunked", &head("Transfer-Encoding: chunked\r\n"), &chunked),
            response(
                "gzip",
                &head("Content-Encoding: gzip\r\n"),
                &gzip(html.as_bytes()),
            ),
            response("deflate", &head("Content-Encoding: deflate\r\n"), &zlib),
            response(
                "both",
                &head("Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"),
                &[
                    b"3\r\n".to_vec(),
                    gzip(html.as_bytes())[..3].to_vec(),
                    b"\r\n".to_vec(),
                    {
                        let g = gzip(html.as_bytes());
                        [
                            format!("{:x}\r\n", g.len() - 3).into_bytes(),
                            g[3..].to_vec(),
                            b"\r\n0\r\n\r\n".to_vec(),
                        ]
                        .concat()
                    },
                ]
                .concat(),
            ),
            // Stored decoded under its old header, as some crawlers do.
            response("stored", &head("Content-Encoding: gzip\r\n"), html.as_bytes()),
            response(
                "bad-chunk",
                &head("Transfer-Encoding: chunked\r\n"),
                b"zz\r\nabc\r\n0\r\n\r\n",
            ),
            response(
                "bad-gzip",
                &head("Content-Encoding: gzip\r\n"),
                b"\x1f\x8b\x08\0garbage",
            ),
            response("br", &head("Content-Encoding: br\r\n"), b"\x0b\x02\x80"),
        ]
        .concat();
        let (records, end) = read_all(&input, 1 << 20);
        assert_eq!(damage(end), "none");
        let page = |id: &str| format!("page urn:uuid:{id} {html}");
        let got = brief(&records);
        assert_eq!(
            got[..5],
            [
                page("chunked"),
                page("gzip"),
                page("deflate"),
                page("both"),
                page("stored")
            ]
        );
        assert_eq!(
            got[5],
            "refused urn:uuid:bad-chunk: bad chunked HTTP body (a chunk size is not a number)"
        );
        assert!(
            got[6].starts_with("refused urn:uuid:bad-gzip: corrupt gzip HTTP body"),
            "{}",
            got[6]
        );
        assert_eq!(got[7], "refused urn:uuid:br: HTTP body in br encoding (not read)");
    }

    #[test]
    fn a_record_over_the_cap_is_refused_and_the_next_one_read() {
        let big = format!("<html>{}</html>", "x".repeat(500));
        let bomb = gzip(&vec![b' '; 10_000]);
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n";
        let input = [
            page("big", &big),
            response("bomb", &format!("{head}Content-Encoding: gzip\r\n\r\n"), &bomb),
            response(
                "chunks",
                &format!("{head}Transfer-Encoding: chunked\r\n\r\n"),
                b"1f4\r\n",
            ),
            // An image over the cap is only counted: its size is no concern
            // of the index.
            response(
                "png",
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n",
                &[0u8; 600],
            ),
            page("small", "<html>ok</html>"),
        ]
        .concat();
        let (records, end) = read_all(&input, 300);
        assert_eq!(damage(end), "none");
        assert_eq!(
            brief(&records),
            [
                "refused urn:uuid:big: page is 513 B, over the 300 B limit for one article",
                "refused urn:uuid:bomb: decompressed page is 301 B, over the 300 B limit for one article",
                "refused urn:uuid:chunks: page is over the 300 B limit for one article",
                "other non-HTML",
                "page urn:uuid:small <html>ok</html>",
            ]
        );
    }

    #[test]
    fn a_truncated_file_gives_its_whole_records_then_the_damage() {
        let whole = crawl().concat();
        let first_two = crawl()[..2].concat().len();
        let third = crawl()[2].len();
        // Cut inside the third record's block, then inside its headers.
        let (records, end) = read_all(&whole[..first_two + third - 10], 1 << 20);
        assert_eq!(brief(&records), CRAWL[..2]);
        assert_eq!(damage(end), "truncated file (unexpected end of data) in record 3");
        let (records, end) = read_all(&whole[..first_two + 40], 1 << 20);
        assert_eq!(records.len(), 2);
        assert_eq!(
            damage(end),
            "damaged web archive: the data ends in the WARC headers of record 3"
        );
        // A gzip member cut short: the stream's own error.
        let members: Vec<u8> = crawl().iter().flat_map(|r| gzip(r)).collect();
        let cut = &members[..members.len() - 20];
        let stream = BufReader::new(flate2::read::MultiGzDecoder::new(cut));
        let (records, end) = read_all_from(stream, 1 << 20);
        assert_eq!(brief(&records), CRAWL[..7]);
        assert_eq!(damage(end), "io UnexpectedEof");
    }

    #[test]
    fn a_file_that_is_not_a_warc_says_so() {
        let (records, end) = read_all(b"<html>a page named .warc</html>\n", 1 << 20);
        assert!(records.is_empty());
        assert_eq!(
            damage(end),
            "not a web archive (it does not start with a WARC/1.x line)"
        );
        let mut input = page("a", "<html>a</html>");
        input.extend_from_slice(b"garbage after the first record\r\n");
        let (records, end) = read_all(&input, 1 << 20);
        assert_eq!(records.len(), 1);
        assert_eq!(
            damage(end),
            "damaged web archive: no WARC/1.x line where record 2 should start"
        );
        // A line without end is read past in bounded memory, not kept.
        let (_, end) = read_all(&vec![b'x'; 100_000], 1 << 20);
        assert!(damage(end).starts_with("not a web archive"));
    }

    #[test]
    fn header_edge_cases() {
        // LF alone ends lines as well as CRLF, in WARC and HTTP headers.
        let block = "HTTP/1.1 200 OK\nContent-Type: text/html\n\n<html>lf</html>";
        let lf = format!(
            "WARC/1.0\nWARC-Type: response\nWARC-Record-ID: <urn:uuid:lf>\n\
             Content-Type: application/http\nContent-Length: {}\n\n{block}\n\n",
            block.len()
        );
        let (records, end) = read_all(lf.as_bytes(), 1 << 20);
        assert_eq!(damage(end), "none");
        assert_eq!(brief(&records), ["page urn:uuid:lf <html>lf</html>"]);

        // Folded header lines; names in any case; an id without brackets;
        // no Content-Type in HTTP, so the body is looked at.
        let input = b"WARC/1.0\r\nwarc-type: response\r\nWARC-Record-ID: urn:x:1\r\nX-Long: a\r\n  b\r\n\
                      CONTENT-TYPE: application/http\r\nContent-Length: 36\r\n\r\n\
                      HTTP/1.0 200 OK\r\n\r\n<html>ok</html>\r\n\r\n\r\n";
        let (records, end) = read_all(input, 1 << 20);
        assert_eq!(damage(end), "none");
        assert_eq!(brief(&records), ["page urn:x:1 <html>ok</html>\r\n"]);

        let missing = b"WARC/1.0\r\nWARC-Type: request\r\n\r\nGET / HTTP/1.1\r\n\r\n";
        assert_eq!(
            damage(read_all(missing, 100).1),
            "damaged web archive: record 1 has no Content-Length, so the next one cannot be found"
        );
        let not_a_number = b"WARC/1.0\r\nContent-Length: -5\r\n\r\n";
        assert!(damage(read_all(not_a_number, 100).1).contains("not a number"));
        let long = format!("WARC/1.0\r\nX: {}\r\n\r\n", "y".repeat(MAX_LINE));
        assert_eq!(
            damage(read_all(long.as_bytes(), 100).1),
            "damaged web archive: a line of 16 KiB (over 16 KiB) in the WARC headers of record 1"
        );
        let many = format!("WARC/1.0\r\n{}\r\n", "X: y\r\n".repeat(MAX_HEADERS + 1));
        assert_eq!(
            damage(read_all(many.as_bytes(), 100).1),
            "damaged web archive: more than 256 header lines in the WARC headers of record 1"
        );
        // A bad HTTP message is its record's problem; the next one is read.
        let input = [
            response("nohttp", "not http at all\r\n\r\n", b""),
            response("nocolon", "HTTP/1.1 200 OK\r\nbroken header\r\n\r\n", b"<html>"),
            page("ok", "<html>ok</html>"),
        ]
        .concat();
        let (records, end) = read_all(&input, 1 << 20);
        assert_eq!(damage(end), "none");
        assert_eq!(
            brief(&records),
            [
                "refused urn:uuid:nohttp: not an HTTP response (no status line)",
                "refused urn:uuid:nocolon: bad HTTP headers: a header line without a colon",
                "page urn:uuid:ok <html>ok</html>",
            ]
        );
    }
}
