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
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.take(1)?.first()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
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

/// What `seal` sealed, if its check holds.
pub(crate) fn unseal(bytes: &[u8]) -> Option<&[u8]> {
    let (body, check) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    (xxhash_rust::xxh3::xxh3_64(body).to_le_bytes() == check).then_some(body)
}
