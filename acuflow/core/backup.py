"""Backups of the database: SQLite through its online backup API, PostgreSQL with
pg_dump's custom format; restore; and a verification that compares row counts and a
checksum of every table between the database and the backup.

The checksum of a table hashes its rows in primary-key order as the database returns
them, so two databases of the same engine with the same rows give the same digest.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

CHUNK = 2000


class BackupError(Exception):
    """A backup, restore or verification that could not be done (the message says why)."""


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str


def _vendor(alias: str) -> str:
    return connections[alias].vendor


def _pg_env(settings: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    return env


def _pg_args(settings: dict[str, Any], name: str | None = None) -> list[str]:
    args = ["-h", str(settings.get("HOST") or "127.0.0.1"), "-p", str(settings.get("PORT") or 5432)]
    if settings.get("USER"):
        args += ["-U", str(settings["USER"])]
    return [*args, "-d", name or str(settings["NAME"])]


def _need(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client (apt-get install "
            "postgresql-client)"
        )
    return found


def backup(path: Path, *, alias: str = "default") -> Path:
    """Write a backup of the database to `path` while it is in use."""
    connection = connections[alias]
    path.parent.mkdir(parents=True, exist_ok=True)
    if _vendor(alias) == "sqlite":
        connection.ensure_connection()
        tmp = path.with_name(path.name + ".part")
        target = sqlite3.connect(tmp)
        try:
            connection.connection.backup(target)  # type: ignore[union-attr]
        finally:
            target.close()
        os.chmod(tmp, 0o600)
        tmp.replace(path)
        return path
    if _vendor(alias) == "postgresql":
        settings = connection.settings_dict
        tmp = path.with_name(path.name + ".part")
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                _need("pg_dump"),
                "--format=custom",
                "--no-owner",
                "-f",
                str(tmp),
                *_pg_args(settings),
            ],
            env=_pg_env(settings),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
        return path
    raise BackupError(f"backups of {_vendor(alias)} databases are not supported")


def restore(path: Path, *, alias: str = "default") -> None:
    """Replace the database's contents with the backup's. Stop the server and the
    worker first: a restore is not meant to run beside them."""
    if not path.is_file():
        raise BackupError(f"no backup at {path}")
    connection = connections[alias]
    if _vendor(alias) == "sqlite":
        _check_sqlite_file(path)
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)  # type: ignore[arg-type]
        finally:
            source.close()
        return
    if _vendor(alias) == "postgresql":
        settings = connection.settings_dict
        connection.close()
        result = subprocess.run(  # noqa: S603 - fixed arguments, no shell
            [
                _need("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *_pg_args(settings),
                str(path),
            ],
            env=_pg_env(settings),
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
        return
    raise BackupError(f"restores of {_vendor(alias)} databases are not supported")


def _check_sqlite_file(path: Path) -> None:
    with open(path, "rb") as f:
        if f.read(16) != b"SQLite format 3\x00":
            raise BackupError(f"{path} is not an SQLite backup")


def _digest_rows(rows: Iterator[tuple[Any, ...]]) -> TableDigest:
    h = hashlib.sha256()
    n = 0
    for row in rows:
        h.update(repr(row).encode())
        h.update(b"\n")
        n += 1
    return TableDigest(n, h.hexdigest())


def _tables(connection: BaseDatabaseWrapper) -> list[str]:
    with connection.cursor() as cursor:
        return sorted(
            t.name
            for t in connection.introspection.get_table_list(cursor)
            if t.type == "t" and not t.name.startswith("sqlite_")
        )


def _order(connection: BaseDatabaseWrapper, table: str) -> str:
    with connection.cursor() as cursor:
        pk = connection.introspection.get_primary_key_columns(cursor, table) or []
        if not pk:
            pk = [c.name for c in connection.introspection.get_table_description(cursor, table)]
    return ", ".join(connection.ops.quote_name(c) for c in pk)


def digests(connection: BaseDatabaseWrapper) -> dict[str, TableDigest]:
    """Row count and checksum of every table of a database connection."""
    out = {}
    for table in _tables(connection):
        sql = (
            f"SELECT * FROM {connection.ops.quote_name(table)} "  # noqa: S608 - names from introspection
            f"ORDER BY {_order(connection, table)}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)

            def rows(c: Any = cursor) -> Iterator[tuple[Any, ...]]:
                while chunk := c.fetchmany(CHUNK):
                    yield from chunk

            out[table] = _digest_rows(rows())
    return out


def _sqlite_file_digests(path: Path) -> dict[str, TableDigest]:
    _check_sqlite_file(path)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return _sqlite_digests(db)
    finally:
        db.close()


def _sqlite_live_digests(alias: str) -> dict[str, TableDigest]:
    """The live SQLite database read the same raw way as a backup file (Django's own
    connection converts dates and decimals)."""
    connection = connections[alias]
    connection.ensure_connection()
    db = sqlite3.connect(":memory:")
    try:
        connection.connection.backup(db)  # type: ignore[union-attr]
        return _sqlite_digests(db)
    finally:
        db.close()


def _sqlite_digests(db: sqlite3.Connection) -> dict[str, TableDigest]:
    names = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    out = {}
    for table in names:
        info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
        pk = [r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]] or [r[1] for r in info]
        order = ", ".join(f'"{c}"' for c in pk)
        cursor = db.execute(f'SELECT * FROM "{table}" ORDER BY {order}')  # noqa: S608

        def rows(c: Any = cursor) -> Iterator[tuple[Any, ...]]:
            while chunk := c.fetchmany(CHUNK):
                yield from chunk

        out[table] = _digest_rows(rows())
    return out


@contextmanager
def _restored_postgres(path: Path, settings: dict[str, Any]) -> Iterator[str]:
    """The backup restored into a scratch database, dropped afterwards."""
    name = f"acuflow_verify_{uuid.uuid4().hex[:12]}"
    env = _pg_env(settings)
    base = _pg_args(settings, "postgres")[:-2]
    subprocess.run([_need("createdb"), *base, name], env=env, check=True, capture_output=True)  # noqa: S603
    try:
        result = subprocess.run(  # noqa: S603
            [_need("pg_restore"), "--no-owner", *base, "-d", name, str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore into a scratch database failed: {result.stderr.strip()}")
        yield name
    finally:
        subprocess.run(  # noqa: S603
            [_need("dropdb"), "--if-exists", *base, name], env=env, capture_output=True, check=False
        )


def verify(path: Path, *, alias: str = "default") -> list[str]:
    """Differences between the database and the backup, table by table (empty: equal)."""
    connection = connections[alias]
    if _vendor(alias) == "sqlite":
        live = _sqlite_live_digests(alias)
        saved = _sqlite_file_digests(path)
    elif _vendor(alias) == "postgresql":
        live = digests(connection)
        settings = connection.settings_dict
        with _restored_postgres(path, settings) as name:
            scratch = _scratch_connection(alias, name)
            try:
                saved = digests(scratch)
            finally:
                scratch.close()
    else:
        raise BackupError(f"verification of {_vendor(alias)} databases is not supported")
    problems = []
    for table in sorted(set(live) | set(saved)):
        a, b = live.get(table), saved.get(table)
        if a is None or b is None:
            problems.append(f"{table}: only in the {'backup' if a is None else 'database'}")
        elif a.rows != b.rows:
            problems.append(f"{table}: {a.rows} rows in the database, {b.rows} in the backup")
        elif a.sha256 != b.sha256:
            problems.append(f"{table}: same row count ({a.rows}), different contents")
    return problems


def _scratch_connection(alias: str, name: str) -> BaseDatabaseWrapper:
    base = connections[alias]
    settings = {**base.settings_dict, "NAME": name}
    return type(base)(settings, alias=f"verify-{name}")  # type: ignore[no-any-return]
