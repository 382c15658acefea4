//! Reading files safely: bounded reads, gzip streams, binary sniffing, and decoding to text (UTF-8, else Windows-1252).

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;
use xxhash_rust::xxh3::Xxh3;

use crate::error::io_reason;

/// Size bounds that keep memory flat whatever the archive holds.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest article file (after decompression) read whole, and longest
    /// line of a JSON Lines file, and largest page of a web archive: one
    /// article each. JSON Lines files and web archives themselves may be of
    /// any size; they are streamed.
    pub max_article_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_article_bytes: 32 << 20,
        }
    }
}

/// An opened file, ready for its parser.
pub enum Opened {
    /// The whole (decompressed) content of a single-article or JSON file,
    /// and `hash_file`'s value for the bytes it was read from.
    Whole {
        bytes: Vec<u8>,
        name: String,
        file_hash: u64,
    },
    /// A JSON Lines stream, read line by line, and the hash of the bytes
    /// it reads from the file.
    Lines(Box<dyn BufRead + Send>, ReadHash),
    /// A web archive (WARC) stream, read record by record, and the hash
    /// of the bytes it reads from the file.
    Warc(Box<dyn BufRead + Send>, ReadHash),
}

/// xxh3 of the bytes a stream has read from its file so far. The catalog
/// must record the hash of what was parsed: a file hashed after its parse
/// may have grown or been rewritten meanwhile, and the next run would
/// take the new bytes for the ones indexed.
#[derive(Clone, Default)]
pub struct ReadHash(Arc<Mutex<Xxh3>>);

impl ReadHash {
    /// The hash of the whole file, once `stream` (reading through this
    /// hash) is read to its end: what is left is read first.
    pub fn finish(&self, stream: &mut dyn BufRead) -> io::Result<u64> {
        io::copy(stream, &mut io::sink())?;
        Ok(self.0.lock().map_or(0, |h| h.digest()))
    }
}

/// A reader that hashes what it reads into its `ReadHash`.
struct Hashing<R> {
    inner: R,
    hash: ReadHash,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hash.0.lock() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Why a file is skipped. `transient` when it could not be read (as opposed
/// to read and refused): its old documents stay, and the next run tries again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: String,
    pub transient: bool,
}

impl From<String> for Refused {
    fn from(reason: String) -> Self {
        Refused {
            reason,
            transient: false,
        }
    }
}

impl From<&str> for Refused {
    fn from(reason: &str) -> Self {
        reason.to_string().into()
    }
}

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Self {
        Refused {
            transient: is_transient(&e),
            reason: read_error(e),
        }
    }
}

/// Whether a read error says nothing about the file's content (the disk,
/// the permissions, the network file system), so trying again may work.
pub fn is_transient(e: &io::Error) -> bool {
    !matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
    )
}

/// Opens `path` for reading if it is (still) a regular file. O_NONBLOCK: a
/// file swapped for a FIFO after the walk must not hang the run;
/// O_NOFOLLOW: nor may one swapped for a symbolic link be followed.
fn open_regular(path: &Path) -> Result<(File, Metadata), Refused> {
    let transient = |what: &str, e: io::Error| Refused {
        reason: format!("{what}: {}", io_reason(&e)),
        transient: true,
    };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| transient("cannot open", e))?;
    let meta = file.metadata().map_err(|e| transient("cannot stat", e))?;
    if !meta.is_file() {
        return Err(Refused {
            reason: "not a regular file".into(),
            transient: true,
        });
    }
    Ok((file, meta))
}

