//! The NATS client protocol over plain TCP.
//!
//! One accept loop per listener; per connection a reader (this task: read, hand bytes to the
//! [`Session`]) and a writer task ([`write_loop`]: take batches from the outbound queue, write them with
//! vectored I/O under the write deadline, send keep-alive PINGs). Either side ending ends the other;
//! the first reason recorded is the one `/connz` shows.
//!
//! With a top-level `tls` block the same loops run over TLS: [`crate::tls::Tls::start_client`] sends
//! INFO in plain text and runs the handshake (or the handshake first, with `handshake_first`) before
//! the reader and writer start; a failed handshake closes the connection with "TLS Handshake Failure".

use std::io::IoSlice;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::OwnedSemaphorePermit;
use tracing::{debug, warn};

use crate::config::ConnectionType;
use crate::core::conn::{now_nanos, Connection};
use crate::core::{CloseReason, Kind};
use crate::frontend::session::Session;
use crate::server::Server;
use crate::tls::{mappable_users, Negotiated};

/// Smallest and largest read sizes; the buffer grows while reads fill it and shrinks when idle.
const MIN_READ: usize = 512;
const MAX_READ: usize = 64 * 1024;
/// Longest a publisher is paused for one stalled subscriber before it reads again (a stream's
/// ingest is waited for until it has caught up, see `core::backlog`).
pub(crate) const STALL_MAX: Duration = Duration::from_millis(10);

/// Accepts client connections until lame duck or shutdown.
pub async fn accept_loop(server: Arc<Server>, listener: TcpListener) {
    loop {
        let accepted = tokio::select! {
            _ = server.lame_duck.cancelled() => break,
            _ = server.shutdown.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, addr)) => match server.conn_limit.clone().try_acquire_owned() {
                Ok(permit) => {
                    tokio::spawn(serve(server.clone(), stream, addr, permit));
                }
                Err(_) => {
                    tokio::spawn(reject(server.clone(), stream));
                }
            },
            Err(e) => {
                // Typically out of file descriptors: back off instead of spinning.
                warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

async fn reject(server: Arc<Server>, mut stream: TcpStream) {
    warn!("maximum connections exceeded, rejecting");
    let info = format!(
        "INFO {}\r\n-ERR 'maximum connections exceeded'\r\n",
        serde_json::to_string(&server.info()).unwrap_or_default()
    );
    let _ = tokio::time::timeout(Duration::from_secs(2), stream.write_all(info.as_bytes())).await;
}

/// A byte stream a connection runs on (plain TCP, or TLS over TCP), split so that the reader and the
/// writer task own one half each.
pub trait Transport: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    type Read: AsyncRead + Unpin + Send + 'static;
    type Write: AsyncWrite + Unpin + Send + 'static;
    fn split(self) -> (Self::Read, Self::Write);
    /// Closes the connection once the writer is done with it, when the client is not refused (a
    /// refused client gets [`linger`] instead, which shuts the write side down itself).
    fn close(wr: Self::Write) -> impl std::future::Future<Output = ()> + Send;
}

impl Transport for TcpStream {
    type Read = OwnedReadHalf;
    type Write = OwnedWriteHalf;
    fn split(self) -> (Self::Read, Self::Write) {
        self.into_split()
    }
    /// Drops the socket in one step, without a separate FIN.
    fn close(wr: Self::Write) -> impl std::future::Future<Output = ()> + Send {
        wr.forget();
        std::future::ready(())
    }
}

impl Transport for tokio_rustls::server::TlsStream<TcpStream> {
    type Read = tokio::io::ReadHalf<Self>;
    type Write = tokio::io::WriteHalf<Self>;
    fn split(self) -> (Self::Read, Self::Write) {
        tokio::io::split(self)
    }
    /// With a TLS `close_notify` first, as Go's `tls.Conn.Close` does.
    async fn close(mut wr: Self::Write) {
        let _ = tokio::time::timeout(Duration::from_secs(1), wr.shutdown()).await;
    }
}

/// Serves one client connection to the end.
async fn serve(server: Arc<Server>, stream: TcpStream, addr: SocketAddr, permit: OwnedSemaphorePermit) {
    let _ = stream.set_nodelay(true);
    server.stats.total_connections.fetch_add(1, Ordering::Relaxed);
    let conn = Arc::new(Connection::new(server.registry.next_cid(), Kind::Client, addr, server.config.max_pending));
    server.registry.add(conn.clone());
    debug!(cid = conn.cid, %addr, "client connected");
    let mut session = Session::new(server.clone(), conn.clone());
    let Some(tls) = server.tls.clone() else {
        session.greet();
        return run(server, session, stream, permit).await;
    };
    match tls.start_client(stream, session.info_line().as_bytes()).await {
        Ok((stream, info_pending)) => {
            let tls_conn = stream.get_ref().1;
            conn.update_meta(|meta| Negotiated::of(tls_conn).record(meta));
            if let Some(user) = tls.cert_user(tls_conn, &mappable_users(&server.config, ConnectionType::Standard)) {
                session.set_cert_user(user);
            }
            if info_pending {
                session.greet();
            }
            run(server, session, stream, permit).await;
        }
        Err(e) => {
            debug!(cid = conn.cid, %addr, error = %e, "TLS handshake failed");
            session.finish(CloseReason::TlsHandshakeError);
        }
    }
}

/// Runs the reader here and the writer on its own task until either ends, then finishes the session.
/// The connection's slot under `max_connections` (`permit`) is free again once the session is
/// finished, before the closing handshake.
async fn run<T: Transport>(server: Arc<Server>, mut session: Session, stream: T, permit: OwnedSemaphorePermit) {
    let conn = session.connection().clone();
    let (mut rd, wr) = stream.split();
    let mut writer = tokio::spawn(write_loop(server.clone(), conn.clone(), wr));
    let mut write_half = None;
    let reason = tokio::select! {
        reason = read_loop(&server, &mut session, &mut rd) => reason,
        done = &mut writer => match done {
            Ok((reason, wr)) => {
                write_half = Some(wr);
                reason
            }
            Err(_) => CloseReason::WriteError,
        },
        _ = server.shutdown.cancelled() => CloseReason::ServerShutdown,
    };
    debug!(cid = conn.cid, %reason, "client closing");
    session.finish(reason);
    drop(permit);
    if write_half.is_none() {
        if let Ok(Ok((_, wr))) = tokio::time::timeout(server.config.write_deadline, writer).await {
            write_half = Some(wr);
        }
    }
    if let Some(mut wr) = write_half {
        if reason.client_may_still_send() {
            linger(&mut rd, &mut wr).await;
        } else {
            T::close(wr).await;
        }
    }
}

/// How long a closing connection keeps reading (and discarding) what the client still sends.
pub(crate) const LINGER: Duration = Duration::from_secs(1);

/// Closes gracefully after the server ended the connection: sends the FIN behind the queued `-ERR`,
/// then [`drain`]s what the client still sends.
async fn linger<R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(rd: &mut R, wr: &mut W) {
    let deadline = tokio::time::Instant::now() + LINGER;
    if tokio::time::timeout_at(deadline, wr.shutdown()).await.is_ok() {
        drain(rd, deadline).await;
    }
}

/// Reads and discards what the client still sends after the server closed its side, until the
/// client closes too or `deadline` passes. Closing a socket with unread input makes the kernel
/// answer with a reset, which can overtake the `-ERR` in the client's receive buffer (an oversized
/// publish, say): the client would only see "connection reset" and never the reason.
pub(crate) async fn drain<R: AsyncRead + Unpin>(rd: &mut R, deadline: tokio::time::Instant) {
    let mut scratch = vec![0u8; 16 * 1024];
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, rd.read(&mut scratch)).await {
        if n == 0 {
            break;
        }
    }
}

