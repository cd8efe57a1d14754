//! Shared helpers of the TLS integration tests: a throwaway PKI made with rcgen at test time (a CA,
//! a second "wrong" CA, server and client certificates, expired ones), servers with a `tls` block on
//! port 0, and raw clients that read INFO in plain text and then speak TLS with tokio-rustls.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use switchyard::config::{Config, TlsConfig, TlsVersion};
use switchyard::{Running, Server};

pub const WAIT: Duration = Duration::from_secs(5);

/// A certificate authority that signs certificates for the tests.
pub struct Ca {
    cert: Certificate,
    key: KeyPair,
    pub pem_path: PathBuf,
}

/// A certificate and key written as PEM files.
#[derive(Debug, Clone)]
pub struct Issued {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Every file the tests need, in one temporary directory.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca: Ca,
    /// A CA no server or client trusts.
    pub wrong_ca: Ca,
    /// `localhost` and `127.0.0.1`, signed by `ca`.
    pub server: Issued,
    /// Like `server`, but expired.
    pub server_expired: Issued,
    /// Like `server`, but signed by `wrong_ca`.
    pub server_wrong_ca: Issued,
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write pem");
    path
}

impl Ca {
    fn new(dir: &Path, name: &str) -> Ca {
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, name);
        params.distinguished_name = dn;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let key = KeyPair::generate().expect("ca key");
        let cert = params.self_signed(&key).expect("ca cert");
        let pem_path = write(dir, &format!("{name}.pem"), &cert.pem());
        Ca { cert, key, pem_path }
    }

    /// Signs `params` and writes the certificate and a fresh key as `<name>.pem` / `<name>-key.pem`.
    pub fn issue(&self, dir: &Path, name: &str, params: CertificateParams) -> Issued {
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.cert, &self.key).expect("sign");
        Issued {
            cert: write(dir, &format!("{name}.pem"), &cert.pem()),
            key: write(dir, &format!("{name}-key.pem"), &key.serialize_pem()),
        }
    }
}

fn server_params(expired: bool) -> CertificateParams {
    let mut params = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.subject_alt_names.push(SanType::IpAddress("127.0.0.1".parse().expect("ip")));
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    params
}

/// Parameters of a client certificate with subject `dn` (type, value pairs) and alternative names.
pub fn client_params(dn: &[(DnType, &str)], sans: Vec<SanType>) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    for (kind, value) in dn {
        name.push(kind.clone(), *value);
    }
    params.distinguished_name = name;
    params.subject_alt_names = sans;
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params
}

pub fn email(address: &str) -> SanType {
    SanType::Rfc822Name(address.try_into().expect("ia5 string"))
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = Ca::new(dir.path(), "ca");
        let wrong_ca = Ca::new(dir.path(), "wrong-ca");
        let server = ca.issue(dir.path(), "server", server_params(false));
        let server_expired = ca.issue(dir.path(), "server-expired", server_params(true));
        let server_wrong_ca = wrong_ca.issue(dir.path(), "server-wrong-ca", server_params(false));
        Pki { dir, ca, wrong_ca, server, server_expired, server_wrong_ca }
    }

    /// A client certificate signed by the trusted CA.
    pub fn client(&self, name: &str, params: CertificateParams) -> Issued {
        self.ca.issue(self.dir.path(), name, params)
    }

    /// The `tls` block of a server using `server`, trusting `ca` for client certificates.
    pub fn tls(&self, server: &Issued) -> TlsConfig {
        TlsConfig {
            cert_file: server.cert.clone(),
            key_file: server.key.clone(),
            ca_file: Some(self.ca.pem_path.clone()),
            verify: false,
            verify_and_map: false,
            timeout: Duration::from_secs(2),
            handshake_first: false,
            handshake_first_fallback: None,
            min_version: None,
        }
    }
}

/// A loopback server on port 0 with only the client port, without TLS.
pub fn base_config() -> Config {
    Config {
        host: "127.0.0.1".into(),
        port: 0,
        http_port: None,
        jetstream: None,
        websocket: None,
        mqtt: None,
        ..Config::default()
    }
}

/// [`base_config`] with `tls` on the client port.
pub fn config(tls: TlsConfig) -> Config {
    Config { tls: Some(tls), ..base_config() }
}

pub async fn start(config: Config) -> Running {
    Server::start(config).await.expect("server starts")
}

