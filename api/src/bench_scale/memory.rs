//! The process's resident memory, from `/proc/self/status` (Linux; `None` elsewhere).

/// Resets the peak resident set size, so that [`peak_kib`] reports the peak from now.
pub fn reset_peak() {
    // "5" resets the high-water mark (proc(5), clear_refs); failing to is only a loss of
    // precision: the peak then covers the run so far.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak resident set size since the process started or [`reset_peak`], KiB.
pub fn peak_kib() -> Option<u64> {
    field("VmHWM:")
}

/// The current resident set size, KiB.
pub fn resident_kib() -> Option<u64> {
    field("VmRSS:")
}

fn field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    line[name.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
