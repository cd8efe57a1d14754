//! On-disk framing of block files: a fixed header, then records.
//!
//! Block header (40 bytes): magic `SYB1`, version, 3 reserved bytes, `base_seq` u64, `base_ts` i64,
//! `floor` u64, 4 reserved bytes, CRC-32 of the first 36 bytes. All integers little endian.
//!
//! Record: `len` u32 (whole record) · `crc` u32 (CRC-32 of everything after it) · `flags` u8 · body.
//! The low two flag bits give the kind:
//! - message: varint `seq - base_seq` · zigzag varint `ts - base_ts` · [TTL: zigzag varint ttl] ·
//!   [FLOOR: varint `seq - floor`] · varint subject length · varint header length · subject ·
//!   header · data (the rest). A 7-byte subject with 128 bytes of data and no header takes
//!   153 bytes where nats-server takes 165.
//! - tombstone: varint `seq - base_seq` of a message of this same block that is deleted.
//! - floor: varint sequence below which every message (in any block) is deleted.
//!
//! Deltas against the header keep a record self-describing given its block, so a record can be
//! copied verbatim when its block is rewritten. Decoding never trusts a length before the checksum
//! has been verified over exactly that length.

use crate::jetstream::store::stream::NewMsg;
use crate::jetstream::store::varint::{put_varint, unzigzag, zigzag, Cursor};

pub(crate) const HEADER_LEN: usize = 40;
const MAGIC: [u8; 4] = *b"SYB1";
const VERSION: u8 = 1;

const KIND_MASK: u8 = 0x03;
const KIND_MSG: u8 = 0;
const KIND_TOMBSTONE: u8 = 1;
const KIND_FLOOR: u8 = 2;
const F_TTL: u8 = 0x04;
const F_FLOOR: u8 = 0x08;
const F_ERASED: u8 = 0x10;

/// Fixed part of a record: length, checksum, flags.
pub(crate) const RECORD_PREFIX: usize = 9;
/// Upper bound on a record, to reject garbage lengths early.
pub(crate) const MAX_RECORD: usize = 1 << 30;

/// Decoded block header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockHeader {
    pub base_seq: u64,
    pub base_ts: i64,
    pub floor: u64,
}

impl BlockHeader {
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[0..4].copy_from_slice(&MAGIC);
        h[4] = VERSION;
        h[8..16].copy_from_slice(&self.base_seq.to_le_bytes());
        h[16..24].copy_from_slice(&self.base_ts.to_le_bytes());
        h[24..32].copy_from_slice(&self.floor.to_le_bytes());
        let crc = crc32fast::hash(&h[..36]);
        h[36..40].copy_from_slice(&crc.to_le_bytes());
        h
    }

    pub fn decode(buf: &[u8]) -> Option<BlockHeader> {
        let h = buf.get(..HEADER_LEN)?;
        if h[0..4] != MAGIC || h[4] != VERSION || crc32fast::hash(&h[..36]).to_le_bytes() != h[36..40] {
            return None;
        }
        Some(BlockHeader {
            base_seq: u64::from_le_bytes(h[8..16].try_into().ok()?),
            base_ts: i64::from_le_bytes(h[16..24].try_into().ok()?),
            floor: u64::from_le_bytes(h[24..32].try_into().ok()?),
        })
    }
}

/// A decoded message record borrowing its block's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MsgRecord<'a> {
    pub seq: u64,
    pub ts: i64,
    pub ttl: Option<i64>,
    pub floor: Option<u64>,
    pub subject: &'a [u8],
    pub hdr: &'a [u8],
    pub data: &'a [u8],
    /// Offset of the header bytes within the record (header and data run to its end).
    pub payload_at: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Record<'a> {
    Msg(MsgRecord<'a>),
    Tombstone(u64),
    Floor(u64),
}

/// Outcome of decoding at some offset.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Decoded<'a> {
    /// A valid record and its length.
    Ok(Record<'a>, usize),
    /// Not enough bytes: a torn tail, or simply the end.
    Incomplete,
    /// Bytes that are not a valid record.
    Corrupt,
}

fn begin(out: &mut Vec<u8>, flags: u8) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0u8; 8]);
    out.push(flags);
    start
}