pub fn url(running: &Running) -> String {
    format!("tls://127.0.0.1:{}", running.client_addr.port())
}

/// async-nats options trusting the test CA.
pub fn nats_options(pki: &Pki) -> async_nats::ConnectOptions {
    async_nats::ConnectOptions::new()
        .require_tls(true)
        .add_root_certificates(pki.ca.pem_path.clone())
        .connection_timeout(WAIT)
}

/// Reads one line (through `\r\n`) byte by byte, so nothing after it is consumed.
pub async fn read_line<R: AsyncRead + Unpin>(r: &mut R) -> String {
    let mut line = Vec::new();
    while !line.ends_with(b"\r\n") {
        let mut byte = [0u8; 1];
        match tokio::time::timeout(WAIT, r.read(&mut byte)).await.expect("line in time").expect("read") {
            0 => panic!("closed after {:?}", String::from_utf8_lossy(&line)),
            _ => line.push(byte[0]),
        }
    }
    String::from_utf8(line).expect("utf8")
}

/// The INFO JSON of a line `INFO {…}\r\n`.
pub fn info_json(line: &str) -> serde_json::Value {
    let json = line.strip_prefix("INFO ").expect("an INFO line").trim_end();
    serde_json::from_str(json).expect("INFO json")
}

/// Waits until the peer closes; returns every byte it sent before that.
pub async fn read_to_close<R: AsyncRead + Unpin>(r: &mut R, within: Duration) -> Vec<u8> {
    let mut all = Vec::new();
    tokio::time::timeout(within, async {
        let mut buf = [0u8; 1024];
        loop {
            match r.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => all.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("peer closes in time");
    all
}

fn load_certs(path: &Path) -> Vec<CertificateDer<'static>> {
    CertificateDer::pem_file_iter(path).expect("pem").map(|c| c.expect("cert")).collect()
}

/// A rustls client trusting `ca`, offering `versions`, presenting `client` when given.
pub fn client_config(
    ca: &Path,
    client: Option<&Issued>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(load_certs(ca));
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots);
    match client {
        Some(issued) => builder
            .with_client_auth_cert(
                load_certs(&issued.cert),
                PrivateKeyDer::from_pem_file(&issued.key).expect("client key"),
            )
            .expect("client cert"),
        None => builder.with_no_client_auth(),
    }
}

/// Runs the client side of the TLS handshake on `stream` for server name `localhost`.
pub async fn handshake(stream: TcpStream, config: rustls::ClientConfig) -> std::io::Result<TlsStream<TcpStream>> {
    let connector = TlsConnector::from(Arc::new(config));
    let name = ServerName::try_from("localhost").expect("name");
    tokio::time::timeout(WAIT, connector.connect(name, stream)).await.expect("handshake in time")
}

/// Connects to the client port, reads the plain INFO and runs the handshake with `config`.
pub async fn tls_after_info(addr: SocketAddr, config: rustls::ClientConfig) -> std::io::Result<TlsStream<TcpStream>> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let info = read_line(&mut stream).await;
    assert!(info.starts_with("INFO "), "{info}");
    handshake(stream, config).await
}

/// Sends CONNECT and PING over `stream` and returns the first line of the answer.
pub async fn connect_ping<S: AsyncRead + tokio::io::AsyncWrite + Unpin>(stream: &mut S, connect: &str) -> String {
    stream.write_all(format!("CONNECT {connect}\r\nPING\r\n").as_bytes()).await.expect("write");
    read_line(stream).await
}

/// The TLS version and cipher recorded on the one open connection.
pub fn recorded_tls(running: &Running) -> (String, String) {
    let open = running.server.registry.open();
    assert_eq!(open.len(), 1, "one open connection");
    let meta = open[0].meta();
    (meta.tls_version, meta.tls_cipher)
}

pub fn tls13() -> Vec<&'static rustls::SupportedProtocolVersion> {
    vec![&rustls::version::TLS13]
}

pub fn tls12() -> Vec<&'static rustls::SupportedProtocolVersion> {
    vec![&rustls::version::TLS12]
}

pub fn min_version(mut tls: TlsConfig, v: TlsVersion) -> TlsConfig {
    tls.min_version = Some(v);
    tls
}

/// A CONNECT body without `+OK` acknowledgements.
pub const VERBOSE_OFF: &str = "{\"verbose\":false}";
