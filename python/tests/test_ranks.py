"""Several ranks: the blog's two programs, unchanged, as MPI jobs of 2 and 3 ranks
through the ``legate`` driver. Every rank runs the whole program (control replication)
and reads the one-process results: the same bits of the stencil's grid, and the power
iteration's Rayleigh quotient to its last bits on every rank."""

import os
import subprocess
import sys

import pytest

from conftest import PROGRAMS

BIN = os.path.join(os.path.dirname(sys.executable), "legate")

# Runs a blog program, then writes what every rank computed to a file of its own (the
# ranks' standard outputs interleave).
WRAPPER = """
import hashlib, os, runpy, sys
import numpy
import legate.core
g = runpy.run_path(os.path.join({programs!r}, sys.argv[1]))
value = g["grid"] if "grid" in g else g["result"]
digest = hashlib.sha256(numpy.asarray(value).tobytes()).hexdigest()
rank = legate.core.rank()
with open(os.path.join({out!r}, f"rank{{rank}}.txt"), "w") as f:
    print(rank, legate.core.num_ranks(), digest, repr(float(numpy.asarray(value).sum())),
          legate.core.stats()["bytes_copied"] > 0, file=f)
"""

SIZES = {"STENCIL_N": "150", "STENCIL_ITERS": "6", "POWER_N": "2000", "POWER_ITERS": "10"}


def run(args, tmp_path, program):
    out_dir = tmp_path / "out"
    out_dir.mkdir(exist_ok=True)
    for old in out_dir.iterdir():
        old.unlink()
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(WRAPPER.format(programs=PROGRAMS, out=str(out_dir)))
    env = dict(os.environ)
    env.update(SIZES)
    env["LEGATE_CONFIG"] = "--cpus 1 --min-cpu-chunk 256"
    out = subprocess.run([BIN, *args, str(wrapper), program], capture_output=True,
                         text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    return sorted(f.read_text().split() for f in out_dir.iterdir())


@pytest.mark.parametrize("program", ["stencil.py", "power_iteration.py"])
def test_blog_programs_on_ranks_read_the_one_process_results(tmp_path, program):
    (one,) = run([], tmp_path, program)
    assert one[:2] == ["0", "1"]
    for ranks in (2, 3):
        lines = run(["--ranks-per-node", str(ranks)], tmp_path, program)
        assert [l[:2] for l in lines] == [[str(r), str(ranks)] for r in range(ranks)]
        for line in lines:
            if program == "stencil.py":
                # Element-wise work: the same bits as one process.
                assert line[2] == one[2], f"rank {line[0]} of {ranks}"
            else:
                # Norms and dot products add the ranks' partial sums in rank order.
                assert abs(float(line[3]) - float(one[3])) <= 1e-12 * abs(float(one[3]))
            # The same bits on every rank, and data moved between them.
            assert line[2:4] == lines[0][2:4]
            assert line[4] == "True", f"rank {line[0]} of {ranks} received nothing"


def test_the_driver_launches_ranks_with_mpirun_or_srun(tmp_path):
    env = dict(os.environ)
    env.pop("LEGATE_CONFIG", None)

    def dry(*args):
        return subprocess.run([BIN, "--dry-run", *args], capture_output=True, text=True,
                              env=env)

    out = dry("--cpus", "2", "--nodes", "2", "--ranks-per-node", "3", "prog.py", "x")
    assert out.returncode == 0, out.stderr
    config, command = out.stdout.splitlines()
    assert config == "LEGATE_CONFIG=--cpus 2"
    words = command.split()
    assert words[:3] == ["mpirun", "-np", "6"]
    assert "-x" in words and "LEGATE_CONFIG" in words
    assert words[-3:] == [sys.executable, "prog.py", "x"]
    out = dry("--ranks-per-node", "2", "--launcher", "srun", "--module", "m")
    assert out.stdout.splitlines()[1].split()[:4] == ["srun", "-N", "1", "--ntasks-per-node=2"]
    assert out.stdout.split()[-2:] == ["-m", "m"]
    out = dry("--nodes", "2", "--ranks-per-node", "4", "--launcher", "jsrun", "p.py")
    assert out.stdout.splitlines()[1].split()[:7] == ["jsrun", "-n", "2", "-r", "1", "-a", "4"]
    for bad in (["--nodes", "0", "p.py"], ["--ranks-per-node", "x", "p.py"],
                ["--ranks-per-node", "2", "--launcher", "none", "p.py"],
                ["--ranks-per-node", "2"]):
        out = dry(*bad)
        assert out.returncode == 2 and out.stderr.startswith("legate: "), bad


# The blog's `add(A, B)` walk-through and a reduction, with Python task bodies.
LIBRARY = """
import os
import numpy
import legate.core as lc
import legate.dense as np
from legate.core import get_legate_runtime, task

SEEN = []

@task
def add_kernel(a, b, c):
    SEEN.append(a.shape[0])
    c[...] = a + b

@task
def scaled_sum(x, total, factor):
    total[...] += factor * x.sum()

runtime = get_legate_runtime()
n = 200_000
A, B = np.arange(float(n)).store, (np.ones(n) * 2).store
C = runtime.create_store(A.shape, A.dtype)
t = runtime.create_task(add_kernel)
t.add_input(A, B)
t.add_output(C)
t.add_equality(A, B, C)
t.execute()
right = bool(numpy.array_equal(C.to_numpy(), numpy.arange(float(n)) + 2))
total = np.zeros(()).store
t = runtime.create_auto_task(scaled_sum)
t.add_input(A)
t.add_reduction(total, "add")
t.add_scalar_arg(2.0)
t.execute()
with open(os.path.join({out!r}, f"rank{{lc.rank()}}.txt"), "w") as f:
    print(lc.rank(), right, sum(SEEN), float(total.to_numpy()), file=f)
"""


def test_python_task_bodies_run_each_rank_s_own_points(tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    prog = tmp_path / "library.py"
    prog.write_text(LIBRARY.format(out=str(out_dir)))
    env = dict(os.environ)
    env["LEGATE_CONFIG"] = "--cpus 1"
    run = subprocess.run([BIN, "--ranks-per-node", "2", str(prog)], capture_output=True,
                         text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    lines = sorted(f.read_text().split() for f in out_dir.iterdir())
    total = repr(2.0 * sum(range(200_000)))
    # Each rank ran the points of its half; both read every value and the whole sum.
    assert lines == [["0", "True", "100000", total], ["1", "True", "100000", total]]
