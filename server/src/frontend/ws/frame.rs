//! WebSocket frames (RFC 6455) with per-message compression (RFC 7692), without I/O.
//!
//! [`Decoder`] takes the raw bytes read from a socket and appends the application bytes carried by data
//! frames to an output buffer — unmasked, inflated, frame and message boundaries erased, because the NATS
//! parser behind it does not care where a frame started — and hands control frames (ping, pong, close)
//! back to the caller one at a time. [`Encoder`] wraps outbound batches in binary frames, compressing
//! them when compression was negotiated. Frame headers are read and written with tungstenite's
//! [`FrameHeader`]; everything about streaming payloads, masking and compression is here.
//!
//! It does not answer pings or close connections: the transport decides what to do with a
//! [`Control`], and which close status to send (see [`close_status`]).

use std::io::Cursor;

use bytes::{Buf, Bytes, BytesMut};
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};
use tungstenite::protocol::frame::coding::{Control as ControlCode, Data as DataCode, OpCode};
use tungstenite::protocol::frame::FrameHeader;

use crate::core::CloseReason;

/// Largest payload of a control frame.
pub const MAX_CONTROL_PAYLOAD: usize = 125;

/// Batches of at most this many bytes go out uncompressed: compressing them gains nothing.
pub const COMPRESS_THRESHOLD: usize = 64;

/// At most this many inflated bytes are produced per [`Decoder::decode`] call, so that a small
/// compressed message cannot balloon in memory before the session has consumed what it holds.
const INFLATE_STEP: usize = 64 * 1024;

/// The empty stored block a sender strips from the end of each compressed message (RFC 7692 §7.2.1);
/// the receiver puts it back before inflating.
const DEFLATE_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Close status codes (RFC 6455 §7.4.1).
pub mod status {
    pub const NORMAL: u16 = 1000;
    pub const GOING_AWAY: u16 = 1001;
    pub const PROTOCOL_ERROR: u16 = 1002;
    pub const INVALID_PAYLOAD: u16 = 1007;
    pub const POLICY_VIOLATION: u16 = 1008;
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    pub const INTERNAL_ERROR: u16 = 1011;
}

/// A violation of the WebSocket framing rules by the peer; the connection must close with
/// [`FrameError::close_status`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    #[error("mask bit missing")]
    Unmasked,
    #[error("unknown opcode {0}")]
    UnknownOpcode(u8),
    #[error("reserved bits set")]
    ReservedBits,
    #[error("control frame length bigger than maximum allowed of {MAX_CONTROL_PAYLOAD} bytes")]
    ControlTooLong,
    #[error("control frame does not have final bit set")]
    ControlFragmented,
    #[error("new message started before final frame for previous message was received")]
    MessageInterleaved,
    #[error("invalid continuation frame")]
    InvalidContinuation,
    #[error("invalid compressed data")]
    BadCompressedData,
}

impl FrameError {
    /// The status of the Close frame that reports this error.
    pub fn close_status(&self) -> u16 {
        match self {
            FrameError::BadCompressedData => status::INVALID_PAYLOAD,
            _ => status::PROTOCOL_ERROR,
        }
    }
}

/// A control frame received from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Must be answered with a Pong carrying the same payload.
    Ping(Bytes),
    Pong,
    /// The peer is closing; the payload is its status code and reason, possibly empty.
    Close(Bytes),
}

/// What one [`Decoder::decode`] call achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// Nothing more can be done without more input; nothing was appended to the output.
    NeedInput,
    /// Application bytes were appended to the output; call again after consuming them.
    Data,
    /// A control frame is complete. Application bytes that preceded it may have been appended to the
    /// output too.
    Control(Control),
}

#[derive(Debug, Clone, Copy)]
enum Part {
    Data { compressed: bool },
    Control(ControlCode),
}

/// The frame whose payload is being read.
#[derive(Debug)]
struct Frame {
    part: Part,
    fin: bool,
    remaining: u64,
    mask: Option<[u8; 4]>,
    /// Position in the mask key of the next payload byte.
    mask_pos: usize,
}

/// Inflates compressed messages as their payload arrives.
struct Inflater {
    z: Decompress,
    /// Unmasked compressed bytes not inflated yet.
    input: BytesMut,
    /// The whole message (and its tail) is in `input`: reset once it is consumed.
    end_of_message: bool,
    /// The last call filled the output space: the inflater may hold more output.
    output_pending: bool,
}