/// Opens `path` (whose file name, lower-cased, is `name`) and reads it as far
/// as its kind needs. `Err` is why the file is skipped.
pub fn open(path: &Path, name: &str, limits: &Limits) -> Result<Opened, Refused> {
    let (file, meta) = open_regular(path)?;
    let hash = ReadHash::default();
    let file = Hashing {
        inner: file,
        hash: hash.clone(),
    };
    // Sized to the file (as in `hash_file`), up to 64 KiB: a buffer is
    // allocated and zeroed for every file read, and most articles are a
    // few KB. It still holds the whole of such a file, as `head` did.
    let capacity =
        usize::try_from(meta.len().saturating_add(1)).map_or(64 << 10, |n| n.clamp(4 << 10, 64 << 10));
    let mut reader = BufReader::with_capacity(capacity, file);
    let head = reader.fill_buf()?;
    if head.is_empty() {
        return Err("empty file".into());
    }
    if let Some(kind) = unsupported_container(head) {
        return Err(kind.into());
    }
    let gzipped = head.starts_with(&[0x1f, 0x8b]);
    let inner = if gzipped {
        name.strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".gzip"))
            .unwrap_or(name)
            .to_string()
    } else {
        name.to_string()
    };
    if inner.ends_with(".tar") || name.ends_with(".tgz") {
        return Err("tar archive (unpack it first)".into());
    }
    let plain_warc = !gzipped && is_warc_head(head);
    let mut stream: Box<dyn BufRead + Send> = if gzipped {
        Box::new(BufReader::with_capacity(64 << 10, MultiGzDecoder::new(reader)))
    } else {
        if !is_json_lines(&inner) && !is_warc(&inner) && !plain_warc && meta.len() > limits.max_article_bytes
        {
            return Err(format!(
                "file is {}, over the {} limit for one article",
                human_bytes(meta.len()),
                human_bytes(limits.max_article_bytes)
            )
            .into());
        }
        Box::new(reader)
    };
    if is_json_lines(&inner) {
        return Ok(Opened::Lines(stream, hash));
    }
    // A web archive is known by its first line too: crawlers name them
    // .arc.gz, .warc.gz, .gz or anything. The look into a gzipped file
    // decompresses its first block, which reading it whole would do anyway.
    if is_warc(&inner) || plain_warc || (gzipped && is_warc_head(stream.fill_buf()?)) {
        return Ok(Opened::Warc(stream, hash));
    }
    // Sized to the file (capped), so that reading it needs no regrowing;
    // a compressed one grows as it inflates.
    let expected = if gzipped {
        0
    } else {
        meta.len().min(limits.max_article_bytes) + 1
    };
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    (&mut stream)
        .take(limits.max_article_bytes + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limits.max_article_bytes {
        return Err(format!(
            "decompressed content is over the {} limit for one article",
            human_bytes(limits.max_article_bytes)
        )
        .into());
    }
    // What is left after the content (a gzip stream's trailing bytes) is
    // part of the file's hash; for the rest this reads nothing more.
    let file_hash = hash.finish(&mut stream)?;
    Ok(Opened::Whole {
        bytes,
        name: inner,
        file_hash,
    })
}

/// xxh3 of the file's bytes, read in blocks (memory stays flat whatever
/// its size), opened as `open` opens files.
pub fn hash_file(path: &Path) -> Result<u64, Refused> {
    let (mut file, meta) = open_regular(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    // Sized to the file: most articles are a few KB, and zeroing a large
    // block for each of them showed in the ingest profile.
    let mut buf = vec![0u8; (meta.len() as usize).saturating_add(1).clamp(4 << 10, 256 << 10)];
    loop {
        match file.read(&mut buf) {
            Ok(0) => return Ok(hasher.digest()),
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
}

pub fn is_json_lines(name: &str) -> bool {
    [".jsonl", ".ndjson", ".jsonlines", ".ldjson"]
        .iter()
        .any(|e| name.ends_with(e))
}

pub fn is_warc(name: &str) -> bool {
    name.ends_with(".warc")
}

/// Whether a file starts as a WARC record does (WARC/1.0, WARC/1.1).
fn is_warc_head(head: &[u8]) -> bool {
    head.starts_with(b"WARC/1.")
}

pub fn is_json(name: &str) -> bool {
    name.ends_with(".json")
}

/// Why a read failed, in words: gzip errors name the stream, not the OS.
pub fn read_error(e: io::Error) -> String {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => "truncated file (unexpected end of data)".into(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData => {
            format!("corrupt compressed data ({})", io_reason(&e))
        }
        _ => format!("cannot read: {}", io_reason(&e)),
    }
}

fn unsupported_container(head: &[u8]) -> Option<&'static str> {
    const KINDS: &[(&[u8], &str)] = &[
        (b"PK\x03\x04", "zip archive (unpack it first)"),
        (b"7z\xbc\xaf\x27\x1c", "7-zip archive (unpack it first)"),
        (b"Rar!", "rar archive (unpack it first)"),
        (
            b"BZh",
            "bzip2-compressed file (only gzip is read; decompress it first)",
        ),
        (
            b"\xfd7zXZ\x00",
            "xz-compressed file (only gzip is read; decompress it first)",
        ),
        (
            b"\x28\xb5\x2f\xfd",
            "zstd-compressed file (only gzip is read; decompress it first)",
        ),
    ];
    KINDS
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, kind)| *kind)
}

