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
    """The ranks of the program."""
    return _machine()[3]


def config():
    """The runtime's configuration, as the ``--show-config`` summary prints it."""
    return _legate.config()


def stats():
    """The runtime's counters (launches, point tasks, bytes copied, images, fusion)."""
    return _legate.stats()


def fence():
    """Waits for every operation launched so far."""
    _legate.fence()
