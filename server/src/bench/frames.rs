//! Pre-encoded `PUB` frames that publishers write in large pipelined batches.
//!
//! A publisher cycles through a fixed list of subjects (one for most scenarios, many for the
//! wildcard one); message `i` goes to subject `i % subjects.len()`. [`Frames`] encodes that cycle
//! once, repeated so that any run of up to [`Frames::per_batch`] consecutive messages is one
//! contiguous slice, and [`Frames::batch`] hands out that slice, optionally stamping a sequence
//! number into the first 8 bytes of every payload so subscribers can check exactly-once delivery.
//!
//! It writes nothing itself and knows nothing about flow control.

/// The cycle of frames for one publisher, encoded once.
pub struct Frames {
    buf: Vec<u8>,
    /// End offset of each encoded frame in `buf`.
    ends: Vec<usize>,
    /// Offset of each frame's payload in `buf`.
    payloads: Vec<usize>,
    cycle: usize,
    per_batch: usize,
}

impl Frames {
    /// Encodes `PUB <subject> [reply] <size>` frames (payload of `size` filler bytes) for `subjects`,
    /// sized so one batch is about `write_size` bytes.
    pub fn new(subjects: &[String], reply: Option<&str>, size: usize, write_size: usize) -> Frames {
        assert!(!subjects.is_empty(), "a publisher needs at least one subject");
        let encode = |buf: &mut Vec<u8>, subject: &str| -> usize {
            let head = match reply {
                Some(r) => format!("PUB {subject} {r} {size}\r\n"),
                None => format!("PUB {subject} {size}\r\n"),
            };
            buf.extend_from_slice(head.as_bytes());
            let payload = buf.len();
            buf.resize(payload + size, b'x');
            buf.extend_from_slice(b"\r\n");
            payload
        };
        let cycle = subjects.len();
        let mut probe = Vec::new();
        for s in subjects {
            encode(&mut probe, s);
        }
        let avg_frame = probe.len().div_ceil(cycle);
        let per_batch = (write_size / avg_frame).max(1);
        let repeats = (cycle - 1 + per_batch).div_ceil(cycle);
        let mut buf = Vec::with_capacity(probe.len() * repeats);
        let mut ends = Vec::with_capacity(cycle * repeats);
        let mut payloads = Vec::with_capacity(cycle * repeats);
        for _ in 0..repeats {
            for s in subjects {
                payloads.push(encode(&mut buf, s));
                ends.push(buf.len());
            }
        }
        Frames { buf, ends, payloads, cycle, per_batch }
    }

    /// Most messages one [`Frames::batch`] call returns.
    pub fn per_batch(&self) -> usize {
        self.per_batch
    }

    /// The encoded messages `first .. first + count` (`count` at most [`Frames::per_batch`]). With
    /// `stamp`, the first 8 payload bytes of message `i` are set to `stamp(i)` (little endian);
    /// payloads shorter than 8 bytes are left alone.
    pub fn batch(&mut self, first: u64, count: usize, stamp: Option<&dyn Fn(u64) -> u64>) -> &[u8] {
        assert!(count >= 1 && count <= self.per_batch, "batch of {count} frames");
        let f = usize::try_from(first % self.cycle as u64).expect("cycle index fits usize");
        let last = f + count - 1;
        if let Some(stamp) = stamp {
            for (k, &p) in self.payloads[f..=last].iter().enumerate() {
                let end = self.ends[f + k] - 2;
                if end - p >= 8 {
                    self.buf[p..p + 8].copy_from_slice(&stamp(first + k as u64).to_le_bytes());
                }
            }
        }
        let start = if f == 0 { 0 } else { self.ends[f - 1] };
        &self.buf[start..self.ends[last]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subjects(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// Reads back `PUB subject [reply] size` frames as (subject, payload) pairs.
    fn decode(mut bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
            let line = std::str::from_utf8(&bytes[..nl - 1]).unwrap();
            let tokens: Vec<&str> = line.split(' ').collect();
            assert_eq!(tokens[0], "PUB");
            let size: usize = tokens.last().unwrap().parse().unwrap();
            let body = &bytes[nl + 1..];
            assert_eq!(&body[size..size + 2], b"\r\n");
            out.push((tokens[1].to_string(), body[..size].to_vec()));
            bytes = &body[size + 2..];
        }
        out
    }

    #[test]
    fn batches_follow_the_subject_cycle_across_wraps() {
        let mut f = Frames::new(&subjects(&["a.1", "a.2", "a.3"]), None, 0, 40);
        // Each frame is "PUB a.n 0\r\n\r\n" (13 bytes): three per batch.
        assert_eq!(f.per_batch(), 3);
        for first in 0..7u64 {
            let got: Vec<String> = decode(f.batch(first, 3, None)).into_iter().map(|(s, _)| s).collect();
            let want: Vec<String> = (first..first + 3).map(|i| format!("a.{}", i % 3 + 1)).collect();
            assert_eq!(got, want, "first {first}");
        }
    }

    #[test]
    fn reply_subject_and_size_are_encoded() {
        let mut f = Frames::new(&subjects(&["js.in"]), Some("_INBOX.ack"), 4, 1);
        assert_eq!(f.per_batch(), 1);
        assert_eq!(f.batch(0, 1, None), b"PUB js.in _INBOX.ack 4\r\nxxxx\r\n");
    }

    #[test]
    fn stamps_sequence_into_each_payload() {
        let mut f = Frames::new(&subjects(&["s"]), None, 12, 1000);
        let stamp = |i: u64| i * 10 + 1;
        let frames = decode(f.batch(5, 4, Some(&stamp)));
        let seqs: Vec<u64> = frames.iter().map(|(_, p)| u64::from_le_bytes(p[..8].try_into().unwrap())).collect();
        assert_eq!(seqs, [51, 61, 71, 81]);
        assert!(frames.iter().all(|(_, p)| p.len() == 12 && &p[8..] == b"xxxx"));
    }
}
