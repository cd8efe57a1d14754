//! HTTPS for the monitoring port: a TCP listener whose connections come out handshaken.
//!
//! [`TlsListener`] takes a bound [`TcpListener`] and a [`Tls`]; a task accepts connections and runs
//! each handshake on its own task (so one slow client holds up nobody), and hands finished TLS streams
//! to [`axum::serve`] through the [`axum::serve::Listener`] trait. Failed handshakes (plain HTTP on the
//! HTTPS port, expired or missing client certificates with `verify`, the timeout) are logged at debug
//! level and dropped.
//!
//! It knows nothing of HTTP routes; the monitor module owns those.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;
use tracing::{debug, warn};

use super::Tls;

/// Handshaken connections waiting for the HTTP server to take them.
const READY_QUEUE: usize = 64;

/// A listener of TLS connections, for `axum::serve`.
pub struct TlsListener {
    local_addr: SocketAddr,
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    acceptor: JoinHandle<()>,
}

impl std::fmt::Debug for TlsListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsListener").field("local_addr", &self.local_addr).finish_non_exhaustive()
    }
}

impl TlsListener {
    /// Starts accepting on `listener`; connections are served with `tls`. Must run inside a runtime.
    pub fn new(listener: TcpListener, tls: Arc<Tls>) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        let acceptor = tokio::spawn(accept_loop(listener, tls, tx));
        Ok(TlsListener { local_addr, ready, acceptor })
    }
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.acceptor.abort();
    }
}

async fn accept_loop(listener: TcpListener, tls: Arc<Tls>, ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>) {
    loop {
        let (stream, peer) = tokio::select! {
            _ = ready.closed() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    warn!(error = %e, "https accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let (tls, ready) = (tls.clone(), ready.clone());
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            match tls.accept(stream).await {
                Ok(stream) => {
                    let _ = ready.send((stream, peer)).await;
                }
                Err(e) => debug!(%peer, error = %e, "https TLS handshake failed"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            // The accept task ended (the runtime is shutting down): nothing more will come.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local_addr)
    }
}
