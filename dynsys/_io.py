"""File output shared by the CLI and the report: where a path really leads, atomic writes,
outputs committed together, report folders swapped in whole, and JSON encoding.

* A regular file (or a new path) is written atomically: a temporary file beside the
  target, renamed into place, so an interrupted run never leaves a half-written file.
* A symbolic link (or a chain of them) is followed and its final target written that
  way; a dangling link creates the file it points to, if that file's folder exists.
* A character device, a FIFO, or an inherited stream (``/dev/stdout``, ``/dev/fd/N``)
  is written to directly: no temporary file, no rename, nothing replaced.
* Anything else (a folder, a socket, a block device) is refused with a
  :class:`~dynsys.errors.ModelError` naming the path.

:class:`OutputTransaction` stages several files and commits them together, so that a
command that fails leaves no output at all; :func:`staged_folder` builds a whole folder
beside its target and swaps it in at the end, under a lock file (:func:`folder_lock`).
"""

from __future__ import annotations

import contextlib
import enum
import glob
import json
import math
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dynsys.errors import ModelError

__all__ = [
    "OutputTarget", "OutputTransaction", "atomic_write", "folder_lock", "json_text",
    "resolve_output", "staged_folder", "to_jsonable", "write_bytes", "write_json", "write_text",
]

#: Most symbolic links followed from one path (the kernel's own limit).
_MAX_LINKS = 40
#: A link whose folder is this is a process's open descriptor (/dev/stdout, /dev/fd/N).
_FD_FOLDER = re.compile(r"/proc/(self|\d+)(/task/\d+)?/fd\Z")


def _umask() -> int:
    """The process umask, read without changing it (Linux), else the usual 0o022."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


# ----------------------------------------------------------------- where a path leads
@dataclass(frozen=True)
class OutputTarget:
    """Where writing to ``given`` really goes.

    ``kind`` is ``"file"`` (``path`` is a regular file or a new path: write atomically),
    ``"stream"`` (``path`` is a character device or a FIFO: open and write directly) or
    ``"fd"`` (``fd`` is this process's open descriptor, reached through ``/dev/stdout``
    or ``/dev/fd/N``: write to it, keeping its offset and append mode).
    """

    given: str
    path: Path
    kind: str
    fd: int = -1


def _kind_name(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "not a regular file, character device or FIFO"


def resolve_output(path: str | os.PathLike[str]) -> OutputTarget:
    """Follow ``path``'s symbolic links and say how to write there (see the module).

    Raises
    ------
    ModelError
        A folder, socket or block device, a link loop, or a new file whose folder
        does not exist.
    """
    given = os.fspath(path)
    if not given:
        raise ModelError("an output file name is empty")
    current = os.path.abspath(given)
    followed = False
    for _ in range(_MAX_LINKS):
        folder = os.path.realpath(os.path.dirname(current))
        if _FD_FOLDER.match(folder) and os.path.basename(current).isdigit():
            owner = folder.split("/")[2]
            if owner in ("self", str(os.getpid())):
                return OutputTarget(given, Path(current), "fd", int(os.path.basename(current)))
            return OutputTarget(given, Path(current), "stream")
        current = os.path.join(folder, os.path.basename(current))
        if not os.path.islink(current):
            break
        current = os.path.join(folder, os.readlink(current))
        followed = True
    else:
        raise ModelError(f"cannot write {given!r}: too many levels of symbolic links")
    if not followed:
        current = given  # as the caller wrote it (relative stays relative)
    try:
        mode = os.stat(current).st_mode
    except FileNotFoundError:
        parent = os.path.dirname(current) or "."
        if not os.path.isdir(parent):
            via = f" (the link leads to {current!r})" if followed else ""
            raise ModelError(f"cannot write {given!r}: the folder {parent!r} does not exist"
                             f"{via}") from None
        return OutputTarget(given, Path(current), "file")
    except NotADirectoryError:
        raise ModelError(f"cannot write {given!r}: a part of the path is a file, "
                         "not a folder") from None
    if stat.S_ISREG(mode):
        return OutputTarget(given, Path(current), "file")
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return OutputTarget(given, Path(current), "stream")
    where = f" (the link leads to {current!r})" if followed else ""
    raise ModelError(f"cannot write {given!r}: it is {_kind_name(mode)}{where}, not a file")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _write_stream(target: OutputTarget, data: bytes) -> None:
    """Write ``data`` straight to a device, a FIFO or an inherited descriptor."""
    if target.kind == "fd":
        if target.fd == 1:
            sys.stdout.flush()
        elif target.fd == 2:
            sys.stderr.flush()
        _write_all(target.fd, data)
        return
    # O_NOCTTY: a terminal given as --out must not become the controlling terminal
    fd = os.open(target.path, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):  # replaced since it was resolved
            raise ModelError(f"cannot write {target.given!r}: it changed while being written")
        _write_all(fd, data)
    finally:
        os.close(fd)


def _temp_beside(target: OutputTarget) -> Path:
    """A new, empty temporary file beside ``target.path`` (same file system)."""
    path = target.path
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    except OSError as exc:  # name the file the user asked for, not the temporary one
        raise OSError(exc.errno, exc.strerror, target.given) from None
    os.close(fd)
    return Path(tmp)


def _replace(tmp: Path, target: OutputTarget) -> None:
    """Give ``tmp`` the mode a plain open() would have and rename it onto the target."""
    try:
        mode = os.stat(target.path).st_mode
        keep = stat.S_ISREG(mode)
    except OSError:
        keep = False
    # mkstemp creates the file 0600; give it the mode of the file it replaces, or the usual
    os.chmod(tmp, mode & 0o7777 if keep else 0o666 & ~_umask())
    os.replace(tmp, target.path)


def atomic_write(path: str | os.PathLike[str], writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` and put the result at ``path`` (see the module).

    A regular file or new path: the temporary file lives beside the (link-resolved)
    target and keeps its suffix, and is renamed onto it; on any exception it is removed
    and the target is untouched. A device, FIFO or ``/dev/stdout``: ``writer`` writes
    to a temporary file in the system's temporary folder, copied to the stream.
    Returns the path written (a link's target).
    """
    target = resolve_output(path)
    if target.kind != "file":
        with tempfile.TemporaryDirectory(prefix="dynsys-") as folder:
            tmp = Path(folder) / f"out{target.path.suffix}"
            writer(tmp)
            _write_stream(target, tmp.read_bytes())
        return target.path
    tmp_path = _temp_beside(target)
    try:
        writer(tmp_path)
        _replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return target.path


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path``: atomically for a file, directly to a device or FIFO."""
    target = resolve_output(path)
    if target.kind != "file":
        _write_stream(target, data)
        return target.path
    return atomic_write(target.path, lambda p: p.write_bytes(data))


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` (as :func:`write_bytes`)."""
    return write_bytes(path, text.encode("utf-8"))


