//! Process resource usage for `/varz` (`mem`, `cpu`, `cores`), read from `/proc` on Linux.
//!
//! Input: `/proc/self/status` and `/proc/self/stat`. Output: resident memory in bytes and CPU time in
//! clock ticks; the rate sampler turns ticks into a percentage. Elsewhere both read as zero.

/// Linux reports CPU times in `USER_HZ` ticks, 100 per second on every architecture it supports.
pub const TICKS_PER_SECOND: f64 = 100.0;

/// Resident set size in bytes (0 when unknown).
pub fn rss_bytes() -> i64 {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| parse_vm_rss(&s)).unwrap_or(0)
}

fn parse_vm_rss(status: &str) -> Option<i64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: i64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// User plus system CPU time of the process, in ticks.
pub fn cpu_ticks() -> Option<u64> {
    parse_cpu_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)
}

fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may contain spaces; fields after it are plain.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: state is field 3, utime field 14, stime field 15 (1-based over the whole line).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Logical CPUs available to the process.
pub fn cores() -> i64 {
    std::thread::available_parallelism().map(|n| n.get() as i64).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_formats() {
        assert_eq!(parse_vm_rss("Name:\tx\nVmRSS:\t  1234 kB\n"), Some(1234 * 1024));
        let stat = "42 (my (odd) name) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 4 0 1000";
        assert_eq!(parse_cpu_ticks(stat), Some(280));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        assert!(rss_bytes() > 0);
        assert!(cpu_ticks().is_some());
        assert!(cores() >= 1);
    }
}
