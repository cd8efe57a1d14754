//! Block summaries: what recovery needs from a block, kept beside it so the block is not re-read.
//!
//! A [`Summary`] lists, for the first `len` bytes of one block, every message record (sequence,
//! offset, subject, accounted size, whether it has headers or a TTL), the tombstones, the TTLs, the
//! highest floor and the highest sequence with its time. The file store keeps one in memory for the
//! tail (fed as records are appended) and writes it to `<dir>/NNNNNNNN.sum` when the tail is sealed
//! and, as a checkpoint of the tail's prefix, every time the tail has grown by a set amount;
//! recovery also builds one by scanning a block that has none.
//!
//! A summary describes a *prefix* of its block: records appended later (tombstones of a sealed block)
//! are scanned and verified as usual. It is trusted only when its own checksum holds, the block still
//! starts with the same header, is at least `len` bytes long, and the last [`SAMPLE`] bytes of the
//! prefix still have the checksum recorded when the summary was written. Anything that rewrites a
//! block's bytes in place (secure erase, block rewrite) deletes the summary first, so a stale one
//! cannot describe different bytes of the same length. Records inside a trusted prefix are not
//! checksummed at open; each is still verified when it is read.
//!
//! Besides the per-record entries a summary carries the block's totals (first message, accounted
//! bytes, messages with headers) and, per subject, its message count and first and last sequence, so
//! that recovery can account for a block without decoding its entries (see [`Summary::decode_head`]).
//!
//! The sample is the last 4 KiB of the prefix in format version 3 (the one written) and the last
//! 64 KiB in version 2 (still read: the layout is the same otherwise).
//!
//! File layout (integers little endian, varints LEB128): magic `SYS1`, version, 3 reserved bytes,
//! `head_len` u32 (bytes before the entries, this field's CRC included), the 40-byte block header
//! verbatim, `len` u64, sample CRC-32 u32, `records` u32, `floor` u64, `last_seq` u64, `last_ts` i64,
//! the last entry's sequence u64 and offset u32 (where appending resumes), the first entry's sequence
//! u64 and time i64, accounted `bytes` u64, messages with headers u32, the entries' length u32 and
//! CRC-32 u32, then varint-counted sections: subjects (length, bytes, message count, first and last
//! sequence as `seq - base_seq` each), tombstones (`seq - base_seq`), TTLs (`seq - base_seq`, zigzag
//! `ts`, zigzag `ttl`), a CRC-32 of everything before it (the *head*), and then the message entries
//! (one byte blob, see [`Summary::add_msg`]).

use std::collections::HashMap;
use std::ops::Range;

use super::record::{self, BlockHeader, Decoded, Record, HEADER_LEN};
use crate::jetstream::store::file_msg_size;
use crate::jetstream::store::varint::{put_varint, unzigzag, zigzag, Cursor};

const MAGIC: [u8; 4] = *b"SYS1";
/// Version 3 has the layout of version 2 with a smaller sample; both are read.
const VERSION: u8 = 3;
const VERSION_2: u8 = 2;
/// Bytes at the end of the summarised prefix whose checksum ties a summary to its block.
pub(crate) const SAMPLE: u64 = 4 << 10;
/// The sample of a version 2 summary.
const SAMPLE_V2: u64 = 64 << 10;
const FIXED_LEN: usize = 12 + HEADER_LEN + 8 + 4 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 8 + 8 + 4 + 4 + 4;

const E_HDR: u64 = 1;
const E_TTL: u64 = 2;

/// One message record as a summary lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SummaryMsg {
    pub seq: u64,
    pub offset: u32,
    /// Index into the summary's subjects.
    pub subject: u32,
    pub size: u32,
    pub hdr: bool,
    pub ttl: bool,
}

