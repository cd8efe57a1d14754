//! The connections table's logic: which front-end a `/connz` entry came through, filtering by text,
//! front-end and state, and sorting by any column.
//!
//! Input: [`ConnInfo`] rows as `/connz?state=any&subs=detail` returns them. Output: the rows to show,
//! in order. Sorting and filtering happen in the browser so that clicking a header does not refetch.

use std::cmp::Ordering;

use switchyard_shared::api::monitor::ConnInfo;
use switchyard_shared::time::{parse_duration, parse_uptime};

/// The front-end a connection came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frontend {
    Tcp,
    WebSocket,
    Mqtt,
    /// Internal or server-to-server connections (JetStream, system, routes, …).
    Other,
}

impl Frontend {
    pub fn of(c: &ConnInfo) -> Frontend {
        let client = c.kind.is_empty() || c.kind.eq_ignore_ascii_case("client");
        match c.client_type.to_ascii_lowercase().as_str() {
            "websocket" => Frontend::WebSocket,
            "mqtt" => Frontend::Mqtt,
            _ if !c.mqtt_client.is_empty() => Frontend::Mqtt,
            "nats" | "" if client => Frontend::Tcp,
            _ => Frontend::Other,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Frontend::Tcp => "TCP",
            Frontend::WebSocket => "WebSocket",
            Frontend::Mqtt => "MQTT",
            Frontend::Other => "internal",
        }
    }
}

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Cid,
    Kind,
    Name,
    Address,
    Rtt,
    Pending,
    InMsgs,
    OutMsgs,
    InBytes,
    OutBytes,
    Subs,
    Uptime,
    Idle,
    State,
}

impl Column {
    pub const ALL: [Column; 14] = [
        Column::Cid,
        Column::Kind,
        Column::Name,
        Column::Address,
        Column::Rtt,
        Column::Pending,
        Column::InMsgs,
        Column::OutMsgs,
        Column::InBytes,
        Column::OutBytes,
        Column::Subs,
        Column::Uptime,
        Column::Idle,
        Column::State,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Column::Cid => "CID",
            Column::Kind => "Kind",
            Column::Name => "Name",
            Column::Address => "Address",
            Column::Rtt => "RTT",
            Column::Pending => "Pending",
            Column::InMsgs => "Msgs in",
            Column::OutMsgs => "Msgs out",
            Column::InBytes => "Bytes in",
            Column::OutBytes => "Bytes out",
            Column::Subs => "Subs",
            Column::Uptime => "Uptime",
            Column::Idle => "Idle",
            Column::State => "State",
        }
    }

    /// Numbers sort biggest first on the first click, text A→Z.
    pub fn descending_first(self) -> bool {
        !matches!(self, Column::Cid | Column::Kind | Column::Name | Column::Address | Column::State)
    }
}

/// Which connections to show.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    /// Case-insensitive substring of name, address, cid, account, user, language or MQTT client id.
    pub text: String,
    /// Only this front-end; `None` for all.
    pub frontend: Option<Frontend>,
}

impl Filter {
    pub fn matches(&self, c: &ConnInfo) -> bool {
        if self.frontend.is_some_and(|f| f != Frontend::of(c)) {
            return false;
        }
        let needle = self.text.trim().to_lowercase();
        if needle.is_empty() {
            return true;
        }
        [
            c.name.as_str(),
            &address(c),
            &c.cid.to_string(),
            c.account.as_str(),
            c.authorized_user.as_str(),
            c.lang.as_str(),
            c.mqtt_client.as_str(),
            c.reason.as_str(),
        ]
        .iter()
        .any(|field| field.to_lowercase().contains(&needle))
    }
}

/// `ip:port` (IPv6 in brackets).
pub fn address(c: &ConnInfo) -> String {
    if c.ip.contains(':') {
        format!("[{}]:{}", c.ip, c.port)
    } else {
        format!("{}:{}", c.ip, c.port)
    }
}

/// Whether the connection has closed (it has a stop time or a close reason).
pub fn is_closed(c: &ConnInfo) -> bool {
    c.stop.is_some() || !c.reason.is_empty()
}

fn nanos_or_max(text: &str, parse: fn(&str) -> Result<i64, switchyard_shared::time::TimeError>) -> i64 {
    if text.is_empty() {
        i64::MAX
    } else {
        parse(text).unwrap_or(i64::MAX)
    }
}

