//! `HeaderMap::parse` on arbitrary bytes: never panics, and a block it accepts encodes to a block
//! that parses back to the same map.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_shared::headers::HeaderMap;

fuzz_target!(|block: &[u8]| {
    let Ok(map) = HeaderMap::parse(block) else { return };
    let encoded = map.to_bytes();
    let again = HeaderMap::parse(&encoded).unwrap_or_else(|e| panic!("re-encoded block {encoded:?} refused: {e}"));
    assert_eq!(map, again, "re-encoded block {encoded:?} parsed to another map");
});
