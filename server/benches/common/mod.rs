//! What the benches share.

/// A memory figure of process `pid` ("self" for this one) from
/// `/proc/PID/status`, in MB: `VmHWM` is the peak, `VmRSS` the current.
pub fn status_mb(pid: &str, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.strip_prefix(field).is_some_and(|r| r.starts_with(':')))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// The peak resident memory of this process so far, in MB.
#[allow(dead_code)] // not every bench reports its own peak
pub fn peak_rss_mb() -> f64 {
    status_mb("self", "VmHWM")
}