/// Reads until the client goes away or the session asks to close.
pub async fn read_loop<R: AsyncRead + Unpin>(server: &Server, session: &mut Session, rd: &mut R) -> CloseReason {
    let mut buf = BytesMut::with_capacity(MIN_READ);
    let mut read_size = MIN_READ;
    let auth_deadline = tokio::time::Instant::now() + server.config.auth_timeout;
    loop {
        if buf.capacity() - buf.len() < read_size {
            buf.reserve(read_size);
        }
        let read = if !session.is_connected() && server.auth.required() {
            match tokio::time::timeout_at(auth_deadline, rd.read_buf(&mut buf)).await {
                Ok(r) => r,
                Err(_) => {
                    session.auth_timeout();
                    return CloseReason::AuthenticationTimeout;
                }
            }
        } else {
            rd.read_buf(&mut buf).await
        };
        let n = match read {
            Ok(0) => return CloseReason::ClientClosed,
            Ok(n) => n,
            // A TLS peer that hangs up without close_notify has still just closed the connection.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return CloseReason::ClientClosed,
            Err(_) => return CloseReason::ReadError,
        };
        if n >= read_size && read_size < MAX_READ {
            read_size *= 2;
        } else if n < read_size / 4 && read_size > MIN_READ {
            read_size /= 2;
        }
        session.connection().touch();
        if let Err(reason) = session.process(&mut buf) {
            return reason;
        }
        for stall in session.take_stalled() {
            stall.wait(STALL_MAX).await;
        }
        if buf.is_empty() && buf.capacity() > 4 * MAX_READ {
            buf = BytesMut::with_capacity(MIN_READ);
        }
    }
}

