"""Loading models: built-in names, trusted ``.py`` files and ``.ode`` files.

This module sits above :mod:`dynsys.core.model` and :mod:`dynsys.core.system`: it is the
one place that knows both, so neither has to import the other.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from dynsys.core.model import Model
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
        raise ModelError(f"unknown model {name!r}; built-in models: {', '.join(model_names())}")
    return import_python_file(candidate)


def load_model(name_or_path: str | Path) -> Any:
    """Load a built-in model by name, or a model from a ``.py`` or ``.ode`` file.

    A ``.py`` file must define a variable ``model`` (a :class:`Model`, or another
    object implementing the System interface such as a Hopfield network); it is
    ordinary Python and is trusted as such. An ``.ode`` file is parsed safely.

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
    if path.suffix in (".py", ".ode") or path.exists():
        if path.is_dir():
            raise ModelError(f"{text!r} is a folder, not a model file (.py or .ode)")
        if not path.is_file():
            raise ModelError(f"model file {text!r} does not exist")
        if path.suffix == ".py":
            return _load_py(path)
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ModelError(f"model file {text!r} is not UTF-8 text") from None
        stem = path.stem if path.stem.isidentifier() else "model"
        return Model.from_text(content, name=stem)
    if not text.isidentifier():
        raise ModelError(f"{text!r} is neither a built-in model name nor a .py/.ode file")
    candidate = _builtin_dir() / f"{text}.py"
    if not candidate.is_file():
        raise ModelError(
            f"unknown model {text!r}; built-in models: {', '.join(model_names())} "
            "(or give a path to a .py or .ode file)"
        )
    return _load_py(candidate)
