//! The console's pages as a [`Route`] enum, and its mapping to and from the location hash
//! (`#/streams/ORDERS/messages`).
//!
//! Hash routes keep every page under the one `index.html` the monitoring port serves at `/`, whatever
//! `http_base_path` it is mounted under, and need no server-side fallback. Names in routes are
//! percent-encoded, so any stream or bucket name survives the round trip; the create page is
//! `#/streams/+new`, which no encoded name can collide with.
//!
//! It does not render anything or listen for hash changes; `app` does.

/// A tab of the stream page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamTab {
    Info,
    Messages,
    Consumers,
    Edit,
}

impl StreamTab {
    fn segment(self) -> Option<&'static str> {
        match self {
            StreamTab::Info => None,
            StreamTab::Messages => Some("messages"),
            StreamTab::Consumers => Some("consumers"),
            StreamTab::Edit => Some("edit"),
        }
    }

    pub const ALL: [StreamTab; 4] = [StreamTab::Info, StreamTab::Messages, StreamTab::Consumers, StreamTab::Edit];

    pub fn title(self) -> &'static str {
        match self {
            StreamTab::Info => "Info",
            StreamTab::Messages => "Messages",
            StreamTab::Consumers => "Consumers",
            StreamTab::Edit => "Edit",
        }
    }
}

/// One page of the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Overview,
    Connections,
    Streams,
    StreamNew,
    Stream { name: String, tab: StreamTab },
    KvBuckets,
    KvBucket { bucket: String },
    ObjectBuckets,
    ObjectBucket { bucket: String },
    Tester,
    Mqtt,
    Settings,
    NotFound(String),
}

impl Route {
    /// Reads a location hash (`#/kv/cfg`, `#/`, `` or `#`).
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_start_matches('/');
        let path = path.split('?').next().unwrap_or_default().trim_end_matches('/');
        let parts: Vec<String> = if path.is_empty() { Vec::new() } else { path.split('/').map(decode).collect() };
        let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
        match parts.as_slice() {
            [] => Route::Overview,
            ["connections"] => Route::Connections,
            ["streams"] => Route::Streams,
            ["streams", "+new"] => Route::StreamNew,
            ["streams", name] => Route::Stream { name: (*name).into(), tab: StreamTab::Info },
            ["streams", name, tab] => match StreamTab::ALL.iter().find(|t| t.segment() == Some(*tab)) {
                Some(t) => Route::Stream { name: (*name).into(), tab: *t },
                None => Route::NotFound(hash.into()),
            },
            ["kv"] => Route::KvBuckets,
            ["kv", bucket] => Route::KvBucket { bucket: (*bucket).into() },
            ["objects"] => Route::ObjectBuckets,
            ["objects", bucket] => Route::ObjectBucket { bucket: (*bucket).into() },
            ["tester"] => Route::Tester,
            ["mqtt"] => Route::Mqtt,
            ["settings"] => Route::Settings,
            _ => Route::NotFound(hash.into()),
        }
    }

    /// The location hash of this route.
    pub fn to_hash(&self) -> String {
        let path = match self {
            Route::Overview => String::new(),
            Route::Connections => "connections".into(),
            Route::Streams => "streams".into(),
            Route::StreamNew => "streams/+new".into(),
            Route::Stream { name, tab } => match tab.segment() {
                Some(seg) => format!("streams/{}/{seg}", encode(name)),
                None => format!("streams/{}", encode(name)),
            },
            Route::KvBuckets => "kv".into(),
            Route::KvBucket { bucket } => format!("kv/{}", encode(bucket)),
            Route::ObjectBuckets => "objects".into(),
            Route::ObjectBucket { bucket } => format!("objects/{}", encode(bucket)),
            Route::Tester => "tester".into(),
            Route::Mqtt => "mqtt".into(),
            Route::Settings => "settings".into(),
            Route::NotFound(hash) => return hash.clone(),
        };
        format!("#/{path}")
    }

    /// The navigation section this route belongs to (highlighted in the sidebar).
    pub fn section(&self) -> Section {
        match self {
            Route::Overview | Route::NotFound(_) => Section::Overview,
            Route::Connections => Section::Connections,
            Route::Streams | Route::StreamNew | Route::Stream { .. } => Section::Streams,
            Route::KvBuckets | Route::KvBucket { .. } => Section::Kv,
            Route::ObjectBuckets | Route::ObjectBucket { .. } => Section::Objects,
            Route::Tester => Section::Tester,
            Route::Mqtt => Section::Mqtt,
            Route::Settings => Section::Settings,
        }
    }
}