/// What a binary file is, when the bytes are not text.
pub fn sniff_binary(bytes: &[u8]) -> Option<String> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"\x89PNG", "PNG image"),
        (b"\xff\xd8\xff", "JPEG image"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"%PDF-", "PDF document"),
        (b"\x7fELF", "executable"),
        (b"\xd0\xcf\x11\xe0", "Microsoft Office document"),
        (b"SQLite format 3\x00", "SQLite database"),
        (b"OggS", "Ogg media"),
        (b"ID3", "MP3 audio"),
        (b"II*\x00", "TIFF image"),
        (b"MM\x00*", "TIFF image"),
        (b"\x1f\x8b", "gzip data inside gzip"),
        (b"\x00asm", "WebAssembly module"),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(m, _)| bytes.starts_with(m)) {
        return Some(format!("binary file ({kind})"));
    }
    if bytes.len() >= 12 && &bytes[..4] == b"RIFF" {
        let kind = if &bytes[8..12] == b"WEBP" {
            "WebP image"
        } else {
            "RIFF media"
        };
        return Some(format!("binary file ({kind})"));
    }
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return Some("binary file (MP4/QuickTime media)".into());
    }
    if encoding_rs::Encoding::for_bom(bytes).is_some() {
        return None;
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Some("binary file (contains NUL bytes)".into());
    }
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
        .count();
    (controls * 10 > head.len()).then(|| "binary file (mostly control bytes)".into())
}

/// Bytes as text: a BOM decides, else UTF-8 when valid, else Windows-1252
/// (which maps every byte, so nothing is dropped). Control characters that
/// could drive a terminal are removed.
pub fn decode(bytes: &[u8]) -> String {
    decode_owned(bytes.to_vec())
}

/// `decode` of bytes the caller no longer needs: valid UTF-8 (most files)
/// becomes the text without a copy.
pub fn decode_owned(bytes: Vec<u8>) -> String {
    let text = if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(&bytes) {
        encoding.decode_without_bom_handling(&bytes[bom..]).0.into_owned()
    } else {
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(e.as_bytes())
                .0
                .into_owned(),
        }
    };
    sanitize(text)
}

/// Whether `text` holds a character `sanitize` removes or rewrites, read
/// byte-wise (a `char` scan decodes every character of every file): the C0
/// controls and DEL are single bytes, a C1 control is 0xC2 then 0x80-0x9F,
/// U+FEFF is EF BB BF. Every file passes here, and nearly none holds one:
/// a table says which bytes can start one, and only those are looked at.
fn needs_sanitizing(text: &str) -> bool {
    const SUSPECT: [bool; 256] = {
        let mut t = [false; 256];
        let mut b = 0;
        while b < 0x20 {
            t[b] = b != b'\n' as usize && b != b'\t' as usize;
            b += 1;
        }
        t[0x7f] = true;
        t[0xc2] = true;
        t[0xef] = true;
        t
    };
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = b[from..].iter().position(|&x| SUSPECT[usize::from(x)]) {
        let at = from + i;
        let removed = match b[at] {
            0xc2 => matches!(b.get(at + 1), Some(0x80..=0x9f)),
            0xef => b.get(at + 1..at + 3) == Some(&[0xbb, 0xbf][..]),
            _ => true,
        };
        if removed {
            return true;
        }
        from = at + 1;
    }
    false
}

