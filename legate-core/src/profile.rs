//! Tools for users: the `--profile` timeline and the `--dataflow` and `--event` graphs.
//!
//! When one of the three is on, the runtime keeps a [`Profiler`]:
//! - every point task carries a [`NodeTag`] (its task, launch and point), and the worker
//!   that runs it records when it started and ended (`--profile`), and which tasks it
//!   waited for (`--event`);
//! - every launch records the stores it reads and writes, in program order (`--dataflow`).
//!
//! [`Runtime::write_profiles`] (called when a runtime's last handle goes, and by the Python
//! package when the interpreter exits) writes what was recorded:
//! - `<logdir>/legate_prof/index.html`: a self-contained timeline, one lane per processor
//!   (and one for the issuing thread, which runs tiny tasks inline), with a table of time
//!   per task;
//! - `<logdir>/legate_prof/trace.json`: the same intervals in the Chrome trace-event
//!   format (`chrome://tracing`, Perfetto);
//! - `<logdir>/dataflow_legate.dot`: launches, and an edge from the launch that last wrote
//!   a store to each launch that reads it, labelled with the store;
//! - `<logdir>/event_graph_legate.dot`: point tasks grouped by launch, and an edge for each
//!   dependence the analysis found;
//! - the `.pdf` of each graph, when GraphViz's `dot` is on the `PATH`.
//!
//! With every tool off nothing is recorded: a node's tag is `None` and the scheduler reads
//! no clock.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use legate_mapper::{Config, Processor, ProcessorKind};

use crate::error::{Error, Result};
use crate::runtime::Runtime;
use crate::store::lock_ignoring_poison;
use crate::task::Access;

/// Graphs with more nodes than this are written as `.dot` only: `dot` would take minutes.
const MAX_PDF_NODES: usize = 5000;

/// What a node is, for the timeline's colours and the trace's category.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NodeKind {
    Task,
    Copy,
}

impl NodeKind {
    fn name(self) -> &'static str {
        match self {
            NodeKind::Task => "task",
            NodeKind::Copy => "copy",
        }
    }
}

/// What the tools know of one point task.
pub(crate) struct NodeTag {
    id: u64,
    name: Arc<str>,
    kind: NodeKind,
    launch: u64,
    point: usize,
    /// The nodes it was made to wait for (recorded with `--event` only).
    preds: Option<Mutex<Vec<u64>>>,
}

impl NodeTag {
    /// Notes that this node waits for `pred`.
    pub(crate) fn add_pred(&self, pred: &NodeTag) {
        if let Some(p) = &self.preds {
            lock_ignoring_poison(p).push(pred.id);
        }
    }
}

/// Where a task ran: a processor, or the issuing thread (tasks run inline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Lane {
    /// 0 for the issuing thread, then CPUs, OMP groups, GPUs, utility processors.
    order: u8,
    index: usize,
}

impl Lane {
    fn of(processor: Option<Processor>) -> Lane {
        match processor {
            None => Lane { order: 0, index: 0 },
            Some(p) => Lane {
                order: match p.kind {
                    ProcessorKind::Cpu => 1,
                    ProcessorKind::Omp => 2,
                    ProcessorKind::Gpu => 3,
                    ProcessorKind::Utility => 4,
                },
                index: p.index,
            },
        }
    }

    fn label(self) -> String {
        match self.order {
            0 => "issuing thread".to_string(),
            1 => format!("CPU {}", self.index),
            2 => format!("OMP {}", self.index),
            3 => format!("GPU {}", self.index),
            _ => format!("utility {}", self.index),
        }
    }
}

/// One run of a point task.
struct Interval {
    id: u64,
    name: Arc<str>,
    kind: NodeKind,
    launch: u64,
    point: usize,
    lane: Lane,
    /// Nanoseconds since the runtime started.
    start: u64,
    end: u64,
    preds: Vec<u64>,
}

