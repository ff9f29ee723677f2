"""``legate.timing.time()``: the clock after all prior work is done."""

import time as _time

from . import _legate


def time(units="us"):
    """Waits for every operation launched so far, then reads a monotonic clock, in
    microseconds (``units="us"``, the default) or nanoseconds (``"ns"``)."""
    _legate.fence()
    ns = _time.perf_counter_ns()
    if units == "ns":
        return ns
    if units == "us":
        return ns // 1000
    raise ValueError(f"unknown time unit {units!r} (use 'us' or 'ns')")
