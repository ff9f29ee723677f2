"""The ``legate`` console script: ``legate [flags] prog.py [args]``.

The upstream flags are gathered into ``LEGATE_CONFIG`` for the runtime (which reads it at
its first use), then the program runs in this interpreter. Without a program, an
interactive session starts. ``--dry-run`` prints the configuration and exits;
``--module`` runs a module as ``python -m`` does.

With ``--nodes N`` and ``--ranks-per-node R`` above one rank in all, the program runs as
an MPI job of ``N * R`` ranks: the driver execs the launcher (``--launcher mpirun``, the
default, ``srun`` or ``jsrun``) on this interpreter and the program, with ``LEGATE_CONFIG``
exported. Every rank runs the whole program, each running its share of every operation
(control replication); ``--dry-run`` prints the launch command as well.
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


def _count(value, flag):
    try:
        n = int(value if value is not None else 1)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{flag} takes a positive number of ranks, not {value!r}")
    return n


def launch_command(ns):
    """The command that runs the program as an MPI job, or ``None`` for one rank."""
    nodes = _count(ns.nodes, "--nodes")
    per_node = _count(ns.ranks_per_node, "--ranks-per-node")
    if nodes * per_node == 1:
        return None
    launcher = ns.launcher or "mpirun"
    if ns.module:
        target = ["-m", ns.module] + ([ns.program] if ns.program else [])
    elif ns.program:
        target = [ns.program]
    else:
        raise ValueError("several ranks run a program, not an interactive session")
    python = [sys.executable] + target + ns.args
    if launcher == "mpirun":
        cmd = ["mpirun", "-np", str(nodes * per_node), "--oversubscribe",
               "-x", "LEGATE_CONFIG"]
        if nodes > 1:
            cmd += ["--map-by", f"ppr:{per_node}:node"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-run-as-root")
        return cmd + python
    if launcher == "srun":
        return ["srun", "-N", str(nodes), f"--ntasks-per-node={per_node}",
                "--export=ALL"] + python
    if launcher == "jsrun":
        return ["jsrun", "-n", str(nodes), "-r", "1", "-a", str(per_node),
                "-E", "LEGATE_CONFIG"] + python
    raise ValueError(f"--launcher {launcher}: several ranks need mpirun, srun or jsrun")


def main(argv=None):
    ns = _parser().parse_args(argv)
    try:
        command = launch_command(ns)
    except ValueError as e:
        print(f"legate: {e}", file=sys.stderr)
        return 2
    extra = config_string(ns)
    if extra:
        os.environ["LEGATE_CONFIG"] = (os.environ.get("LEGATE_CONFIG", "") + " " + extra).strip()
    os.environ.setdefault("LEGATE_CONFIG", "")
    if ns.verbose:
        print(f"legate: LEGATE_CONFIG={os.environ.get('LEGATE_CONFIG', '')}", file=sys.stderr)
        if command:
            print(f"legate: {' '.join(command)}", file=sys.stderr)
    if ns.dry_run:
        print(f"LEGATE_CONFIG={os.environ.get('LEGATE_CONFIG', '')}")
        if command:
            print(" ".join(command))
        return 0
    if command:
        try:
            os.execvp(command[0], command)
        except OSError as e:
            print(f"legate: cannot run {command[0]}: {e}", file=sys.stderr)
            return 2
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
