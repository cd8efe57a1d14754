//! NATS over WebSocket for the load generator: the client side of RFC 6455, just enough to carry the
//! protocol to a server's WebSocket port (`ws://host:port`).
//!
//! [`handshake`] sends the HTTP upgrade and checks the `101` answer; [`encode`] wraps outgoing
//! protocol bytes in one binary frame (masked, as a client must, with an all-zero key so the payload
//! goes out unchanged); [`Deframer`] turns the server's frames back into the byte stream the scanner
//! reads. No compression is negotiated and no fragmentation is produced; control frames from the
//! server (ping, pong) are skipped and a close frame ends the connection. Blocking I/O, like the rest
//! of the load generator.

use std::io::{Read, Write};
use std::net::TcpStream;

use anyhow::{bail, Context, Result};

/// The fixed key of the upgrade request (any 16 bytes in base64 will do for a load generator).
const KEY: &str = "c3dpdGNoeWFyZC1iZW5jaA==";

/// Upgrades a fresh connection to `host:port`; returns bytes that arrived after the answer's headers.
pub fn handshake(stream: &mut TcpStream, host_port: &str) -> Result<Vec<u8>> {
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: nats\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).context("write WebSocket upgrade")?;
    let mut answer = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(at) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if answer.len() > 16 * 1024 {
            bail!("WebSocket upgrade answer too long");
        }
        let n = match stream.read(&mut chunk) {
            Ok(0) => bail!("server closed the connection during the WebSocket upgrade"),
            Ok(n) => n,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => continue,
            Err(e) => return Err(e).context("read WebSocket upgrade answer"),
        };
        answer.extend_from_slice(&chunk[..n]);
    };
    let status = answer.split(|&b| b == b'\r').next().unwrap_or_default();
    if !status.starts_with(b"HTTP/1.1 101") {
        bail!("WebSocket upgrade refused: {}", String::from_utf8_lossy(status));
    }
    Ok(answer.split_off(end))
}

/// Appends `payload` to `out` as one masked binary frame.
pub fn encode(out: &mut Vec<u8>, payload: &[u8]) {
    out.push(0x82);
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= usize::from(u16::MAX) => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    // A zero masking key: XOR with it leaves the payload as it is.
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(payload);
}

/// Collects raw bytes from the socket and yields the payload bytes of complete data frames.
#[derive(Default)]
pub struct Deframer {
    raw: Vec<u8>,
}

impl Deframer {
    /// Starts with bytes already read past the upgrade answer.
    pub fn new(leftover: Vec<u8>) -> Self {
        Deframer { raw: leftover }
    }

    /// Adds bytes read from the socket.
    pub fn push(&mut self, bytes: &[u8]) {
        self.raw.extend_from_slice(bytes);
    }

    /// Moves the payloads of every complete frame into `out`; an error on a close frame.
    pub fn drain_into(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let mut at = 0;
        loop {
            let buf = &self.raw[at..];
            if buf.len() < 2 {
                break;
            }
            let opcode = buf[0] & 0x0f;
            let masked = buf[1] & 0x80 != 0;
            let (len, mut head) = match buf[1] & 0x7f {
                126 if buf.len() >= 4 => (usize::from(u16::from_be_bytes([buf[2], buf[3]])), 4),
                127 if buf.len() >= 10 => {
                    let mut n = [0u8; 8];
                    n.copy_from_slice(&buf[2..10]);
                    (usize::try_from(u64::from_be_bytes(n)).context("frame too large")?, 10)
                }
                126 | 127 => break,
                n => (usize::from(n), 2),
            };
            let key = if masked {
                if buf.len() < head + 4 {
                    break;
                }
                head += 4;
                Some([buf[head - 4], buf[head - 3], buf[head - 2], buf[head - 1]])
            } else {
                None
            };
            if buf.len() < head + len {
                break;
            }
            let payload = &buf[head..head + len];
            match opcode {
                0x0..=0x2 => {
                    let start = out.len();
                    out.extend_from_slice(payload);
                    if let Some(key) = key {
                        for (i, b) in out[start..].iter_mut().enumerate() {
                            *b ^= key[i % 4];
                        }
                    }
                }
                0x8 => bail!("server closed the WebSocket"),
                _ => {}
            }
            at += head + len;
        }
        self.raw.drain(..at);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_at_every_length_class() {
        for len in [0, 5, 125, 126, 1000, 65_535, 65_536, 200_000] {
            let payload: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let mut wire = Vec::new();
            encode(&mut wire, &payload);
            assert_eq!(wire[1] & 0x80, 0x80, "client frames are masked");
            let mut d = Deframer::default();
            let mut out = Vec::new();
            // Byte by byte for small frames: nothing comes out before the frame is complete.
            if len <= 1000 {
                for (i, b) in wire.iter().enumerate() {
                    d.push(std::slice::from_ref(b));
                    d.drain_into(&mut out).unwrap();
                    assert_eq!(out.is_empty(), i + 1 < wire.len() || len == 0, "len {len} at byte {i}");
                }
            } else {
                d.push(&wire);
                d.drain_into(&mut out).unwrap();
            }
            assert_eq!(out, payload, "len {len}");
        }
    }

    #[test]
    fn unmasked_server_frames_and_control_frames() {
        let mut wire = vec![0x82, 3, b'a', b'b', b'c', 0x89, 0, 0x81, 2, b'd', b'e'];
        let mut d = Deframer::new(wire.drain(..4).collect());
        d.push(&wire);
        let mut out = Vec::new();
        d.drain_into(&mut out).unwrap();
        assert_eq!(out, b"abcde", "a ping between two data frames is skipped");
        d.push(&[0x88, 0]);
        assert!(d.drain_into(&mut out).is_err(), "a close frame ends the connection");
    }
}
