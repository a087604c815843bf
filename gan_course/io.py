"""Files: the one home of atomic writes, SHA-256 and manifest reading, and the run lock.

Every file the course writes (checkpoints, samples, pretrained generators, the
classifier, the manifests, the unpacked data cache) goes through
:func:`atomic_write`: the bytes go to a temporary file beside the target named
``.<name>.<pid>.tmp``, are flushed to the disk (``fsync``) and then renamed over
the target, so a kill at any moment leaves either the old file or the new one,
never half of one. Before writing, the target is checked:

* something that is not a regular file (a folder, a device such as ``/dev/null``,
  a FIFO, a socket) is never replaced;
* a symbolic link is written *through*: its target gets the new content and the
  link stays a link;
* a path under a regular file, a read-only file system, a full disk or a missing
  permission is one :class:`OutputError` naming the path and the problem.

:func:`remove_stale_temps` deletes leftovers of killed writers, but only those of
processes that are gone: a live writer's temporary file is left alone.
:func:`run_lock` lets one process at a time train into a run folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Callable

from .errors import CourseError, OutputError

TEMP_RE = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.tmp$")
LOCK_NAME = ".gan_course.lock"


# ------------------------------------------------------------------ checks
def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _os_problem(exc: OSError) -> str:
    """A short, fixable description of an OSError."""
    code = getattr(exc, "errno", None)
    if code == errno.ENOSPC or code == getattr(errno, "EDQUOT", -1):
        return "no space left on the device: free some space"
    if code == errno.EROFS:
        return "the file system is read-only: choose a writable folder"
    if code in (errno.EACCES, errno.EPERM):
        return "permission denied: choose a folder you can write to"
    if code == errno.ENAMETOOLONG:
        return "the name is too long: choose a shorter path"
    if code in (errno.ENOTDIR, errno.EEXIST):
        return "a part of the path is a file, not a folder: choose another path"
    return f"{exc.strerror or exc}: choose another path"


def resolve_target(path: str | Path) -> Path:
    """The file a write to ``path`` lands in: ``path`` itself, or a symbolic link's final target."""
    path = Path(path)
    if "\x00" in str(path):
        raise OutputError(f"{path!r} holds a NUL character: choose another path")
    if str(path) == "":
        raise OutputError("an empty path was given: pass a file name")
    try:
        if path.is_symlink():
            return Path(os.path.realpath(path))
    except OSError as exc:
        raise OutputError(f"cannot use the path {str(path)[:80]}…: {_os_problem(exc)}") from None
    return path


def check_writable_file(path: str | Path, what: str = "output") -> Path:
    """Refuse, before any work, an output ``path`` that cannot be written or must not be replaced.

    Returns the file that will be written (a symbolic link's target). Creates nothing.
    """
    given = Path(path)
    target = resolve_target(given)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except NotADirectoryError:
        raise OutputError(f"the {what} {given} is under a file, not a folder: choose another path") from None
    except OSError as exc:
        raise OutputError(f"cannot use the {what} {given}: {_os_problem(exc)}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        note = f" ({target})" if target != given else ""
        raise OutputError(f"the {what} {given}{note} is {_kind(st.st_mode)}, not a regular file: "
                          "pass a file path such as out.pt")
    _check_folder_usable(target.parent, given, what)
    return target


def _check_folder_usable(folder: Path, given: Path, what: str) -> None:
    """The nearest existing ancestor of ``folder`` must be a folder we can write into."""
    folder = Path(os.path.abspath(folder))
    probe = folder
    while True:
        try:
            st = os.stat(probe)
            break
        except FileNotFoundError:
            if probe.parent == probe:
                return
            probe = probe.parent
        except NotADirectoryError:
            raise OutputError(f"the {what} {given} is under a file, not a folder: choose another path") from None
        except OSError as exc:
            raise OutputError(f"cannot use the {what} {given}: {_os_problem(exc)}") from None
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"the {what} {given} is under {probe}, which is a file, not a folder: "
                          "choose another path")
    if not os.access(probe, os.W_OK | os.X_OK):
        try:
            readonly = bool(os.statvfs(probe).f_flag & os.ST_RDONLY)
        except (AttributeError, OSError):
            readonly = False
        problem = ("the file system is read-only: choose a writable folder" if readonly
                   else "permission denied: choose a folder you can write to")
        raise OutputError(f"cannot write the {what} {given} in {probe}: {problem}")


