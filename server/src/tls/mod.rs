//! TLS for the listeners: the client port, WebSocket (`wss`), MQTT (`mqtts`) and monitoring (`https`).
//!
//! Input: a parsed [`TlsConfig`] (`tls { cert_file key_file ca_file verify verify_and_map timeout
//! handshake_first min_version }`). [`Tls::new`] loads the PEM files once, when the server starts, into
//! a rustls server configuration (ring provider): TLS 1.2 and 1.3, or 1.3 only with `min_version:
//! "1.3"`; with `verify` (or `verify_and_map`) a client certificate signed by a `ca_file` CA (the
//! system roots without one) is required.
//!
//! Output: handshaken streams. [`Tls::accept`] refuses a connection whose first byte does not start
//! a TLS handshake record, without a reply, as nats-server does for a plain-text client on a TLS port,
//! and bounds the handshake by `timeout`. [`Tls::start_client`] adds the NATS client-port order: the
//! INFO line in plain text first, or with `handshake_first` the handshake first (with `handshake_first:
//! auto`, INFO anyway once the client stays silent for the fallback delay). [`Negotiated`] names the
//! version and cipher suite as nats-server's `/connz` does; [`Tls::cert_user`] maps the client
//! certificate to a configured user for `verify_and_map` ([`cert`] holds the rules). [`https`] turns a
//! TCP listener into one of TLS streams for the monitoring HTTP server.
//!
//! It does not decide authentication (the session does, with the mapped user name) and serves no
//! protocol itself.

pub mod cert;
pub mod https;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ProtocolVersion, RootCertStore, ServerConfig, ServerConnection, SupportedProtocolVersion};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use crate::config::{Config, ConnectionType, TlsConfig, TlsVersion};
use crate::core::conn::ClientMeta;
use crate::server::Server;

pub use cert::{CertError, PeerNames};

/// The content type of a TLS handshake record: the first byte a TLS client sends.
const HANDSHAKE_RECORD: u8 = 0x16;

/// Why a TLS configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {}: {source}", path.display())]
    Pem { path: PathBuf, source: rustls::pki_types::pem::Error },
    #[error("no certificate found in {}", path.display())]
    NoCertificates { path: PathBuf },
    #[error("no usable CA certificate in {}", path.as_deref().map_or("the system roots".into(), |p| p.display().to_string()))]
    NoRoots { path: Option<PathBuf> },
    #[error("certificate {} with key {}: {source}", cert.display(), key.display())]
    Certificate { cert: PathBuf, key: PathBuf, source: rustls::Error },
    #[error("client certificate verification: {0}")]
    Verifier(#[from] rustls::server::VerifierBuilderError),
    #[error("TLS versions: {0}")]
    Versions(rustls::Error),
}

/// Why a TLS handshake did not complete.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    #[error("TLS handshake timed out")]
    Timeout,
    #[error("client sent plain text to a TLS port")]
    NotTls,
    #[error("connection closed before the TLS handshake")]
    Closed,
    #[error("TLS handshake failed: {0}")]
    Io(#[from] io::Error),
}

/// Builds the rustls acceptor of a `tls { … }` block.
pub fn acceptor_for(config: &TlsConfig) -> Result<TlsAcceptor, TlsError> {
    Ok(TlsAcceptor::from(Arc::new(server_config(config)?)))
}

/// The rustls server configuration of a `tls { … }` block.
pub fn server_config(config: &TlsConfig) -> Result<ServerConfig, TlsError> {
    let mut provider = rustls::crypto::ring::default_provider();
    // Go's server preference, so that clients land on the cipher suites nats-server would pick: TLS
    // 1.3 first, then AES-128-GCM before AES-256-GCM before ChaCha20-Poly1305.
    provider.cipher_suites.sort_by_key(|s| {
        let name = s.suite().as_str().unwrap_or_default();
        (s.version() != &rustls::version::TLS13, !name.contains("AES_128"), !name.contains("AES_256"))
    });
    let provider = Arc::new(provider);
    let versions: &[&SupportedProtocolVersion] = match config.min_version {
        Some(TlsVersion::Tls13) => &[&rustls::version::TLS13],
        Some(TlsVersion::Tls12) | None => &[&rustls::version::TLS12, &rustls::version::TLS13],
    };
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(TlsError::Versions)?;
    let builder = if config.verify {
        let roots = Arc::new(load_roots(config.ca_file.as_deref())?);
        builder.with_client_cert_verifier(WebPkiClientVerifier::builder_with_provider(roots, provider).build()?)
    } else {
        builder.with_no_client_auth()
    };
    let certs = load_certs(&config.cert_file)?;
    let key = PrivateKeyDer::from_pem_file(&config.key_file)
        .map_err(|source| TlsError::Pem { path: config.key_file.clone(), source })?;
    let mut server = builder.with_single_cert(certs, key).map_err(|source| TlsError::Certificate {
        cert: config.cert_file.clone(),
        key: config.key_file.clone(),
        source,
    })?;
    server.ignore_client_order = true;
    Ok(server)
}

fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = |source| TlsError::Pem { path: path.to_path_buf(), source };
    let certs = CertificateDer::pem_file_iter(path).map_err(pem)?.collect::<Result<Vec<_>, _>>().map_err(pem)?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificates { path: path.to_path_buf() });
    }
    Ok(certs)
}

/// The CAs trusted to sign client certificates: `ca_file`, or the system's roots without one.
fn load_roots(ca_file: Option<&Path>) -> Result<RootCertStore, TlsError> {
    let certs = match ca_file {
        Some(path) => load_certs(path)?,
        None => rustls_native_certs::load_native_certs().certs,
    };
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(TlsError::NoRoots { path: ca_file.map(Path::to_path_buf) });
    }
    Ok(roots)
}

/// On a listener with `verify_and_map`: whom the client certificate names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertUser {
    /// This configured user; it replaces the user name in `CONNECT`.
    Mapped(String),
    /// No configured user matches the certificate: authentication fails.
    Unknown,
}

/// The configured users a connection of type `kind` can be mapped to from its certificate: users
/// with a name (nkey users have none) that are allowed on that connection type.
pub fn mappable_users(config: &Config, kind: ConnectionType) -> Vec<&str> {
    config
        .authorization
        .users
        .iter()
        .chain(config.accounts.iter().flat_map(|a| a.users.iter()))
        .filter(|u| u.allowed_connection_types.as_ref().is_none_or(|types| types.contains(&kind)))
        .filter_map(|u| u.user.as_deref().filter(|name| !name.is_empty()))
        .collect()
}

/// Whether `user` is a certificate identity that may not log in by name: a configured user without
/// password or nkey that a listener with `verify_and_map` (the client port, `wss` or MQTT) could map, other
/// than `no_auth_user` (nats-server's `canTLSMap`). Without this, naming such a user in `CONNECT` on a
/// listener that does not map would log in with no secret at all.
pub fn requires_certificate(server: &Server, user: &str) -> bool {
    let config = &server.config;
    if config.no_auth_user.as_deref() == Some(user) {
        return false;
    }
    let maps = |tls: Option<&TlsConfig>| tls.is_some_and(|t| t.verify_and_map);
    let mut kinds = Vec::new();
    if maps(config.tls.as_ref()) {
        kinds.push(ConnectionType::Standard);
    }
    if maps(server.websocket.as_ref().and_then(|ws| ws.tls.as_ref())) {
        kinds.push(ConnectionType::Websocket);
    }
    if maps(server.mqtt_settings.as_ref().and_then(|mqtt| mqtt.tls.as_ref())) {
        kinds.push(ConnectionType::Mqtt);
    }
    config
        .authorization
        .users
        .iter()
        .chain(config.accounts.iter().flat_map(|a| a.users.iter()))
        .filter(|u| u.user.as_deref() == Some(user) && u.nkey.is_none())
        .filter(|u| u.password.as_deref().is_none_or(str::is_empty))
        .any(|u| kinds.iter().any(|k| u.allowed_connection_types.as_ref().is_none_or(|types| types.contains(k))))
}

/// The TLS side of one listener, built from its `tls { … }` block when the server starts.
pub struct Tls {
    acceptor: TlsAcceptor,
    /// How long a handshake may take.
    pub timeout: Duration,
    /// Client certificates are required (`verify` or `verify_and_map`).
    pub verify: bool,
    /// The client certificate names the user (`verify_and_map`).
    pub map_users: bool,
    /// Client port: the handshake comes before INFO.
    pub handshake_first: bool,
    /// With `handshake_first`: send INFO anyway when the client says nothing for this long.
    pub fallback: Option<Duration>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls")
            .field("timeout", &self.timeout)
            .field("verify", &self.verify)
            .field("map_users", &self.map_users)
            .field("handshake_first", &self.handshake_first)
            .field("fallback", &self.fallback)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// Loads the certificate files of `config`.
    pub fn new(config: &TlsConfig) -> Result<Self, TlsError> {
        Ok(Tls {
            acceptor: acceptor_for(config)?,
            timeout: config.timeout,
            verify: config.verify,
            map_users: config.verify_and_map,
            handshake_first: config.handshake_first,
            fallback: config.handshake_first_fallback,
        })
    }

