//! `parse_client_op` on arbitrary bytes: never panics, and a stream split into arbitrary chunks
//! parses to the same operations and leaves the same tail as the stream in one piece.
//!
//! The error kind is not compared: a line that starts with a byte no client verb starts with is
//! refused as soon as that byte arrives, before the whole line is there to be measured against the
//! control-line limit, so split and whole input may name different (equally fatal) errors.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_fuzz::{run_split, run_whole, Input};
use switchyard_shared::parse::{parse_client_op, Limits};

fuzz_target!(|raw: &[u8]| {
    let Some(input) = Input::new(raw) else { return };
    // Small limits so the fuzzer reaches them; 0 would refuse every line.
    let limits =
        Limits { max_control_line: usize::from(input.knob % 64) + 8, max_payload: usize::from(input.knob / 4) * 4 };
    let whole = run_whole(input.data, |buf| parse_client_op(buf, &limits));
    let split = run_split(input.data, &input.chunk_lengths(), |buf| parse_client_op(buf, &limits));
    assert_eq!(whole.items, split.items, "split input parsed to other operations");
    assert_eq!(whole.error.is_some(), split.error.is_some(), "whole: {:?}, split: {:?}", whole.error, split.error);
    assert_eq!(whole.rest, split.rest, "split input left another tail");
});