/// The sidebar entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Connections,
    Streams,
    Kv,
    Objects,
    Tester,
    Mqtt,
    Settings,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::Overview,
        Section::Connections,
        Section::Streams,
        Section::Kv,
        Section::Objects,
        Section::Tester,
        Section::Mqtt,
        Section::Settings,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Overview => "Overview",
            Section::Connections => "Connections",
            Section::Streams => "Streams",
            Section::Kv => "Key/Value",
            Section::Objects => "Object store",
            Section::Tester => "Live tester",
            Section::Mqtt => "MQTT",
            Section::Settings => "Settings",
        }
    }

    /// The page the entry links to.
    pub fn route(self) -> Route {
        match self {
            Section::Overview => Route::Overview,
            Section::Connections => Route::Connections,
            Section::Streams => Route::Streams,
            Section::Kv => Route::KvBuckets,
            Section::Objects => Route::ObjectBuckets,
            Section::Tester => Route::Tester,
            Section::Mqtt => Route::Mqtt,
            Section::Settings => Route::Settings,
        }
    }
}

/// Percent-encodes everything but `A-Z a-z 0-9 - _ ~`.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; malformed escapes are kept as they are.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_round_trips_through_its_hash() {
        let routes = [
            Route::Overview,
            Route::Connections,
            Route::Streams,
            Route::StreamNew,
            Route::Stream { name: "ORDERS".into(), tab: StreamTab::Info },
            Route::Stream { name: "ORDERS".into(), tab: StreamTab::Messages },
            Route::Stream { name: "a%b#c".into(), tab: StreamTab::Consumers },
            Route::Stream { name: "new".into(), tab: StreamTab::Edit },
            Route::KvBuckets,
            Route::KvBucket { bucket: "cfg".into() },
            Route::ObjectBuckets,
            Route::ObjectBucket { bucket: "files-1".into() },
            Route::Tester,
            Route::Mqtt,
            Route::Settings,
        ];
        for r in routes {
            assert_eq!(Route::from_hash(&r.to_hash()), r, "{}", r.to_hash());
        }
    }

    #[test]
    fn empty_and_root_hashes_are_the_overview() {
        for h in ["", "#", "#/", "/"] {
            assert_eq!(Route::from_hash(h), Route::Overview, "{h:?}");
        }
    }

    #[test]
    fn unknown_paths_are_not_found() {
        assert_eq!(Route::from_hash("#/nope"), Route::NotFound("#/nope".into()));
        assert_eq!(Route::from_hash("#/streams/S/bogus"), Route::NotFound("#/streams/S/bogus".into()));
    }

    #[test]
    fn a_stream_named_new_is_not_the_create_page() {
        assert_eq!(Route::from_hash("#/streams/new"), Route::Stream { name: "new".into(), tab: StreamTab::Info });
        assert_eq!(Route::from_hash("#/streams/+new"), Route::StreamNew);
        assert_eq!(Route::Stream { name: "+new".into(), tab: StreamTab::Info }.to_hash(), "#/streams/%2Bnew");
    }

    #[test]
    fn malformed_escapes_are_kept() {
        assert_eq!(decode("a%2"), "a%2");
        assert_eq!(decode("a%zz"), "a%zz");
        assert_eq!(decode("%41%42"), "AB");
    }
}
