//! The byte layout newsidx's own binary files share (the catalog, the entity table and names, the stored entity lists, export points): little-endian u64s, varints, length-prefixed strings, and a trailing xxh3 of everything before it.

/// Reads what the `put_` functions wrote; `None` at any byte out of place.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes }
    }

    pub(crate) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    pub(crate) fn u64_fixed(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    pub(crate) fn varint(&mut self) -> Option<u64> {
        // At most ten bytes (shifts 0 to 63), walked in place: the catalog
        // holds several per file, and a no-op run decodes them all.
        let mut value = 0u64;
        for (i, &byte) in self.bytes.iter().take(10).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Some(value);
            }
        }
        None
    }

    pub(crate) fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    /// What `put_str` wrote, as the bytes it holds.
    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        self.take(len)
    }

    /// A varint that must fit a `usize` (a count or an index).
    pub(crate) fn count(&mut self) -> Option<usize> {
        usize::try_from(self.varint()?).ok()
    }

    /// The bytes not read yet.
    pub(crate) fn rest(self) -> &'a [u8] {
        self.bytes
    }

    /// Bytes left to read.
    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Every byte was read.
    pub(crate) fn is_done(&self) -> bool {
        self.bytes.is_empty()
    }
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Appends the xxh3 of `out`, so a damaged or cut file is known as such.
pub(crate) fn seal(out: &mut Vec<u8>) {
    let check = xxhash_rust::xxh3::xxh3_64(out);
    out.extend_from_slice(&check.to_le_bytes());
}

/// The first `n` bytes of the file `path` holds, if the file is sealed and
/// its check holds: the whole file is hashed, a piece at a time, so that
/// a caller that needs only its head (a fingerprint) neither holds the
/// file in memory nor decodes the rest.
pub(crate) fn unsealed_head(path: &std::path::Path, n: usize) -> Option<Vec<u8>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let len = usize::try_from(file.metadata().ok()?.len()).ok()?;
    let body = len.checked_sub(8).filter(|&body| body >= n)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut head = Vec::with_capacity(n);
    let mut buf = vec![0u8; 64 << 10];
    let mut left = body;
    while left > 0 {
        let want = left.min(buf.len());
        let got = &mut buf[..want];
        file.read_exact(got).ok()?;
        hasher.update(got);
        let room = n - head.len();
        head.extend_from_slice(&got[..room.min(want)]);
        left -= want;
    }
    let mut check = [0u8; 8];
    file.read_exact(&mut check).ok()?;
    // A file that grew while it was read is no file `seal` wrote whole.
    let mut more = [0u8; 1];
    if file.read(&mut more).ok()? != 0 {
        return None;
    }
    (hasher.digest().to_le_bytes() == check).then_some(head)
}

/// The file at `path`, mapped. Mapped, not read: a copy would be a fresh
/// allocation of the file's size, its pages zeroed by the kernel only to
/// be overwritten. newsidx's files are never written in place (a new one
/// is renamed onto the old), so the mapped bytes do not change under a
/// reader. Not through an index's own directory, which takes a file's last
/// bytes for tantivy's footer.
pub(crate) fn map(path: &std::path::Path) -> std::io::Result<tantivy::directory::OwnedBytes> {
    use std::path::Path;
    use tantivy::Directory;
    let (dir, name) = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => (dir, Path::new(name)),
        _ => return Err(std::io::ErrorKind::NotFound.into()),
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    tantivy::directory::MmapDirectory::open(dir)
        .map_err(std::io::Error::other)?
        .open_read(name)
        .map_err(std::io::Error::other)?
        .read_bytes()
}

/// What `seal` sealed, if its check holds.
pub(crate) fn unseal(bytes: &[u8]) -> Option<&[u8]> {
    let (body, check) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    (xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() == check).then_some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_read_back_and_a_cut_or_overlong_one_is_none() {
        let values = [0, 1, 127, 128, 300, 1 << 35, u64::MAX - 1, u64::MAX];
        let mut out = Vec::new();
        for v in values {
            put_varint(&mut out, v);
        }
        let mut r = Reader::new(&out);
        for v in values {
            assert_eq!(r.varint(), Some(v));
        }
        assert!(r.is_done());
        // u64::MAX is ten bytes; a cut anywhere in it leaves none.
        let mut max = Vec::new();
        put_varint(&mut max, u64::MAX);
        for cut in 0..max.len() {
            assert_eq!(Reader::new(&max[..cut]).varint(), None, "cut at {cut}");
        }
        // Eleven bytes with the high bit set: no varint.
        assert_eq!(Reader::new(&[0x80; 11]).varint(), None);
        // Bits past the 64th are dropped, as they always were.
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).varint(),
            Some(u64::MAX)
        );
    }

    #[test]
    fn the_head_of_a_sealed_file_only_when_it_is_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("f.bin");
        // Longer than the piece `unsealed_head` reads at a time.
        let mut out: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        seal(&mut out);
        std::fs::write(&path, &out).unwrap();
        assert_eq!(unsealed_head(&path, 16).as_deref(), Some(&out[..16]));
        assert_eq!(unsealed_head(&path, 0).as_deref(), Some(&[][..]));
        assert_eq!(
            unsealed_head(&path, out.len() - 8).as_deref(),
            Some(&out[..out.len() - 8])
        );
        assert_eq!(unsealed_head(&path, out.len() - 7), None);
        for at in [3, 100_000, out.len() - 1] {
            let mut damaged = out.clone();
            damaged[at] ^= 1;
            std::fs::write(&path, &damaged).unwrap();
            assert_eq!(unsealed_head(&path, 16), None, "flipped at {at}");
        }
        std::fs::write(&path, &out[..out.len() - 1]).unwrap();
        assert_eq!(unsealed_head(&path, 16), None);
        assert_eq!(unsealed_head(&tmp.path().join("none"), 16), None);
    }
}