# ----------------------------------------------------------------- outputs together
class OutputTransaction:
    """Files written together: all of them, or (on failure) none.

    :meth:`reserve` resolves each path and creates its temporary file beside it at
    once (so an unwritable output is refused before any work is done);
    :meth:`write_bytes` fills it; :meth:`commit` writes the streams (devices, FIFOs,
    ``/dev/stdout``) and then renames every file into place; :meth:`abort` removes the
    temporary files. Used as a context manager it commits on success and aborts on any
    exception (an interrupt included).
    """

    def __init__(self) -> None:
        self._targets: dict[str, OutputTarget] = {}  # given path -> target
        self._temps: dict[Path, Path] = {}  # target path -> its temporary file
        self._streams: dict[Path, bytes] = {}  # target path -> data, written at commit
        self._written: set[Path] = set()

    def reserve(self, path: str | os.PathLike[str]) -> OutputTarget:
        """Resolve ``path`` and, for a file, create its temporary file now."""
        key = os.fspath(path)
        if key in self._targets:
            return self._targets[key]
        target = resolve_output(key)
        if target.kind == "file" and target.path not in self._temps:
            self._temps[target.path] = _temp_beside(target)
        self._targets[key] = target
        return target

    def write_bytes(self, path: str | os.PathLike[str], data: bytes) -> Path:
        """Stage ``data`` for ``path`` (written for good by :meth:`commit`)."""
        target = self.reserve(path)
        if target.kind == "file":
            self._temps[target.path].write_bytes(data)
        else:
            self._streams[target.path] = data
        self._written.add(target.path)
        return target.path

    def write_text(self, path: str | os.PathLike[str], text: str) -> Path:
        """Stage ``text`` (UTF-8) for ``path``."""
        return self.write_bytes(path, text.encode("utf-8"))

    def commit(self) -> None:
        """Put every written output in place; reserved but unwritten ones are dropped."""
        try:
            targets = {t.path: t for t in self._targets.values()}
            for path, data in self._streams.items():
                _write_stream(targets[path], data)
            for path, tmp in self._temps.items():
                if path in self._written:
                    _replace(tmp, targets[path])
        finally:
            self.abort()

    def abort(self) -> None:
        """Remove every temporary file; nothing is written."""
        for tmp in self._temps.values():
            tmp.unlink(missing_ok=True)
        self._temps.clear()
        self._streams.clear()
        self._written.clear()

    def __enter__(self) -> OutputTransaction:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


