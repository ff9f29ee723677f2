//! The runtime seen from Python: `legate.core` and `legate.timing`.

use std::sync::Arc;

use legate_dense::Dense;
use legate_sparse::Sparse;
use pyo3::prelude::*;

use crate::errors::IntoPy;

/// legate-dense on the process-wide runtime (configured from `LEGATE_CONFIG`).
pub fn dense() -> PyResult<Arc<Dense>> {
    Dense::global().py()
}

/// legate-sparse on the process-wide runtime.
pub fn sparse() -> PyResult<Arc<Sparse>> {
    Sparse::global().py()
}

/// `(cpus, omps, gpus, ranks)` of the runtime's machine.
#[pyfunction]
fn machine() -> PyResult<(usize, usize, usize, usize)> {
    use legate_core::ProcessorKind;
    let d = dense()?;
    let m = d.runtime().machine();
    Ok((
        m.count(ProcessorKind::Cpu),
        m.count(ProcessorKind::Omp),
        m.count(ProcessorKind::Gpu),
        m.num_ranks(),
    ))
}

/// This process's rank among the program's ranks (0 on one rank).
#[pyfunction]
fn rank() -> PyResult<usize> {
    Ok(dense()?.runtime().comm().rank())
}

/// The configuration in upstream flag syntax.
#[pyfunction]
fn config() -> PyResult<String> {
    Ok(dense()?.runtime().config().summary())
}

/// Waits for all launched work (`legate.timing.time()` waits, then reads the clock).
#[pyfunction]
fn fence(py: Python<'_>) -> PyResult<()> {
    let d = dense()?;
    py.detach(|| d.runtime().fence()).py()
}

/// The runtime's counters, as a dict.
#[pyfunction]
fn stats(py: Python<'_>) -> PyResult<Bound<'_, pyo3::types::PyDict>> {
    let s = dense()?.runtime().stats();
    let d = pyo3::types::PyDict::new(py);
    for (k, v) in [
        ("launches", s.launches),
        ("point_tasks", s.point_tasks),
        ("bytes_copied", s.bytes_copied),
        ("images_computed", s.images_computed),
        ("image_cache_hits", s.image_cache_hits),
        ("fused_launches", s.fused_launches),
        ("temporaries_elided", s.temporaries_elided),
        ("bytes_allocated", s.bytes_allocated),
        ("peak_bytes_allocated", s.peak_bytes_allocated),
        ("bytes_cached", s.bytes_cached),
        ("buffers_reused", s.buffers_reused),
        ("tasks_run", s.tasks_run),
        ("inline_runs", s.inline_runs),
        ("partitions_created", s.partitions_created),
        ("key_partition_reuses", s.key_partition_reuses),
        ("elementwise_ops", s.elementwise_ops),
    ] {
        d.set_item(k, v)?;
    }
    Ok(d)
}

/// Writes the files of `--profile`, `--dataflow` and `--event` (after waiting for all
/// work) and returns their paths; none when every tool is off or the runtime never started.
#[pyfunction]
fn write_profiles(py: Python<'_>) -> PyResult<Vec<String>> {
    let Some(rt) = legate_core::Runtime::existing_global() else {
        return Ok(Vec::new());
    };
    let files = py.detach(|| rt.write_profiles()).py()?;
    Ok(files.iter().map(|f| f.display().to_string()).collect())
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(write_profiles, m)?)?;
    m.add_function(wrap_pyfunction!(machine, m)?)?;
    m.add_function(wrap_pyfunction!(rank, m)?)?;
    m.add_function(wrap_pyfunction!(config, m)?)?;
    m.add_function(wrap_pyfunction!(fence, m)?)?;
    m.add_function(wrap_pyfunction!(stats, m)?)?;
    Ok(())
}
