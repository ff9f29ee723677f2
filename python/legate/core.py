"""Runtime information: the machine the runtime drives and its configuration."""

from . import _legate


def _machine():
    return _legate.machine()


def num_cpus():
    """The CPU workers of this rank (``--cpus``)."""
    return _machine()[0]


def num_omps():
    """The OMP groups of this rank (``--omps``)."""
    return _machine()[1]


def num_gpus():
    """The GPUs driven (zero until the GPU backend lands)."""
    return _machine()[2]


def num_ranks():
    """The ranks of the program (``legate --nodes N --ranks-per-node R``, or the size of
    the ``mpirun`` job that runs it)."""
    return _machine()[3]


def rank():
    """This process's rank (0 on one rank). Every rank runs the whole program; output
    that all of them would print, a program prints where ``rank() == 0``."""
    return _legate.rank()


def config():
    """The runtime's configuration, as the ``--show-config`` summary prints it."""
    return _legate.config()


def stats():
    """The runtime's counters (launches, point tasks, bytes copied, images, fusion)."""
    return _legate.stats()


def fence():
    """Waits for every operation launched so far."""
    _legate.fence()


def write_profiles():
    """Waits for all work, then writes the files of the tools the configuration turns on
    (``--profile``: ``<logdir>/legate_prof/index.html`` and ``trace.json``;
    ``--dataflow`` and ``--event``: GraphViz graphs) and returns their paths. The package
    calls it when the interpreter exits; a program may call it earlier to look at a
    partial run. Raises ``OSError`` when a file cannot be written."""
    return _legate.write_profiles()


# ---------------------------------------------------------------- the library interface
#
# Stores, Python functions as task bodies, and auto and manual launches with partitioning
# constraints, as a library written in Python uses them:
#
#     @task
#     def add_kernel(a, b, c):          # NumPy copies of this point's pieces
#         c[...] = a + b
#
#     runtime = get_legate_runtime()
#     C = runtime.create_store(A.shape, A.dtype)
#     t = runtime.create_task(add_kernel)
#     t.add_input(A, B)
#     t.add_output(C)
#     t.add_equality(A, B, C)
#     t.execute()

import numpy as _np


class Store:
    """A store of the runtime: typed, shaped, cut into pieces by the launches that use it."""

    __slots__ = ("_s",)

    def __init__(self, handle):
        self._s = handle

    @property
    def shape(self):
        return self._s.shape

    @property
    def ndim(self):
        return len(self._s.shape)

    @property
    def dtype(self):
        return _np.dtype(self._s.dtype)

    def to_array(self):
        """The store as a ``legate.dense`` array (sharing it: no copy)."""
        from . import dense

        return dense._wrap(self._s.array())

    def to_numpy(self):
        """A NumPy copy of the store's values (waits for their writers)."""
        return self._s.array().to_numpy()

    def partition_by_tiling(self, tile):
        """The store cut into tiles of extent ``tile`` (for a manual task)."""
        return StorePartition(self, [int(t) for t in tile])

    def __repr__(self):
        return f"Store(shape={self.shape}, dtype={self.dtype})"


class StorePartition:
    """A store cut into tiles; point ``c`` of a manual launch gets tile ``c``."""

    def __init__(self, store, tile):
        self.store, self.tile = store, tile


def as_store(x):
    """The store of a ``legate.dense`` array (shared), or ``x`` itself if a ``Store``."""
    if isinstance(x, Store):
        return x
    from . import dense

    return Store(_legate.store_of(dense.asarray(x)._h))


class TaskFunction:
    """A Python function registered as a task body (see :func:`task`). Calling it with
    stores (or ``legate.dense`` arrays) launches it: the parameters annotated
    ``OutputStore`` are outputs, the others inputs, and all are aligned."""

    def __init__(self, func, name=None):
        self.func = func
        self.name = name or func.__qualname__
        self.task_id = _legate.register_task(func, self.name)

    def __call__(self, *args):
        import inspect

        params = list(inspect.signature(self.func).parameters.values())
        t = AutoTask(self)
        stores = []
        for p, a in zip(params, args):
            if p.annotation is OutputStore or p.annotation == "OutputStore":
                t.add_output(as_store(a))
                stores.append(as_store(a))
            elif isinstance(a, (Store,)) or hasattr(a, "_h"):
                t.add_input(as_store(a))
                stores.append(as_store(a))
            else:
                t.add_scalar_arg(a)
        if len(stores) > 1:
            t.add_equality(*stores)
        t.execute()

    def __repr__(self):
        return f"<legate task {self.name} (id {self.task_id})>"


class InputStore:
    """Annotation: a parameter of a task that reads its store."""


class OutputStore:
    """Annotation: a parameter of a task that writes its store."""


def task(func=None, *, name=None):
    """Registers a Python function as a task body: it receives NumPy copies of its
    point's pieces (inputs, then outputs, then reduction accumulators, then the scalar
    arguments), and what it writes into the output and accumulator arrays is written
    back. A launch of a Python task waits for it to finish."""
    if func is None:
        return lambda f: TaskFunction(f, name)
    return TaskFunction(func, name)