def ensure_folder(folder: str | Path, what: str = "output folder") -> Path:
    """Create ``folder`` (and its parents) or explain in one line why it cannot be."""
    folder = Path(folder)
    if "\x00" in str(folder):
        raise OutputError(f"{folder!r} holds a NUL character: choose another path")
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"the {what} {folder} is a file, not a folder: pass a folder")
    _check_folder_usable(folder, folder, what)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputError(f"the {what} {folder} is a file, not a folder: pass a folder") from None
    except OSError as exc:
        raise OutputError(f"cannot create the {what} {folder}: {_os_problem(exc)}") from None
    probe = temp_path(folder / ".write-probe")  # can we really create a file there? (root, /proc, ...)
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.unlink(probe)
    except FileExistsError:
        with contextlib.suppress(OSError):
            os.unlink(probe)
    except OSError as exc:
        raise OutputError(f"cannot write in the {what} {folder}: {_os_problem(exc)}") from None
    return folder


# ------------------------------------------------------------------ atomic writes
def temp_path(target: Path) -> Path:
    """The temporary file of this process for ``target``: ``.<name>.<pid>.tmp`` in the same folder."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def atomic_write(path: str | Path, write: Callable, what: str = "file") -> Path:
    """Write ``path`` atomically: ``write(f)`` fills a temp file, which is fsynced and renamed over it.

    A kill or an error (full disk, ...) at any moment leaves the old file intact and
    no temporary file. Returns ``path`` as given (a symbolic link stays a link).
    """
    given = Path(path)
    target = check_writable_file(given, what)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder of the {what} {given}: {_os_problem(exc)}") from None
    tmp = temp_path(target)
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        # checked again just before the rename: never replace a non-regular file that appeared meanwhile
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISREG(os.lstat(target).st_mode):
                raise OutputError(f"the {what} {given} is {_kind(os.lstat(target).st_mode)}, not a regular "
                                  "file: pass a file path such as out.pt")
        os.replace(tmp, target)  # atomic on POSIX and Windows
    except CourseError:
        raise
    except Exception as exc:  # torch.save turns a failed write into a RuntimeError whose context is the OSError
        cause = _os_cause(exc)
        if cause is None:
            raise
        kept = " (the previous file is kept)" if target.exists() else ""
        error = OutputError(f"could not write the {what} {given}{kept}: {_os_problem(cause)}")
        error.errno = getattr(cause, "errno", None)
        raise error from exc
    finally:
        with contextlib.suppress(OSError):
            if tmp.exists():
                tmp.unlink()
    _fsync_folder(target.parent)
    return given


def _os_cause(exc: BaseException) -> OSError | None:
    """``exc`` if it is an OSError, else the first OSError among its causes and contexts."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OSError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ if (exc.__cause__ is not None or exc.__suppress_context__) else exc.__context__
    return None


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_save(obj, path: str | Path, what: str = "file") -> Path:
    """``torch.save`` ``obj`` to ``path`` atomically (see :func:`atomic_write`)."""
    import torch

    return atomic_write(path, lambda f: torch.save(obj, f), what)


def atomic_write_json(obj, path: str | Path, what: str = "manifest", sort_keys: bool = True) -> Path:
    """Write ``obj`` as indented (by default key-sorted) JSON to ``path`` atomically."""
    text = json.dumps(obj, indent=2, sort_keys=sort_keys) + "\n"
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")), what)


def to_plain(obj):
    """Plain values for JSON, checkpoints and comparisons: dataclasses become dicts, tuples become lists.

    Recursive: a recipe with a nested model config becomes nested dicts. Two
    settings that only differ as tuple and list (what a JSON or ``torch.load``
    round trip does to a tuple) give equal results.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        obj = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_plain(v) for v in obj]
    return obj


def sha256_of(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MB blocks (the manifests' integrity check)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(path: str | Path, fix: str = "restore it or delete it") -> dict:
    """A JSON manifest ``{name: record}``; ``{}`` when there is none; one clear error when it is damaged."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise CourseError(f"{path} is not valid JSON{where}: {fix}") from None
    except OSError as exc:
        raise CourseError(f"cannot read {path} ({exc.strerror or exc}): {fix}") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise CourseError(f"{path} is not a manifest (a JSON object of records): {fix}")
    return data


