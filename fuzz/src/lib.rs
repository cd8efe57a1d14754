//! Shared driver for the fuzz targets: feeds one input to an incremental parser twice, whole and in
//! chunks, and reports what each run produced.
//!
//! The parsers under test take one item off the front of a `BytesMut`, or return `Ok(None)` and
//! consume nothing when the buffer ends inside an item. That contract means the split run must see the
//! same items, the same final error (if any) and the same unconsumed tail as the whole run. The first
//! bytes of a fuzz input are control bytes (chunk sizes, limits); [`Input`] takes them apart.
//!
//! It does not judge the items themselves; the targets assert on [`Run`]s.

use switchyard_shared::bytes::BytesMut;

/// A fuzz input split into control bytes and the data to parse.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Seed for the chunk sizes of the split run.
    pub seed: u8,
    /// A free control byte for the target (limits, protocol level).
    pub knob: u8,
    /// The bytes to parse.
    pub data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Splits off two control bytes; `None` when the input is too short to carry them.
    pub fn new(raw: &'a [u8]) -> Option<Self> {
        match raw {
            [seed, knob, data @ ..] => Some(Input { seed: *seed, knob: *knob, data }),
            _ => None,
        }
    }

    /// Chunk lengths (each at least 1) covering `data`, drawn from `seed`; small chunks dominate
    /// so splits land inside verbs, length fields and line ends.
    pub fn chunk_lengths(&self) -> Vec<usize> {
        let mut state = u32::from(self.seed) | 0x9e37_7900;
        let max = usize::from(self.seed % 16) + 1;
        let mut left = self.data.len();
        let mut lengths = Vec::new();
        while left > 0 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let len = (state as usize % max + 1).min(left);
            lengths.push(len);
            left -= len;
        }
        lengths
    }
}

/// What one run of a parser over an input produced.
#[derive(Debug, PartialEq, Eq)]
pub struct Run<T, E> {
    /// Items in the order they were taken off the buffer.
    pub items: Vec<T>,
    /// The error that stopped the run, if any.
    pub error: Option<E>,
    /// Bytes left in the buffer (an incomplete item, or the input from the failing item on).
    pub rest: Vec<u8>,
}

/// Parses `data` from one buffer holding all of it. `step` takes one item off the buffer.
pub fn run_whole<T, E>(data: &[u8], mut step: impl FnMut(&mut BytesMut) -> Result<Option<T>, E>) -> Run<T, E> {
    let mut buf = BytesMut::from(data);
    let mut items = Vec::new();
    let error = drain(&mut buf, &mut items, &mut step);
    Run { items, error, rest: buf.to_vec() }
}

/// Parses `data` arriving in chunks of `lengths`, draining the buffer after every chunk as a
/// connection's read loop does.
pub fn run_split<T, E>(
    data: &[u8],
    lengths: &[usize],
    mut step: impl FnMut(&mut BytesMut) -> Result<Option<T>, E>,
) -> Run<T, E> {
    let mut buf = BytesMut::new();
    let mut items = Vec::new();
    let mut at = 0;
    for &len in lengths {
        buf.extend_from_slice(&data[at..at + len]);
        at += len;
        if let Some(e) = drain(&mut buf, &mut items, &mut step) {
            buf.extend_from_slice(&data[at..]);
            return Run { items, error: Some(e), rest: buf.to_vec() };
        }
    }
    Run { items, error: None, rest: buf.to_vec() }
}

fn drain<T, E>(
    buf: &mut BytesMut,
    items: &mut Vec<T>,
    step: &mut impl FnMut(&mut BytesMut) -> Result<Option<T>, E>,
) -> Option<E> {
    loop {
        match step(buf) {
            Ok(Some(item)) => items.push(item),
            Ok(None) => return None,
            Err(e) => return Some(e),
        }
    }
}