fn finish(out: &mut [u8], start: usize) -> usize {
    let len = out.len() - start;
    out[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
    let crc = crc32fast::hash(&out[start + 8..]);
    out[start + 4..start + 8].copy_from_slice(&crc.to_le_bytes());
    len
}

/// Append a message record; returns its length.
pub(crate) fn encode_msg(out: &mut Vec<u8>, h: &BlockHeader, m: &NewMsg<'_>, embed_floor: bool) -> usize {
    let start = msg_fields(out, h, m, embed_floor);
    out.extend_from_slice(m.data);
    finish(out, start)
}

/// Append a message record without its data, which the caller must write right after these bytes
/// (the length and checksum cover it); returns the whole record's length. Saves copying a large
/// payload into the write buffer.
pub(crate) fn encode_msg_head(out: &mut Vec<u8>, h: &BlockHeader, m: &NewMsg<'_>, embed_floor: bool) -> usize {
    let start = msg_fields(out, h, m, embed_floor);
    let len = out.len() - start + m.data.len();
    out[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
    let mut crc = crc32fast::Hasher::new();
    crc.update(&out[start + 8..]);
    crc.update(m.data);
    out[start + 4..start + 8].copy_from_slice(&crc.finalize().to_le_bytes());
    len
}

/// Everything of a message record before its data; returns where the record starts in `out`.
fn msg_fields(out: &mut Vec<u8>, h: &BlockHeader, m: &NewMsg<'_>, embed_floor: bool) -> usize {
    let mut flags = KIND_MSG;
    if m.ttl.is_some() {
        flags |= F_TTL;
    }
    if embed_floor {
        flags |= F_FLOOR;
    }
    let start = begin(out, flags);
    put_varint(out, m.seq - h.base_seq);
    put_varint(out, zigzag(m.ts.wrapping_sub(h.base_ts)));
    if let Some(ttl) = m.ttl {
        put_varint(out, zigzag(ttl));
    }
    if embed_floor {
        put_varint(out, m.seq - m.floor);
    }
    put_varint(out, m.subject.len() as u64);
    put_varint(out, m.hdr.len() as u64);
    out.extend_from_slice(m.subject.as_bytes());
    out.extend_from_slice(m.hdr);
    start
}

/// Append a tombstone for `seq` (a message of the block with this header).
pub(crate) fn encode_tombstone(out: &mut Vec<u8>, h: &BlockHeader, seq: u64) -> usize {
    let start = begin(out, KIND_TOMBSTONE);
    put_varint(out, seq - h.base_seq);
    finish(out, start)
}

/// Append a floor record.
pub(crate) fn encode_floor(out: &mut Vec<u8>, floor: u64) -> usize {
    let start = begin(out, KIND_FLOOR);
    put_varint(out, floor);
    finish(out, start)
}

/// Overwrite a message record's header and data with zeros in place (same length, fresh checksum).
pub(crate) fn erase_in_place(rec: &mut [u8], payload_at: usize) {
    rec[8] |= F_ERASED;
    rec[payload_at..].fill(0);
    let crc = crc32fast::hash(&rec[8..]);
    rec[4..8].copy_from_slice(&crc.to_le_bytes());
}

/// Length of the record starting at `buf[0]`, if its prefix is there and plausible.
pub(crate) fn peek_len(buf: &[u8]) -> Option<usize> {
    let len = u32::from_le_bytes(buf.get(..4)?.try_into().ok()?) as usize;
    (RECORD_PREFIX..=MAX_RECORD).contains(&len).then_some(len)
}

/// Decode the record at the start of `buf`.
pub(crate) fn decode<'a>(buf: &'a [u8], h: &BlockHeader) -> Decoded<'a> {
    if buf.len() < RECORD_PREFIX {
        return Decoded::Incomplete;
    }
    let Some(len) = peek_len(buf) else {
        return Decoded::Corrupt;
    };
    if buf.len() < len {
        return Decoded::Incomplete;
    }
    let rec = &buf[..len];
    if crc32fast::hash(&rec[8..]).to_le_bytes() != rec[4..8] {
        return Decoded::Corrupt;
    }
    match parse_body(rec, h) {
        Some(r) => Decoded::Ok(r, len),
        None => Decoded::Corrupt,
    }
}

