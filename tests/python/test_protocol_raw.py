"""Exact client-protocol replies over a raw socket.

Each test speaks literal protocol bytes to a fresh server and checks the exact lines it answers
with, and whether the connection is closed afterwards. The expected bytes were taken from the
reference nats-server; where newer nats-server releases differ from 2.9.10, both forms are accepted
and the comment says so.
"""

from __future__ import annotations

import json
import re
import socket

import pytest

from raw_client import RawConn

QUIET = {"verbose": False, "pedantic": False}
WITH_HEADERS = {"verbose": False, "pedantic": False, "headers": True}


def connect_line(options: dict) -> bytes:
    return b"CONNECT " + json.dumps(options).encode() + b"\r\n"


def test_info_is_first_and_has_expected_fields_and_types(server):
    with RawConn(server.port) as conn:
        line = conn.read_line()
        assert line.startswith(b"INFO {"), line
        info = json.loads(line[len(b"INFO ") :])
    assert isinstance(info["server_id"], str) and info["server_id"]
    assert isinstance(info["server_name"], str) and info["server_name"]
    assert re.match(r"^\d+\.\d+\.\d+", info["version"]), info["version"]
    assert info["proto"] == 1
    assert info["headers"] is True
    assert info["max_payload"] == 1024 * 1024
    assert isinstance(info["client_id"], int) and not isinstance(info["client_id"], bool)
    assert info["jetstream"] is True
    assert info["port"] == server.port
    assert isinstance(info["host"], str)


def test_client_ids_differ_between_connections(server):
    with RawConn(server.port) as first, RawConn(server.port) as second:
        assert first.read_info()["client_id"] != second.read_info()["client_id"]


def test_connect_without_fields_is_verbose(server):
    with RawConn(server.port) as conn:
        conn.read_info()
        conn.send(b"CONNECT {}\r\nPING\r\n")
        conn.expect(b"+OK", b"PONG")


@pytest.mark.parametrize(
    "op",
    [
        b"SUB foo 1\r\n",
        b"SUB foo workers 1\r\n",
        b"PUB nobody.listens 5\r\nhello\r\n",
        b"PUB nobody.listens reply.to 0\r\n\r\n",
        b"HPUB nobody.listens 12 14\r\nNATS/1.0\r\n\r\nhi\r\n",
        b"UNSUB 1\r\n",
        b"UNSUB 1 5\r\n",
    ],
    ids=["sub", "sub-queue", "pub", "pub-reply-empty", "hpub", "unsub", "unsub-max"],
)
def test_verbose_acknowledges_each_op(server, op):
    with RawConn(server.port) as conn:
        conn.handshake({"verbose": True, "pedantic": False, "headers": True})
        conn.send(op)
        conn.expect(b"+OK")
        conn.assert_open()


def test_verbose_does_not_acknowledge_ping_or_pong(server):
    with RawConn(server.port) as conn:
        conn.handshake({"verbose": True, "pedantic": False})
        conn.send(b"PONG\r\nPING\r\n")
        conn.expect(b"PONG")


def test_verbose_delivery_to_self_carries_acks(server):
    with RawConn(server.port) as conn:
        conn.handshake({"verbose": True, "pedantic": False})
        conn.send(b"SUB foo 1\r\nPUB foo 2\r\nhi\r\nPING\r\n")
        conn.expect(b"+OK")
        # nats-server acknowledges the PUB before delivering it back; clients do not depend
        # on the relative order of an ack and a delivery, so either order is accepted.
        lines = [conn.read_line() for _ in range(3)]
        assert sorted(lines) == sorted([b"+OK", b"MSG foo 1 2", b"hi"]), lines
        assert lines.index(b"MSG foo 1 2") + 1 == lines.index(b"hi")
        conn.expect(b"PONG")


@pytest.mark.parametrize("op", [b"FOO bar\r\n", b"MSG foo 1 1\r\na\r\n", b"PUBX foo 1\r\n"])
def test_unknown_operation_is_fatal(server, op):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(op)
        assert conn.expect_closed() == b"-ERR 'Unknown Protocol Operation'\r\n"


