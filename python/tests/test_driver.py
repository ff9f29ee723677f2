"""The ``legate`` driver: flags become ``LEGATE_CONFIG``, programs run with them."""

import os
import subprocess
import sys

BIN = os.path.join(os.path.dirname(sys.executable), "legate")


def run(*args, **env):
    e = dict(os.environ)
    e.pop("LEGATE_CONFIG", None)
    e.update(env)
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=e)


def test_dry_run_prints_the_configuration():
    out = run("--cpus", "3", "--sysmem", "500", "--no-fusion", "--dry-run")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "LEGATE_CONFIG=--cpus 3 --sysmem 500 --no-fusion"


def test_a_program_runs_on_the_cpus_asked_for(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(
        "import sys, legate.core, legate.dense as np\n"
        "print(legate.core.num_cpus(), float(np.arange(10.0).sum()), sys.argv[1:])\n"
    )
    out = run("--cpus", "3", str(prog), "a", "--b")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["3", "45.0", "['a',", "'--b']"]


def test_modules_and_bad_flags():
    out = run("--cpus", "2", "--module", "json.tool", "--help")
    assert out.returncode == 0
    assert run("--nodes", "0", "x.py").returncode != 0
    assert run("--bogus").returncode != 0


def test_timing_waits_and_counts_microseconds():
    import legate.timing

    t0 = legate.timing.time()
    t1 = legate.timing.time()
    assert t1 >= t0 and isinstance(t0, int)
    assert legate.timing.time("ns") > t1


PROGRAM = (
    "import legate.dense as np\n"
    "x = np.arange(100000.0)\n"
    "y = np.sort(x[::-1] * 2.0)\n"
    "print(float(y.sum()))\n"
)


def test_profile_writes_a_timeline_when_the_program_ends(tmp_path):
    import json

    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAM)
    out = run("--cpus", "2", "--profile", "--logdir", str(tmp_path), str(prog))
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) == 2.0 * sum(range(100000))
    prof = tmp_path / "legate_prof"
    assert f"legate: wrote {prof / 'index.html'}" in out.stderr
    trace = json.loads((prof / "trace.json").read_text())
    runs = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    lanes = {e["args"]["name"] for e in trace["traceEvents"] if e["ph"] == "M"}
    assert runs and all(e["dur"] >= 0 for e in runs)
    assert any(e["name"].startswith("legate.dense.") for e in runs)
    assert lanes <= {"issuing thread", "CPU 0", "CPU 1"} and lanes & {"CPU 0", "CPU 1"}
    assert "<canvas" in (prof / "index.html").read_text()
    assert not (tmp_path / "dataflow_legate.dot").exists()


def test_dataflow_and_event_graphs_from_the_config_variable(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAM)
    e = dict(os.environ)
    e["LEGATE_CONFIG"] = f"--cpus 2 --dataflow --event --logdir {tmp_path}"
    out = subprocess.run([sys.executable, str(prog)], capture_output=True, text=True, env=e)
    assert out.returncode == 0, out.stderr
    dataflow = (tmp_path / "dataflow_legate.dot").read_text()
    events = (tmp_path / "event_graph_legate.dot").read_text()
    assert dataflow.startswith("digraph dataflow") and " -> " in dataflow
    assert events.startswith("digraph events") and "subgraph cluster_" in events
    assert not (tmp_path / "legate_prof").exists()


def test_no_tool_writes_nothing(tmp_path):
    prog = tmp_path / "prog.py"
    prog.write_text(PROGRAM)
    out = run("--cpus", "1", "--logdir", str(tmp_path / "logs"), str(prog))
    assert out.returncode == 0, out.stderr
    assert "legate: wrote" not in out.stderr
    assert not (tmp_path / "logs").exists()
