"""XPPAUT ``table`` statements: function tables and file tables (read as numbers only).

``table NAME % NPTS XLO XHI FORMULA`` tabulates ``FORMULA`` (in ``t`` and the
parameters) at ``NPTS`` equally spaced points of ``[XLO, XHI]``; ``table NAME FILE``
reads a file in XPPAUT's format: the number of points on the first line, then ``xlo``,
then ``xhi``, then one value per line (``tabular.c``). The file's path is taken
relative to the ``.ode`` file. ``tabular`` is the same statement, as XPPAUT reads every
word starting with ``ta``. Two-dimensional tables (``table NAME @ FILE``) and the step
(``i``) or spline (``s``) interpolated files are refused by name.
"""

from __future__ import annotations

import math
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from dynsys.core.odefile._common import _IDENT_RE, _clip, _fail
from dynsys.core.tables import MAX_TABLE_POINTS

#: Largest table file read, in bytes.
MAX_TABLE_FILE = 1_000_000

_FUNCTION_TABLE = re.compile(r"(\S+)\s+%\s*(\S+)\s+(\S+)\s+(\S+)\s+(.+)\Z", re.S)
_TWO_D = re.compile(r"(\S+)\s+@")
_FILE_TABLE = re.compile(r"(\S+)\s+(\"[^\"]+\"|\S+)\s*\Z")


@dataclass
class _Table:
    """One ``table`` statement: a formula (function table) or a file name."""

    name: str
    line: int
    npts: int = 0
    xlo: float = 0.0
    xhi: float = 0.0
    formula: str = ""
    file: str = ""


