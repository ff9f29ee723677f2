"""The ``legate`` console script: ``legate [flags] prog.py [args]``.

The upstream flags are gathered into ``LEGATE_CONFIG`` for the runtime (which reads it at
its first use), then the program runs in this interpreter. Without a program, an
interactive session starts. ``--dry-run`` prints the configuration and exits;
``--module`` runs a module as ``python -m`` does.
"""

import argparse
import code
import os
import runpy
import sys

# Flags the runtime reads from LEGATE_CONFIG.
_VALUE_FLAGS = [
    "--cpus", "--gpus", "--omps", "--ompthreads", "--utility", "--sysmem", "--fbmem",
    "--zcmem", "--numamem", "--min-cpu-chunk", "--min-omp-chunk", "--logdir",
]
_SWITCHES = [
    "--show-config", "--no-fusion", "--no-compose", "--profile", "--dataflow", "--event",
]
# Flags of the driver itself.
_DRIVER_VALUES = ["--nodes", "--ranks-per-node", "--launcher"]
_DRIVER_SWITCHES = ["--verbose"]


def _parser():
    p = argparse.ArgumentParser(prog="legate", description=__doc__.splitlines()[0])
    for f in _VALUE_FLAGS + _DRIVER_VALUES:
        p.add_argument(f)
    for f in _SWITCHES + _DRIVER_SWITCHES:
        p.add_argument(f, action="store_true")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--module", metavar="MODULE")
    p.add_argument("program", nargs="?")
    p.add_argument("args", nargs=argparse.REMAINDER)
    return p


def config_string(ns):
    """The ``LEGATE_CONFIG`` value for parsed flags."""
    parts = []
    for f in _VALUE_FLAGS:
        v = getattr(ns, f[2:].replace("-", "_"))
        if v is not None:
            parts += [f, str(v)]
    for f in _SWITCHES:
        if getattr(ns, f[2:].replace("-", "_")):
            parts.append(f)
    return " ".join(parts)


def main(argv=None):
    ns = _parser().parse_args(argv)
    if ns.nodes not in (None, "1") or ns.ranks_per_node not in (None, "1"):
        print("legate: more than one rank needs control replication over MPI, which the "
              "runtime does not do yet (legate-core's MpiComm is its communicator)",
              file=sys.stderr)
        return 2
    extra = config_string(ns)
    if extra:
        os.environ["LEGATE_CONFIG"] = (os.environ.get("LEGATE_CONFIG", "") + " " + extra).strip()
    if ns.verbose:
        print(f"legate: LEGATE_CONFIG={os.environ.get('LEGATE_CONFIG', '')}", file=sys.stderr)
    if ns.dry_run:
        print(f"LEGATE_CONFIG={os.environ.get('LEGATE_CONFIG', '')}")
        return 0
    if ns.module:
        sys.argv = [ns.module] + ([ns.program] if ns.program else []) + ns.args
        runpy.run_module(ns.module, run_name="__main__", alter_sys=True)
        return 0
    if ns.program is None:
        code.interact(banner="legate (Python %s)" % sys.version.split()[0], local={})
        return 0
    sys.argv = [ns.program] + ns.args
    sys.path.insert(0, os.path.dirname(os.path.abspath(ns.program)))
    runpy.run_path(ns.program, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
