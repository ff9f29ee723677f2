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
    assert run("--nodes", "2", "x.py").returncode != 0
    assert run("--bogus").returncode != 0


def test_timing_waits_and_counts_microseconds():
    import legate.timing

    t0 = legate.timing.time()
    t1 = legate.timing.time()
    assert t1 >= t0 and isinstance(t0, int)
    assert legate.timing.time("ns") > t1