@pytest.mark.parametrize("op", [b"PUB foo 3\r\nhi\r\n", b"PUB foo 1\r\nhi\r\n"], ids=["short", "long"])
def test_payload_length_mismatch_is_fatal(server, op):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(op + b"PING\r\n")
        assert conn.expect_closed() == b"-ERR 'Unknown Protocol Operation'\r\n"


@pytest.mark.parametrize("subject", [b"foo.*", b"foo.>", b"foo..bar"])
def test_pedantic_invalid_publish_subject_keeps_connection_open(server, subject):
    with RawConn(server.port) as conn:
        conn.handshake({"verbose": False, "pedantic": True})
        conn.send(b"PUB " + subject + b" 2\r\nhi\r\n")
        conn.expect(b"-ERR 'Invalid Publish Subject'")
        # nats-server 2.9.10 still routes the message after the error; whether it is
        # delivered is not checked here, only that the connection stays usable.
        conn.send(b"SUB ok 9\r\nPUB ok 1\r\nx\r\nPING\r\n")
        conn.expect(b"MSG ok 9 1", b"x", b"PONG")


def test_wildcard_publish_is_routed_literally_without_pedantic(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(b"SUB foo.* 1\r\nPUB foo.* 2\r\nhi\r\nPING\r\n")
        conn.expect(b"MSG foo.* 1 2", b"hi", b"PONG")


@pytest.mark.parametrize("subject", [b"foo..bar", b"foo.>.bar", b".foo", b"foo."])
def test_invalid_subscription_subject_keeps_connection_open(server, subject):
    with RawConn(server.port) as conn:
        conn.handshake({"verbose": True, "pedantic": False})
        conn.send(b"SUB " + subject + b" 1\r\n")
        conn.expect(b"-ERR 'Invalid Subject'")
        conn.assert_open()


def test_lower_case_ops_tabs_and_repeated_spaces_are_accepted(server):
    with RawConn(server.port) as conn:
        conn.read_info()
        conn.send(
            b'connect {"verbose":false,"headers":true}\r\n'
            b"sub\tfoo  \t 1\r\n"
            b"pub  foo\t 2\r\nhi\r\n"
            b"hpub foo 12 14\r\nNATS/1.0\r\n\r\nhi\r\n"
            b"unsub 1 \r\n"
            b"pub foo 2\r\nno\r\n"
            b"ping\r\n"
        )
        conn.expect(b"MSG foo 1 2", b"hi", b"HMSG foo 1 12 14", b"NATS/1.0", b"", b"hi", b"PONG")


def test_ops_split_byte_by_byte_are_reassembled(server):
    with RawConn(server.port) as conn:
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.read_info()
        stream = (
            connect_line(WITH_HEADERS)
            + b"SUB foo 1\r\n"
            + b"PUB foo reply 5\r\nhello\r\n"
            + b"HPUB foo 18 20\r\nNATS/1.0\r\nA: b\r\n\r\nhi\r\n"
            + b"PING\r\n"
        )
        for index in range(len(stream)):
            conn.send(stream[index : index + 1])
        conn.expect(b"MSG foo 1 reply 5", b"hello")
        conn.expect(b"HMSG foo 1 18 20", b"NATS/1.0", b"A: b", b"", b"hi", b"PONG")


def test_pipelined_connect_sub_ping_before_reading_info(server):
    with RawConn(server.port) as conn:
        conn.send(connect_line(QUIET) + b"SUB foo 1\r\nPUB foo 3\r\nabc\r\nPING\r\n")
        conn.read_info()
        conn.expect(b"MSG foo 1 3", b"abc", b"PONG")


def test_pongs_follow_pings_in_order_after_earlier_deliveries(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(b"SUB foo 1\r\nPUB foo 1\r\na\r\nPING\r\nPUB foo 1\r\nb\r\nPING\r\nPING\r\n")
        conn.expect(b"MSG foo 1 1", b"a", b"PONG", b"MSG foo 1 1", b"b", b"PONG", b"PONG")


def test_ping_before_connect_is_answered(server):
    with RawConn(server.port) as conn:
        conn.read_info()
        conn.send(b"PING\r\n")
        conn.expect(b"PONG")


def test_no_responders_without_headers_is_fatal(server):
    with RawConn(server.port) as conn:
        conn.read_info()
        conn.send(connect_line({"verbose": False, "no_responders": True}) + b"PING\r\n")
        assert conn.expect_closed() == b"-ERR 'no responders requires headers support'\r\n"


def test_invalid_client_protocol_is_fatal(server):
    with RawConn(server.port) as conn:
        conn.read_info()
        conn.send(connect_line({"verbose": False, "protocol": 2}) + b"PING\r\n")
        assert conn.expect_closed() == b"-ERR 'invalid client protocol'\r\n"


def test_no_responders_status_is_sent_on_the_reply_subscription(server):
    with RawConn(server.port) as conn:
        conn.handshake({"verbose": False, "pedantic": False, "headers": True, "no_responders": True})
        conn.send(b"SUB _INBOX.x.* 7\r\nPUB svc.nobody _INBOX.x.1 2\r\nhi\r\nPING\r\n")
        fields, body = conn.read_msg()
        # 2.9 to 2.11 send a bare status; 2.12+ add the original subject as a header.
        legacy = b"NATS/1.0 503\r\n\r\n"
        current = b"NATS/1.0 503\r\nNats-Subject: svc.nobody\r\n\r\n"
        assert body in (legacy, current), body
        assert fields == [b"HMSG", b"_INBOX.x.1", b"7", str(len(body)).encode(), str(len(body)).encode()]
        conn.expect(b"PONG")


def test_no_responders_not_requested_means_silence(server):
    with RawConn(server.port) as conn:
        conn.handshake(WITH_HEADERS)
        conn.send(b"SUB _INBOX.x.* 7\r\nPUB svc.nobody _INBOX.x.1 2\r\nhi\r\nPING\r\n")
        conn.expect(b"PONG")


def test_no_responders_is_not_sent_when_a_responder_exists(server):
    with RawConn(server.port) as responder, RawConn(server.port) as requester:
        responder.handshake(QUIET)
        responder.send(b"SUB svc 1\r\nPING\r\n")
        responder.expect(b"PONG")
        requester.handshake({"verbose": False, "pedantic": False, "headers": True, "no_responders": True})
        requester.send(b"SUB _INBOX.y 2\r\nPUB svc _INBOX.y 1\r\nq\r\nPING\r\n")
        requester.expect(b"PONG")
        responder.expect(b"MSG svc 1 _INBOX.y 1", b"q")


def test_payload_of_exactly_max_payload_is_accepted(server):
    with RawConn(server.port) as conn:
        info = conn.handshake(QUIET)
        size = info["max_payload"]
        conn.send(b"SUB big 1\r\nPUB big %d\r\n" % size + b"x" * size + b"\r\nPING\r\n")
        fields, body = conn.read_msg()
        assert fields == [b"MSG", b"big", b"1", str(size).encode()]
        assert body == b"x" * size
        conn.expect(b"PONG")


@pytest.mark.parametrize("op", [b"PUB big %d\r\n", b"HPUB big 12 %d\r\n"], ids=["pub", "hpub"])
def test_payload_over_max_payload_is_fatal(server, op):
    with RawConn(server.port) as conn:
        info = conn.handshake(WITH_HEADERS)
        # Only the control line is sent: the server must refuse on the announced size alone.
        conn.send(op % (info["max_payload"] + 1))
        assert conn.expect_closed() == b"-ERR 'Maximum Payload Violation'\r\n"


def test_control_line_within_limit_is_accepted(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        subject = b"s" * (4096 - len(b"SUB  1\r\n"))
        conn.send(b"SUB " + subject + b" 1\r\nPUB " + subject + b" 1\r\nx\r\nPING\r\n")
        conn.expect(b"MSG " + subject + b" 1 1", b"x", b"PONG")


@pytest.mark.parametrize("terminated", [True, False], ids=["terminated", "unterminated"])
def test_control_line_over_limit_is_fatal(server, terminated):
    # nats-server 2.9.10 measures the arguments after the op name against 4096 bytes; lines
    # far beyond that are used here so that either way of counting gives the same result.
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        line = b"SUB " + b"s" * 8192 + b" 1"
        conn.send(line + (b"\r\n" if terminated else b""))
        assert conn.expect_closed() == b"-ERR 'maximum control line exceeded'\r\n"


def test_unsub_with_max_delivers_exactly_max_messages(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(b"SUB foo 1\r\nUNSUB 1 2\r\n")
        conn.send(b"".join(b"PUB foo 1\r\n%d\r\n" % n for n in range(5)) + b"PING\r\n")
        conn.expect(b"MSG foo 1 1", b"0", b"MSG foo 1 1", b"1", b"PONG")


def test_unsub_with_max_counts_messages_already_delivered(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(b"SUB foo 1\r\nPUB foo 1\r\na\r\nPUB foo 1\r\nb\r\nPING\r\n")
        conn.expect(b"MSG foo 1 1", b"a", b"MSG foo 1 1", b"b", b"PONG")
        conn.send(b"UNSUB 1 3\r\nPUB foo 1\r\nc\r\nPUB foo 1\r\nd\r\nPING\r\n")
        conn.expect(b"MSG foo 1 1", b"c", b"PONG")


def test_unsub_of_unknown_sid_is_ignored(server):
    with RawConn(server.port) as conn:
        conn.handshake({"verbose": True, "pedantic": False})
        conn.send(b"UNSUB 99\r\n")
        conn.expect(b"+OK")
        conn.assert_open()


def test_hpub_is_delivered_as_hmsg_with_exact_framing(server):
    header = b"NATS/1.0\r\nA: 1\r\nA: 2\r\nb:  x y\r\n\r\n"
    payload = b"payload"
    with RawConn(server.port) as conn:
        conn.handshake(WITH_HEADERS)
        conn.send(b"SUB foo.* 5\r\n")
        conn.send(b"HPUB foo.bar rep.ly %d %d\r\n" % (len(header), len(header) + len(payload)))
        conn.send(header + payload + b"\r\nPING\r\n")
        fields, body = conn.read_msg()
        assert fields == [b"HMSG", b"foo.bar", b"5", b"rep.ly", b"%d" % len(header), b"%d" % (len(header) + len(payload))]
        assert body == header + payload
        conn.expect(b"PONG")


def test_hpub_with_empty_payload_keeps_trailing_crlf(server):
    header = b"NATS/1.0\r\nK: v\r\n\r\n"
    with RawConn(server.port) as conn:
        conn.handshake(WITH_HEADERS)
        conn.send(b"SUB foo 1\r\nHPUB foo %d %d\r\n" % (len(header), len(header)) + header + b"\r\nPING\r\n")
        conn.expect(b"HMSG foo 1 %d %d" % (len(header), len(header)), b"NATS/1.0", b"K: v", b"", b"", b"PONG")


def test_zero_length_pub_is_delivered(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(b"SUB foo 1\r\nPUB foo 0\r\n\r\nPING\r\n")
        conn.expect(b"MSG foo 1 0", b"", b"PONG")


def test_msg_carries_published_subject_reply_and_alphanumeric_sid(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(b"SUB foo.> abc\r\nPUB foo.bar.baz my.reply 3\r\nxyz\r\nPING\r\n")
        conn.expect(b"MSG foo.bar.baz abc my.reply 3", b"xyz", b"PONG")


def test_queue_subscription_receives_messages(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(b"SUB foo workers 1\r\nPUB foo r 1\r\na\r\nPING\r\n")
        conn.expect(b"MSG foo 1 r 1", b"a", b"PONG")


def test_echo_false_suppresses_own_messages_only(server):
    with RawConn(server.port) as quiet, RawConn(server.port) as other:
        quiet.handshake({"verbose": False, "pedantic": False, "echo": False})
        other.handshake(QUIET)
        quiet.send(b"SUB foo 1\r\nPUB foo 4\r\nself\r\nPING\r\n")
        quiet.expect(b"PONG")
        other.send(b"PUB foo 5\r\nother\r\nPING\r\n")
        other.expect(b"PONG")
        quiet.send(b"PING\r\n")
        quiet.expect(b"MSG foo 1 5", b"other", b"PONG")


def test_partial_wildcard_token_is_literal(server):
    with RawConn(server.port) as conn:
        conn.handshake(QUIET)
        conn.send(b"SUB foo* 1\r\nPUB foox 1\r\na\r\nPUB foo* 1\r\nb\r\nPING\r\n")
        conn.expect(b"MSG foo* 1 1", b"b", b"PONG")
