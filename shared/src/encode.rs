//! Encoders for both directions of the client protocol.
//!
//! [`encode_client_op`] and [`encode_server_op`] write whole operations; [`write_msg_head`] writes just
//! the `MSG`/`HMSG` control line so a server can put the payload next to it without copying it.
//! Nothing here validates subjects: callers encode what they have already checked.

use bytes::{BufMut, BytesMut};

use crate::op::{ClientOp, ServerOp};

/// Appends the decimal form of `n`.
#[inline]
pub fn put_usize(out: &mut BytesMut, mut n: usize) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.put_slice(&tmp[i..]);
}

/// Writes `MSG <subject> <sid> [reply] <len>\r\n` or, with a header block of `hdr_len` bytes,
/// `HMSG <subject> <sid> [reply] <hdr_len> <hdr_len + payload_len>\r\n`.
#[inline]
pub fn write_msg_head(
    out: &mut BytesMut,
    subject: &[u8],
    sid: &[u8],
    reply: Option<&[u8]>,
    hdr_len: Option<usize>,
    payload_len: usize,
) {
    out.reserve(subject.len() + sid.len() + reply.map_or(0, <[u8]>::len) + 40);
    out.put_slice(if hdr_len.is_some() { b"HMSG " } else { b"MSG " });
    out.put_slice(subject);
    out.put_u8(b' ');
    out.put_slice(sid);
    out.put_u8(b' ');
    if let Some(r) = reply {
        out.put_slice(r);
        out.put_u8(b' ');
    }
    if let Some(h) = hdr_len {
        put_usize(out, h);
        out.put_u8(b' ');
        put_usize(out, h + payload_len);
    } else {
        put_usize(out, payload_len);
    }
    out.put_slice(b"\r\n");
}

/// Writes a complete `PUB`/`HPUB` frame.
pub fn write_pub(out: &mut BytesMut, subject: &[u8], reply: Option<&[u8]>, headers: Option<&[u8]>, payload: &[u8]) {
    out.reserve(subject.len() + reply.map_or(0, <[u8]>::len) + headers.map_or(0, <[u8]>::len) + payload.len() + 40);
    out.put_slice(if headers.is_some() { b"HPUB " } else { b"PUB " });
    out.put_slice(subject);
    out.put_u8(b' ');
    if let Some(r) = reply {
        out.put_slice(r);
        out.put_u8(b' ');
    }
    if let Some(h) = headers {
        put_usize(out, h.len());
        out.put_u8(b' ');
        put_usize(out, h.len() + payload.len());
        out.put_slice(b"\r\n");
        out.put_slice(h);
    } else {
        put_usize(out, payload.len());
        out.put_slice(b"\r\n");
    }
    out.put_slice(payload);
    out.put_slice(b"\r\n");
}

/// Appends a client operation.
pub fn encode_client_op(op: &ClientOp, out: &mut BytesMut) {
    match op {
        ClientOp::Connect(json) => {
            out.put_slice(b"CONNECT ");
            out.put_slice(json);
            out.put_slice(b"\r\n");
        }
        ClientOp::Pub { subject, reply, headers, payload } => {
            write_pub(out, subject, reply.as_deref(), headers.as_deref(), payload)
        }
        ClientOp::Sub { subject, queue, sid } => {
            out.put_slice(b"SUB ");
            out.put_slice(subject);
            out.put_u8(b' ');
            if let Some(q) = queue {
                out.put_slice(q);
                out.put_u8(b' ');
            }
            out.put_slice(sid);
            out.put_slice(b"\r\n");
        }
        ClientOp::Unsub { sid, max } => {
            out.put_slice(b"UNSUB ");
            out.put_slice(sid);
            if let Some(m) = max {
                out.put_u8(b' ');
                put_usize(out, *m as usize);
            }
            out.put_slice(b"\r\n");
        }
        ClientOp::Ping => out.put_slice(b"PING\r\n"),
        ClientOp::Pong => out.put_slice(b"PONG\r\n"),
    }
}

