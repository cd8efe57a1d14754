//! MQTT over WebSocket: an upgraded WebSocket connection (path `/mqtt`, subprotocol `mqtt`) turned into
//! a plain byte stream for [`Mqtt::serve_stream`].
//!
//! The WebSocket front-end does the HTTP upgrade and hands the TCP stream over with the bytes that
//! arrived after the request. Here a bridge task unwraps client frames with the WebSocket
//! [`Decoder`] into one end of an in-memory pipe and wraps what the MQTT connection writes into binary
//! frames with the [`Encoder`]; pings are answered, a Close from the client ends the MQTT connection
//! as a lost network connection would (so its Will is published), and the end of the MQTT connection
//! sends a Close frame. MQTT packets may span frames and frames may carry several packets, as the MQTT
//! specification allows.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::frontend::tcp::Transport;
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tracing::debug;
use tungstenite::protocol::frame::coding::Control as ControlCode;

use super::Mqtt;
use crate::frontend::tcp::write_chunks;
use crate::frontend::ws::frame::{close_payload, close_reply, control_frame, Control, Decoded, Decoder, Encoder};

/// The WebSocket close status for a normal closure.
const NORMAL_CLOSURE: u16 = 1000;

/// What the reading half asks the writing half to send.
enum ControlOut {
    Pong(Bytes),
    Close(Bytes),
}

/// Serves MQTT on an upgraded WebSocket connection until either side ends. `raw` holds bytes read
/// after the upgrade request; `require_mask`, `compress` and `max_frame` are what the upgrade negotiated.
pub async fn serve<S: Transport>(
    mqtt: Arc<Mqtt>,
    stream: S,
    raw: BytesMut,
    addr: SocketAddr,
    decoder: Decoder,
    encoder: Encoder,
) {
    let (app, bridge_end) = tokio::io::duplex(64 * 1024);
    let bridge = tokio::spawn(bridge(stream, raw, bridge_end, decoder, encoder));
    mqtt.serve_stream(app, addr).await;
    let _ = tokio::time::timeout(Duration::from_secs(2), bridge).await;
}

async fn bridge<S: Transport>(
    stream: S,
    mut raw: BytesMut,
    pipe: tokio::io::DuplexStream,
    decoder: Decoder,
    mut encoder: Encoder,
) {
    let (mut rd, mut wr) = Transport::split(stream);
    let (mut from_mqtt, to_mqtt) = tokio::io::split(pipe);
    let (ctl_tx, mut ctl_rx) = mpsc::channel::<ControlOut>(16);
    let inbound = async move {
        // Moved into the body, so that they are dropped when it returns rather than with the future
        // (which waits below for the outbound half): the MQTT connection must read end-of-stream as
        // soon as the client is gone, or its Will would wait for the outbound timeout.
        let (mut to_mqtt, ctl_tx, mut decoder) = (to_mqtt, ctl_tx, decoder);
        let mut data = BytesMut::with_capacity(4096);
        loop {
            loop {
                match decoder.decode(&mut raw, &mut data) {
                    Ok(Decoded::NeedInput) => break,
                    Ok(Decoded::Data) => {
                        if to_mqtt.write_all(&data).await.is_err() {
                            return;
                        }
                        data.clear();
                    }
                    Ok(Decoded::Control(frame)) => {
                        if !data.is_empty() {
                            if to_mqtt.write_all(&data).await.is_err() {
                                return;
                            }
                            data.clear();
                        }
                        match frame {
                            Control::Ping(payload) => {
                                let _ = ctl_tx.send(ControlOut::Pong(payload)).await;
                            }
                            Control::Pong => {}
                            Control::Close(payload) => {
                                let _ = ctl_tx.send(ControlOut::Close(close_reply(&payload))).await;
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        debug!(error = %e, "MQTT over WebSocket: bad frame");
                        let _ = ctl_tx.send(ControlOut::Close(close_payload(e.close_status(), &e.to_string()))).await;
                        return;
                    }
                }
            }
            raw.reserve(4096);
            match rd.read_buf(&mut raw).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    let outbound = async move {
        let mut buf = BytesMut::with_capacity(16 * 1024);
        let mut frames = Vec::new();
        let mut ctl_open = true;
        loop {
            tokio::select! {
                read = from_mqtt.read_buf(&mut buf) => {
                    match read {
                        Ok(n) if n > 0 => {
                            frames.clear();
                            encoder.encode(&[buf.split().freeze()], &mut frames);
                            if write_chunks(&mut wr, &frames).await.is_err() {
                                return;
                            }
                            buf.reserve(16 * 1024);
                        }
                        _ => {
                            let close = control_frame(ControlCode::Close, &close_payload(NORMAL_CLOSURE, ""));
                            let _ = write_chunks(&mut wr, &[close]).await;
                            let _ = wr.shutdown().await;
                            return;
                        }
                    }
                }
                ctl = ctl_rx.recv(), if ctl_open => match ctl {
                    Some(ControlOut::Pong(payload)) => {
                        if write_chunks(&mut wr, &[control_frame(ControlCode::Pong, &payload)]).await.is_err() {
                            return;
                        }
                    }
                    Some(ControlOut::Close(payload)) => {
                        let _ = write_chunks(&mut wr, &[control_frame(ControlCode::Close, &payload)]).await;
                        let _ = wr.shutdown().await;
                        return;
                    }
                    None => ctl_open = false,
                },
            }
        }
    };
    let mut inbound = std::pin::pin!(inbound);
    let mut outbound = std::pin::pin!(outbound);
    tokio::select! {
        _ = &mut inbound => {
            // The client is gone or closing: let the MQTT side finish and the Close go out.
            let _ = tokio::time::timeout(Duration::from_secs(2), &mut outbound).await;
        }
        _ = &mut outbound => {}
    }
}