impl Inflater {
    fn new() -> Self {
        Inflater { z: Decompress::new(false), input: BytesMut::new(), end_of_message: false, output_pending: false }
    }

    /// Inflates pending input into `out` until the input is used up or `out` reaches `limit` bytes.
    fn run(&mut self, out: &mut BytesMut, limit: usize) -> Result<(), FrameError> {
        loop {
            if self.input.is_empty() && !self.end_of_message && !self.output_pending {
                return Ok(());
            }
            let start = out.len();
            if start >= limit {
                return Ok(());
            }
            out.resize(limit, 0);
            let (in_before, out_before) = (self.z.total_in(), self.z.total_out());
            let result = self.z.decompress(&self.input, &mut out[start..], FlushDecompress::Sync);
            let consumed = (self.z.total_in() - in_before) as usize;
            let produced = (self.z.total_out() - out_before) as usize;
            out.truncate(start + produced);
            self.input.advance(consumed);
            let stream_end = result.map_err(|_| FrameError::BadCompressedData)? == Status::StreamEnd;
            self.output_pending = out.len() == limit && !stream_end;
            if self.output_pending {
                continue;
            }
            // There was room left, so everything the input allowed has been produced.
            if stream_end || self.input.is_empty() {
                if stream_end && !self.end_of_message && !self.input.is_empty() {
                    // The sender ended the deflate stream in the middle of its message.
                    return Err(FrameError::BadCompressedData);
                }
                if self.end_of_message || stream_end {
                    self.input.clear();
                    self.z.reset(false);
                    self.end_of_message = false;
                }
                return Ok(());
            }
            if consumed == 0 && produced == 0 {
                if self.end_of_message {
                    return Err(FrameError::BadCompressedData);
                }
                return Ok(());
            }
        }
    }
}

/// Decodes the frames a WebSocket client sends.
pub struct Decoder {
    require_mask: bool,
    inflater: Option<Inflater>,
    frame: Option<Frame>,
    /// A data message has started and its final frame has not arrived yet.
    in_message: bool,
    message_compressed: bool,
    control: BytesMut,
}

impl Decoder {
    /// `require_mask`: reject unmasked frames (clients must mask, RFC 6455 §5.1). `compression`: whether
    /// permessage-deflate was negotiated; compressed frames are refused otherwise.
    pub fn new(require_mask: bool, compression: bool) -> Self {
        Decoder {
            require_mask,
            inflater: compression.then(Inflater::new),
            frame: None,
            in_message: false,
            message_compressed: false,
            control: BytesMut::new(),
        }
    }

    /// Consumes bytes from `input` (which may end anywhere, even inside a frame header) and appends the
    /// application bytes they carry to `out`. Call it again until it returns [`Decoded::NeedInput`].
    pub fn decode(&mut self, input: &mut BytesMut, out: &mut BytesMut) -> Result<Decoded, FrameError> {
        let start = out.len();
        let limit = start + INFLATE_STEP;
        let idle = |out: &BytesMut| if out.len() > start { Decoded::Data } else { Decoded::NeedInput };
        loop {
            if let Some(inflater) = &mut self.inflater {
                inflater.run(out, limit)?;
                if out.len() >= limit {
                    return Ok(Decoded::Data);
                }
            }
            if self.frame.is_none() && !self.read_header(input)? {
                return Ok(idle(out));
            }
            let Some(frame) = &mut self.frame else { continue };
            if frame.remaining > 0 {
                if input.is_empty() {
                    return Ok(idle(out));
                }
                let n = frame.remaining.min(input.len() as u64) as usize;
                let mut chunk = input.split_to(n);
                if let Some(key) = frame.mask {
                    frame.mask_pos = unmask(&mut chunk, key, frame.mask_pos);
                }
                frame.remaining -= n as u64;
                match frame.part {
                    Part::Data { compressed: false } => out.extend_from_slice(&chunk),
                    Part::Data { compressed: true } => {
                        self.inflater.as_mut().expect("checked at the header").input.extend_from_slice(&chunk)
                    }
                    Part::Control(_) => self.control.extend_from_slice(&chunk),
                }
            }
            if frame.remaining == 0 {
                let (part, fin) = (frame.part, frame.fin);
                self.frame = None;
                match part {
                    Part::Data { compressed: true } if fin => {
                        let inflater = self.inflater.as_mut().expect("checked at the header");
                        inflater.input.extend_from_slice(&DEFLATE_TAIL);
                        inflater.end_of_message = true;
                    }
                    Part::Data { .. } => {}
                    Part::Control(code) => {
                        let payload = self.control.split().freeze();
                        let control = match code {
                            ControlCode::Ping => Control::Ping(payload),
                            ControlCode::Pong => Control::Pong,
                            _ => Control::Close(payload),
                        };
                        return Ok(Decoded::Control(control));
                    }
                }
            }
        }
    }