/// What one block holds, up to `len` bytes; see the module doc.
#[derive(Debug, Clone, Default)]
pub(crate) struct Summary {
    /// Bytes of the block described, from its start.
    pub len: u64,
    /// Message records (live or not).
    pub records: u32,
    /// Highest floor found in the records (the header's floor is not included).
    pub floor: u64,
    /// Highest sequence of any message record and its time; `(0, 0)` without one.
    pub last: (u64, i64),
    /// Lowest sequence of any message record and its time; `(0, 0)` without one.
    pub first: (u64, i64),
    /// Sum of the accounted sizes of the message records.
    pub bytes: u64,
    /// Message records with headers.
    pub hdrs: u32,
    /// Sequences with a tombstone in this block.
    pub dead: Vec<u64>,
    /// `(seq, ts, ttl)` of messages stored with a TTL, in sequence order.
    pub ttls: Vec<(u64, i64, i64)>,
    subjects: Vec<Box<str>>,
    subject_ids: HashMap<Box<str>, u32>,
    /// Per subject (by index): message records, first and last sequence.
    stats: Vec<SubjectStats>,
    entries: Vec<u8>,
    /// CRC-32 of the entries when only the head was decoded.
    entries_crc: Option<u32>,
    /// Subject index of the latest entry added.
    last_subject: u32,
    prev: (u64, u32),
}

/// One subject's messages in a block, as a summary counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct SubjectStats {
    pub msgs: u32,
    pub first: u64,
    pub last: u64,
}

/// What ties a summary to its block: the CRC-32 of the last `len` bytes of the summarised prefix
/// (see [`Sample::range`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sample {
    pub crc: u32,
    pub len: u64,
}

impl Sample {
    /// The block bytes this sample covers for a prefix of `prefix` bytes.
    pub fn range(&self, prefix: u64) -> Range<u64> {
        prefix.saturating_sub(self.len).max(HEADER_LEN as u64)..prefix
    }
}

/// A summary file's head, parsed without its entries (see [`Summary::decode_head`]).
#[derive(Debug)]
pub(crate) struct Head {
    pub summary: Summary,
    pub header: [u8; HEADER_LEN],
    pub sample: Sample,
    /// Bytes of the whole file: the head plus the entries.
    pub file_len: usize,
}

/// The byte range of a block whose checksum a summary written now records, for a prefix of `len`
/// bytes.
pub(crate) fn sample_range(len: u64) -> Range<u64> {
    Sample { crc: 0, len: SAMPLE }.range(len)
}

impl Summary {
    /// The subject with this index.
    pub fn subject(&self, i: u32) -> &str {
        &self.subjects[i as usize]
    }

    pub fn subject_count(&self) -> usize {
        self.subjects.len()
    }

    /// Message count, first and last sequence of the subject with this index.
    pub fn subject_stats(&self, i: u32) -> SubjectStats {
        self.stats[i as usize]
    }

    /// True when the message entries are present (not only the head was read).
    pub fn has_entries(&self) -> bool {
        self.records == 0 || !self.entries.is_empty()
    }

    /// Add a message record. Entries are four varints: sequence and offset as deltas from the
    /// previous entry, `subject << 2 | ttl << 1 | hdr`, and the accounted size.
    #[allow(clippy::too_many_arguments)]
    pub fn add_msg(&mut self, seq: u64, ts: i64, subject: &str, size: u32, offset: u32, hdr: bool, ttl: Option<i64>) {
        // Runs of one subject are common: compare with the previous entry's before hashing.
        let last = self.last_subject as usize;
        let cached = (last < self.subjects.len() && *self.subjects[last] == *subject).then_some(self.last_subject);
        let sid = match cached.or_else(|| self.subject_ids.get(subject).copied()) {
            Some(i) => i,
            None => {
                let i = self.subjects.len() as u32;
                self.subjects.push(subject.into());
                self.subject_ids.insert(subject.into(), i);
                self.stats.push(SubjectStats { msgs: 0, first: seq, last: seq });
                i
            }
        };
        self.last_subject = sid;
        let st = &mut self.stats[sid as usize];
        st.msgs += 1;
        st.first = st.first.min(seq);
        st.last = st.last.max(seq);
        if self.records == 0 || seq < self.first.0 {
            self.first = (seq, ts);
        }
        self.bytes += size as u64;
        self.hdrs += hdr as u32;
        put_varint(&mut self.entries, seq.wrapping_sub(self.prev.0));
        put_varint(&mut self.entries, offset.wrapping_sub(self.prev.1) as u64);
        let flags = if hdr { E_HDR } else { 0 } | if ttl.is_some() { E_TTL } else { 0 };
        put_varint(&mut self.entries, (sid as u64) << 2 | flags);
        put_varint(&mut self.entries, size as u64);
        self.prev = (seq, offset);
        self.records += 1;
        if seq >= self.last.0 {
            self.last = (seq, ts);
        }
        if let Some(ttl) = ttl {
            self.ttls.push((seq, ts, ttl));
        }
    }

