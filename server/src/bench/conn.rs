//! One raw NATS client connection on a blocking TCP socket, as the load generator uses it.
//!
//! [`Conn::connect`] does the handshake (read `INFO`, send `CONNECT` with verbose, pedantic and echo
//! off, then `PING`, wait for `PONG`). Afterwards the owner writes pre-encoded protocol bytes to
//! [`Conn::tx`] itself and reads with [`Conn::poll`] (any op, borrowed from the read buffer) or
//! [`Conn::scan`] (the counting hot path). Server `PING`s are answered, `+OK` and `INFO` skipped and
//! `-ERR` turned into an error in both.
//!
//! With a `ws://host:port` URL the same protocol runs over WebSocket ([`super::ws`]): writes become
//! binary frames, reads are deframed before scanning, so every scenario can drive a WebSocket port.
//!
//! No reconnects, no TLS, no authentication: a benchmark connection that breaks is a failed run.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::scan::{self, Msg, ScanError, ServerOp};
use super::ws;

/// Initial read buffer; grows when one frame does not fit.
const READ_BUF: usize = 256 * 1024;
/// How long [`Conn::flush`] and the handshake wait for a `PONG`.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(10);
/// Socket read timeout: how often a blocked reader gets to look at the clock.
pub const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// The address to dial for a server URL: `host:port` for `nats://host[:port]` (port 4222 if absent),
/// `ws://host:port` kept as it is for a WebSocket port (the port is required there).
pub fn server_addr(url: &str) -> Result<String> {
    let (ws, rest) = match url.split_once("://") {
        Some(("nats", rest)) => (false, rest),
        Some(("ws", rest)) => (true, rest),
        Some((scheme, _)) => bail!("unsupported URL scheme {scheme:?} (only nats:// and ws://)"),
        None => (false, url),
    };
    let host_port = rest.trim_end_matches('/');
    if host_port.is_empty() || host_port.contains('@') || host_port.contains('/') {
        bail!("unsupported server URL {url:?} (expected nats://host:port or ws://host:port)");
    }
    let has_port = match host_port.rsplit_once(':') {
        Some((_, port)) => port.parse::<u16>().is_ok(),
        None => false,
    };
    Ok(match (ws, has_port) {
        (true, true) => format!("ws://{host_port}"),
        (true, false) => bail!("a ws:// URL needs a port: {url:?}"),
        (false, true) => host_port.to_owned(),
        (false, false) => format!("{host_port}:4222"),
    })
}

/// The writing half of a connection: protocol bytes go out as they are, or as one WebSocket frame
/// per write.
pub struct Tx {
    stream: TcpStream,
    /// Frame buffer, for a WebSocket connection.
    ws: Option<Vec<u8>>,
}