    /// Reads the next frame header if `input` holds all of it; false when it does not.
    fn read_header(&mut self, input: &mut BytesMut) -> Result<bool, FrameError> {
        let Some(&first) = input.first() else { return Ok(false) };
        let mut cursor = Cursor::new(&input[..]);
        let parsed = FrameHeader::parse(&mut cursor).map_err(|_| FrameError::UnknownOpcode(first & 0x0f))?;
        let Some((header, len)) = parsed else { return Ok(false) };
        input.advance(cursor.position() as usize);
        if header.rsv2 || header.rsv3 {
            return Err(FrameError::ReservedBits);
        }
        if header.mask.is_none() && self.require_mask {
            return Err(FrameError::Unmasked);
        }
        let part = match header.opcode {
            OpCode::Control(code @ (ControlCode::Close | ControlCode::Ping | ControlCode::Pong)) => {
                if len > MAX_CONTROL_PAYLOAD as u64 {
                    return Err(FrameError::ControlTooLong);
                }
                if !header.is_final {
                    return Err(FrameError::ControlFragmented);
                }
                if header.rsv1 {
                    return Err(FrameError::ReservedBits);
                }
                Part::Control(code)
            }
            OpCode::Data(DataCode::Text | DataCode::Binary) => {
                if self.in_message {
                    return Err(FrameError::MessageInterleaved);
                }
                if header.rsv1 && self.inflater.is_none() {
                    return Err(FrameError::ReservedBits);
                }
                self.in_message = !header.is_final;
                self.message_compressed = header.rsv1;
                Part::Data { compressed: header.rsv1 }
            }
            OpCode::Data(DataCode::Continue) => {
                if !self.in_message || header.rsv1 {
                    return Err(FrameError::InvalidContinuation);
                }
                self.in_message = !header.is_final;
                Part::Data { compressed: self.message_compressed }
            }
            OpCode::Control(ControlCode::Reserved(_)) | OpCode::Data(DataCode::Reserved(_)) => {
                return Err(FrameError::UnknownOpcode(first & 0x0f));
            }
        };
        self.frame = Some(Frame { part, fin: header.is_final, remaining: len, mask: header.mask, mask_pos: 0 });
        Ok(true)
    }
}

/// XORs `buf` with `key`, starting at key position `pos`; returns the key position after `buf`.
fn unmask(buf: &mut [u8], key: [u8; 4], pos: usize) -> usize {
    let k: [u8; 4] = std::array::from_fn(|i| key[(pos + i) & 3]);
    let wide = u64::from_ne_bytes([k[0], k[1], k[2], k[3], k[0], k[1], k[2], k[3]]);
    let mut words = buf.chunks_exact_mut(8);
    for word in &mut words {
        let v = u64::from_ne_bytes((&*word).try_into().expect("8 bytes")) ^ wide;
        word.copy_from_slice(&v.to_ne_bytes());
    }
    // Whole words keep the key phase, so the tail starts at k[0] again.
    for (i, b) in words.into_remainder().iter_mut().enumerate() {
        *b ^= k[i & 3];
    }
    (pos + buf.len()) & 3
}

/// The encoded header of an unmasked server frame.
fn header(opcode: OpCode, rsv1: bool, len: usize) -> Bytes {
    let header = FrameHeader { is_final: true, rsv1, rsv2: false, rsv3: false, opcode, mask: None };
    let mut out = Vec::with_capacity(10);
    header.format(len as u64, &mut out).expect("writing to a Vec cannot fail");
    Bytes::from(out)
}

