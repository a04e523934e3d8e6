"""Saving matplotlib figures: the format from the suffix, written as `dynsys._io` writes.

Apart from :mod:`dynsys._io` because it needs matplotlib, which the command line does not
load until a figure is asked for.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from matplotlib.backend_bases import FigureCanvasBase

from dynsys._io import write_bytes
from dynsys.errors import ModelError

__all__ = ["figure_bytes", "figure_format", "save_figure"]


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


def figure_bytes(fig: Any, path: str | os.PathLike[str], **kwargs: Any) -> bytes:
    """The file content of ``fig`` in the format of ``path``'s suffix (png, pdf, svg).

    Raises ModelError for a suffix matplotlib cannot write.
    """
    suffix = figure_format(path)
    kwargs.setdefault("dpi", 150)
    kwargs.setdefault("bbox_inches", "tight")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=suffix, **kwargs)
    return buffer.getvalue()


def save_figure(fig: Any, path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Save a matplotlib Figure; the format follows the suffix (png, pdf, svg).

    Written as :func:`dynsys._io.write_bytes` writes: atomically to a file (a link's
    target), directly to a device or FIFO. Raises ModelError (before anything is
    written) for a suffix matplotlib cannot write.
    """
    return write_bytes(path, figure_bytes(fig, path, **kwargs))