/// How a launch used a store, for the dataflow graph.
struct StoreUse {
    storage: u64,
    access: Access,
    /// `float64 (1000, 1000)`.
    label: String,
}

/// One launch, in program order.
struct LaunchRecord {
    seq: u64,
    name: Arc<str>,
    points: usize,
    uses: Vec<StoreUse>,
}

/// What the tools record while the program runs.
pub(crate) struct Profiler {
    origin: Instant,
    timeline: bool,
    events: bool,
    dataflow: bool,
    logdir: PathBuf,
    next_id: AtomicU64,
    intervals: Mutex<Vec<Interval>>,
    launches: Mutex<Vec<LaunchRecord>>,
    /// How many intervals and launches the last write held: the files at exit are not
    /// written again when nothing was recorded since an explicit write.
    written: Mutex<Option<(usize, usize)>>,
}

impl Profiler {
    /// A profiler for the tools `config` turns on; `None` when none is.
    pub(crate) fn for_config(config: &Config) -> Option<Arc<Profiler>> {
        (config.profile || config.dataflow || config.event).then(|| {
            Arc::new(Profiler {
                origin: Instant::now(),
                timeline: config.profile,
                events: config.event,
                dataflow: config.dataflow,
                logdir: PathBuf::from(&config.logdir),
                next_id: AtomicU64::new(1),
                intervals: Mutex::new(Vec::new()),
                launches: Mutex::new(Vec::new()),
                written: Mutex::new(None),
            })
        })
    }

    /// The tag of a new point task.
    pub(crate) fn tag(
        &self,
        name: &Arc<str>,
        kind: NodeKind,
        launch: u64,
        point: usize,
    ) -> Box<NodeTag> {
        Box::new(NodeTag {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            name: Arc::clone(name),
            kind,
            launch,
            point,
            preds: self.events.then(|| Mutex::new(Vec::new())),
        })
    }

    /// Records that the node tagged `tag` ran on `processor` from `start` until now.
    pub(crate) fn ran(&self, tag: &NodeTag, processor: Option<Processor>, start: Instant) {
        let end = Instant::now();
        let ns = |t: Instant| t.saturating_duration_since(self.origin).as_nanos() as u64;
        let preds = tag
            .preds
            .as_ref()
            .map(|p| std::mem::take(&mut *lock_ignoring_poison(p)))
            .unwrap_or_default();
        lock_ignoring_poison(&self.intervals).push(Interval {
            id: tag.id,
            name: Arc::clone(&tag.name),
            kind: tag.kind,
            launch: tag.launch,
            point: tag.point,
            lane: Lane::of(processor),
            start: ns(start),
            end: ns(end),
            preds,
        });
    }

    /// Records a launch's use of stores (with `--dataflow`), in program order: the caller
    /// holds the issue lock.
    pub(crate) fn launch(
        &self,
        seq: u64,
        name: &Arc<str>,
        points: usize,
        uses: impl Iterator<Item = (u64, Access, String)>,
    ) {
        if !self.dataflow {
            return;
        }
        let uses = uses
            .map(|(storage, access, label)| StoreUse {
                storage,
                access,
                label,
            })
            .collect();
        lock_ignoring_poison(&self.launches).push(LaunchRecord {
            seq,
            name: Arc::clone(name),
            points,
            uses,
        });
    }