fn parse_body<'a>(rec: &'a [u8], h: &BlockHeader) -> Option<Record<'a>> {
    let flags = rec[8];
    let mut c = Cursor { buf: rec, at: RECORD_PREFIX };
    let rec = match flags & KIND_MASK {
        KIND_MSG => {
            let seq = h.base_seq.checked_add(c.varint()?)?;
            let ts = h.base_ts.wrapping_add(unzigzag(c.varint()?));
            let ttl = if flags & F_TTL != 0 { Some(unzigzag(c.varint()?)) } else { None };
            let floor = if flags & F_FLOOR != 0 { Some(seq.checked_sub(c.varint()?)?) } else { None };
            let slen = usize::try_from(c.varint()?).ok()?;
            let hlen = usize::try_from(c.varint()?).ok()?;
            let subject = c.bytes(slen)?;
            let payload_at = c.at;
            let hdr = c.bytes(hlen)?;
            let data = &rec[c.at..];
            Record::Msg(MsgRecord { seq, ts, ttl, floor, subject, hdr, data, payload_at })
        }
        KIND_TOMBSTONE => Record::Tombstone(h.base_seq.checked_add(c.varint()?)?),
        KIND_FLOOR => Record::Floor(c.varint()?),
        _ => return None,
    };
    Some(rec)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: BlockHeader = BlockHeader { base_seq: 1000, base_ts: 1_700_000_000_000_000_000, floor: 3 };

    fn msg<'a>(seq: u64, subject: &'a str, hdr: &'a [u8], data: &'a [u8]) -> NewMsg<'a> {
        NewMsg { seq, ts: H.base_ts + 1234, subject, hdr, data, ttl: None, floor: seq }
    }

    #[test]
    fn header_round_trips_and_rejects_damage() {
        let mut enc = H.encode();
        assert_eq!(BlockHeader::decode(&enc), Some(H));
        enc[10] ^= 1;
        assert_eq!(BlockHeader::decode(&enc), None);
        assert_eq!(BlockHeader::decode(&enc[..20]), None);
    }

    #[test]
    fn a_record_head_followed_by_its_data_is_the_whole_record() {
        let data = vec![7u8; 100_000];
        let mut m = msg(1005, "obj.chunk", b"", &data);
        m.ttl = Some(30);
        let mut whole = Vec::new();
        let len = encode_msg(&mut whole, &H, &m, true);
        let mut split = vec![1, 2, 3];
        assert_eq!(encode_msg_head(&mut split, &H, &m, true), len);
        split.extend_from_slice(&data);
        assert_eq!(&split[3..], &whole[..], "same bytes, checksum included");
    }

    #[test]
    fn message_record_round_trips_with_every_field() {
        let mut out = Vec::new();
        let mut m = msg(1005, "orders.eu", b"NATS/1.0\r\n\r\n", b"payload");
        m.ttl = Some(-1);
        m.floor = 1001;
        m.ts = H.base_ts - 5; // clocks may go backwards
        let len = encode_msg(&mut out, &H, &m, true);
        assert_eq!(len, out.len());
        let Decoded::Ok(Record::Msg(r), n) = decode(&out, &H) else { panic!("not a message") };
        assert_eq!(n, len);
        assert_eq!((r.seq, r.ts, r.ttl, r.floor), (1005, H.base_ts - 5, Some(-1), Some(1001)));
        assert_eq!((r.subject, r.hdr, r.data), (&b"orders.eu"[..], &b"NATS/1.0\r\n\r\n"[..], &b"payload"[..]));
    }

    #[test]
    fn small_message_overhead_beats_nats_server() {
        let mut out = Vec::new();
        let len = encode_msg(&mut out, &H, &msg(1000 + 99_999, "foo.bar", b"", &[7u8; 128]), false);
        let nats = crate::jetstream::store::file_msg_size(7, 0, 128) as usize;
        assert!(len < nats, "ours {len} vs nats-server {nats}");
    }

    #[test]
    fn tombstone_and_floor_round_trip() {
        let mut out = Vec::new();
        let a = encode_tombstone(&mut out, &H, 1042);
        encode_floor(&mut out, 77);
        assert_eq!(decode(&out, &H), Decoded::Ok(Record::Tombstone(1042), a));
        assert!(matches!(decode(&out[a..], &H), Decoded::Ok(Record::Floor(77), _)));
    }

    #[test]
    fn every_truncation_is_incomplete_and_every_bit_flip_is_caught() {
        let mut out = Vec::new();
        encode_msg(&mut out, &H, &msg(1001, "a.b", b"h", b"data"), false);
        for cut in 0..out.len() {
            assert_eq!(decode(&out[..cut], &H), Decoded::Incomplete, "cut at {cut}");
        }
        for i in 0..out.len() {
            for bit in 0..8 {
                let mut bad = out.clone();
                bad[i] ^= 1 << bit;
                assert!(!matches!(decode(&bad, &H), Decoded::Ok(..)), "flip {i}:{bit} accepted");
            }
        }
    }

    #[test]
    fn erased_record_keeps_framing_and_loses_payload() {
        let mut out = Vec::new();
        encode_msg(&mut out, &H, &msg(1001, "a.b", b"secret-hdr", b"secret"), false);
        let Decoded::Ok(Record::Msg(r), _) = decode(&out, &H) else { panic!() };
        let at = r.payload_at;
        erase_in_place(&mut out, at);
        let Decoded::Ok(Record::Msg(r), _) = decode(&out, &H) else { panic!("erased record invalid") };
        assert_eq!(r.subject, b"a.b");
        assert!(r.hdr.iter().chain(r.data).all(|&b| b == 0));
        assert!(!out.windows(6).any(|w| w == b"secret"));
    }
}