def _number(text: str, line: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(line, f"{what} must be a number, got {_clip(text)!r}") from None
    if not math.isfinite(value):
        raise _fail(line, f"{what} must be finite, got {_clip(text)!r}")
    return value


def _check_size(name: str, npts: int, xlo: float, xhi: float, line: int, where: str) -> None:
    if not 2 <= npts <= MAX_TABLE_POINTS:
        raise _fail(line, f"table {name!r}{where} needs 2 to {MAX_TABLE_POINTS} points, got "
                          f"{npts}")
    if not xlo < xhi:
        raise _fail(line, f"table {name!r}{where} needs xlo < xhi, got {xlo!r} and {xhi!r}")


def parse_table(rest: str, line: int) -> _Table:
    """The ``table`` statement after its first word (``NAME % N XLO XHI F`` or
    ``NAME FILE``)."""
    if _TWO_D.match(rest):
        raise _fail(line, f"two-dimensional tables (table NAME @ FILE) are not supported "
                          f"(statement {_clip(rest)!r})")
    m = _FUNCTION_TABLE.match(rest)
    if m:
        name, npts_text, lo_text, hi_text, formula = m.groups()
        if not _IDENT_RE.match(name):
            raise _fail(line, f"{name!r} is not a valid table name")
        if not re.fullmatch(r"\d+", npts_text):
            raise _fail(line, f"the number of points of table {name!r} must be an integer, "
                              f"got {_clip(npts_text)!r}")
        xlo = _number(lo_text, line, f"xlo of table {name!r}")
        xhi = _number(hi_text, line, f"xhi of table {name!r}")
        npts = int(npts_text) if len(npts_text) < 10 else MAX_TABLE_POINTS + 1
        _check_size(name, npts, xlo, xhi, line, "")
        return _Table(name, line, npts, xlo, xhi, formula=formula.strip())
    m = _FILE_TABLE.match(rest)
    if m and "%" not in rest:
        name = m.group(1)
        if not _IDENT_RE.match(name):
            raise _fail(line, f"{name!r} is not a valid table name")
        return _Table(name, line, file=m.group(2).strip('"'))
    raise _fail(line, "a table is 'table NAME % NPTS XLO XHI FORMULA' or 'table NAME FILE', "
                      f"got {_clip(rest)!r}")


def read_table_file(table: _Table, base_dir: str | Path | None) -> tuple[float, float, list]:
    """``(xlo, xhi, values)`` of a file table, its path relative to ``base_dir``.

    Read as text and numbers only: at most :data:`MAX_TABLE_FILE` bytes, a regular file.
    """
    name, line = table.name, table.line
    if base_dir is None:
        raise _fail(line, f"table {name!r} reads the file {table.file!r}, which needs the "
                          ".ode file's folder: load the file (load_model) instead of its text")
    path = Path(base_dir) / table.file
    shown = table.file
    try:
        info = os.stat(path)
    except OSError:
        raise _fail(line, f"the file {shown!r} of table {name!r} does not exist (paths are "
                          "relative to the .ode file)") from None
    if not stat.S_ISREG(info.st_mode):
        raise _fail(line, f"the file {shown!r} of table {name!r} is not a regular file")
    if info.st_size > MAX_TABLE_FILE:
        raise _fail(line, f"the file {shown!r} of table {name!r} is too large "
                          f"({info.st_size} bytes; at most {MAX_TABLE_FILE})")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        data = os.read(fd, MAX_TABLE_FILE + 1)
    finally:
        os.close(fd)
    try:
        text = data[:MAX_TABLE_FILE].decode("ascii")
    except UnicodeDecodeError:
        raise _fail(line, f"the file {shown!r} of table {name!r} is not plain text "
                          "(numbers only)") from None
    rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    where = f" (file {shown!r})"

    def cell(k: int, what: str) -> str:
        if k >= len(rows) or not rows[k].strip():
            raise _fail(line, f"line {k + 1} of {shown!r} (table {name!r}): missing {what}")
        return rows[k].strip()

    first = cell(0, "the number of points")
    if first[:1] in ("i", "s"):
        kind = "step ('i')" if first[0] == "i" else "cubic spline ('s')"
        raise _fail(line, f"table {name!r}: {kind} interpolated table files are not supported "
                          f"(line 1 of {shown!r}); dynsys interpolates linearly")
    if first == "xyvals":
        raise _fail(line, f"table {name!r}: 'xyvals' table files are not supported")
    if not re.fullmatch(r"\d{1,9}", first):
        raise _fail(line, f"line 1 of {shown!r} (table {name!r}) must be the number of "
                          "points (an integer)")
    npts = int(first)
    xlo = _number(cell(1, "xlo"), line, f"xlo (line 2 of {shown!r})")
    xhi = _number(cell(2, "xhi"), line, f"xhi (line 3 of {shown!r})")
    _check_size(name, npts, xlo, xhi, line, where)
    values = [sp.Float(_number(cell(3 + k, f"value {k + 1} of {npts}"), line,
                               f"line {k + 4} of {shown!r}")) for k in range(npts)]
    return xlo, xhi, values


def grid(xlo: float, xhi: float, npts: int) -> list[float]:
    """XPPAUT's table points ``xlo + k*dx``, ``dx = (xhi - xlo)/(npts - 1)``."""
    dx = (xhi - xlo) / (npts - 1)
    return [dx * k + xlo for k in range(npts)]


def lookup_number(x: float, xlo: float, xhi: float, values: list[float]) -> float:
    """:func:`dynsys.core.tables.lookup` at one number of a table of numbers, with the
    same floating-point operations (so the same bits), without arrays: a network's
    ``w[j, i']`` looked up ``n^2`` times in a table of ``n^2`` values stays cheap."""
    n = len(values)
    dx = (xhi - xlo) / (n - 1)
    u = float(math.trunc((x - xlo) / dx))
    seg = int(min(max(u, 0.0), n - 2))
    y1, y2 = values[seg], values[seg + 1]
    if u >= n - 1:
        return y2 + (y2 - y1) * (x - xhi) / dx
    return y1 + (y2 - y1) * (x - (dx * seg + xlo)) / dx