    /// Writes every file of the tools that are on; returns their paths.
    fn write(&self) -> Result<Vec<PathBuf>> {
        let io = |path: &Path, e: std::io::Error| Error::Io {
            path: path.display().to_string(),
            what: format!("cannot write the profiling tools' output: {e}"),
        };
        let mut written = Vec::new();
        let mut intervals = lock_ignoring_poison(&self.intervals);
        intervals.sort_by_key(|i| (i.start, i.id));
        if self.timeline {
            let dir = self.logdir.join("legate_prof");
            std::fs::create_dir_all(&dir).map_err(|e| io(&dir, e))?;
            for (file, text) in [
                ("trace.json", trace_json(&intervals)),
                ("index.html", timeline_html(&intervals)),
            ] {
                let path = dir.join(file);
                std::fs::write(&path, text).map_err(|e| io(&path, e))?;
                written.push(path);
            }
        }
        let mut graphs = Vec::new();
        if self.dataflow {
            let launches = lock_ignoring_poison(&self.launches);
            graphs.push(("dataflow_legate", dataflow_dot(&launches), launches.len()));
        }
        if self.events {
            graphs.push(("event_graph_legate", event_dot(&intervals), intervals.len()));
        }
        if !graphs.is_empty() {
            std::fs::create_dir_all(&self.logdir).map_err(|e| io(&self.logdir, e))?;
        }
        for (stem, text, nodes) in graphs {
            let dot = self.logdir.join(format!("{stem}.dot"));
            std::fs::write(&dot, text).map_err(|e| io(&dot, e))?;
            written.push(dot.clone());
            if nodes <= MAX_PDF_NODES {
                let pdf = dot.with_extension("pdf");
                let made = std::process::Command::new("dot")
                    .arg("-Tpdf")
                    .arg("-o")
                    .arg(&pdf)
                    .arg(&dot)
                    .status()
                    .is_ok_and(|s| s.success());
                if made {
                    written.push(pdf);
                }
            }
        }
        *lock_ignoring_poison(&self.written) = Some(self.counts(intervals.len()));
        Ok(written)
    }

    /// The recorded intervals (`intervals` of them, counted under their lock) and launches.
    fn counts(&self, intervals: usize) -> (usize, usize) {
        (intervals, lock_ignoring_poison(&self.launches).len())
    }

    /// Whether the last write held everything recorded so far.
    fn is_written(&self) -> bool {
        let intervals = lock_ignoring_poison(&self.intervals).len();
        *lock_ignoring_poison(&self.written) == Some(self.counts(intervals))
    }
}

impl Runtime {
    /// Waits for all launched work, then writes the files of the tools the configuration
    /// turns on (`--profile`, `--dataflow`, `--event`; see their fields in [`Config`]) and
    /// returns their paths; none when every tool is off.
    ///
    /// Each call writes everything recorded since the runtime started. A runtime writes
    /// them by itself when its last handle is dropped; the process-wide one
    /// ([`Runtime::global`]) is never dropped, so programs using it call this at the end
    /// (the Python package does it when the interpreter exits).
    ///
    /// # Errors
    ///
    /// The first error of the work it waits for, or [`Error::Io`] naming a file or
    /// directory that could not be written.
    ///
    /// ```
    /// use legate_core::{Config, Runtime};
    /// let dir = std::env::temp_dir().join(format!("legate-doc-{}", std::process::id()));
    /// let config = Config {
    ///     profile: true,
    ///     logdir: dir.display().to_string(),
    ///     ..Config::with_cpus(2)
    /// };
    /// let rt = Runtime::new(config).unwrap();
    /// let s = rt.create_store(legate_core::Type::Float64, &[1000]).unwrap();
    /// rt.fill(&s, 1.0f64.into()).unwrap();
    /// let files = rt.write_profiles().unwrap();
    /// assert!(files.iter().any(|f| f.ends_with("legate_prof/index.html")));
    /// let trace = std::fs::read_to_string(dir.join("legate_prof/trace.json")).unwrap();
    /// assert!(trace.contains("\"ph\":\"X\""));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// ```
    pub fn write_profiles(&self) -> Result<Vec<PathBuf>> {
        self.fence()?;
        match &self.shared.sched.profiler {
            Some(p) => p.write(),
            None => Ok(Vec::new()),
        }
    }
}