def manifest_record(manifest: dict, key: str, path: str | Path, fields: tuple[str, ...], fix: str) -> dict | None:
    """``manifest[key]`` with ``fields`` checked to be present, or ``None`` when the key is absent."""
    record = manifest.get(key)
    if record is None:
        return None
    missing = [f for f in fields if not isinstance(record.get(f), (str, int, float)) or record.get(f) == ""]
    if missing:
        raise CourseError(f"the entry {key!r} of {path} lacks {', '.join(missing)}: {fix}")
    return record


# ------------------------------------------------------------------ temp files and locks
def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (on this machine)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    except (OSError, OverflowError, ValueError):
        return False
    return True


def remove_stale_temps(folder: str | Path, include_own: bool = False) -> list[Path]:
    """Delete ``.<name>.<pid>.tmp`` files in ``folder`` whose writing process is gone.

    A file of a live process is kept (it may be writing it right now); with
    ``include_own``, this process's own leftovers go too. Returns what was removed.
    """
    folder = Path(folder)
    removed = []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for path in entries:
        match = TEMP_RE.match(path.name)
        if not match:
            continue
        pid = int(match["pid"])
        if pid == os.getpid() and not include_own:
            continue
        if pid != os.getpid() and pid_alive(pid):
            continue
        with contextlib.suppress(OSError):
            if path.is_file() and not path.is_symlink():
                path.unlink()
                removed.append(path)
    return removed


_HELD: dict[str, list] = {}  # resolved folder -> [fd, count]: the locks this process holds


@contextlib.contextmanager
def run_lock(folder: str | Path, what: str = "run folder"):
    """Hold the run lock of ``folder`` for the duration of the ``with`` block.

    A second process that asks for the same folder's lock gets a
    :class:`CourseError` at once. The lock is a ``flock`` on ``<folder>/.gan_course.lock``:
    the operating system releases it when the process ends in any way, so a killed
    run never leaves a stale lock. Re-entrant within one process.
    """
    folder = ensure_folder(folder, what)
    key = os.path.realpath(folder)
    if key in _HELD:
        _HELD[key][1] += 1
        try:
            yield folder
        finally:
            _HELD[key][1] -= 1
        return
    fd = _acquire(folder)
    _HELD[key] = [fd, 1]
    try:
        yield folder
    finally:
        held = _HELD.pop(key)
        _release(folder, held[0])


def _acquire(folder: Path):
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory locks here; one run at a time is on the user
        return None
    lock = folder / LOCK_NAME
    for _ in range(10):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise OutputError(f"cannot write in {folder}: {_os_problem(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                # a file system without locks (some network and FUSE mounts, e.g. Google Drive):
                # run unlocked rather than refuse; one run at a time is then up to the user
                os.close(fd)
                with contextlib.suppress(OSError):
                    lock.unlink()
                return None
            try:
                other = os.read(fd, 32).decode(errors="replace").strip() or "?"
            finally:
                os.close(fd)
            raise CourseError(f"another process (pid {other}) is training into {folder} right now: wait for it "
                              "to finish (or stop it), or pass another folder (--out)") from None
        try:  # the file we locked must still be the one at that path (a finishing run removes it)
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        try:
            os.ftruncate(fd, 0)
            os.write(fd, str(os.getpid()).encode())
        except OSError as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                lock.unlink()
            raise OutputError(f"cannot write in {folder}: {_os_problem(exc)}") from None
        return fd
    raise CourseError(f"could not lock {folder}: another process keeps taking it; try again")


def _release(folder: Path, fd) -> None:
    if fd is None:  # no lock was taken (Windows, or a file system without locks)
        return
    with contextlib.suppress(OSError):
        (folder / LOCK_NAME).unlink()  # while still locked, so no one else holds this file
    with contextlib.suppress(OSError):
        os.close(fd)