impl Write for Tx {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.ws {
            None => self.stream.write(buf),
            Some(frame) => {
                frame.clear();
                ws::encode(frame, buf);
                self.stream.write_all(frame)?;
                Ok(buf.len())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

pub struct Reader {
    stream: TcpStream,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// For a WebSocket connection.
    ws: Option<WsIn>,
}

/// The reading side of a WebSocket connection: frames read, their payloads, a socket read buffer.
struct WsIn {
    deframer: ws::Deframer,
    payloads: Vec<u8>,
    chunk: Vec<u8>,
}

impl Reader {
    fn new(stream: TcpStream, ws: Option<ws::Deframer>) -> Self {
        let ws = ws.map(|deframer| WsIn { deframer, payloads: Vec::new(), chunk: vec![0; READ_BUF] });
        Reader { stream, buf: vec![0; READ_BUF], start: 0, end: 0, ws }
    }

    /// One `read`: `Ok(true)` if bytes arrived, `Ok(false)` if the read timed out.
    fn fill(&mut self) -> Result<bool> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        if let Some(ws) = &mut self.ws {
            // Frames completed by bytes read earlier (the upgrade answer may carry some) come first.
            ws.deframer.drain_into(&mut ws.payloads)?;
            if ws.payloads.is_empty() {
                match self.stream.read(&mut ws.chunk) {
                    Ok(0) => bail!("server closed the connection"),
                    Ok(n) => ws.deframer.push(&ws.chunk[..n]),
                    Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                        return Ok(false)
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(false),
                    Err(e) => return Err(e).context("read from server"),
                }
                ws.deframer.drain_into(&mut ws.payloads)?;
            }
            let n = ws.payloads.len();
            if self.end + n > self.buf.len() {
                self.buf.resize(self.end + n, 0);
            }
            self.buf[self.end..self.end + n].copy_from_slice(&ws.payloads);
            ws.payloads.clear();
            self.end += n;
            return Ok(n > 0);
        }
        match self.stream.read(&mut self.buf[self.end..]) {
            Ok(0) => bail!("server closed the connection"),
            Ok(n) => {
                self.end += n;
                Ok(true)
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(false),
            Err(e) => Err(e).context("read from server"),
        }
    }
}

/// A connected, handshaken client.
pub struct Conn {
    pub rx: Reader,
    /// Write side (a clone of the same socket). Writes are unbuffered: callers batch.
    pub tx: Tx,
}

impl Conn {
    /// Dials `addr`, completes the handshake and leaves the socket with [`POLL_INTERVAL`] read timeout.
    pub fn connect(addr: &str, name: &str) -> Result<Conn> {
        let ws_host = addr.strip_prefix("ws://");
        let dial = ws_host.unwrap_or(addr);
        let mut stream = TcpStream::connect(dial).with_context(|| format!("connect to {dial}"))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(POLL_INTERVAL))?;
        let deframer = match ws_host {
            Some(host) => Some(ws::Deframer::new(ws::handshake(&mut stream, host)?)),
            None => None,
        };
        let tx = Tx { stream: stream.try_clone()?, ws: deframer.is_some().then(Vec::new) };
        let mut conn = Conn { rx: Reader::new(stream, deframer), tx };
        conn.read_info()?;
        let connect = serde_json::json!({
            "verbose": false,
            "pedantic": false,
            "tls_required": false,
            "echo": false,
            "headers": true,
            "no_responders": true,
            "name": name,
            "lang": "rust",
            "version": env!("CARGO_PKG_VERSION"),
            "protocol": 1,
        });
        conn.tx.write_all(format!("CONNECT {connect}\r\nPING\r\n").as_bytes())?;
        conn.wait_pongs(1).with_context(|| format!("handshake with {addr}"))?;
        Ok(conn)
    }

    fn read_info(&mut self) -> Result<()> {
        let deadline = Instant::now() + FLUSH_TIMEOUT;
        loop {
            let r = &mut self.rx;
            match scan::parse(&r.buf[r.start..r.end])? {
                Some((ServerOp::Info(_), n)) => {
                    r.start += n;
                    return Ok(());
                }
                Some((op, _)) => bail!("expected INFO from server, got {op:?}"),
                None => {}
            }
            if Instant::now() > deadline {
                bail!("no INFO from server within {FLUSH_TIMEOUT:?}");
            }
            self.rx.fill()?;
        }
    }

    /// Sends `SUB subject [queue] sid` (not flushed: follow with [`Conn::flush`]).
    pub fn subscribe(&mut self, subject: &str, queue: Option<&str>, sid: u32) -> Result<()> {
        let line = match queue {
            Some(q) => format!("SUB {subject} {q} {sid}\r\n"),
            None => format!("SUB {subject} {sid}\r\n"),
        };
        self.tx.write_all(line.as_bytes()).context("write SUB")
    }

    /// `PING` and wait for its `PONG`: the server has processed everything sent before.
    /// A message arriving meanwhile is an error (use it before traffic starts).
    pub fn flush(&mut self) -> Result<()> {
        self.tx.write_all(b"PING\r\n").context("write PING")?;
        self.wait_pongs(1)
    }

    /// Waits for `n` `PONG`s (for `PING`s the caller already sent).
    pub fn wait_pongs(&mut self, n: u64) -> Result<()> {
        let deadline = Instant::now() + FLUSH_TIMEOUT;
        let mut seen = 0;
        while seen < n {
            let got = self.poll(|op, _| match op {
                ServerOp::Pong => {
                    seen += 1;
                    Ok(())
                }
                other => bail!("unexpected {other:?} while waiting for PONG"),
            })?;
            if !got && Instant::now() > deadline {
                bail!("no PONG from server within {FLUSH_TIMEOUT:?}");
            }
        }
        Ok(())
    }

    /// Reads once (waiting at most [`POLL_INTERVAL`]) and passes every complete `MSG`/`HMSG` and
    /// `PONG` to `f`, together with the write side. Returns false when the read timed out.
    pub fn poll(&mut self, mut f: impl FnMut(ServerOp<'_>, &mut Tx) -> Result<()>) -> Result<bool> {
        let Conn { rx, tx } = self;
        let got = rx.fill()?;
        while let Some((op, n)) = scan::parse(&rx.buf[rx.start..rx.end])? {
            match op {
                ServerOp::Ping => tx.write_all(b"PONG\r\n").context("write PONG")?,
                ServerOp::Ok | ServerOp::Info(_) => {}
                ServerOp::Err(text) => {
                    bail!("server error: -ERR {}", String::from_utf8_lossy(text))
                }
                op @ (ServerOp::Msg(_) | ServerOp::Pong) => f(op, tx)?,
            }
            rx.start += n;
        }
        Ok(got)
    }

    /// The subscriber hot path: reads once (waiting at most [`POLL_INTERVAL`]) and returns how many
    /// message frames it took, passing each payload to `on_payload`. `PONG`s are ignored, other ops
    /// handled as in [`Conn::poll`].
    pub fn scan(&mut self, mut on_payload: impl FnMut(&[u8])) -> Result<u64> {
        let Conn { rx, tx } = self;
        rx.fill()?;
        let mut msgs = 0;
        loop {
            let s = scan::scan_msgs(&rx.buf[rx.start..rx.end], &mut on_payload)?;
            msgs += s.msgs;
            rx.start += s.consumed;
            if !s.other_op {
                return Ok(msgs);
            }
            let (op, n) = scan::parse(&rx.buf[rx.start..rx.end])?.ok_or(ScanError::ControlLineTooLong)?;
            match op {
                ServerOp::Ping => tx.write_all(b"PONG\r\n").context("write PONG")?,
                ServerOp::Pong | ServerOp::Ok | ServerOp::Info(_) => {}
                ServerOp::Err(text) => {
                    bail!("server error: -ERR {}", String::from_utf8_lossy(text))
                }
                ServerOp::Msg(Msg { subject, .. }) => {
                    bail!("message on {} not taken by the scanner", String::from_utf8_lossy(subject))
                }
            }
            rx.start += n;
        }
    }
}

/// Writes `bytes`, naming what failed.
pub fn send(tx: &mut Tx, bytes: &[u8]) -> Result<()> {
    tx.write_all(bytes).context("write to server")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_become_socket_addresses() {
        assert_eq!(server_addr("nats://127.0.0.1:4222").unwrap(), "127.0.0.1:4222");
        assert_eq!(server_addr("nats://localhost").unwrap(), "localhost:4222");
        assert_eq!(server_addr("127.0.0.1:5000/").unwrap(), "127.0.0.1:5000");
        assert_eq!(server_addr("[::1]:4333").unwrap(), "[::1]:4333");
        assert!(server_addr("tls://127.0.0.1:4222").is_err());
        assert_eq!(server_addr("ws://127.0.0.1:8080/").unwrap(), "ws://127.0.0.1:8080");
        assert!(server_addr("ws://127.0.0.1").is_err(), "a WebSocket port has no default");
        assert!(server_addr("nats://user:pw@127.0.0.1:4222").is_err());
        assert!(server_addr("nats://").is_err());
    }
}