/// Writes the files when the workers have stopped (the runtime's last handle went), unless
/// an explicit [`Runtime::write_profiles`] already wrote everything recorded.
pub(crate) fn write_at_exit(profiler: &Profiler) {
    if profiler.is_written() {
        return;
    }
    match profiler.write() {
        Ok(files) => {
            for f in files {
                eprintln!("legate: wrote {}", f.display());
            }
        }
        Err(e) => eprintln!("legate: {e}"),
    }
}

/// `s` as a JSON string literal.
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` inside a double-quoted GraphViz string.
fn dot_str(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The lanes that ran something, in display order, with their trace thread ids.
fn lanes(intervals: &[Interval]) -> Vec<Lane> {
    let mut lanes: Vec<Lane> = intervals.iter().map(|i| i.lane).collect();
    lanes.sort();
    lanes.dedup();
    lanes
}

/// The Chrome trace-event file: one complete event (`"ph":"X"`) per run, times in µs,
/// one thread per lane.
fn trace_json(intervals: &[Interval]) -> String {
    let lanes = lanes(intervals);
    let tid = |l: Lane| lanes.iter().position(|x| *x == l).unwrap_or(0);
    let mut out = String::from("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    let mut first = true;
    let mut sep = |out: &mut String| {
        if !first {
            out.push_str(",\n");
        }
        first = false;
    };
    for (t, l) in lanes.iter().enumerate() {
        sep(&mut out);
        let _ = write!(
            out,
            "{{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":0,\"tid\":{t},\"args\":{{\"name\":{}}}}}",
            json_str(&l.label())
        );
    }
    for i in intervals {
        sep(&mut out);
        let _ = write!(
            out,
            "{{\"ph\":\"X\",\"name\":{},\"cat\":\"{}\",\"pid\":0,\"tid\":{},\"ts\":{:.3},\"dur\":{:.3},\"args\":{{\"launch\":{},\"point\":{}}}}}",
            json_str(&i.name),
            i.kind.name(),
            tid(i.lane),
            i.start as f64 / 1e3,
            (i.end - i.start) as f64 / 1e3,
            i.launch,
            i.point
        );
    }
    out.push_str("\n]}\n");
    out
}

/// Time per task name: (name, runs, total ns), most time first.
fn summary(intervals: &[Interval]) -> Vec<(Arc<str>, usize, u64)> {
    let mut by_name: HashMap<Arc<str>, (usize, u64)> = HashMap::new();
    for i in intervals {
        let e = by_name.entry(Arc::clone(&i.name)).or_default();
        e.0 += 1;
        e.1 += i.end - i.start;
    }
    let mut rows: Vec<_> = by_name.into_iter().map(|(n, (c, t))| (n, c, t)).collect();
    rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// The self-contained timeline page: the data as JSON, drawn on a canvas by a short
/// script (wheel zooms, drag pans, hovering names a task), and a table of time per task.
fn timeline_html(intervals: &[Interval]) -> String {
    let lanes = lanes(intervals);
    let names = summary(intervals);
    let name_index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(k, (n, _, _))| (&**n, k))
        .collect();
    let span = intervals.iter().map(|i| i.end).max().unwrap_or(0);
    let mut busy = vec![0u64; lanes.len()];
    let mut data = String::from("{\"lanes\":[");
    for (k, l) in lanes.iter().enumerate() {
        let _ = write!(
            data,
            "{}{}",
            if k > 0 { "," } else { "" },
            json_str(&l.label())
        );
    }
    data.push_str("],\"names\":[");
    for (k, (n, _, _)) in names.iter().enumerate() {
        let _ = write!(data, "{}{}", if k > 0 { "," } else { "" }, json_str(n));
    }
    // [lane, start µs, duration µs, name, launch, point, is copy]
    data.push_str("],\"runs\":[");
    for (k, i) in intervals.iter().enumerate() {
        let lane = lanes.iter().position(|x| *x == i.lane).unwrap_or(0);
        busy[lane] += i.end - i.start;
        let _ = write!(
            data,
            "{}[{lane},{:.3},{:.3},{},{},{},{}]",
            if k > 0 { "," } else { "" },
            i.start as f64 / 1e3,
            (i.end - i.start) as f64 / 1e3,
            name_index.get(&*i.name).copied().unwrap_or(0),
            i.launch,
            i.point,
            u8::from(i.kind == NodeKind::Copy)
        );
    }
    data.push_str("]}");
    let mut table = String::from(
        "<table><tr><th>task</th><th>runs</th><th>total ms</th><th>mean µs</th></tr>\n",
    );
    for (n, count, total) in &names {
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td>{count}</td><td>{:.3}</td><td>{:.1}</td></tr>",
            html_escape(n),
            *total as f64 / 1e6,
            *total as f64 / 1e3 / *count as f64
        );
    }
    table.push_str("</table>\n<table><tr><th>lane</th><th>busy</th></tr>\n");
    for (l, b) in lanes.iter().zip(&busy) {
        let _ = writeln!(
            table,
            "<tr><td>{}</td><td>{:.1} %</td></tr>",
            l.label(),
            100.0 * *b as f64 / span.max(1) as f64
        );
    }
    table.push_str("</table>\n");
    format!(
        "{HTML_HEAD}<p>{} task runs over {:.3} ms on {} lanes.</p>\n\
         <canvas id=\"tl\" width=\"1200\" height=\"{}\"></canvas><div id=\"tip\">&nbsp;</div>\n\
         {table}<script>const DATA = {data};\n{HTML_SCRIPT}</script></body></html>\n",
        intervals.len(),
        span as f64 / 1e6,
        lanes.len(),
        30 + 28 * lanes.len()
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

const HTML_HEAD: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
<title>Legate profile</title><style>body{font-family:sans-serif;margin:1em}\
canvas{border:1px solid #ccc;cursor:grab}#tip{font-family:monospace;height:1.4em}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;\
text-align:right}td:first-child{text-align:left}</style></head><body>\
<h1>Legate profile</h1><p>Wheel: zoom; drag: pan; hover: the task.</p>\n";

const HTML_SCRIPT: &str = r#"const cv = document.getElementById('tl'), cx = cv.getContext('2d');
const tip = document.getElementById('tip'), LW = 110, LH = 28, TOP = 24;
const end = DATA.runs.reduce((m, r) => Math.max(m, r[1] + r[2]), 1);
let t0 = 0, t1 = end, drag = null;
const colour = (k, copy) => copy ? '#999' : `hsl(${(k * 137.5) % 360},60%,55%)`;
const x = t => LW + (t - t0) / (t1 - t0) * (cv.width - LW);
function draw() {
  cx.clearRect(0, 0, cv.width, cv.height);
  cx.fillStyle = '#000'; cx.font = '12px sans-serif';
  DATA.lanes.forEach((l, k) => cx.fillText(l, 4, TOP + k * LH + 17));
  cx.fillText(t0.toFixed(1) + ' µs', LW, 14);
  cx.fillText(t1.toFixed(1) + ' µs', cv.width - 90, 14);
  for (const r of DATA.runs) {
    const a = x(r[1]), b = x(r[1] + r[2]);
    if (b < LW || a > cv.width) continue;
    cx.fillStyle = colour(r[3], r[6]);
    cx.fillRect(Math.max(a, LW), TOP + r[0] * LH + 2, Math.max(b - a, 1), LH - 4);
  }
}
function at(ev) {
  const rect = cv.getBoundingClientRect(), px = ev.clientX - rect.left, py = ev.clientY - rect.top;
  const lane = Math.floor((py - TOP) / LH), t = t0 + (px - LW) / (cv.width - LW) * (t1 - t0);
  return {px, lane, t};
}
cv.addEventListener('wheel', ev => {
  ev.preventDefault();
  const {t} = at(ev), f = ev.deltaY > 0 ? 1.25 : 0.8;
  t0 = Math.max(0, t - (t - t0) * f); t1 = Math.min(end, t + (t1 - t) * f); draw();
});
cv.addEventListener('mousedown', ev => { drag = {px: at(ev).px, t0, t1}; });
window.addEventListener('mouseup', () => { drag = null; });
cv.addEventListener('mousemove', ev => {
  const p = at(ev);
  if (drag) {
    const dt = (p.px - drag.px) / (cv.width - LW) * (drag.t1 - drag.t0);
    t0 = Math.max(0, drag.t0 - dt); t1 = Math.min(end, t0 + (drag.t1 - drag.t0)); draw(); return;
  }
  const r = DATA.runs.find(r => r[0] === p.lane && r[1] <= p.t && p.t <= r[1] + r[2]);
  tip.textContent = r ? `${DATA.names[r[3]]}  launch ${r[4]} point ${r[5]}  ` +
    `start ${r[1].toFixed(1)} µs  ${r[2].toFixed(1)} µs` : '\u00a0';
});
draw();
"#;

/// The opening of a top-down graph of boxes.
fn dot_header(name: &str) -> String {
    format!("digraph {name} {{\n  rankdir=TB;\n  node [shape=box, fontname=\"Helvetica\"];\n")
}

/// The dataflow graph: a node per launch, an edge from the launch that last wrote a store
/// to each later launch that reads it. Stores read before any launch wrote them (data
/// given by the program) are nodes of their own.
fn dataflow_dot(launches: &[LaunchRecord]) -> String {
    let mut out = dot_header("dataflow");
    let mut last_writer: HashMap<u64, u64> = HashMap::new();
    let mut sources: Vec<u64> = Vec::new();
    for l in launches {
        let _ = writeln!(
            out,
            "  l{} [label=\"{}\\n#{} ({} point{})\"];",
            l.seq,
            dot_str(&l.name),
            l.seq,
            l.points,
            if l.points == 1 { "" } else { "s" }
        );
        let mut drawn: Vec<u64> = Vec::new();
        for u in &l.uses {
            let reads = matches!(u.access, Access::Read | Access::ReadWrite);
            // Several views of one store make one edge.
            if !reads || drawn.contains(&u.storage) {
                continue;
            }
            drawn.push(u.storage);
            let label = format!("s{} {}", u.storage, dot_str(&u.label));
            match last_writer.get(&u.storage) {
                Some(w) if *w != l.seq => {
                    let _ = writeln!(out, "  l{w} -> l{} [label=\"{label}\"];", l.seq);
                }
                Some(_) => {}
                None => {
                    if !sources.contains(&u.storage) {
                        sources.push(u.storage);
                        let _ =
                            writeln!(out, "  s{} [shape=ellipse, label=\"{label}\"];", u.storage);
                    }
                    let _ = writeln!(out, "  s{} -> l{};", u.storage, l.seq);
                }
            }
        }
        for u in &l.uses {
            if !matches!(u.access, Access::Read) {
                last_writer.insert(u.storage, l.seq);
            }
        }
    }
    out.push_str("}\n");
    out
}

/// The event graph: a node per point task that ran, in a cluster per launch, and an edge
/// from each task to the tasks that waited for it.
fn event_dot(intervals: &[Interval]) -> String {
    let mut out = dot_header("events");
    let mut by_launch: Vec<&Interval> = intervals.iter().collect();
    by_launch.sort_by_key(|i| (i.launch, i.point, i.id));
    for group in by_launch.chunk_by(|a, b| a.launch == b.launch) {
        let head = group[0];
        let _ = writeln!(
            out,
            "  subgraph cluster_{} {{\n    label=\"#{} {}\";",
            head.launch,
            head.launch,
            dot_str(&head.name)
        );
        for i in group {
            let _ = writeln!(
                out,
                "    n{} [label=\"{} [{}]\\n{} {:.1} µs\"];",
                i.id,
                dot_str(&i.name),
                i.point,
                i.lane.label(),
                (i.end - i.start) as f64 / 1e3
            );
        }
        out.push_str("  }\n");
    }
    for i in intervals {
        for p in &i.preds {
            let _ = writeln!(out, "  n{p} -> n{};", i.id);
        }
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(id: u64, name: &str, launch: u64, lane: Lane, start: u64, preds: Vec<u64>) -> Interval {
        Interval {
            id,
            name: Arc::from(name),
            kind: NodeKind::Task,
            launch,
            point: 0,
            lane,
            start,
            end: start + 1000,
            preds,
        }
    }

    #[test]
    fn json_strings_escape_quotes_controls_and_script_ends() {
        assert_eq!(
            json_str("a\"b\\c\n</script>"),
            "\"a\\\"b\\\\c\\u000a\\u003c/script>\""
        );
    }

    #[test]
    fn the_dataflow_graph_links_the_last_writer_to_each_reader() {
        let name: Arc<str> = Arc::from("lib.t");
        let rec = |seq, uses: Vec<(u64, Access)>| LaunchRecord {
            seq,
            name: Arc::clone(&name),
            points: 2,
            uses: uses
                .into_iter()
                .map(|(storage, access)| StoreUse {
                    storage,
                    access,
                    label: "float64 (4,)".into(),
                })
                .collect(),
        };
        let dot = dataflow_dot(&[
            rec(1, vec![(7, Access::Read), (8, Access::Write)]),
            rec(2, vec![(8, Access::Read), (9, Access::Write)]),
            rec(
                3,
                vec![(8, Access::Read), (8, Access::Read), (9, Access::ReadWrite)],
            ),
        ]);
        assert_eq!(
            dot.matches("l1 -> l3 ").count(),
            1,
            "one edge per store: {dot}"
        );
        assert!(dot.contains("s7 -> l1;"), "{dot}");
        assert!(dot.contains("l1 -> l2 [label=\"s8"), "{dot}");
        assert!(dot.contains("l1 -> l3 [label=\"s8"), "{dot}");
        assert!(dot.contains("l2 -> l3 [label=\"s9"), "{dot}");
        assert!(!dot.contains("s8 ["), "a written store is no source: {dot}");
    }

    #[test]
    fn the_event_graph_clusters_points_by_launch_and_draws_each_wait() {
        let cpu = |index| Lane { order: 1, index };
        let dot = event_dot(&[
            run(1, "a", 1, cpu(0), 0, vec![]),
            run(2, "a", 1, cpu(1), 0, vec![]),
            run(3, "b", 2, cpu(0), 2000, vec![1, 2]),
        ]);
        assert_eq!(dot.matches("subgraph cluster_").count(), 2, "{dot}");
        assert!(
            dot.contains("n1 -> n3;") && dot.contains("n2 -> n3;"),
            "{dot}"
        );
    }

    #[test]
    fn the_trace_names_every_lane_and_the_page_sums_time_per_task() {
        let runs = [
            run(1, "a", 1, Lane { order: 1, index: 0 }, 0, vec![]),
            run(2, "a", 1, Lane { order: 1, index: 1 }, 0, vec![]),
            run(3, "b", 2, Lane::of(None), 3000, vec![]),
        ];
        let trace = trace_json(&runs);
        for lane in ["issuing thread", "CPU 0", "CPU 1"] {
            assert!(trace.contains(&format!("\"name\":\"{lane}\"")), "{trace}");
        }
        assert_eq!(trace.matches("\"ph\":\"X\"").count(), 3);
        let html = timeline_html(&runs);
        assert!(
            html.contains("<tr><td>a</td><td>2</td><td>0.002</td><td>1.0</td></tr>"),
            "{html}"
        );
        assert!(html.contains("3 task runs"));
    }
}
