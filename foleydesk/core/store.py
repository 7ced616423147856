"""The project file: one SQLite database (WAL), one transaction per edit, versioned schema.

Rows map one-to-one onto the model's dataclasses: a column per field, dicts as JSON, Fractions
as "num/den" text, so a crash can never leave half an edit behind.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from foleydesk.core.filelock import LockGuard
from foleydesk.core.model import Cue, Job, Lane, Marker, SourceMedia, Take
from foleydesk.errors import UserError

SCHEMA_VERSION = 5
BUSY_TIMEOUT_MS = 30_000  # another process's commit (an fsync behind a download) is waited for
APPLICATION_ID = 0x466F6C79  # "Foly": marks the SQLite file as ours

Record = TypeVar("Record")

TABLES: dict[str, type[Any]] = {
    "lanes": Lane,
    "cues": Cue,
    "takes": Take,
    "jobs": Job,
    "markers": Marker,
}


def _sql_type(py_type: Any) -> str:
    if py_type in (int, bool):
        return "INTEGER"
    if py_type is float:
        return "REAL"
    return "TEXT"


def _schema_v1() -> list[str]:
    statements = [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE source (id INTEGER PRIMARY KEY CHECK (id = 1), data TEXT NOT NULL)",
    ]
    for table, cls in TABLES.items():
        hints = get_type_hints(cls)
        cols = []
        for f in dataclasses.fields(cls):
            if f.name == "id":
                cols.append("id INTEGER PRIMARY KEY")
            else:
                cols.append(f"{f.name} {_sql_type(hints[f.name])}")
        statements.append(f"CREATE TABLE {table} ({', '.join(cols)})")
    statements += [
        "CREATE INDEX takes_by_cue ON takes (cue_id)",
        "CREATE INDEX jobs_by_cue ON jobs (cue_id)",
        "CREATE INDEX jobs_by_state ON jobs (state)",
    ]
    return statements


def _column_default(field: dataclasses.Field[Any]) -> str:
    """The SQL literal of a field's default, so rows written before the field existed read it."""
    if field.default is not dataclasses.MISSING:
        value = _encode(field.default)
    elif field.default_factory is not dataclasses.MISSING:
        value = _encode(field.default_factory())
    else:
        return "NULL"
    if value is None:
        return "NULL"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def add_missing_columns(db: sqlite3.Connection) -> None:
    """Add a column (with the field's default) for every model field a table lacks.

    New fields on the model dataclasses need nothing else: bump SCHEMA_VERSION and map the new
    version to this in MIGRATIONS. It is idempotent, so a version that adds nothing is harmless.
    """
    for table, cls in TABLES.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.name not in present:
                db.execute(
                    f"ALTER TABLE {table} ADD COLUMN {f.name} {_sql_type(hints[f.name])} "
                    f"DEFAULT {_column_default(f)}"
                )


def _create_v1(db: sqlite3.Connection) -> None:
    for statement in _schema_v1():
        db.execute(statement)