/// Appends a server operation.
pub fn encode_server_op(op: &ServerOp, out: &mut BytesMut) {
    match op {
        ServerOp::Info(json) => {
            out.put_slice(b"INFO ");
            out.put_slice(json);
            out.put_slice(b"\r\n");
        }
        ServerOp::Msg { subject, sid, reply, headers, payload } => {
            let hdr_len = headers.as_ref().map(|h| h.len());
            write_msg_head(out, subject, sid, reply.as_deref(), hdr_len, payload.len());
            if let Some(h) = headers {
                out.put_slice(h);
            }
            out.put_slice(payload);
            out.put_slice(b"\r\n");
        }
        ServerOp::Ok => out.put_slice(b"+OK\r\n"),
        ServerOp::Err(text) => {
            out.put_slice(b"-ERR '");
            out.put_slice(text.as_bytes());
            out.put_slice(b"'\r\n");
        }
        ServerOp::Ping => out.put_slice(b"PING\r\n"),
        ServerOp::Pong => out.put_slice(b"PONG\r\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::{parse_client_op, parse_server_op, Limits};
    use bytes::Bytes;
    use proptest::prelude::*;

    fn token() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9_$-]{1,8}"
    }

    fn subject() -> impl Strategy<Value = Bytes> {
        prop::collection::vec(token(), 1..5).prop_map(|t| Bytes::from(t.join(".")))
    }

    fn header_block() -> impl Strategy<Value = Bytes> {
        prop::collection::vec(("[A-Za-z-]{1,8}", "[ -~]{0,12}"), 0..4).prop_map(|kv| {
            let mut s = String::from("NATS/1.0\r\n");
            for (k, v) in kv {
                s.push_str(&format!("{k}: {v}\r\n"));
            }
            s.push_str("\r\n");
            Bytes::from(s)
        })
    }

    fn client_op() -> impl Strategy<Value = ClientOp> {
        prop_oneof![
            Just(ClientOp::Ping),
            Just(ClientOp::Pong),
            Just(ClientOp::Connect(Bytes::from_static(b"{\"verbose\":false,\"name\":\"a b\"}"))),
            (
                subject(),
                prop::option::of(subject()),
                prop::option::of(header_block()),
                prop::collection::vec(any::<u8>(), 0..64)
            )
                .prop_map(|(subject, reply, headers, p)| ClientOp::Pub {
                    subject,
                    reply,
                    headers,
                    payload: Bytes::from(p)
                }),
            (subject(), prop::option::of(token()), 1u32..1000).prop_map(|(subject, q, sid)| ClientOp::Sub {
                subject,
                queue: q.map(Bytes::from),
                sid: Bytes::from(sid.to_string())
            }),
            (1u32..1000, prop::option::of(0u64..1000))
                .prop_map(|(sid, max)| ClientOp::Unsub { sid: Bytes::from(sid.to_string()), max }),
        ]
    }

    fn server_op() -> impl Strategy<Value = ServerOp> {
        prop_oneof![
            Just(ServerOp::Ping),
            Just(ServerOp::Pong),
            Just(ServerOp::Ok),
            Just(ServerOp::Err("Invalid Subject".into())),
            Just(ServerOp::Info(Bytes::from_static(b"{\"server_id\":\"x\",\"proto\":1}"))),
            (
                subject(),
                1u32..100,
                prop::option::of(subject()),
                prop::option::of(header_block()),
                prop::collection::vec(any::<u8>(), 0..64)
            )
                .prop_map(|(subject, sid, reply, headers, p)| ServerOp::Msg {
                    subject,
                    sid: Bytes::from(sid.to_string()),
                    reply,
                    headers,
                    payload: Bytes::from(p)
                }),
        ]
    }

    proptest! {
        /// Encoding a stream of ops, splitting the bytes at random points and feeding the pieces to the
        /// parser yields exactly the same ops as parsing the whole stream.
        #[test]
        fn client_ops_survive_any_split(ops in prop::collection::vec(client_op(), 1..12), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
            let mut wire = BytesMut::new();
            for op in &ops { encode_client_op(op, &mut wire); }
            let wire = wire.freeze();
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
            points.sort_unstable();
            let mut buf = BytesMut::new();
            let mut parsed = Vec::new();
            let mut last = 0;
            for p in points.into_iter().chain(std::iter::once(wire.len())) {
                buf.extend_from_slice(&wire[last..p]);
                last = p;
                while let Some(op) = parse_client_op(&mut buf, &Limits::default()).unwrap() { parsed.push(op); }
            }
            prop_assert!(buf.is_empty());
            prop_assert_eq!(parsed, ops);
        }

        #[test]
        fn server_ops_survive_any_split(ops in prop::collection::vec(server_op(), 1..12), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8)) {
            let mut wire = BytesMut::new();
            for op in &ops { encode_server_op(op, &mut wire); }
            let wire = wire.freeze();
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
            points.sort_unstable();
            let mut buf = BytesMut::new();
            let mut parsed = Vec::new();
            let mut last = 0;
            for p in points.into_iter().chain(std::iter::once(wire.len())) {
                buf.extend_from_slice(&wire[last..p]);
                last = p;
                while let Some(op) = parse_server_op(&mut buf, &Limits::unlimited()).unwrap() { parsed.push(op); }
            }
            prop_assert!(buf.is_empty());
            prop_assert_eq!(parsed, ops);
        }

        #[test]
        fn byte_at_a_time_equals_whole(ops in prop::collection::vec(client_op(), 1..6)) {
            let mut wire = BytesMut::new();
            for op in &ops { encode_client_op(op, &mut wire); }
            let mut buf = BytesMut::new();
            let mut parsed = Vec::new();
            for &byte in wire.iter() {
                buf.extend_from_slice(&[byte]);
                while let Some(op) = parse_client_op(&mut buf, &Limits::default()).unwrap() { parsed.push(op); }
            }
            prop_assert_eq!(parsed, ops);
        }
    }

    #[test]
    fn usize_formatting() {
        for n in [0usize, 7, 10, 99, 1234567890, usize::MAX] {
            let mut b = BytesMut::new();
            put_usize(&mut b, n);
            assert_eq!(&b[..], n.to_string().as_bytes());
        }
    }
}
