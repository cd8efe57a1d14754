//! `parse_server_op` on arbitrary bytes: never panics, and a stream split into arbitrary chunks
//! gives the same operations, the same error and the same unconsumed tail as the stream in one piece.

#![no_main]

use libfuzzer_sys::fuzz_target;
use switchyard_fuzz::{run_split, run_whole, Input};
use switchyard_shared::parse::{parse_server_op, Limits};

fuzz_target!(|raw: &[u8]| {
    let Some(input) = Input::new(raw) else { return };
    let limits = if input.knob == 0 {
        Limits::unlimited()
    } else {
        Limits { max_control_line: usize::from(input.knob % 64) + 8, max_payload: usize::from(input.knob / 4) * 4 }
    };
    let whole = run_whole(input.data, |buf| parse_server_op(buf, &limits));
    let split = run_split(input.data, &input.chunk_lengths(), |buf| parse_server_op(buf, &limits));
    assert_eq!(whole, split, "split input parsed differently");
});
