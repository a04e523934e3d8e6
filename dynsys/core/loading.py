"""Loading models: built-in names, trusted ``.py`` files and ``.ode`` files.

This module sits above :mod:`dynsys.core.model` and :mod:`dynsys.core.system`: it is the
one place that knows both, so neither has to import the other.
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import stat
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from dynsys.core.model import Model
from dynsys.core.network_file import WEIGHT_SUFFIXES, network_from_weights, read_network
from dynsys.core.odefile import MAX_TEXT
from dynsys.core.system import System
from dynsys.errors import ModelError

__all__ = [
    "import_python_file",
    "load_model",
    "model_module",
    "model_names",
]

# --------------------------------------------------------------------- loading
def _builtin_dir() -> Path:
    """The folder holding the built-in models (inside the wheel, or the source tree)."""
    package = Path(__file__).resolve().parents[1]
    for candidate in (package / "_data" / "models", package.parent / "models"):
        if candidate.is_dir():
            return candidate
    raise ModelError("the built-in models folder is missing from this installation")


def _did_you_mean(name: str) -> str:
    """``" (did you mean 'wilson_cowan'?)"`` for the closest built-in name, else ``""``."""
    close = difflib.get_close_matches(name.lower(), model_names(), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def model_names() -> tuple[str, ...]:
    """Names of the built-in models."""
    return tuple(
        sorted(p.stem for p in _builtin_dir().glob("*.py") if not p.name.startswith("_"))
    )


def import_python_file(path: Path, what: str = "model file") -> ModuleType:
    """Import a ``.py`` file (a model or report recipe: trusted Python) as a module.

    Any exception raised while importing becomes a ModelError naming ``what`` and
    the file, so that the CLI reports it on one line. The module is registered in
    ``sys.modules`` while (and after) it runs, as a normal import would, so that a
    file can define dataclasses (which look their module up there).
    """
    prefix = "dynsys_" + "_".join(what.split())
    spec = importlib.util.spec_from_file_location(f"{prefix}_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ModelError(f"cannot import {what} {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except ModelError:
        sys.modules.pop(spec.name, None)
        raise
    except Exception as exc:  # a user's .py failed to import: report, do not crash
        sys.modules.pop(spec.name, None)
        msg = f"{what} {path} failed to import: {type(exc).__name__}: {exc}"
        raise ModelError(msg) from exc
    return module


def _load_py(path: Path) -> Any:
    module = import_python_file(path)
    if not hasattr(module, "model"):
        raise ModelError(f"model file {path} does not define a variable named 'model'")
    if not isinstance(module.model, Model | System):
        raise ModelError(
            f"model file {path}: 'model' is a {type(module.model).__name__}, not a dynsys "
            "Model or an object implementing the System interface"
        )
    return module.model


def model_module(name: str) -> ModuleType:
    """The module of a built-in model file, for the helpers it declares beside ``model``.

    A built-in model file may define more than its ``model``: the activation ``f`` of
    the rate models, for instance, which Figure 1 of the reference report draws.

    Raises
    ------
    ModelError
        If ``name`` is not a built-in model (the message lists them).

    Examples
    --------
    >>> float(model_module("self_excitation").f(0))
    60.0
    """
    candidate = _builtin_dir() / f"{name}.py"
    if not str(name).isidentifier() or not candidate.is_file():
        raise ModelError(f"unknown model {name!r}{_did_you_mean(str(name))}; built-in models: "
                         f"{', '.join(model_names())}")
    return import_python_file(candidate)


#: Most bytes of an .ode file read: MAX_TEXT characters take at most 4 bytes each in UTF-8.
MAX_ODE_BYTES = 4 * MAX_TEXT


def _check_model_file(path: Path, text: str) -> os.stat_result:
    """Refuse a missing path, a folder, and anything not a regular file (never read a FIFO)."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        raise ModelError(f"model file {text!r} does not exist") from None
    if stat.S_ISDIR(info.st_mode):
        raise ModelError(f"{text!r} is a folder, not a model file (.py or .ode)")
    if not stat.S_ISREG(info.st_mode):
        raise ModelError(f"model file {text!r} is not a regular file (a FIFO, device or "
                         "socket is not read)")
    return info


def _read_ode(path: Path, text: str) -> str:
    """The text of an .ode file, its size checked before reading (at most the limit + 1 byte)."""
    too_big = (f"model file {text!r} is too large ({{}} bytes; an .ode file holds at most "
               f"{MAX_TEXT} characters)")
    # O_NONBLOCK: a FIFO put in the file's place since it was checked is not waited on
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ModelError(f"model file {text!r} is not a regular file")
        if info.st_size > MAX_ODE_BYTES:
            raise ModelError(too_big.format(info.st_size))
        chunks, size = [], 0
        while size <= MAX_ODE_BYTES:
            chunk = os.read(fd, MAX_ODE_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_ODE_BYTES:  # grew since fstat
        raise ModelError(too_big.format(f"more than {MAX_ODE_BYTES}"))
    try:
        content = b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError:
        raise ModelError(f"model file {text!r} is not UTF-8 text") from None
    return content.replace("\r\n", "\n").replace("\r", "\n")  # as open() in text mode


def load_model(name_or_path: str | Path) -> Any:
    """Load a built-in model by name, or a model from a ``.py``, ``.ode`` or ``.toml`` file.

    A ``.py`` file must define a variable ``model`` (a :class:`Model`, or another
    object implementing the System interface such as a Hopfield network); it is
    ordinary Python and is trusted as such. An ``.ode`` file is parsed safely; a
    ``.toml`` file declares a rate network (:func:`dynsys.core.network_file.read_network`),
    and a weights file alone (``.npz``, ``.npy``, ``.mtx``) is a logistic network on it.

    Raises
    ------
    ModelError
        If the name is unknown (the message lists the built-in names) or the file
        is missing or malformed.

    Examples
    --------
    >>> load_model("mutual_excitation").state_names
    ('x', 'y')
    """
    text = str(name_or_path)
    path = Path(text)
    if path.suffix in (".py", ".ode", ".toml", *WEIGHT_SUFFIXES) or path.exists():
        _check_model_file(path, text)
        if path.suffix == ".toml":
            return read_network(path)
        if path.suffix.lower() in WEIGHT_SUFFIXES:  # a weight matrix alone: logistic units
            return network_from_weights(path)
        if path.suffix == ".py":
            return _load_py(path)
        content = _read_ode(path, text)
        stem = path.stem if path.stem.isidentifier() else "model"
        return Model.from_text(content, name=stem, base_dir=path.parent)
    if not text.isidentifier():
        raise ModelError(f"{text!r} is neither a built-in model name nor a .py/.ode/.toml file")
    candidate = _builtin_dir() / f"{text}.py"
    if not candidate.is_file():
        raise ModelError(
            f"unknown model {text!r}{_did_you_mean(text)}; built-in models: "
            f"{', '.join(model_names())} (or give a path to a .py, .ode or .toml file)"
        )
    return _load_py(candidate)
