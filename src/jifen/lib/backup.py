"""Whole-instance backup and restore: every row, the secret key, and uploads, in one zip.

The data travel as Django's JSON serialisation, so a backup taken on SQLite can be
restored into PostgreSQL and back. A restore goes into an empty, migrated database
only — it never merges into or overwrites a live ledger — and proves the result
with ``jifen verify`` before it reports success.
"""

import json
import os
import shutil
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

import jifen

# Caches and sessions are not part of what a community needs back.
EXCLUDE = ["contenttypes", "sessions", "auth.permission"]
MANIFEST = "manifest.json"
DATA = "data.json"
SECRET = "secret_key"  # noqa: S105 - the name of a file in the archive


class BackupError(Exception):
    pass


def _private_file(path: Path, mode: str) -> IO[Any]:
    """``path`` opened for writing, the owner's only (0600) from its first byte — a backup
    holds every person's data and the secret key — even if it was there before."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, mode)


def backup(target: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / DATA
        with transaction.atomic():  # one consistent snapshot of every table
            call_command("dumpdata", exclude=EXCLUDE, output=str(data), verbosity=0)
        manifest = {
            "format": 1,
            "jifen": jifen.__version__,
            "created_at": datetime.now(UTC).isoformat(),
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        }
        with (
            _private_file(target, "wb") as fh,
            zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2))
            archive.write(data, DATA)
            archive.writestr(SECRET, settings.SECRET_KEY)
            media = Path(settings.MEDIA_ROOT)
            if media.exists():
                for path in sorted(media.rglob("*")):
                    if path.is_file():
                        archive.write(path, f"uploads/{path.relative_to(media)}")
    return manifest


def _is_empty() -> bool:
    models = [
        apps.get_model("people", "Person"),
        apps.get_model("regions", "Region"),
        apps.get_model("points", "Transfer"),
    ]
    return not any(model.objects.exists() for model in models)


def restore(source: Path) -> dict[str, object]:
    if not _is_empty():
        raise BackupError(
            "the database is not empty: restore into a new data directory or database "
            "(set JIFEN_DATA_DIR or JIFEN_DATABASE_URL, run `jifen migrate`, then restore)"
        )
    with zipfile.ZipFile(source) as archive, tempfile.TemporaryDirectory() as tmp:
        names = set(archive.namelist())
        if MANIFEST not in names or DATA not in names:
            raise BackupError("this file is not a Jifen backup (manifest or data missing)")
        manifest = json.loads(archive.read(MANIFEST))
        archive.extract(DATA, tmp)
        with transaction.atomic():
            call_command("loaddata", str(Path(tmp) / DATA), verbosity=0)
        media = Path(settings.MEDIA_ROOT)
        for name in names:
            if name.startswith("uploads/") and not name.endswith("/"):
                destination = media / name.removeprefix("uploads/")
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(name) as src, open(destination, "wb") as dst:
                    shutil.copyfileobj(src, dst)
        secret = archive.read(SECRET).decode() if SECRET in names else ""
    if secret and secret != settings.SECRET_KEY:
        # Keyed hashes (ID numbers) need the key they were made with.
        key_file = Path(settings.DATA_DIR) / "secret_key"
        with _private_file(key_file, "w") as fh:
            fh.write(secret)
        manifest["secret_key"] = f"written to {key_file}; set JIFEN_SECRET_KEY to it if you use one"
    return manifest