/// A complete, unmasked control frame.
pub fn control_frame(code: ControlCode, payload: &[u8]) -> Bytes {
    let payload = &payload[..payload.len().min(MAX_CONTROL_PAYLOAD)];
    let mut out = BytesMut::from(&header(OpCode::Control(code), false, payload.len())[..]);
    out.extend_from_slice(payload);
    out.freeze()
}

/// A Close frame payload: the status, then the reason, shortened with "..." to fit a control frame.
pub fn close_payload(status: u16, reason: &str) -> Bytes {
    let mut out = BytesMut::with_capacity(MAX_CONTROL_PAYLOAD);
    out.extend_from_slice(&status.to_be_bytes());
    if reason.len() > MAX_CONTROL_PAYLOAD - 2 {
        let mut end = MAX_CONTROL_PAYLOAD - 5;
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        out.extend_from_slice(&reason.as_bytes()[..end]);
        out.extend_from_slice(b"...");
    } else {
        out.extend_from_slice(reason.as_bytes());
    }
    out.freeze()
}

/// The payload of the Close frame that answers a peer's Close: its status and reason echoed, unless the
/// reason is not UTF-8 (RFC 6455 §5.5.1 requires it to be).
pub fn close_reply(received: &[u8]) -> Bytes {
    match received {
        [] | [_] => Bytes::new(),
        [_, _, reason @ ..] if std::str::from_utf8(reason).is_err() => {
            close_payload(status::INVALID_PAYLOAD, "invalid utf8 body in close frame")
        }
        _ => Bytes::copy_from_slice(received),
    }
}

/// The close status the server sends when it closes a connection for `reason` (nats-server's choice,
/// except that the statuses an endpoint must not send, 1006 and 1015, become 1001 and 1002).
pub fn close_status(reason: CloseReason) -> u16 {
    match reason {
        CloseReason::ClientClosed => status::NORMAL,
        CloseReason::AuthenticationTimeout
        | CloseReason::AuthenticationViolation
        | CloseReason::SlowConsumerPendingBytes
        | CloseReason::SlowConsumerWriteDeadline
        | CloseReason::MaxConnectionsExceeded
        | CloseReason::MaxControlLineExceeded
        | CloseReason::MaxSubscriptionsExceeded => status::POLICY_VIOLATION,
        CloseReason::ParseError
        | CloseReason::ProtocolViolation
        | CloseReason::BadClientProtocolVersion
        | CloseReason::TlsHandshakeError => status::PROTOCOL_ERROR,
        CloseReason::MaxPayloadExceeded => status::MESSAGE_TOO_BIG,
        CloseReason::ServerShutdown
        | CloseReason::WriteError
        | CloseReason::ReadError
        | CloseReason::StaleConnection => status::GOING_AWAY,
        _ => status::INTERNAL_ERROR,
    }
}

/// Largest uncompressed frame payload when no smaller limit is asked for, and the most bytes of a
/// batch compressed into one message. Bounded frames keep clients' frame-size limits happy (a lagging
/// subscriber's batch can be megabytes) and bound the memory one compression takes.
pub const MAX_FRAME: usize = 256 * 1024;

/// Wraps outbound batches in binary frames.
pub struct Encoder {
    deflate: Option<Compress>,
    /// Largest uncompressed frame payload.
    max_frame: usize,
    piece: Vec<Bytes>,
}

impl Encoder {
    /// `compression`: permessage-deflate was negotiated (with `server_no_context_takeover`: each
    /// compressed message starts from a fresh window). `max_frame`: split uncompressed data into frames
    /// of at most this many bytes (0 or more than [`MAX_FRAME`] means [`MAX_FRAME`]). Compressed data
    /// goes out as unfragmented messages of at most [`MAX_FRAME`] bytes before compression. Frame
    /// boundaries carry no meaning in NATS over WebSocket, so a message may span frames.
    pub fn new(compression: bool, max_frame: usize) -> Self {
        let max_frame = if max_frame == 0 { MAX_FRAME } else { max_frame.min(MAX_FRAME) };
        Encoder {
            deflate: compression.then(|| Compress::new(Compression::fast(), false)),
            max_frame,
            piece: Vec::new(),
        }
    }

