"""The agent's SQLite state database: WAL, synchronous=FULL, migrations on open."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lotedge.state.schema import MIGRATIONS

STATE_FILE = "state.db"


class StateDBError(RuntimeError):
    """The state database cannot be used (newer schema, corrupt file, ...)."""


def connect(path: Path) -> sqlite3.Connection:
    """Open a connection with the durability settings every user of the state file must share."""
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT; rolls back on any exception. Committed means on disk.

    Inside another transaction it is a savepoint: an exception undoes only the inner block,
    and nothing is on disk until the outermost block commits.
    """
    if conn.in_transaction:
        conn.execute("SAVEPOINT inner")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK TO inner")
            conn.execute("RELEASE inner")
            raise
        conn.execute("RELEASE inner")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


#: The state directory and its database, whatever the umask: the daemon's user writes, its
#: group (operators using the CLI) reads; nobody else (docs/security.md).
STATE_DIR_MODE = 0o750
STATE_FILE_MODE = 0o640


def open_state(state_dir: Path) -> sqlite3.Connection:
    """Create the state directory if needed, open the database and bring its schema up to date."""
    state_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(state_dir, STATE_DIR_MODE)
    conn = connect(state_dir / STATE_FILE)
    for name in (STATE_FILE, f"{STATE_FILE}-wal", f"{STATE_FILE}-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(state_dir / name, STATE_FILE_MODE)
    migrate(conn)
    return conn


def migrate(conn: sqlite3.Connection, upto: int | None = None) -> int:
    """Apply missing migrations (up to version `upto`, default all), each in its own
    transaction; returns the schema version."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    latest = MIGRATIONS[-1][0] if upto is None else upto
    if current > latest:
        raise StateDBError(
            f"state database has schema version {current}, newer than this lotedge ({latest}); "
            "upgrade lotedge or point it at another state directory"
        )
    for version, _name, step in MIGRATIONS:
        if version <= current or version > latest:
            continue
        with transaction(conn):
            if callable(step):
                step(conn)
            else:
                for statement in step.split(";"):
                    if statement.strip():
                        conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
    return latest


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection that can only read the state file (it must exist)."""
    conn = sqlite3.connect(
        f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
    )
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def open_state_readonly(state_dir: Path) -> sqlite3.Connection:
    """The state for looking only (`lotedge parse`, `lot preview`): read-only when it exists and
    is current, else an empty in-memory state. Never creates or migrates anything on disk."""
    path = state_dir / STATE_FILE
    if path.exists():
        conn = connect_readonly(path)
        if conn.execute("PRAGMA user_version").fetchone()[0] == MIGRATIONS[-1][0]:
            return conn
        conn.close()
    conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    migrate(conn)
    return conn
