//! What the benchmarks share: the references measured in the same run (a C STREAM, NumPy
//! in `.venv`) and the timing helpers.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// STREAM's GB/s for (triad, add, sum) with `threads` threads over `n` elements.
pub fn stream(n: usize, threads: usize) -> Option<(f64, f64, f64)> {
    let exe = root().join("target").join("stream");
    let src = root().join("bench").join("stream.c");
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if modified(&exe) < modified(&src) {
        let ok = Command::new("cc")
            .args(["-O3", "-march=native", "-fopenmp"])
            .arg(&src)
            .arg("-o")
            .arg(&exe)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        if !ok {
            eprintln!("could not build bench/stream.c");
            return None;
        }
    }
    let out = Command::new(&exe)
        .arg(n.to_string())
        .env("OMP_NUM_THREADS", threads.to_string())
        .env("OMP_PROC_BIND", "close")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
    };
    Some((get("triad ")?, get("add ")?, get("sum ")?))
}

/// Runs `bench/<script>` with the project's Python (NumPy in `.venv`) and returns its
/// `name seconds` lines; `None` (and a note) when NumPy is missing.
pub fn numpy(script: &str, args: &[String], env: &[(&str, String)]) -> Option<Vec<(String, f64)>> {
    let venv = root().join(".venv").join("bin").join("python");
    let python = if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    };
    let mut cmd = Command::new(python);
    cmd.arg(root().join("bench").join(script)).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd
        .env_remove("OPENBLAS_CORETYPE")
        .env_remove("OPENBLAS_L2_SIZE")
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "NumPy not measured: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .filter_map(|l| {
                let (name, secs) = l.split_once(' ')?;
                Some((name.to_string(), secs.trim().parse().ok()?))
            })
            .collect(),
    )
}

/// The figure `name` of a NumPy run.
pub fn get(figures: &Option<Vec<(String, f64)>>, name: &str) -> Option<f64> {
    figures
        .as_ref()?
        .iter()
        .find(|(n, _)| n == name)
        .map(|&(_, v)| v)
}

/// How many rounds a benchmark interleaves: the references (STREAM) and legate are each
/// measured once per round and the best of each kept, so that both are seen in the same
/// state of a machine whose memory bandwidth changes from minute to minute
/// (`BENCH_ROUNDS`, default 4: with two, a run of 2026-12-07 saw STREAM only in the fast
/// state and the fused triad only in the slow one).
pub fn rounds() -> usize {
    env_usize("BENCH_ROUNDS", 4).max(1)
}

/// The higher of two bandwidths, either of which may be missing.
pub fn faster(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// The better of two STREAM runs, figure by figure (triad, add, sum).
pub fn faster_stream(
    a: Option<(f64, f64, f64)>,
    b: Option<(f64, f64, f64)>,
) -> Option<(f64, f64, f64)> {
    match (a, b) {
        (Some(a), Some(b)) => Some((a.0.max(b.0), a.1.max(b.1), a.2.max(b.2))),
        (a, b) => a.or(b),
    }
}

/// The shorter of two times, figure by figure.
pub fn shortest<const K: usize>(a: [f64; K], b: [f64; K]) -> [f64; K] {
    std::array::from_fn(|i| a[i].min(b[i]))
}

/// The best time of `reps` runs of `f`, in seconds.
pub fn best(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

pub fn fmt(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |v| format!("{v:.2}"))
}

pub fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}", a / b),
        _ => "n/a".into(),
    }
}

pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .trim()
        .to_string()
}
