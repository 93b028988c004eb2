//! Process CPU time, from `/proc` (Linux): what a side of a benchmark
//! costs, whatever else the shared machine runs meanwhile.

use std::time::Duration;

/// User + system CPU time of process `pid` (`self` for this one), from
/// `/proc/<pid>/stat` (clock ticks of 10 ms: benchmark runs last seconds).
pub fn cpu(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in brackets.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|i| fields.get(*i)?.parse::<u64>().ok())
        .sum();
    Duration::from_millis(ticks * 10)
}

/// The CPU time of the process with this id.
pub fn cpu_of(pid: u32) -> Duration {
    cpu(&pid.to_string())
}

/// The machine's load averages, as `uptime` prints them.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