# ----------------------------------------------------------------- whole folders
def _process_start(pid: int) -> str:
    """The start time of process ``pid`` (field 22 of /proc/PID/stat), or "" if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def _lock_holder(lock: Path) -> int | None:
    """The pid of the live process holding ``lock``, or None if the lock is stale."""
    try:
        fields = lock.read_text(encoding="ascii", errors="replace").split()
    except FileNotFoundError:
        return None
    if not fields or not fields[0].isdigit():
        return None  # not written by folder_lock (which writes the pid before linking)
    pid = int(fields[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, another user's
    started = _process_start(pid)
    if len(fields) > 1 and started and started != fields[1]:
        return None  # the pid was reused by another process since
    return pid


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the lock file ``.NAME.lock`` beside ``folder`` (created exclusively).

    The lock holds the pid (and the process's start time); a lock whose process has
    died is taken over. Raises ModelError if another live process holds it.
    """
    folder = Path(folder)
    lock = folder.parent / f".{folder.name}.lock"
    pid = os.getpid()
    fd, tmp = tempfile.mkstemp(prefix=f".{folder.name}.lock.", dir=folder.parent)
    try:
        os.write(fd, f"{pid} {_process_start(pid)}\n".encode("ascii"))
        os.close(fd)
        for _ in range(5):
            try:
                os.link(tmp, lock)  # atomic, and fails if the lock exists: O_EXCL with content
                break
            except FileExistsError:
                holder = _lock_holder(lock)
                if holder is not None:
                    raise ModelError(
                        f"{folder} is being written by another dynsys process (pid {holder}); "
                        f"wait for it, or remove {lock} if that process is not dynsys"
                    ) from None
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()  # stale: its process is gone
        else:
            raise ModelError(f"cannot take the lock {lock}")
    finally:
        os.unlink(tmp)
    try:
        yield lock
    finally:
        with contextlib.suppress(OSError):
            if lock.read_text(encoding="ascii").split()[0] == str(pid):
                lock.unlink()


def _looks_replaceable(folder: Path, marker: str) -> bool:
    """True if ``folder`` is empty or holds ``marker`` (a folder this code wrote before)."""
    return (folder / marker).is_file() or not any(folder.iterdir())


def _clear_leftovers(target: Path) -> None:
    """Remove what a killed run (SIGKILL, power loss) left beside ``target`` (lock held).

    A ``.NAME.new-*`` folder is an unfinished report; a ``.NAME.old-*`` folder with no
    ``target`` is the previous report caught between the two renames: it is put back.
    """
    for leftover in sorted(target.parent.glob(f".{glob.escape(target.name)}.*")):
        kind = leftover.name[len(target.name) + 2:len(target.name) + 6]
        if not leftover.is_dir() or kind not in ("new-", "old-"):
            continue
        if kind == "old-" and not os.path.lexists(target):
            os.rename(leftover, target)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


@contextlib.contextmanager
def staged_folder(folder: str | os.PathLike[str], *, marker: str) -> Iterator[Path]:
    """Build a folder beside ``folder`` and swap it in when the block succeeds.

    Yields the temporary folder to fill. On success the previous ``folder`` (if any)
    is replaced as a whole; on any failure it is untouched and the temporary folder
    removed. A link to a folder is followed. Refuses (ModelError) a ``folder`` that is
    a file, or a non-empty folder without ``marker`` (not one written by this code:
    replacing it would lose whatever it holds), and a folder another process is
    writing (see :func:`folder_lock`).
    """
    given = Path(folder)
    target = Path(os.path.realpath(given)) if given.is_symlink() else Path(os.path.abspath(given))
    if not target.parent.is_dir():
        raise ModelError(f"cannot write {str(given)!r}: the folder {str(target.parent)!r} "
                         "does not exist")
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    if not target.name or (cwd is not None and cwd.is_relative_to(target.resolve())):
        raise ModelError(f"cannot replace {str(given)!r}: it is the current folder or holds it")
    if target.exists() and not target.is_dir():
        raise ModelError(f"cannot write {str(given)!r}: it exists and is not a folder")
    if target.is_dir() and not _looks_replaceable(target, marker):
        raise ModelError(f"{str(given)!r} is a folder with other files in it (no {marker}): "
                         "it would be replaced as a whole; give a new or empty folder")
    with folder_lock(target):
        _clear_leftovers(target)
        try:
            tmp = Path(os.path.realpath(
                tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent)))
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, str(given)) from None
        try:
            yield tmp
            old = target.parent / f"{tmp.name.replace('.new-', '.old-', 1)}"
            if target.is_dir():
                os.chmod(tmp, os.stat(target).st_mode & 0o7777)
                os.rename(target, old)
            else:
                os.chmod(tmp, 0o777 & ~_umask())
            try:
                os.rename(tmp, target)
            except BaseException:
                if old.exists():
                    os.rename(old, target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------- JSON
def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, tuples and non-finite floats to plain JSON values.

    Non-finite floats become ``None`` (JSON has no NaN or infinity).
    """
    if hasattr(obj, "to_dict") and callable(obj.to_dict):
        return to_jsonable(obj.to_dict())
    if isinstance(obj, str):
        # a StrEnum member is a str: keep its value, as a plain str
        return str(obj.value) if isinstance(obj, enum.Enum) else str(obj)
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, complex | np.complexfloating):
        return {"re": to_jsonable(float(obj.real)), "im": to_jsonable(float(obj.imag))}
    if isinstance(obj, float | np.floating):
        value = float(obj)
        return value if math.isfinite(value) else None
    if hasattr(obj, "value") and hasattr(obj, "name") and not isinstance(obj, str):  # enums
        return to_jsonable(obj.value)
    return obj


def json_text(obj: Any) -> str:
    """``obj`` as indented JSON text (numpy values and NaN handled), ending in a newline."""
    return json.dumps(to_jsonable(obj), indent=2, allow_nan=False) + "\n"


def write_json(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as indented JSON (as :func:`write_bytes`)."""
    return write_text(path, json_text(obj))