class _Constraint:
    def __init__(self, kind, stores, *params):
        self.kind, self.stores, self.params = kind, stores, params


def align(a, b):
    """``a`` and ``b`` are cut the same way (element ``i`` with element ``i``)."""
    return _Constraint("align", [a, b])


def broadcast(a, axes=()):
    """``a`` is not cut along ``axes`` (along any axis when empty)."""
    return _Constraint("broadcast", [a], [int(x) for x in axes])


def image(src, dst, kind="minmax"):
    """``dst`` is cut by the values of ``src``'s pieces (``"minmax"``, ``"firstlast"``
    or ``"exact"``; an ``n x 2`` source names ranges)."""
    return _Constraint("image", [src, dst], kind)


def bloat(a, b, low, high):
    """``b``'s pieces are ``a``'s grown by ``low`` below and ``high`` above."""
    return _Constraint("bloat", [a, b], [int(x) for x in low], [int(x) for x in high])


def scale(factors, a, b):
    """``b``'s pieces are ``a``'s scaled by ``factors``."""
    return _Constraint("scale", [a, b], [int(x) for x in factors])


_REDUCTIONS = {"add", "sum", "mul", "prod", "max", "min", "or", "and", "xor"}


class AutoTask:
    """A launch whose partitions the runtime chooses from its constraints."""

    def __init__(self, fn):
        self._fn = fn
        self._inputs, self._outputs, self._reductions = [], [], []
        self._scalars, self._constraints = [], []

    def add_input(self, *stores):
        self._inputs += [as_store(s) for s in stores]

    def add_output(self, *stores):
        self._outputs += [as_store(s) for s in stores]

    def add_reduction(self, store, op="add"):
        if op not in _REDUCTIONS:
            raise ValueError(f"unknown reduction {op!r} (one of {sorted(_REDUCTIONS)})")
        self._reductions.append((as_store(store), op))

    def add_scalar_arg(self, value, dtype=None):
        self._scalars.append(value.item() if isinstance(value, _np.generic) else value)

    def add_constraint(self, c):
        self._constraints.append(c)

    def add_alignment(self, a, b):
        self.add_constraint(align(a, b))

    def add_equality(self, *stores):
        """All the stores are cut alike (the blog's spelling of ``align``)."""
        for a, b in zip(stores, stores[1:]):
            self.add_constraint(align(a, b))

    def add_broadcast(self, store, axes=()):
        self.add_constraint(broadcast(store, axes))

    def _position(self, store):
        store = as_store(store)
        args = self._inputs + self._outputs + [s for s, _ in self._reductions]
        for i, s in enumerate(args):
            if s._s.same(store._s):
                return i
        raise ValueError(f"{store!r} is not an argument of this task")

    def execute(self):
        specs = []
        for c in self._constraints:
            pos = [self._position(s) for s in c.stores]
            if c.kind == "scale":
                specs.append(("scale", pos[0], pos[1], c.params[0]))
            elif c.kind == "broadcast":
                specs.append(("broadcast", pos[0], c.params[0]))
            else:
                specs.append((c.kind, *pos, *c.params))
        _legate.execute_auto(
            self._fn.task_id,
            [s._s for s in self._inputs],
            [s._s for s in self._outputs],
            [(s._s, op) for s, op in self._reductions],
            self._scalars,
            specs,
        )


class ManualTask:
    """A launch over a domain the library gives, with the tiles it chooses."""

    def __init__(self, fn, launch_shape):
        self._fn, self._shape = fn, [int(s) for s in launch_shape]
        self._inputs, self._outputs, self._scalars = [], [], []

    @staticmethod
    def _arg(x):
        if isinstance(x, StorePartition):
            return (x.store._s, x.tile)
        return (as_store(x)._s, None)

    def add_input(self, *args):
        self._inputs += [self._arg(a) for a in args]

    def add_output(self, *args):
        self._outputs += [self._arg(a) for a in args]

    def add_scalar_arg(self, value, dtype=None):
        self._scalars.append(value.item() if isinstance(value, _np.generic) else value)

    def execute(self):
        _legate.execute_manual(self._fn.task_id, self._shape, self._inputs, self._outputs,
                               self._scalars)


class Runtime:
    """The process-wide runtime (``get_legate_runtime()``)."""

    def create_store(self, shape, dtype=float):
        return Store(_legate.create_store([int(s) for s in shape], _np.dtype(dtype).name))

    def create_auto_task(self, fn):
        if not isinstance(fn, TaskFunction):
            raise TypeError("create_auto_task needs a function decorated with @task")
        return AutoTask(fn)

    create_task = create_auto_task

    def create_manual_task(self, fn, launch_shape):
        if not isinstance(fn, TaskFunction):
            raise TypeError("create_manual_task needs a function decorated with @task")
        return ManualTask(fn, launch_shape)

    def issue_execution_fence(self, block=True):
        fence()

    @property
    def num_cpus(self):
        return num_cpus()

    @property
    def num_gpus(self):
        return num_gpus()


_RUNTIME = Runtime()


def get_legate_runtime():
    """The runtime."""
    return _RUNTIME
