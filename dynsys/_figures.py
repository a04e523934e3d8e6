"""Saving matplotlib figures: the format from the file's suffix, written atomically.

Apart from :mod:`dynsys._io` because it needs matplotlib, which the command line does not
load until a figure is asked for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from matplotlib.backend_bases import FigureCanvasBase

from dynsys._io import atomic_write
from dynsys.errors import ModelError

__all__ = ["figure_format", "save_figure"]


def figure_format(path: str | os.PathLike[str]) -> str:
    """The figure format of ``path``'s suffix (no suffix: png); ModelError if unsupported."""
    suffix = Path(path).suffix.lower().lstrip(".") or "png"
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix not in formats:
        raise ModelError(
            f"cannot write a figure to {os.fspath(path)!r}: unknown format {suffix!r} "
            f"(use one of {', '.join(sorted(formats))})"
        )
    return suffix


def save_figure(fig: Any, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Save a matplotlib Figure atomically; the format follows the suffix (png, pdf, svg).

    Raises ModelError (before anything is written) for a suffix matplotlib cannot write.
    """
    suffix = figure_format(path)
    kwargs.setdefault("dpi", 150)
    kwargs.setdefault("bbox_inches", "tight")
    return atomic_write(path, lambda p: fig.savefig(p, format=suffix, **kwargs))
