//! Network address settings: `host:port` listen strings as nats-server splits them, and IP networks
//! (`10.0.0.0/8`, `::1`) for the WebSocket `trusted_proxies` list.
//!
//! Pure parsing; nothing here binds or resolves anything.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// Splits `host:port` the way Go's `net.SplitHostPort` does: `[v6]:port` needs brackets, a bare IPv6
/// address without brackets is "too many colons", and the port must be present (it may be `-1`).
/// The host may be empty (`:4222`).
pub fn split_host_port(text: &str) -> Result<(String, i64), String> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let Some(end) = rest.find(']') else {
            return Err(format!("missing ']' in address \"{text}\""));
        };
        let Some(port) = rest[end + 1..].strip_prefix(':') else {
            return Err(format!("missing port in address \"{text}\""));
        };
        (&rest[..end], port)
    } else {
        let Some(colon) = text.rfind(':') else {
            return Err(format!("missing port in address \"{text}\""));
        };
        let host = &text[..colon];
        if host.contains(':') {
            return Err(format!("too many colons in address \"{text}\""));
        }
        (host, &text[colon + 1..])
    };
    let port = port.parse::<i64>().map_err(|_| format!("could not parse port \"{port}\" in \"{text}\""))?;
    Ok((host.to_string(), port))
}

/// An IP network: an address and a prefix length. A plain address is a network of one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix_len: u8,
}

impl IpNet {
    /// The network address (host bits cleared).
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The number of leading bits that must match.
    pub fn prefix_len(&self) -> u8 {
        self.prefix_len
    }

    /// Is `ip` inside this network? An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) counts as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, unmap(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(u32::from(ip)) << 96, self.prefix_len) == u128::from(u32::from(net)) << 96
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => masked(u128::from(ip), self.prefix_len) == u128::from(net),
            _ => false,
        }
    }
}

fn unmap(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Keeps the leading `prefix_len` bits of a 128-bit value.
fn masked(bits: u128, prefix_len: u8) -> u128 {
    if prefix_len == 0 {
        0
    } else {
        bits & (u128::MAX << (128 - u32::from(prefix_len)))
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (addr_text, len_text) = match text.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (text, None),
        };
        let addr =
            unmap(addr_text.parse::<IpAddr>().map_err(|_| format!("\"{text}\" is not an IP address or CIDR network"))?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix_len = match len_text {
            None => max,
            Some(l) => match l.parse::<u8>() {
                Ok(n) if n <= max => n,
                _ => return Err(format!("\"{text}\" has an invalid prefix length")),
            },
        };
        let addr = match addr {
            IpAddr::V4(v4) => {
                let bits = masked(u128::from(u32::from(v4)) << 96, prefix_len) >> 96;
                IpAddr::V4(u32::try_from(bits).unwrap_or(0).into())
            }
            IpAddr::V6(v6) => IpAddr::V6(masked(u128::from(v6), prefix_len).into()),
        };
        Ok(IpNet { addr, prefix_len })
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix_len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_splits_like_go() {
        assert_eq!(split_host_port("127.0.0.1:4222"), Ok(("127.0.0.1".into(), 4222)));
        assert_eq!(split_host_port(":4222"), Ok((String::new(), 4222)));
        assert_eq!(split_host_port("nats.io:-1"), Ok(("nats.io".into(), -1)));
        assert_eq!(split_host_port("[::1]:4222"), Ok(("::1".into(), 4222)));
        assert!(split_host_port("localhost").expect_err("no port").contains("missing port"));
        assert!(split_host_port("::1:4222").expect_err("colons").contains("too many colons"));
        assert!(split_host_port("[::1]").expect_err("no port").contains("missing port"));
        assert!(split_host_port("host:abc").expect_err("bad port").contains("could not parse port"));
    }

    #[test]
    fn networks_match_addresses_inside_them() {
        let net: IpNet = "10.1.2.3/8".parse().expect("net");
        assert_eq!(net.to_string(), "10.0.0.0/8");
        assert!(net.contains("10.200.0.1".parse().expect("ip")));
        assert!(net.contains("::ffff:10.0.0.9".parse().expect("ip")));
        assert!(!net.contains("11.0.0.1".parse().expect("ip")));
        let one: IpNet = "192.168.1.5".parse().expect("ip");
        assert!(one.contains("192.168.1.5".parse().expect("ip")));
        assert!(!one.contains("192.168.1.6".parse().expect("ip")));
        let v6: IpNet = "fd00::/8".parse().expect("v6");
        assert!(v6.contains("fd12::1".parse().expect("ip")));
        assert!(!v6.contains("10.0.0.1".parse().expect("ip")));
        let all: IpNet = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains("8.8.8.8".parse().expect("ip")));
    }

    #[test]
    fn bad_networks_are_rejected() {
        assert!("10.0.0.0/33".parse::<IpNet>().is_err());
        assert!("example.com".parse::<IpNet>().is_err());
        assert!("10.0.0.0/x".parse::<IpNet>().is_err());
    }
}