    /// Appends to `frames` the frames (headers and payload slices, in write order) carrying `chunks`.
    pub fn encode(&mut self, chunks: &[Bytes], frames: &mut Vec<Bytes>) {
        let limit = if self.deflate.is_some() { MAX_FRAME } else { self.max_frame };
        let mut piece = std::mem::take(&mut self.piece);
        let mut len = 0;
        for chunk in chunks {
            let mut chunk = chunk.clone();
            while !chunk.is_empty() {
                let n = (limit - len).min(chunk.len());
                piece.push(chunk.split_to(n));
                len += n;
                if len == limit {
                    self.encode_piece(&piece, len, frames);
                    piece.clear();
                    len = 0;
                }
            }
        }
        if len > 0 {
            self.encode_piece(&piece, len, frames);
        }
        piece.clear();
        self.piece = piece;
    }

    /// One message of `len` bytes: compressed when negotiated and worth it.
    fn encode_piece(&mut self, piece: &[Bytes], len: usize, frames: &mut Vec<Bytes>) {
        let binary = OpCode::Data(DataCode::Binary);
        if len > COMPRESS_THRESHOLD {
            if let Some(z) = &mut self.deflate {
                if let Some(compressed) = deflate(z, piece, len) {
                    frames.push(header(binary, true, compressed.len()));
                    frames.push(compressed);
                    return;
                }
            }
        }
        if len <= self.max_frame {
            frames.push(header(binary, false, len));
            frames.extend(piece.iter().cloned());
            return;
        }
        // Only when compression failed on a piece larger than the frame limit.
        let mut room = 0;
        let mut left = len;
        for chunk in piece {
            let mut chunk = chunk.clone();
            while !chunk.is_empty() {
                if room == 0 {
                    room = left.min(self.max_frame);
                    frames.push(header(binary, false, room));
                }
                let n = room.min(chunk.len());
                frames.push(chunk.split_to(n));
                room -= n;
                left -= n;
            }
        }
    }
}