/// A character `sanitize` removes: a control character other than line
/// feed and tab, or a byte order mark (a CR becomes a line break first).
fn removed_by_sanitize(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || c == '\u{feff}'
}

fn sanitize(text: String) -> String {
    if !needs_sanitizing(&text) {
        return text;
    }
    // A lone CR is a line break (old Mac files); CRLF loses its CR.
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|&c| !removed_by_sanitize(c))
        .collect()
}

/// How a capped line read ended.
#[derive(Debug, PartialEq, Eq)]
pub enum LineRead {
    Eof,
    Line,
    /// The line was longer than the cap; its first bytes are in the buffer,
    /// the rest was skipped. Carries the full length.
    TooLong(u64),
}

/// Reads one line (without its newline) into `buf`, keeping at most `max`
/// bytes of it, so a file without newlines cannot exhaust memory.
pub fn read_line_capped(reader: &mut dyn BufRead, buf: &mut Vec<u8>, max: usize) -> io::Result<LineRead> {
    buf.clear();
    let mut total: u64 = 0;
    let mut seen_any = false;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            if !seen_any {
                return Ok(LineRead::Eof);
            }
            break;
        }
        seen_any = true;
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], Some(i + 1)),
            None => (available, None),
        };
        let room = max.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        total += chunk.len() as u64;
        let used = done.unwrap_or(available.len());
        reader.consume(used);
        if done.is_some() {
            break;
        }
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(if total > max as u64 {
        LineRead::TooLong(total)
    } else {
        LineRead::Line
    })
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else if value >= 10.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_look_finds_exactly_the_characters_sanitize_removes() {
        let mut flagged = 0;
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let s = format!("ab{c}cd");
            assert_eq!(needs_sanitizing(&s), removed_by_sanitize(c), "{c:?}");
            flagged += usize::from(removed_by_sanitize(c));
        }
        assert_eq!(flagged, 32 - 2 + 1 + 32 + 1, "C0 but LF and tab, DEL, C1, BOM");
        assert!(!needs_sanitizing("plain text,\tcafé £5 \u{fefe}\n"));
        assert!(needs_sanitizing("x\u{feff}"));
        assert_eq!(decode(b"a\x00b\r\nc\xc2\x85d"), "ab\ncd");
    }

    #[test]
    fn latin1_pound_is_decoded() {
        assert_eq!(decode(b"cost \xa3600m"), "cost £600m");
        assert_eq!(decode("café £5".as_bytes()), "café £5");
        assert_eq!(decode(b"\xef\xbb\xbfbom"), "bom");
        assert_eq!(decode(b"a\r\nb\x1b[31mc"), "a\nb[31mc");
    }

    #[test]
    fn binary_is_recognised() {
        assert_eq!(
            sniff_binary(b"\x89PNG\r\n\x1a\n....").as_deref(),
            Some("binary file (PNG image)")
        );
        assert!(sniff_binary(b"hello\x00world").is_some());
        assert!(sniff_binary("plain text with £".as_bytes()).is_none());
        assert!(
            sniff_binary(b"\xff\xfeh\x00i\x00").is_none(),
            "UTF-16 with BOM is text"
        );
    }

    #[test]
    fn capped_lines() {
        let mut input: &[u8] = b"short\nthis line is long\r\nlast";
        let mut buf = Vec::new();
        assert_eq!(read_line_capped(&mut input, &mut buf, 8).unwrap(), LineRead::Line);
        assert_eq!(buf, b"short");
        assert_eq!(
            read_line_capped(&mut input, &mut buf, 8).unwrap(),
            LineRead::TooLong(18)
        );
        assert_eq!(read_line_capped(&mut input, &mut buf, 8).unwrap(), LineRead::Line);
        assert_eq!(buf, b"last");
        assert_eq!(read_line_capped(&mut input, &mut buf, 8).unwrap(), LineRead::Eof);
    }
}