# version reached -> the step that brings the previous version there (it runs inside the opening
# transaction). Append; never edit a released step. A version that only adds model fields maps
# to add_missing_columns; one that adds a table adds its own step.
def _create_leases(db: sqlite3.Connection) -> None:
    """v2: which process runs which job (jobs/lease.py), so two processes never run one job."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS leases (job_id INTEGER PRIMARY KEY, holder TEXT NOT NULL, "
        "pid INTEGER NOT NULL, host TEXT NOT NULL, heartbeat REAL NOT NULL)"
    )


def _anchor_takes_v5(db: sqlite3.Connection) -> None:
    """Takes gain an anchor (the source range they sound over) and problem words; a take made
    before anchors existed is anchored to its cue's range, where it sounded until now."""
    add_missing_columns(db)
    db.execute(
        "UPDATE takes SET"
        " anchor_in_frame = (SELECT in_frame FROM cues WHERE cues.id = takes.cue_id),"
        " anchor_out_frame = (SELECT out_frame FROM cues WHERE cues.id = takes.cue_id)"
        " WHERE anchor_in_frame < 0 AND cue_id IN (SELECT id FROM cues)"
    )


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _create_v1,
    2: _create_leases,
    3: add_missing_columns,  # lane category and UCS CatID, cue UCS CatID and import key
    4: add_missing_columns,  # models: cue/job model_id, take model, host model, version, pan
    5: _anchor_takes_v5,
}


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _decode(py_type: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = getattr(py_type, "__origin__", None)
    if py_type is Fraction:
        return Fraction(value)
    if py_type is bool:
        return bool(value)
    if isinstance(py_type, type) and issubclass(py_type, Enum):
        return py_type(value)
    if origin in (dict, list) or py_type in (dict, list):
        return json.loads(value)
    if py_type is float:
        return float(value)
    if py_type is int:
        return int(value)
    args = getattr(py_type, "__args__", ())
    if args:  # Optional[X]: decode as X
        inner = [a for a in args if a is not type(None)]
        if len(inner) == 1:
            return _decode(inner[0], value)
    return value


def to_row(record: Any) -> dict[str, Any]:
    return {f.name: _encode(getattr(record, f.name)) for f in dataclasses.fields(record)}


@functools.cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return get_type_hints(cls)


def from_row(cls: type[Record], row: sqlite3.Row) -> Record:
    hints = _hints(cls)  # type: ignore[arg-type]
    columns = set(row.keys())  # a Row's `in` looks at values, not column names
    kwargs = {
        f.name: _decode(hints[f.name], row[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in columns
    }
    return cls(**kwargs)


def source_to_json(source: SourceMedia) -> str:
    return json.dumps(to_row(source), sort_keys=True)


def source_from_json(text: str) -> SourceMedia:
    data = json.loads(text)
    hints = _hints(SourceMedia)
    names = {f.name for f in dataclasses.fields(SourceMedia)}
    return SourceMedia(**{k: _decode(hints[k], v) for k, v in data.items() if k in names})


class ProjectStore:
    """SQL access for one project file. Thread-safe; every public write is one transaction."""

    def __init__(self, connection: sqlite3.Connection, path: Path, guard: LockGuard) -> None:
        self._db = connection
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._depth = 0
        self._guard = guard
        self.path = path

    # -- opening --------------------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path) -> ProjectStore:
        if path.exists():
            raise UserError(f"{path} already exists.", "Choose another name or open it instead.")
        db, guard = connect(path)
        store = cls(db, path, guard)
        try:
            with store.transaction():
                store._migrate(0)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        except BaseException:
            guard.release()
            db.close()
            for leftover in (
                path,
                path.with_name(path.name + "-wal"),
                path.with_name(path.name + "-shm"),
            ):
                leftover.unlink(missing_ok=True)
            raise
        return store

    @classmethod
    def open(cls, path: Path) -> ProjectStore:
        if not path.is_file():
            raise UserError(f"No project at {path}.", "Check the path, or create one with 'new'.")
        with open(path, "rb") as fh:
            head = fh.read(16)
        if head != b"SQLite format 3\x00":
            raise UserError(
                f"{path.name} is not a FoleyDesk project.",
                "Open a .foleydesk file, or a video to start a new project.",
            )
        db, guard = connect(path)
        try:
            app_id = db.execute("PRAGMA application_id").fetchone()[0]
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            guard.release()
            db.close()
            raise UserError(
                f"{path.name} is damaged and cannot be read ({exc}).", "Restore it from a backup."
            ) from exc
        if app_id != APPLICATION_ID:
            guard.release()
            db.close()
            raise UserError(
                f"{path.name} is an SQLite file but not a FoleyDesk project.",
                "Open a .foleydesk file.",
            )
        if version > SCHEMA_VERSION:
            guard.release()
            db.close()
            raise UserError(
                f"{path.name} was saved by a newer FoleyDesk (project format {version}; this one "
                f"reads up to {SCHEMA_VERSION}).",
                "Update FoleyDesk to open it; it was left untouched.",
            )
        store = cls(db, path, guard)
        if version < SCHEMA_VERSION:
            with store.transaction():
                store._migrate(version)
        return store

    def _migrate(self, from_version: int) -> None:
        for version in range(from_version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](self._db)
            self._db.execute(f"PRAGMA user_version = {version}")

    def close(self) -> None:
        """Close; SQLite checkpoints and removes the WAL only if no other process has it open."""
        with self._lock:
            self._guard.release()
            self._db.close()

    # -- other processes --------------------------------------------------------------------------

    def data_version(self) -> int:
        """Changes whenever another connection commits (PRAGMA data_version): cheap to poll."""
        with self._lock:
            return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def other_process(self) -> int | None:
        """The process id of another program with this project open, or None."""
        return self._guard.other_process()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """A statement outside the record tables (the job leases); join a transaction for writes."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Several reads that see one consistent state of the file."""
        with self._lock:
            if self._depth:
                yield
                return
            self._db.execute("BEGIN")
            try:
                yield
            finally:
                self._db.execute("COMMIT")

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit; nested uses join the outer one."""
        with self._lock:
            if self._depth == 0:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if self._depth == 0:
                self._db.execute("COMMIT")

    # -- meta and source --------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def load_source(self) -> SourceMedia | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM source WHERE id = 1").fetchone()
        return source_from_json(row[0]) if row else None

    def save_source(self, source: SourceMedia) -> None:
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO source (id, data) VALUES (1, ?)", (source_to_json(source),)
            )

    # -- records --------------------------------------------------------------------------------

    def load_all(self, table: str) -> list[Any]:
        cls = TABLES[table]
        with self._lock:
            rows = self._db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
        return [from_row(cls, row) for row in rows]

    def load_one(self, table: str, record_id: int) -> Any | None:
        """One record as the file has it now (another process may have written it)."""
        cls = TABLES[table]
        with self._lock:
            row = self._db.execute(f"SELECT * FROM {table} WHERE id = ?", (record_id,)).fetchone()
        return from_row(cls, row) if row else None

    def insert(self, table: str, record: Any) -> int:
        """Insert a record; id 0 asks SQLite for a fresh id, which is returned."""
        row = to_row(record)
        if not row.get("id"):
            row.pop("id")
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        with self.transaction():
            cursor = self._db.execute(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(row.values())
            )
        return int(row.get("id") or cursor.lastrowid or 0)

    def update(self, table: str, record: Any, fields: Iterable[str] | None = None) -> bool:
        """Write `fields` of the record (all of them when None); False if its row is gone.

        Writing only what an edit changed is what makes two processes safe: an edit of a cue's
        prompt here never writes back a stale copy of the range another process just moved."""
        row = to_row(record)
        record_id = row.pop("id")
        if fields is not None:
            wanted = set(fields)
            row = {name: value for name, value in row.items() if name in wanted}
        if not row:
            return self.load_one(table, record_id) is not None
        assignments = ", ".join(f"{name} = ?" for name in row)
        with self.transaction():
            cursor = self._db.execute(
                f"UPDATE {table} SET {assignments} WHERE id = ?", (*row.values(), record_id)
            )
        return cursor.rowcount > 0

    def delete(self, table: str, record_id: int) -> None:
        with self.transaction():
            self._db.execute(f"DELETE FROM {table} WHERE id = ?", (record_id,))


def connect(path: Path) -> tuple[sqlite3.Connection, LockGuard]:
    """The one way a project file is opened, however the project came to exist.

    On the final, resolved path (never a second name for the file); WAL with full sync; a busy
    database is waited for (busy_timeout) rather than failed; and the lock guard holds the
    bytes that stop another process from deleting the WAL under us (filelock.py says why)."""
    path = path.resolve()
    try:
        db = sqlite3.connect(
            str(path),
            isolation_level=None,
            check_same_thread=False,
            timeout=BUSY_TIMEOUT_MS / 1000,
        )
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()  # maps the -shm now
    except sqlite3.DatabaseError as exc:
        raise UserError(
            f"{path.name} cannot be opened as a project ({exc}).",
            "Check that the file is a .foleydesk project and not damaged.",
        ) from exc
    guard = LockGuard(path)
    guard.hold()
    return db, guard