fn compare(a: &ConnInfo, b: &ConnInfo, col: Column) -> Ordering {
    match col {
        Column::Cid => a.cid.cmp(&b.cid),
        Column::Kind => Frontend::of(a).label().cmp(Frontend::of(b).label()),
        Column::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
        Column::Address => (a.ip.as_str(), a.port).cmp(&(b.ip.as_str(), b.port)),
        Column::Rtt => nanos_or_max(&a.rtt, parse_duration).cmp(&nanos_or_max(&b.rtt, parse_duration)),
        Column::Pending => a.pending.cmp(&b.pending),
        Column::InMsgs => a.in_msgs.cmp(&b.in_msgs),
        Column::OutMsgs => a.out_msgs.cmp(&b.out_msgs),
        Column::InBytes => a.in_bytes.cmp(&b.in_bytes),
        Column::OutBytes => a.out_bytes.cmp(&b.out_bytes),
        Column::Subs => a.num_subs.cmp(&b.num_subs),
        Column::Uptime => nanos_or_max(&a.uptime, parse_uptime).cmp(&nanos_or_max(&b.uptime, parse_uptime)),
        Column::Idle => nanos_or_max(&a.idle, parse_uptime).cmp(&nanos_or_max(&b.idle, parse_uptime)),
        Column::State => (is_closed(a), a.reason.as_str()).cmp(&(is_closed(b), b.reason.as_str())),
    }
}

/// The rows passing `filter`, sorted by `col` (ties by cid).
pub fn arrange<'a>(conns: &'a [ConnInfo], filter: &Filter, col: Column, descending: bool) -> Vec<&'a ConnInfo> {
    let mut rows: Vec<&ConnInfo> = conns.iter().filter(|c| filter.matches(c)).collect();
    rows.sort_by(|a, b| {
        let o = compare(a, b, col);
        let o = if descending { o.reverse() } else { o };
        o.then(a.cid.cmp(&b.cid))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(cid: u64, ty: &str, name: &str, in_msgs: i64, rtt: &str) -> ConnInfo {
        ConnInfo {
            cid,
            kind: "Client".into(),
            client_type: ty.into(),
            name: name.into(),
            ip: "127.0.0.1".into(),
            port: 40000 + cid as i64,
            in_msgs,
            rtt: rtt.into(),
            ..Default::default()
        }
    }

    #[test]
    fn frontends_come_from_the_client_type() {
        assert_eq!(Frontend::of(&conn(1, "nats", "", 0, "")), Frontend::Tcp);
        assert_eq!(Frontend::of(&conn(1, "websocket", "", 0, "")), Frontend::WebSocket);
        assert_eq!(Frontend::of(&conn(1, "mqtt", "", 0, "")), Frontend::Mqtt);
        let internal = ConnInfo { kind: "JetStream".into(), ..Default::default() };
        assert_eq!(Frontend::of(&internal), Frontend::Other);
    }

    #[test]
    fn filters_match_text_and_frontend() {
        let conns = [conn(1, "nats", "orders-svc", 0, ""), conn(2, "websocket", "browser", 0, "")];
        let f = Filter { text: "ORDERS".into(), frontend: None };
        assert_eq!(arrange(&conns, &f, Column::Cid, false).len(), 1);
        let f = Filter { text: String::new(), frontend: Some(Frontend::WebSocket) };
        assert_eq!(arrange(&conns, &f, Column::Cid, false)[0].cid, 2);
        let f = Filter { text: "40002".into(), frontend: None };
        assert_eq!(arrange(&conns, &f, Column::Cid, false)[0].cid, 2, "matches the address");
    }

    #[test]
    fn sorting_by_numbers_and_durations() {
        let conns = [conn(1, "nats", "b", 5, "2ms"), conn(2, "nats", "a", 50, "623µs"), conn(3, "nats", "c", 1, "")];
        let all = Filter::default();
        let by_msgs: Vec<u64> = arrange(&conns, &all, Column::InMsgs, true).iter().map(|c| c.cid).collect();
        assert_eq!(by_msgs, vec![2, 1, 3]);
        let by_rtt: Vec<u64> = arrange(&conns, &all, Column::Rtt, false).iter().map(|c| c.cid).collect();
        assert_eq!(by_rtt, vec![2, 1, 3], "unknown RTT sorts last");
        let by_name: Vec<u64> = arrange(&conns, &all, Column::Name, false).iter().map(|c| c.cid).collect();
        assert_eq!(by_name, vec![2, 1, 3]);
    }

    #[test]
    fn closed_connections_are_recognised() {
        let mut c = conn(1, "nats", "", 0, "");
        assert!(!is_closed(&c));
        c.reason = "Slow Consumer (Pending Bytes)".into();
        assert!(is_closed(&c));
        assert!(Filter { text: "slow".into(), frontend: None }.matches(&c));
    }
}
