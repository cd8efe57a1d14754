//! What the benchmark reads about the server process from Linux `/proc`: resident memory (current
//! and peak) and CPU time, and resetting the peak so one phase of a run can be measured alone.
//!
//! Only used when `--server-pid` is given; works for any server process of the same user, not only
//! ours.

use std::time::Duration;

use anyhow::{bail, Context, Result};

/// Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on every Linux platform we run on).
const TICKS_PER_SEC: u64 = 100;

/// `VmRSS` of process `pid`, in KiB.
pub fn rss_kib(pid: u32) -> Result<u64> {
    status_kib(pid, "VmRSS:")
}

/// `VmHWM` (peak resident memory) of process `pid`, in KiB.
pub fn peak_rss_kib(pid: u32) -> Result<u64> {
    status_kib(pid, "VmHWM:")
}

/// Resets the peak resident memory of process `pid` to its current resident memory (Linux
/// `clear_refs` value 5).
pub fn reset_peak_rss(pid: u32) -> Result<()> {
    let path = format!("/proc/{pid}/clear_refs");
    std::fs::write(&path, "5").with_context(|| format!("write {path}"))
}

fn status_kib(pid: u32, field: &str) -> Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    parse_kib(&status, field).with_context(|| format!("no {field} line in {path}"))
}

fn parse_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let mut words = line[field.len()..].split_whitespace();
    let value: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") | None => Some(value),
        Some(_) => None,
    }
}

/// User plus system CPU time consumed so far by process `pid` (all its threads).
pub fn cpu_time(pid: u32) -> Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("read {path}"))?;
    match parse_cpu_ticks(&stat) {
        Some(ticks) => Ok(Duration::from_millis(ticks * 1000 / TICKS_PER_SEC)),
        None => bail!("unexpected format of {path}"),
    }
}

fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may contain spaces; count fields after it.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name come field 3 (state) onwards; utime and stime are fields 14 and 15.
    let utime: u64 = fields.get(14 - 3)?.parse().ok()?;
    let stime: u64 = fields.get(15 - 3)?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rss_is_read_from_status_text() {
        let status = "Name:\tnats-server\nVmPeak:\t  9000 kB\nVmHWM:\t 20000 kB\nVmRSS:\t   12345 kB\n";
        assert_eq!(parse_kib(status, "VmRSS:"), Some(12345));
        assert_eq!(parse_kib(status, "VmHWM:"), Some(20000));
        assert_eq!(parse_kib("Name: x\n", "VmRSS:"), None);
    }

    #[test]
    fn cpu_ticks_skip_a_command_name_with_spaces() {
        let stat = "4242 (odd name) S 1 4242 4242 0 -1 4194560 500 0 0 0 250 75 0 0 20 0 8 0 100 0 0";
        assert_eq!(parse_cpu_ticks(stat), Some(325));
    }

    #[test]
    fn own_process_can_be_measured() {
        let pid = std::process::id();
        assert!(rss_kib(pid).unwrap() > 0);
        reset_peak_rss(pid).unwrap();
        assert!(peak_rss_kib(pid).unwrap() > 0);
        cpu_time(pid).unwrap();
    }
}