    /// The rustls acceptor, for listeners that run their own accept loop (HTTPS).
    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }

    /// Runs the server side of the handshake within `timeout`. A first byte that does not open a TLS
    /// handshake record (a plain-text client) ends the connection without a reply.
    pub async fn accept(&self, stream: TcpStream) -> Result<TlsStream<TcpStream>, HandshakeError> {
        let handshake = async {
            let mut first = [0u8; 1];
            match stream.peek(&mut first).await? {
                0 => return Err(HandshakeError::Closed),
                _ if first[0] != HANDSHAKE_RECORD => {
                    discard_pending(&stream);
                    return Err(HandshakeError::NotTls);
                }
                _ => {}
            }
            Ok(self.acceptor.accept(stream).await?)
        };
        tokio::time::timeout(self.timeout, handshake).await.map_err(|_| HandshakeError::Timeout)?
    }

    /// Starts a NATS client connection on the client port: `info` in plain text, then the handshake;
    /// or, with `handshake_first`, the handshake straight away. Returns the stream and whether INFO is
    /// still to be sent (over TLS).
    pub async fn start_client(
        &self,
        mut stream: TcpStream,
        info: &[u8],
    ) -> Result<(TlsStream<TcpStream>, bool), HandshakeError> {
        let mut info_pending = self.handshake_first;
        if let Some(wait) = self.fallback.filter(|_| self.handshake_first) {
            let mut first = [0u8; 1];
            info_pending = matches!(tokio::time::timeout(wait, stream.peek(&mut first)).await, Ok(Ok(n)) if n > 0);
        }
        if !info_pending {
            tokio::time::timeout(self.timeout, stream.write_all(info)).await.map_err(|_| HandshakeError::Timeout)??;
        }
        Ok((self.accept(stream).await?, info_pending))
    }

    /// With `verify_and_map` and configured `users`: the user the client certificate of `conn` names.
    /// `None` when this listener does not map, or no users are configured (nats-server then
    /// authenticates as if no certificate had been shown).
    pub fn cert_user(&self, conn: &ServerConnection, users: &[&str]) -> Option<CertUser> {
        if !self.map_users || users.is_empty() {
            return None;
        }
        let leaf = conn.peer_certificates().and_then(<[_]>::first)?;
        let user = match PeerNames::from_der(leaf) {
            Ok(names) => names.map_user(users).map(str::to_string),
            Err(e) => {
                tracing::debug!(error = %e, "client certificate names cannot be read");
                None
            }
        };
        Some(user.map_or(CertUser::Unknown, CertUser::Mapped))
    }
}

/// Reads and drops what a plain-text client already sent, so that closing the socket ends the
/// connection with a FIN rather than a reset (the client sees a clean close, as with nats-server).
fn discard_pending(stream: &TcpStream) {
    let mut sink = [0u8; 4096];
    for _ in 0..16 {
        match stream.try_read(&mut sink) {
            Ok(n) if n > 0 => continue,
            _ => return,
        }
    }
}

/// What a finished handshake agreed on, in nats-server's words (`/connz` `tls_version`,
/// `tls_cipher_suite`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Negotiated {
    /// `"1.2"` or `"1.3"`.
    pub version: String,
    /// Go's name of the cipher suite, e.g. `TLS_AES_128_GCM_SHA256`.
    pub cipher: String,
}

impl Negotiated {
    pub fn of(conn: &ServerConnection) -> Self {
        let version = match conn.protocol_version() {
            Some(ProtocolVersion::TLSv1_2) => "1.2".to_string(),
            Some(ProtocolVersion::TLSv1_3) => "1.3".to_string(),
            Some(other) => format!("Unknown [0x{:x}]", u16::from(other)),
            None => String::new(),
        };
        let cipher = conn.negotiated_cipher_suite().map(|s| go_cipher_name(s.suite())).unwrap_or_default();
        Negotiated { version, cipher }
    }

    /// Records the version and cipher on a connection's descriptive fields.
    pub fn record(&self, meta: &mut ClientMeta) {
        meta.tls_version.clone_from(&self.version);
        meta.tls_cipher.clone_from(&self.cipher);
    }
}

/// Go's `tls.CipherSuiteName`: rustls's names, with TLS 1.3 suites written `TLS_…` instead of `TLS13_…`.
fn go_cipher_name(suite: rustls::CipherSuite) -> String {
    match suite.as_str() {
        Some(name) => match name.strip_prefix("TLS13_") {
            Some(rest) => format!("TLS_{rest}"),
            None => name.to_string(),
        },
        None => format!("0x{:04X}", u16::from(suite)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cipher_names_follow_go() {
        assert_eq!(go_cipher_name(rustls::CipherSuite::TLS13_AES_256_GCM_SHA384), "TLS_AES_256_GCM_SHA384");
        assert_eq!(
            go_cipher_name(rustls::CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
        );
    }

    #[test]
    fn users_are_mappable_only_on_their_allowed_connection_types() {
        let text = "authorization { users = [ {user: \"CN=a\"}, {user: b, allowed_connection_types: [WEBSOCKET]} ] }\n\
                    accounts { A { users = [ {user: c, password: p} ] } }";
        let (config, _) = crate::config::parse_str(text, Path::new("t.conf")).expect("config");
        assert_eq!(mappable_users(&config, ConnectionType::Standard), ["CN=a", "c"]);
        assert_eq!(mappable_users(&config, ConnectionType::Websocket), ["CN=a", "b", "c"]);
    }

    #[test]
    fn missing_files_name_the_path() {
        let config = TlsConfig {
            cert_file: PathBuf::from("/nonexistent/cert.pem"),
            key_file: PathBuf::from("/nonexistent/key.pem"),
            ca_file: None,
            verify: false,
            verify_and_map: false,
            timeout: Duration::from_secs(2),
            handshake_first: false,
            handshake_first_fallback: None,
            min_version: None,
        };
        let err = Tls::new(&config).expect_err("no files");
        assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
    }
}
