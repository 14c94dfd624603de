"""A throwaway PostgreSQL cluster for the run: made in the scratch directory, gone after.

:func:`shared` starts it the first time a section needs it; each server then gets a
database of its own (:meth:`Cluster.new_database`); :func:`stop_shared` ends it.

``initdb`` and ``pg_ctl`` come from Debian's packages (/usr/lib/postgresql/<version>/bin).
The cluster listens on loopback only, on a free port, with no Unix socket, password
authentication (SCRAM) and PostgreSQL's durable defaults (fsync and synchronous commit
on); it runs on the server core, beside the server it serves, so the load generator's
core stays its own. It serves this run's load only, so its processes' CPU time (the
postmaster's tree: the backends serving the server's connections and the background
writers) is the database's cost of that load.

PostgreSQL refuses to run as root: run as root, the cluster runs as the ``postgres``
user (Debian's package makes it) through ``runuser``.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import procfs
from servers import HOST, SERVER_CORE, free_port

USER = "bench"


class PostgresUnavailable(Exception):
    """No PostgreSQL to start here (not installed, or no unprivileged user to run it)."""


def binaries() -> Path:
    """The newest installed PostgreSQL's bin directory."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if not found:
        raise PostgresUnavailable("PostgreSQL is not installed (bench/setup installs Debian's postgresql as root)")
    return found[-1].parent


def _as_owner() -> tuple[list[str], int | None]:
    """The command prefix that runs PostgreSQL's programs, and the user ID owning its files."""
    if os.geteuid() != 0:
        return [], None
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailable("running as root and there is no postgres user to run PostgreSQL as") from None
    return ["runuser", "-u", "postgres", "--"], owner.pw_uid


@dataclass
class Cluster:
    """A running throwaway cluster."""

    directory: Path
    port: int
    password: str
    prefix: list[str]
    bin: Path
    databases: int = 0

    def new_database(self, name: str) -> str:
        """Create an empty database (``name`` and a number, so each is new); its URL (a server's
        ``--database-url``)."""
        self.databases += 1
        name = f"{name}_{self.databases}"
        _run([str(self.bin / "createdb"), "-h", HOST, "-p", str(self.port), "-U", USER, name], "createdb",
             env={"PGPASSWORD": self.password})
        return f"postgresql://{USER}:{self.password}@{HOST}:{self.port}/{name}"

    @property
    def postmaster_pid(self) -> int:
        return int((self.directory / "data" / "postmaster.pid").read_text().split()[0])

    def cpu_seconds(self) -> float:
        """CPU time of the whole cluster: the postmaster, its backends and background processes."""
        return procfs.tree_cpu_seconds(self.postmaster_pid)

    def stop(self) -> None:
        """Stop the cluster (fast shutdown) and delete its files."""
        subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast",
                        "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.directory, ignore_errors=True)


def _run(argv: list[str], what: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise RuntimeError(f"{what} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-800:]}")


def start(scratch: Path) -> Cluster:
    """Make and start a cluster under ``scratch``, with one empty database for the server."""
    bin_dir = binaries()
    prefix, uid = _as_owner()
    directory = scratch / "postgres"
    directory.mkdir()
    if uid is not None:
        # The postgres user must reach its directory: the scratch directory (mode 0700) is opened for traversal only.
        scratch.chmod(0o711)
        os.chown(directory, uid, -1)
    password = secrets.token_hex(16)
    pwfile = directory / "password"
    pwfile.write_text(password + "\n")
    if uid is not None:
        os.chown(pwfile, uid, -1)
    cluster = Cluster(directory, free_port(), password, prefix, bin_dir)
    data = directory / "data"
    _run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", USER, f"--pwfile={pwfile}",
          "--auth=scram-sha-256", "-E", "UTF8", "--locale=C"], "initdb")
    options = (f"-c listen_addresses={HOST} -c port={cluster.port} -c unix_socket_directories='' "
               "-c fsync=on -c synchronous_commit=on -c max_connections=200")
    try:
        _run(["taskset", "-c", str(SERVER_CORE), *prefix, str(bin_dir / "pg_ctl"), "-D", str(data),
              "-l", str(directory / "postgres.log"), "-o", options, "-w", "-t", "60", "start"], "pg_ctl start")
    except Exception:
        cluster.stop()
        raise
    return cluster


_shared: list[Cluster] = []


def shared(scratch: Path) -> Cluster:
    """The run's cluster, started on first use."""
    if not _shared:
        _shared.append(start(scratch))
    return _shared[0]


def stop_shared() -> None:
    """Stop the run's cluster, if one was started (called on the way out, also after errors)."""
    while _shared:
        _shared.pop().stop()