/// Compresses `chunks` as one message with a fresh window, without the trailing empty block. `None` if
/// the compressor fails, in which case the batch goes out uncompressed.
fn deflate(z: &mut Compress, chunks: &[Bytes], total: usize) -> Option<Bytes> {
    z.reset();
    let mut out = Vec::with_capacity(total / 2 + 64);
    for chunk in chunks {
        let mut input = &chunk[..];
        while !input.is_empty() {
            if out.capacity() - out.len() < 256 {
                out.reserve(input.len() / 2 + 256);
            }
            let before = z.total_in();
            z.compress_vec(input, &mut out, FlushCompress::None).ok()?;
            input = &input[(z.total_in() - before) as usize..];
        }
    }
    loop {
        out.reserve(256);
        z.compress_vec(&[], &mut out, FlushCompress::Sync).ok()?;
        if out.len() < out.capacity() {
            break;
        }
    }
    if out.ends_with(&DEFLATE_TAIL) {
        out.truncate(out.len() - DEFLATE_TAIL.len());
    }
    Some(Bytes::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A client frame: masked with a fixed key unless `key` is None.
    fn client_frame(first: u8, payload: &[u8], key: Option<[u8; 4]>) -> Vec<u8> {
        let mut out = vec![first];
        let mask_bit = if key.is_some() { 0x80 } else { 0 };
        match payload.len() {
            n if n < 126 => out.push(mask_bit | n as u8),
            n if n < 65536 => {
                out.push(mask_bit | 126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(mask_bit | 127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        match key {
            Some(k) => {
                out.extend_from_slice(&k);
                out.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
            }
            None => out.extend_from_slice(payload),
        }
        out
    }

    const KEY: Option<[u8; 4]> = Some([0x12, 0x34, 0x56, 0x78]);
    const BINARY: u8 = 0x82;
    const TEXT: u8 = 0x81;

    /// Feeds `wire` to a decoder in pieces of `step` bytes; returns the data and the control frames.
    fn decode_all(dec: &mut Decoder, wire: &[u8], step: usize) -> Result<(Vec<u8>, Vec<Control>), FrameError> {
        let mut input = BytesMut::new();
        let mut out = BytesMut::new();
        let mut controls = Vec::new();
        for piece in wire.chunks(step.max(1)) {
            input.extend_from_slice(piece);
            loop {
                match dec.decode(&mut input, &mut out)? {
                    Decoded::NeedInput => break,
                    Decoded::Data => {}
                    Decoded::Control(c) => controls.push(c),
                }
            }
        }
        Ok((out.to_vec(), controls))
    }

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        let mut out = enc.flush_finish().unwrap();
        // flush_finish ends with a sync flush; a WebSocket sender strips the empty block.
        if out.ends_with(&DEFLATE_TAIL) {
            out.truncate(out.len() - 4);
        }
        out
    }

    #[test]
    fn frames_split_anywhere_yield_the_same_bytes() {
        let mut wire = client_frame(BINARY, b"CONNECT {}\r\nPI", KEY);
        wire.extend(client_frame(TEXT, b"NG\r\n", KEY));
        wire.extend(client_frame(BINARY, &vec![b'x'; 300], KEY));
        let mut expected = b"CONNECT {}\r\nPING\r\n".to_vec();
        expected.extend(vec![b'x'; 300]);
        for step in [1, 2, 3, 5, 7, 64, 4096] {
            let (data, controls) = decode_all(&mut Decoder::new(true, false), &wire, step).unwrap();
            assert_eq!(data, expected, "step {step}");
            assert!(controls.is_empty());
        }
    }

    #[test]
    fn fragmented_message_with_interleaved_ping() {
        let mut wire = client_frame(0x02, b"PUB a 5\r\n", KEY); // binary, not final
        wire.extend(client_frame(0x89, b"hi", KEY)); // ping in the middle
        wire.extend(client_frame(0x00, b"hel", KEY)); // continuation
        wire.extend(client_frame(0x80, b"lo\r\n", KEY)); // final continuation
        for step in [1, 3, 100] {
            let (data, controls) = decode_all(&mut Decoder::new(true, false), &wire, step).unwrap();
            assert_eq!(data, b"PUB a 5\r\nhello\r\n");
            assert_eq!(controls, [Control::Ping(Bytes::from_static(b"hi"))]);
        }
    }

    #[test]
    fn long_lengths_are_read() {
        let big = vec![7u8; 70_000];
        let wire = client_frame(BINARY, &big, KEY);
        assert_eq!(wire[1] & 0x7f, 127);
        let (data, _) = decode_all(&mut Decoder::new(true, false), &wire, 1000).unwrap();
        assert_eq!(data, big);
    }

    #[test]
    fn close_and_pong_are_reported() {
        let mut wire = client_frame(0x8a, b"", KEY);
        wire.extend(client_frame(0x88, &close_payload(1000, "bye"), KEY));
        let (_, controls) = decode_all(&mut Decoder::new(true, false), &wire, 1).unwrap();
        assert_eq!(controls, [Control::Pong, Control::Close(close_payload(1000, "bye"))]);
    }

    #[test]
    fn unmasked_frames_are_rejected_unless_allowed() {
        let wire = client_frame(BINARY, b"PING\r\n", None);
        assert_eq!(decode_all(&mut Decoder::new(true, false), &wire, 100), Err(FrameError::Unmasked));
        let (data, _) = decode_all(&mut Decoder::new(false, false), &wire, 100).unwrap();
        assert_eq!(data, b"PING\r\n");
    }

    #[test]
    fn framing_violations_are_errors() {
        let cases: [(Vec<u8>, FrameError); 6] = [
            (client_frame(0x89, &[0; 126], KEY), FrameError::ControlTooLong),
            (client_frame(0x09, b"", KEY), FrameError::ControlFragmented),
            (client_frame(0x80, b"x", KEY), FrameError::InvalidContinuation),
            ([client_frame(0x02, b"a", KEY), client_frame(BINARY, b"b", KEY)].concat(), FrameError::MessageInterleaved),
            (client_frame(0x83, b"", KEY), FrameError::UnknownOpcode(3)),
            (client_frame(0xc2, b"x", KEY), FrameError::ReservedBits),
        ];
        for (wire, expected) in cases {
            assert_eq!(decode_all(&mut Decoder::new(true, false), &wire, 100).unwrap_err(), expected);
        }
    }

    #[test]
    fn compressed_messages_are_inflated_across_frames() {
        let text = b"PUB subject 26\r\nabcdefghijklmnopqrstuvwxyz\r\n".repeat(50);
        let compressed = raw_deflate(&text);
        let (a, b) = compressed.split_at(compressed.len() / 2);
        let mut wire = client_frame(0x42, a, KEY); // binary + rsv1, not final
        wire.extend(client_frame(0x80, b, KEY));
        wire.extend(client_frame(BINARY, b"PING\r\n", KEY)); // uncompressed message after it
        wire.extend(client_frame(0xc2, &raw_deflate(b"PONG\r\n"), KEY));
        let mut expected = text.clone();
        expected.extend_from_slice(b"PING\r\nPONG\r\n");
        for step in [1, 13, 10_000] {
            let (data, _) = decode_all(&mut Decoder::new(true, true), &wire, step).unwrap();
            assert_eq!(data, expected, "step {step}");
        }
    }

    #[test]
    fn compressed_frames_without_negotiation_are_rejected() {
        let wire = client_frame(0xc2, &raw_deflate(b"PING\r\n"), KEY);
        assert_eq!(decode_all(&mut Decoder::new(true, false), &wire, 100), Err(FrameError::ReservedBits));
    }

    #[test]
    fn inflation_is_bounded_per_call() {
        let text = vec![b'a'; 1 << 20];
        let wire = client_frame(0xc2, &raw_deflate(&text), KEY);
        let mut dec = Decoder::new(true, true);
        let mut input = BytesMut::from(&wire[..]);
        let mut out = BytesMut::new();
        let mut total = 0;
        loop {
            match dec.decode(&mut input, &mut out).unwrap() {
                Decoded::NeedInput => break,
                Decoded::Data => {
                    assert!(out.len() <= INFLATE_STEP);
                    total += out.len();
                    out.clear();
                }
                Decoded::Control(c) => panic!("unexpected {c:?}"),
            }
        }
        assert_eq!(total, text.len());
    }

    #[test]
    fn corrupt_compressed_data_is_an_error() {
        let wire = client_frame(0xc2, &[0xff; 20], KEY);
        assert_eq!(decode_all(&mut Decoder::new(true, true), &wire, 100), Err(FrameError::BadCompressedData));
    }

    /// Reads server frames back: (opcode byte, rsv1, payload) per frame.
    fn parse_server_frames(wire: &[u8]) -> Vec<(u8, bool, Vec<u8>)> {
        let mut frames = Vec::new();
        let mut rest = wire;
        while !rest.is_empty() {
            let mut cursor = Cursor::new(rest);
            let (h, len) = FrameHeader::parse(&mut cursor).unwrap().unwrap();
            assert!(h.mask.is_none(), "server frames are not masked");
            let start = cursor.position() as usize;
            let end = start + len as usize;
            frames.push((rest[0] & 0x0f, h.rsv1, rest[start..end].to_vec()));
            rest = &rest[end..];
        }
        frames
    }

    fn concat(frames: &[Bytes]) -> Vec<u8> {
        frames.iter().flat_map(|b| b.iter().copied()).collect()
    }

    #[test]
    fn batches_become_one_binary_frame() {
        let mut enc = Encoder::new(false, 0);
        let mut frames = Vec::new();
        let chunks = [Bytes::from_static(b"MSG a 1 2\r\n"), Bytes::from_static(b"hi\r\n")];
        enc.encode(&chunks, &mut frames);
        let parsed = parse_server_frames(&concat(&frames));
        assert_eq!(parsed, [(2, false, b"MSG a 1 2\r\nhi\r\n".to_vec())]);
        assert_eq!(frames[1].as_ptr(), chunks[0].as_ptr(), "payload chunks are not copied");
    }

    #[test]
    fn large_batches_are_split_into_frames_of_the_limit() {
        let mut enc = Encoder::new(false, 4096);
        let mut frames = Vec::new();
        let chunks = [Bytes::from(vec![1u8; 3000]), Bytes::from(vec![2u8; 7000])];
        enc.encode(&chunks, &mut frames);
        let parsed = parse_server_frames(&concat(&frames));
        assert_eq!(parsed.iter().map(|f| f.2.len()).collect::<Vec<_>>(), [4096, 4096, 1808]);
        assert!(parsed.iter().all(|f| f.0 == 2 && !f.1));
        let joined: Vec<u8> = parsed.into_iter().flat_map(|f| f.2).collect();
        assert_eq!(joined, [vec![1u8; 3000], vec![2u8; 7000]].concat());
    }

    #[test]
    fn frames_never_exceed_the_default_limit() {
        let mut enc = Encoder::new(false, 0);
        let mut frames = Vec::new();
        let chunks = [Bytes::from(vec![5u8; MAX_FRAME * 2 + 10])];
        enc.encode(&chunks, &mut frames);
        let parsed = parse_server_frames(&concat(&frames));
        assert_eq!(parsed.iter().map(|f| f.2.len()).collect::<Vec<_>>(), [MAX_FRAME, MAX_FRAME, 10]);
    }

    #[test]
    fn large_batches_are_compressed_in_independent_messages() {
        let mut enc = Encoder::new(true, 4096);
        let text = b"MSG subject 1 26\r\nabcdefghijklmnopqrstuvwxyz\r\n".repeat(20_000);
        let mut frames = Vec::new();
        enc.encode(&[Bytes::from(text.clone())], &mut frames);
        let parsed = parse_server_frames(&concat(&frames));
        assert_eq!(parsed.len(), text.len().div_ceil(MAX_FRAME));
        let mut joined = Vec::new();
        for (opcode, rsv1, payload) in parsed {
            assert!(opcode == 2 && rsv1, "each piece is a complete compressed message");
            let mut z = Decompress::new(false);
            let mut input = payload;
            input.extend_from_slice(&DEFLATE_TAIL);
            let mut out = Vec::with_capacity(MAX_FRAME + 16);
            z.decompress_vec(&input, &mut out, FlushDecompress::Sync).unwrap();
            joined.extend(out);
        }
        assert_eq!(joined, text);
    }

    #[test]
    fn compressed_batches_are_one_frame_with_rsv1_and_round_trip() {
        let mut enc = Encoder::new(true, 4096);
        let text = b"MSG subject 1 26\r\nabcdefghijklmnopqrstuvwxyz\r\n".repeat(1000);
        for _ in 0..2 {
            // Twice: the second message must not depend on the first (no context takeover).
            let mut frames = Vec::new();
            enc.encode(&[Bytes::from(text.clone())], &mut frames);
            let parsed = parse_server_frames(&concat(&frames));
            assert_eq!(parsed.len(), 1, "compressed frames are never fragmented");
            let (opcode, rsv1, payload) = &parsed[0];
            assert!(*opcode == 2 && *rsv1);
            assert!(payload.len() < text.len() / 10);
            let mut z = Decompress::new(false);
            let mut input = payload.clone();
            input.extend_from_slice(&DEFLATE_TAIL);
            let mut out = Vec::with_capacity(text.len() + 16);
            z.decompress_vec(&input, &mut out, FlushDecompress::Sync).unwrap();
            assert_eq!(out, text);
        }
    }

    #[test]
    fn small_batches_are_not_compressed() {
        let mut enc = Encoder::new(true, 0);
        let mut frames = Vec::new();
        enc.encode(&[Bytes::from_static(b"PONG\r\n")], &mut frames);
        assert_eq!(parse_server_frames(&concat(&frames)), [(2, false, b"PONG\r\n".to_vec())]);
    }

    #[test]
    fn close_payload_is_shortened_to_fit() {
        let long = "x".repeat(200);
        let p = close_payload(1008, &long);
        assert_eq!(p.len(), MAX_CONTROL_PAYLOAD);
        assert!(p.ends_with(b"..."));
        assert_eq!(&p[..2], &1008u16.to_be_bytes());
        assert_eq!(control_frame(ControlCode::Close, &p).len(), 2 + p.len());
    }

    #[test]
    fn close_reply_echoes_or_flags_bad_utf8() {
        assert_eq!(close_reply(&close_payload(1000, "bye")), close_payload(1000, "bye"));
        assert_eq!(close_reply(&[0x03, 0xe8, 0xff]), close_payload(1007, "invalid utf8 body in close frame"));
        assert!(close_reply(&[]).is_empty());
    }

    #[test]
    fn unmask_keeps_key_phase_across_calls() {
        let key = [1, 2, 3, 4];
        let data: Vec<u8> = (0..37).collect();
        let masked: Vec<u8> = data.iter().enumerate().map(|(i, b)| b ^ key[i % 4]).collect();
        let mut buf = masked.clone();
        let (a, b) = buf.split_at_mut(11);
        let pos = unmask(a, key, 0);
        unmask(b, key, pos);
        assert_eq!(buf, data);
    }
}
