"""Installing the official schema bundle (a folder or a zip file) into the data directory.

The XSDs belong to the directorate, not to samhandling: a user downloads the bundle and installs it.
Only schema and catalog files are taken; paths inside a zip are checked so that nothing is written
outside the target folder.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from samhandling.standards.schemas import MSGHEAD_XSD, SchemaSet

WANTED_SUFFIXES = (".xsd", ".xml")


def install_bundle(source: Path, target: Path) -> int:
    """Install the schemas in ``source`` into ``target`` and return how many XSDs it holds.

    Raises ValueError, with a Norwegian one-line reason, for a bundle that is missing or not the official one.
    """
    if not source.exists():
        raise ValueError(f"{source}: finnes ikke")
    with tempfile.TemporaryDirectory() as tmp:
        staging = Path(tmp) / "schemas"
        if source.is_dir():
            _copy_tree(source, staging)
        elif zipfile.is_zipfile(source):
            _extract_zip(source, staging)
        else:
            raise ValueError(f"{source}: er verken en mappe eller en zip-fil")
        schemas = SchemaSet(staging)
        if not schemas.available():
            raise ValueError(f"{source}: inneholder ikke {MSGHEAD_XSD}; er dette den offisielle skjemapakken?")
        count = len(schemas.index)
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(staging, target)
    return count


def _copy_tree(source: Path, staging: Path) -> None:
    for path in source.rglob("*"):
        if path.is_file() and path.suffix.lower() in WANTED_SUFFIXES:
            dest = staging / path.relative_to(source)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


def _extract_zip(source: Path, staging: Path) -> None:
    try:
        with zipfile.ZipFile(source) as archive:
            for info in archive.infolist():
                name = PurePosixPath(info.filename)
                if info.is_dir() or name.suffix.lower() not in WANTED_SUFFIXES:
                    continue
                if name.is_absolute() or ".." in name.parts:
                    raise ValueError(f"{source}: ugyldig filsti i zip-filen: {info.filename}")
                dest = staging.joinpath(*name.parts)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(archive.read(info))
    except zipfile.BadZipFile as exc:
        raise ValueError(f"{source}: ødelagt zip-fil ({exc})") from None
