"""``dynsys explore``: a live phase plane in the browser, on Bokeh's server.

:func:`explore` starts a local server (127.0.0.1, the app at ``/``) and returns it
running; :func:`app` builds the Bokeh application alone (``bokeh.io.show(app(model))``
embeds it in a Jupyter notebook after ``bokeh.io.output_notebook()``). The page
depends on the model: a phase plane for 2-D models (:mod:`dynsys.explore.plane`), the
flux for 1-D models (:mod:`dynsys.explore.flux`), stored patterns and recall for a
Hopfield network (:mod:`dynsys.explore.hopfield`), time series (or, with ``plane``, a
projection) for more states (:mod:`dynsys.explore.series`). Needs the optional
dependency Bokeh: ``pip install 'dynsys[explore]'``.
"""

from __future__ import annotations

import sys
import types
import webbrowser
from collections.abc import Mapping, Sequence
from typing import Any

from bokeh.application import Application
from bokeh.application.handlers.function import FunctionHandler
from bokeh.document import Document

from dynsys.core.loading import load_model
from dynsys.core.system import compile
from dynsys.errors import ModelError
from dynsys.explore.flux import flux_view
from dynsys.explore.hopfield import hopfield_view
from dynsys.explore.plane import plane_view
from dynsys.explore.series import series_view
from dynsys.explore.server import RunningExplorer, serve, start
from dynsys.explore.state import PlaneState
from dynsys.hopfield.network import HopfieldNetwork

__all__ = ["RunningExplorer", "app", "explore", "plane_indices", "serve"]


def plane_indices(system: Any, plane: Sequence[str] | None) -> tuple[int, int] | None:
    """The indices of the two states named in ``plane`` (None: no projection asked).

    >>> from dynsys.core.loading import load_model
    >>> plane_indices(load_model("wilson_cowan"), ["Ipop", "E"])
    (1, 0)
    """
    if plane is None:
        return None
    names = tuple(system.state_names)
    if len(plane) != 2 or plane[0] == plane[1]:
        raise ModelError(f"--plane needs two different state names, got {','.join(plane)}")
    out = []
    for nm in plane:
        if nm not in names:
            raise ModelError(f"--plane: {nm!r} is not a state of {system.name} "
                             f"(states: {', '.join(names)})")
        out.append(names.index(nm))
    return out[0], out[1]


def app(model: Any, params: Mapping[str, float] | None = None, *,
        plane: Sequence[str] | None = None) -> Application:
    """The explorer as a Bokeh application (one fresh state per browser session).

    Parameters
    ----------
    model : Model, System, HopfieldNetwork or str
        A model, or a built-in name / file path (loaded with
        :func:`~dynsys.core.loading.load_model`).
    params : mapping, optional
        Starting parameter values.
    plane : (str, str), optional
        Two states to draw a model with more than two states in projection.

    Examples
    --------
    >>> application = app("mutual_excitation")
    >>> type(application).__name__
    'Application'
    """
    if isinstance(model, str):
        model = load_model(model)
    system = compile(model)
    idx = plane_indices(system, plane)
    base = dict(params or {})
    if not isinstance(system, HopfieldNetwork) and system.n >= 2:
        PlaneState(system, base or None, plane=idx or (0, 1))  # bad input fails here, once

    def make(doc: Document) -> None:
        if isinstance(system, HopfieldNetwork):
            hopfield_view(doc, system, base or None)
        elif system.n == 1:
            flux_view(doc, system, base or None)
        elif system.n == 2 or idx is not None:
            plane_view(doc, PlaneState(system, base or None, plane=idx or (0, 1)))
        else:
            series_view(doc, system, base or None)

    return Application(FunctionHandler(make))


def explore(model: Any, params: Mapping[str, float] | None = None, *,
            plane: Sequence[str] | None = None, port: int | None = None,
            open_browser: bool = True) -> RunningExplorer:
    """Start the explorer on 127.0.0.1 and return it running: ``explore(model) -> RunningExplorer``.

    Parameters
    ----------
    model, params, plane :
        As for :func:`app`.
    port : int, optional
        Port to listen on (default: a free one).
    open_browser : bool, default True
        Open the page in the default browser.

    Returns
    -------
    RunningExplorer
        With ``url``, ``application`` and ``stop()``.

    Raises
    ------
    DynsysError
        The port is in use.

    Examples
    --------
    >>> ex = explore("mutual_excitation", open_browser=False)
    >>> ex.url.startswith("http://127.0.0.1:")
    True
    >>> ex.stop()
    """
    running = start(app(model, params, plane=plane), port)
    if open_browser:
        webbrowser.open(running.url)
    return running


class _CallableModule(types.ModuleType):
    """``dynsys.explore(model, ...)`` is :func:`explore`: the issue's (and the README's)
    spelling, while ``dynsys.explore`` stays the package of the views."""

    def __call__(self, model: Any, params: Mapping[str, float] | None = None,
                 **kwargs: Any) -> RunningExplorer:
        return explore(model, params, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