    /// Every message entry, in record order.
    pub fn for_each_msg(&self, mut f: impl FnMut(SummaryMsg)) {
        let mut c = Cursor::new(&self.entries, 0);
        let mut prev = (0u64, 0u32);
        while !c.is_done() {
            let (Some(ds), Some(doff), Some(sf), Some(size)) = (c.varint(), c.varint(), c.varint(), c.varint()) else {
                debug_assert!(false, "summary entries end mid-entry");
                return;
            };
            if (sf >> 2) as usize >= self.subjects.len() {
                debug_assert!(false, "summary entry names no subject");
                return;
            }
            prev = (prev.0.wrapping_add(ds), prev.1.wrapping_add(doff as u32));
            f(SummaryMsg {
                seq: prev.0,
                offset: prev.1,
                subject: (sf >> 2) as u32,
                size: size as u32,
                hdr: sf & E_HDR != 0,
                ttl: sf & E_TTL != 0,
            });
        }
    }

    /// The TTL of message `seq`, if it was stored with one.
    pub fn ttl_of(&self, seq: u64) -> Option<(i64, i64)> {
        let i = self.ttls.binary_search_by_key(&seq, |t| t.0).ok()?;
        Some((self.ttls[i].1, self.ttls[i].2))
    }

    /// Decode and add the records of `bytes`, which are the block's bytes from offset `at` on; stops
    /// at the first record that is torn, corrupt or not valid UTF-8 in its subject. Returns the
    /// offset after the last valid record (also the new `len`) and how many records were read.
    pub fn scan(&mut self, header: &BlockHeader, bytes: &[u8], at: u64) -> (u64, u64) {
        let mut pos = 0usize;
        let mut read = 0u64;
        while let Decoded::Ok(rec, len) = record::decode(&bytes[pos..], header) {
            let offset = at + pos as u64;
            match rec {
                Record::Msg(m) => {
                    let Ok(subject) = std::str::from_utf8(m.subject) else {
                        break;
                    };
                    if let Some(f) = m.floor {
                        self.floor = self.floor.max(f);
                    }
                    let size = file_msg_size(m.subject.len(), m.hdr.len(), m.data.len()) as u32;
                    self.add_msg(m.seq, m.ts, subject, size, offset as u32, !m.hdr.is_empty(), m.ttl);
                }
                Record::Tombstone(seq) => self.dead.push(seq),
                Record::Floor(f) => self.floor = self.floor.max(f),
            }
            read += 1;
            pos += len;
        }
        self.len = at + pos as u64;
        (self.len, read)
    }

    /// The summary file's bytes. `header` is the block's first [`HEADER_LEN`] bytes and
    /// `sample_crc` the CRC-32 of the block's bytes in [`sample_range`]`(self.len)`.
    pub fn encode(&self, header: &[u8], sample_crc: u32) -> Vec<u8> {
        self.encode_as(header, sample_crc, VERSION)
    }