/// Writes everything the outbound queue gathers, and keeps the connection alive with PINGs.
/// Returns why the connection ended and the writer, which the caller closes.
pub async fn write_loop<W: AsyncWrite + Unpin>(
    server: Arc<Server>,
    conn: Arc<Connection>,
    mut wr: W,
) -> (CloseReason, W) {
    let interval = server.config.ping_interval.max(Duration::from_millis(10));
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            batch = conn.outbound.next_batch() => {
                if !batch.chunks.is_empty() {
                    let n = batch.len();
                    match tokio::time::timeout(server.config.write_deadline, write_chunks(&mut wr, &batch.chunks)).await {
                        Ok(Ok(())) => conn.outbound.written(n),
                        Ok(Err(_)) => {
                            conn.outbound.close(CloseReason::WriteError);
                            return (CloseReason::WriteError, wr);
                        }
                        Err(_) => {
                            conn.outbound.close(CloseReason::SlowConsumerWriteDeadline);
                            return (CloseReason::SlowConsumerWriteDeadline, wr);
                        }
                    }
                }
                if let Some(reason) = batch.closed {
                    let _ = tokio::time::timeout(Duration::from_secs(1), wr.flush()).await;
                    return (reason, wr);
                }
            }
            _ = ping.tick() => keepalive(&server, &conn),
        }
    }
}

/// One keep-alive tick: skip when the client was heard from recently, otherwise PING, and give up
/// with "Stale Connection" after `ping_max` unanswered PINGs.
pub(crate) fn keepalive(server: &Server, conn: &Connection) {
    let now = now_nanos();
    let idle = Duration::from_nanos((now - conn.last_activity.load(Ordering::Relaxed)).max(0) as u64);
    if idle < server.config.ping_interval {
        return;
    }
    if conn.pings_out.load(Ordering::Relaxed) >= server.config.ping_max {
        conn.outbound.push_bytes(b"-ERR 'Stale Connection'\r\n");
        conn.outbound.close(CloseReason::StaleConnection);
        return;
    }
    conn.pings_out.fetch_add(1, Ordering::Relaxed);
    conn.ping_sent.store(now, Ordering::Relaxed);
    conn.outbound.push_bytes(b"PING\r\n");
    conn.outbound.flush();
}

/// Writes all chunks, gathering up to 64 per system call.
pub async fn write_chunks<W: AsyncWrite + Unpin>(w: &mut W, chunks: &[Bytes]) -> std::io::Result<()> {
    if let [only] = chunks {
        return w.write_all(only).await;
    }
    let (mut idx, mut off) = (0usize, 0usize);
    while idx < chunks.len() {
        let mut slices = [IoSlice::new(&[]); 64];
        let mut k = 0;
        for (i, c) in chunks[idx..].iter().enumerate().take(64) {
            slices[k] = IoSlice::new(if i == 0 { &c[off..] } else { &c[..] });
            k += 1;
        }
        let mut n = w.write_vectored(&slices[..k]).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while n > 0 {
            let left = chunks[idx].len() - off;
            if n >= left {
                n -= left;
                idx += 1;
                off = 0;
            } else {
                off += n;
                n = 0;
            }
        }
        while idx < chunks.len() && chunks[idx].len() == off {
            idx += 1;
            off = 0;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client that is still sending when the server refuses it must read the refusal, then a
    /// clean end of stream, not a reset.
    #[tokio::test]
    async fn linger_lets_a_client_that_is_still_sending_read_the_err() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            let (mut rd, mut wr) = stream.into_split();
            let mut first = [0u8; 4];
            rd.read_exact(&mut first).await.unwrap();
            wr.write_all(b"-ERR 'Maximum Payload Violation'\r\n").await.unwrap();
            linger(&mut rd, &mut wr).await;
        });
        let client = TcpStream::connect(addr).await.unwrap();
        // Far more than the server reads before it refuses, and more than socket buffers hold.
        let payload = vec![b'x'; 8 * 1024 * 1024];
        let (mut rd, mut wr) = client.into_split();
        let (sent, received) = tokio::join!(wr.write_all(&payload), async {
            let mut got = Vec::new();
            let result = rd.read_to_end(&mut got).await;
            (result, got)
        });
        sent.unwrap();
        let (result, got) = received;
        result.expect("a clean end of stream, not a reset");
        assert_eq!(got, b"-ERR 'Maximum Payload Violation'\r\n");
        server.await.unwrap();
    }
}
