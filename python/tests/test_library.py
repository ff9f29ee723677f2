"""The library interface from Python: the blog's ``add(A, B)`` walk-through, tasks
whose bodies are Python functions over NumPy views of their pieces, constraints,
reductions, manual launches and errors in bodies."""

import numpy
import pytest

import legate.core as lc
import legate.dense as np
from legate.core import get_legate_runtime, task

SEEN = []


@task
def add_kernel(a, b, c):
    SEEN.append(a.shape)
    c[...] = a + b


def add(A, B):
    # The blog's walk-through, line by line.
    runtime = get_legate_runtime()
    # Create the output array.
    C = runtime.create_store(A.shape, A.dtype)
    # Create a task.
    task = runtime.create_task(add_kernel)
    # Describe how the task will operate on stores.
    task.add_input(A, B)  # Read from A and B.
    task.add_output(C)    # Write to C.
    # Constrain the partitioning of stores.
    task.add_equality(A, B, C)
    # Issue the task into the runtime.
    task.execute()
    return C


def test_the_blogs_add_walk_through():
    SEEN.clear()
    n = 200_000  # above the default --min-cpu-chunk, so the launch is cut
    a, b = np.arange(float(n)), np.ones(n) * 2
    C = add(a.store, b.store)
    assert isinstance(C, lc.Store) and C.shape == (n,) and C.dtype == numpy.float64
    numpy.testing.assert_array_equal(C.to_numpy(), numpy.arange(float(n)) + 2)
    # The launch was cut into one piece per CPU, each seeing only its rows.
    assert sum(s[0] for s in SEEN) == n
    assert len(SEEN) == lc.num_cpus()
    # The result composes with legate.dense without copies.
    assert float(np.sum(C.to_array())) == float(numpy.sum(numpy.arange(float(n)) + 2))


@task
def scaled_sum(x, total, factor):
    total[...] += factor * x.sum()


def test_reductions_scalars_and_broadcast():
    runtime = get_legate_runtime()
    x = np.arange(100.0).store
    total = np.zeros(()).store
    t = runtime.create_auto_task(scaled_sum)
    t.add_input(x)
    t.add_reduction(total, "add")
    t.add_scalar_arg(3.0)
    t.execute()
    assert float(total.to_array()) == 3.0 * 4950.0
    with pytest.raises(ValueError):
        t.add_reduction(total, "avg")


@task
def stencil_kernel(src, dst):
    dst[...] = src * 10


def test_constraints_and_direct_calls():
    runtime = get_legate_runtime()
    grid = np.arange(24.0).reshape(4, 6)
    out = runtime.create_store((4, 6), numpy.float64)
    t = runtime.create_task(stencil_kernel)
    t.add_input(grid.store)
    t.add_output(out)
    t.add_constraint(lc.align(grid.store, out))
    t.add_constraint(lc.broadcast(grid.store, (1,)))
    t.execute()
    numpy.testing.assert_array_equal(out.to_numpy(), numpy.arange(24.0).reshape(4, 6) * 10)

    @task
    def double(a, b: lc.OutputStore):
        b[...] = 2 * a

    res = np.zeros(5)
    double(np.arange(5.0), res)
    assert numpy.asarray(res).tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]


@task
def fill_color(out, value):
    out[...] = value


def test_manual_tasks_take_the_tiles_given():
    runtime = get_legate_runtime()
    s = runtime.create_store((8,), numpy.int64)
    t = runtime.create_manual_task(fill_color, (1,))
    t.add_output(s.partition_by_tiling((8,)))
    t.add_scalar_arg(7)
    t.execute()
    assert s.to_numpy().tolist() == [7] * 8


@task
def broken(a):
    raise ZeroDivisionError("inside the body")


def test_errors_in_bodies_reach_the_caller_and_the_runtime_stays_usable():
    runtime = get_legate_runtime()
    t = runtime.create_task(broken)
    t.add_input(np.ones(4).store)
    with pytest.raises(RuntimeError, match="ZeroDivisionError: inside the body"):
        t.execute()
    t = runtime.create_task(add_kernel)
    t.add_input(np.ones(3).store)
    with pytest.raises(ValueError):
        t.add_equality(np.ones(3).store, np.ones(3).store)
        t.execute()
    with pytest.raises(TypeError):
        runtime.create_task(lambda: None)
    numpy.testing.assert_array_equal(add(np.ones(3).store, np.ones(3).store).to_numpy(), [2.0] * 3)


KEPT = []


@task
def multiply_views(a, b, out):
    # Views of the pieces, not copies: their base keeps the memory; inputs are read-only.
    assert not a.flags.owndata and a.base is not None and not a.flags.writeable
    assert not out.flags.owndata and out.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        a[...] = 0.0
    out[...] = a * b
    KEPT.append((a, out))


def test_bodies_get_views_of_their_pieces_that_stay_valid_and_read_only_after():
    KEPT.clear()
    runtime = get_legate_runtime()
    base = np.arange(48.0).reshape(8, 6)
    a = base[:, ::-2]  # a reversed, strided view
    b = np.ones((8, 3)) * 3
    out = runtime.create_store((8, 3), numpy.float64)
    t = runtime.create_task(multiply_views)
    t.add_input(a.store, b.store)
    t.add_output(out)
    t.add_equality(a.store, b.store, out)
    t.execute()
    want = numpy.arange(48.0).reshape(8, 6)[:, ::-2] * 3
    numpy.testing.assert_array_equal(out.to_numpy(), want)
    # Views kept past the task still read their piece's memory, and no longer write it.
    assert KEPT
    rows = 0
    for kept_a, kept_out in KEPT:
        assert not kept_out.flags.writeable and not kept_a.flags.writeable
        rows += kept_out.shape[0]
        assert numpy.all(numpy.isin(kept_out, want))
    assert rows == 8
    # The input was not changed by the attempted write.
    numpy.testing.assert_array_equal(numpy.asarray(base), numpy.arange(48.0).reshape(8, 6))