    /// [`Summary::encode`] as the given format version (2 or 3; they differ in the sample only).
    pub(super) fn encode_as(&self, header: &[u8], sample_crc: u32, version: u8) -> Vec<u8> {
        let base = BlockHeader::decode(header).map_or(0, |h| h.base_seq);
        let mut out = Vec::with_capacity(FIXED_LEN + self.entries.len() + 64);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&[version, 0, 0, 0]);
        out.extend_from_slice(&[0; 4]); // head length, set below
        out.extend_from_slice(&header[..HEADER_LEN]);
        out.extend_from_slice(&self.len.to_le_bytes());
        out.extend_from_slice(&sample_crc.to_le_bytes());
        out.extend_from_slice(&self.records.to_le_bytes());
        out.extend_from_slice(&self.floor.to_le_bytes());
        out.extend_from_slice(&self.last.0.to_le_bytes());
        out.extend_from_slice(&self.last.1.to_le_bytes());
        out.extend_from_slice(&self.prev.0.to_le_bytes());
        out.extend_from_slice(&self.prev.1.to_le_bytes());
        out.extend_from_slice(&self.first.0.to_le_bytes());
        out.extend_from_slice(&self.first.1.to_le_bytes());
        out.extend_from_slice(&self.bytes.to_le_bytes());
        out.extend_from_slice(&self.hdrs.to_le_bytes());
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(&self.entries).to_le_bytes());
        put_varint(&mut out, self.subjects.len() as u64);
        for (s, st) in self.subjects.iter().zip(&self.stats) {
            put_varint(&mut out, s.len() as u64);
            out.extend_from_slice(s.as_bytes());
            put_varint(&mut out, st.msgs as u64);
            put_varint(&mut out, st.first.wrapping_sub(base));
            put_varint(&mut out, st.last.wrapping_sub(base));
        }
        put_varint(&mut out, self.dead.len() as u64);
        for &seq in &self.dead {
            put_varint(&mut out, seq.wrapping_sub(base));
        }
        put_varint(&mut out, self.ttls.len() as u64);
        for &(seq, ts, ttl) in &self.ttls {
            put_varint(&mut out, seq.wrapping_sub(base));
            put_varint(&mut out, zigzag(ts));
            put_varint(&mut out, zigzag(ttl));
        }
        let head_len = (out.len() + 4) as u32;
        out[8..12].copy_from_slice(&head_len.to_le_bytes());
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&self.entries);
        out
    }

    /// The length of the head of a summary file from its first bytes (at least 12), `None` when
    /// they are not a summary of this version.
    pub fn head_len(first: &[u8]) -> Option<usize> {
        if first.len() < 12 || first[0..4] != MAGIC || !matches!(first[4], VERSION | VERSION_2) {
            return None;
        }
        let n = u32::from_le_bytes(first[8..12].try_into().ok()?) as usize;
        (n >= FIXED_LEN + 4).then_some(n)
    }

    /// Parse a summary file's head (`buf` holds at least [`Summary::head_len`] bytes of it): every
    /// total, the subjects with their statistics, tombstones and TTLs, but not the entries, which
    /// [`Summary::decode`] adds. `None` when the head is damaged or of another version.
    pub fn decode_head(buf: &[u8]) -> Option<Head> {
        let head_len = Self::head_len(buf)?;
        let body_len = head_len - 4;
        let (body, crc) = (buf.get(..body_len)?, buf.get(body_len..head_len)?);
        if crc32fast::hash(body).to_le_bytes() != crc {
            return None;
        }
        let header: [u8; HEADER_LEN] = buf[12..12 + HEADER_LEN].try_into().ok()?;
        let base = BlockHeader::decode(&header)?.base_seq;
        let mut c = Cursor::new(body, 12 + HEADER_LEN);
        let mut fixed = |n: usize| c.bytes(n);
        let len = u64::from_le_bytes(fixed(8)?.try_into().ok()?);
        let sample = Sample {
            crc: u32::from_le_bytes(fixed(4)?.try_into().ok()?),
            len: if buf[4] == VERSION_2 { SAMPLE_V2 } else { SAMPLE },
        };
        let records = u32::from_le_bytes(fixed(4)?.try_into().ok()?);
        let floor = u64::from_le_bytes(fixed(8)?.try_into().ok()?);
        let last_seq = u64::from_le_bytes(fixed(8)?.try_into().ok()?);
        let last_ts = i64::from_le_bytes(fixed(8)?.try_into().ok()?);
        let prev_seq = u64::from_le_bytes(fixed(8)?.try_into().ok()?);
        let prev_offset = u32::from_le_bytes(fixed(4)?.try_into().ok()?);
        let first_seq = u64::from_le_bytes(fixed(8)?.try_into().ok()?);
        let first_ts = i64::from_le_bytes(fixed(8)?.try_into().ok()?);
        let bytes = u64::from_le_bytes(fixed(8)?.try_into().ok()?);
        let hdrs = u32::from_le_bytes(fixed(4)?.try_into().ok()?);
        let entries_len = u32::from_le_bytes(fixed(4)?.try_into().ok()?) as usize;
        let entries_crc = u32::from_le_bytes(fixed(4)?.try_into().ok()?);
        let mut s = Summary {
            len,
            records,
            floor,
            last: (last_seq, last_ts),
            first: (first_seq, first_ts),
            bytes,
            hdrs,
            prev: (prev_seq, prev_offset),
            entries_crc: Some(entries_crc),
            ..Default::default()
        };
        let n = usize::try_from(c.varint()?).ok()?;
        for i in 0..n.min(body_len) {
            let l = usize::try_from(c.varint()?).ok()?;
            let name: Box<str> = std::str::from_utf8(c.bytes(l)?).ok()?.into();
            let msgs = u32::try_from(c.varint()?).ok()?;
            let first = base.wrapping_add(c.varint()?);
            let last = base.wrapping_add(c.varint()?);
            s.subject_ids.insert(name.clone(), i as u32);
            s.subjects.push(name);
            s.stats.push(SubjectStats { msgs, first, last });
        }
        let n = usize::try_from(c.varint()?).ok()?;
        for _ in 0..n.min(body_len) {
            s.dead.push(base.wrapping_add(c.varint()?));
        }
        let n = usize::try_from(c.varint()?).ok()?;
        for _ in 0..n.min(body_len) {
            let seq = base.wrapping_add(c.varint()?);
            s.ttls.push((seq, unzigzag(c.varint()?), unzigzag(c.varint()?)));
        }
        if !c.is_done() || len < HEADER_LEN as u64 || len > u32::MAX as u64 || prev_offset as u64 >= len.max(1) {
            return None;
        }
        if (records == 0) != (entries_len == 0) {
            return None;
        }
        Some(Head { summary: s, header, sample, file_len: head_len + entries_len })
    }

    /// Parse a whole summary file (reusing its buffer for the entries); `None` when it is damaged or
    /// of another version. Returns the block header bytes it was written for and the sample.
    pub fn decode(mut buf: Vec<u8>) -> Option<(Summary, [u8; HEADER_LEN], Sample)> {
        let head = Self::decode_head(&buf)?;
        let head_len = Self::head_len(&buf)?;
        if buf.len() != head.file_len {
            return None;
        }
        let mut s = head.summary;
        if Some(crc32fast::hash(&buf[head_len..])) != s.entries_crc {
            return None;
        }
        // The entries stay in the file's buffer: no second copy of the largest section.
        buf.copy_within(head_len.., 0);
        buf.truncate(head.file_len - head_len);
        s.entries = buf;
        s.entries_crc = None;
        Some((s, head.header, head.sample))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jetstream::store::stream::NewMsg;

    const H: BlockHeader = BlockHeader { base_seq: 10, base_ts: 1_000, floor: 4 };

    fn block() -> Vec<u8> {
        let mut out = H.encode().to_vec();
        for seq in 10..20u64 {
            let hdr: &[u8] = if seq % 3 == 0 { b"NATS/1.0\r\n\r\n" } else { b"" };
            let ttl = (seq == 12).then_some(5_000);
            let subject = format!("s.{}", seq % 4);
            let m = NewMsg { seq, ts: 1_000 + seq as i64, subject: &subject, hdr, data: b"body", ttl, floor: 8 };
            record::encode_msg(&mut out, &H, &m, seq == 15);
        }
        record::encode_tombstone(&mut out, &H, 13);
        record::encode_floor(&mut out, 11);
        out
    }

    fn scanned(bytes: &[u8]) -> Summary {
        let mut s = Summary::default();
        s.scan(&H, &bytes[HEADER_LEN..], HEADER_LEN as u64);
        s
    }

    fn msgs(s: &Summary) -> Vec<SummaryMsg> {
        let mut v = Vec::new();
        s.for_each_msg(|m| v.push(m));
        v
    }

    #[test]
    fn scan_lists_messages_tombstones_ttls_and_floors() {
        let bytes = block();
        let s = scanned(&bytes);
        assert_eq!(s.len, bytes.len() as u64);
        assert_eq!((s.records, s.floor, s.last), (10, 11, (19, 1_019)));
        assert_eq!(s.dead, vec![13]);
        assert_eq!(s.ttl_of(12), Some((1_012, 5_000)));
        let m = msgs(&s);
        assert_eq!(m.len(), 10);
        assert_eq!(m[0].offset, HEADER_LEN as u32);
        assert_eq!((m[2].seq, m[2].hdr, m[2].ttl), (12, true, true));
        assert_eq!(s.subject(m[3].subject), "s.1");
        assert_eq!(m[0].size as u64, file_msg_size(3, 0, 4));
    }

    #[test]
    fn encode_decode_round_trips_and_keeps_appending() {
        let bytes = block();
        let s = scanned(&bytes);
        let enc = s.encode(&bytes[..HEADER_LEN], 77);
        let (d, header, crc) = Summary::decode(enc).expect("decodes");
        assert_eq!((header.as_slice(), crc), (&bytes[..HEADER_LEN], Sample { crc: 77, len: SAMPLE }));
        assert_eq!((d.len, d.records, d.floor, d.last), (s.len, s.records, s.floor, s.last));
        assert_eq!((d.dead.clone(), d.ttls.clone()), (s.dead.clone(), s.ttls.clone()));
        assert_eq!(msgs(&d), msgs(&s));
        // A decoded summary continues its delta encoding where it stopped.
        let mut a = d.clone();
        let mut b = s.clone();
        a.add_msg(20, 0, "s.9", 9, 900, false, None);
        b.add_msg(20, 0, "s.9", 9, 900, false, None);
        assert_eq!(msgs(&a), msgs(&b));
    }

    #[test]
    fn damaged_or_truncated_summaries_are_rejected() {
        let bytes = block();
        let enc = scanned(&bytes).encode(&bytes[..HEADER_LEN], 1);
        for cut in 0..enc.len() {
            assert!(Summary::decode(enc[..cut].to_vec()).is_none(), "cut at {cut}");
        }
        for i in 0..enc.len() {
            let mut bad = enc.clone();
            bad[i] ^= 0x10;
            assert!(Summary::decode(bad).is_none(), "flip at {i}");
        }
    }

    #[test]
    fn version_2_summaries_decode_with_their_larger_sample_and_other_versions_do_not() {
        let bytes = block();
        let s = scanned(&bytes);
        let v2 = s.encode_as(&bytes[..HEADER_LEN], 5, 2);
        let (d, _, sample) = Summary::decode(v2.clone()).expect("version 2 decodes");
        assert_eq!(sample, Sample { crc: 5, len: 64 << 10 });
        assert_eq!(msgs(&d), msgs(&s));
        assert_eq!(Summary::decode_head(&v2).expect("head").sample.len, 64 << 10);
        for version in [1, 4] {
            assert!(Summary::decode(s.encode_as(&bytes[..HEADER_LEN], 5, version)).is_none(), "{version}");
        }
    }

    #[test]
    fn sample_ranges_end_at_the_prefix_and_stay_after_the_header() {
        let v2 = Sample { crc: 0, len: 64 << 10 };
        assert_eq!(v2.range(1000), HEADER_LEN as u64..1000);
        assert_eq!(v2.range(v2.len + 5000), 5000..v2.len + 5000);
        assert_eq!(sample_range(SAMPLE + 5000), 5000..SAMPLE + 5000);
    }

    #[test]
    fn sample_range_stays_after_the_header() {
        assert_eq!(sample_range(HEADER_LEN as u64), HEADER_LEN as u64..HEADER_LEN as u64);
        assert_eq!(sample_range(1000), HEADER_LEN as u64..1000);
        assert_eq!(sample_range(SAMPLE + 5000), 5000..SAMPLE + 5000);
    }
}
