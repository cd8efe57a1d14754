//! MQTT `decode` on arbitrary bytes at both protocol levels: never panics, and a stream split into
//! arbitrary chunks gives the same packets, the same error and the same unconsumed tail as the stream
//! in one piece.
//!
//! The control byte picks the starting level (none yet, 3.1.1 or 5.0) and the packet size limit.
//! Starting with no level, the first decoded CONNECT fixes the level, as a connection does.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_fuzz::{run_split, run_whole, Input};
use switchyard_shared::bytes::BytesMut;
use switchyard_shared::mqtt::packet::{Packet, ProtocolLevel};
use switchyard_shared::mqtt::{decode, MqttError};

/// A decoder that tracks the protocol level the way a connection does.
fn decoder(level: Option<ProtocolLevel>, max: usize) -> impl FnMut(&mut BytesMut) -> Result<Option<Packet>, MqttError> {
    let mut level = level;
    move |buf| {
        let packet = decode(buf, level, max)?;
        if let (None, Some(Packet::Connect(c))) = (level, &packet) {
            level = Some(c.protocol_level);
        }
        Ok(packet)
    }
}

fuzz_target!(|raw: &[u8]| {
    let Some(input) = Input::new(raw) else { return };
    let level = match input.knob % 3 {
        0 => None,
        1 => Some(ProtocolLevel::V311),
        _ => Some(ProtocolLevel::V5),
    };
    let max = if input.knob & 0x80 != 0 { usize::from(input.knob & 0x7f) + 2 } else { 256 * 1024 * 1024 };
    let whole = run_whole(input.data, decoder(level, max));
    let split = run_split(input.data, &input.chunk_lengths(), decoder(level, max));
    assert_eq!(whole, split, "split input decoded differently");
});
