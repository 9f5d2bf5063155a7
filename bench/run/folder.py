"""One run, one folder: locked while it runs, filled out of sight, published by one rename.

:func:`run_folder` is what every run writes through::

    with run_folder("results/runs/x") as staging:
        write_table(table, staging)       # every output goes to the staging folder
    # here results/runs/x holds the complete run, or (after an error) nothing new

* **Lock.** The run folder is locked (``flock`` on the folder itself) for the
  whole run; a second run into the same folder is refused at once with
  :class:`RunFolderBusy`, naming the run that holds it. The lock belongs to
  the process: a run killed with ``kill -9`` leaves no stale lock.
* **Staging.** Outputs are written to ``.<name>.partial/`` beside the run
  folder, never into it. Its name is fixed, so a retry after a kill finds
  what the killed run left there (the tile store of a tiled run resumes
  from it).
* **Atomic publish.** On success the staging folder is renamed onto the run
  folder, which must be empty: one ``rename(2)``, so the run folder holds a
  complete run or nothing — a full disk fails a write into the staging
  folder, never the publish (a rename allocates no space).
* **Never delete what the run did not create.** After an error the staging
  folder is removed (the run made it), and so are the run folder and those
  of its parents that the run created, if they are still empty; a folder
  that existed before the run stays, empty or not. A run folder that already
  holds files (an earlier run) is refused before any work: runs do not
  overwrite.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "CREATED_ENV",
    "PARTIAL_SUFFIX",
    "RunFolderBusy",
    "RunFolderTaken",
    "created_by_hydra",
    "missing_folders",
    "remove_made",
    "run_folder",
    "staging_path",
]

CREATED_ENV = "SEGBENCH_RUN_FOLDERS_MADE"
"""Where the CLI notes, before Hydra makes the run folder, which folders it is about to make."""

PARTIAL_SUFFIX = ".partial"
_OWNER = ".owner.json"


class RunFolderBusy(RuntimeError):
    """Another run holds the lock on this run folder."""


class RunFolderTaken(RuntimeError):
    """The run folder already holds files: a run never overwrites another."""


def staging_path(folder: str | Path) -> Path:
    """Where a run into ``folder`` stages its outputs: ``<parent>/.<name>.partial``."""
    folder = Path(folder)
    return folder.parent / f".{folder.name}{PARTIAL_SUFFIX}"


def missing_folders(folder: str | Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    return _missing_parents(Path(folder).absolute())


def created_by_hydra(folder: str | Path) -> list[Path]:
    """The folders of ``folder``'s path that were missing before the run began.

    The CLI's ``RunFolders`` callback notes them in :data:`CREATED_ENV` before
    Hydra makes the run folder; without that note (``bench.cli.job.run``
    called directly) nothing is taken as made by the run.
    """
    try:
        noted = [Path(p) for p in json.loads(os.environ.get(CREATED_ENV, "[]"))]
    except ValueError:
        return []
    absolute = Path(folder).absolute()
    return [p for p in noted if p == absolute or p in absolute.parents]


def _missing_parents(folder: Path) -> list[Path]:
    """``folder`` and its ancestors that do not exist yet, deepest first."""
    missing = []
    for path in (folder, *folder.parents):
        try:
            if path.exists():
                break
        except OSError:  # a name too long cannot exist (and will fail to be made)
            pass
        missing.append(path)
    return missing


def _owner(staging: Path) -> str:
    try:
        info = json.loads((staging / _OWNER).read_text())
        return f"pid {info['pid']} on {info['host']}, started {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


@contextlib.contextmanager
def _locked(folder: Path, staging: Path) -> Iterator[None]:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            msg = (
                f"Run folder {folder} is in use by another run ({_owner(staging)}); wait for "
                "it to finish, or choose another folder (hydra.run.dir=...)."
            )
            raise RunFolderBusy(msg) from None
        yield
    finally:
        os.close(descriptor)  # releases the lock


def _visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextlib.contextmanager
def run_folder(folder: str | Path, *, created: list[Path] | None = None) -> Iterator[Path]:
    """Lock ``folder``, yield its staging folder, publish it onto ``folder`` on success.

    Parameters
    ----------
    folder : path
        The run folder. It may exist (empty) or not.
    created : list of Path, optional
        Folders the caller created for this run before calling (e.g. the run
        folder that Hydra made): removed after an error if still empty.
        Folders this function creates are added to them.

    Yields
    ------
    Path
        The staging folder: write every output of the run there.

    Raises
    ------
    RunFolderBusy
        If another run holds the folder.
    RunFolderTaken
        If the folder already holds files.
    """
    folder = Path(folder)
    made = list(created or [])
    missing = _missing_parents(folder)
    folder.mkdir(parents=True, exist_ok=True)
    made += [p for p in missing if p not in made]
    staging = staging_path(folder)
    try:
        with _locked(folder, staging):
            present = _visible(folder)
            if present:
                shown = ", ".join(present[:5]) + (" …" if len(present) > 5 else "")
                msg = (
                    f"Run folder {folder} already holds {len(present)} file(s) ({shown}); a "
                    "run never overwrites another. Choose another folder (hydra.run.dir=...) "
                    "or remove it."
                )
                raise RunFolderTaken(msg)
            resumed = staging.is_dir()
            staging.mkdir(exist_ok=True)
            owner = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "resumed": resumed,
            }
            (staging / _OWNER).write_text(json.dumps(owner))
            try:
                yield staging
            except BaseException as error:
                if not isinstance(error, KeyboardInterrupt):
                    shutil.rmtree(staging, ignore_errors=True)  # ours: nothing half-done stays
                raise
            (staging / _OWNER).unlink(missing_ok=True)
            # rename(2) replaces an empty folder in one step; the lock (held on the old,
            # empty inode) ends with the run.
            os.rename(staging, folder)
    except BaseException as error:
        if not isinstance(error, KeyboardInterrupt):
            _remove_empty(made)
        raise


# Not removed, and no error: not empty (someone else's files), gone, or never made.
_CANNOT_REMOVE = frozenset(
    {errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT, errno.EBUSY, errno.ENAMETOOLONG, errno.ENOTDIR}
)


def remove_made(folders: list[Path]) -> None:
    """After a failure before :func:`run_folder` began: remove the folders made for the run."""
    _remove_empty(folders)


def _remove_empty(folders: list[Path]) -> None:
    """Remove the folders this run created, deepest first, where they are still empty."""
    for path in sorted(set(folders), key=lambda p: len(p.parts), reverse=True):
        try:
            path.rmdir()
        except OSError as error:
            if error.errno not in _CANNOT_REMOVE:
                raise
