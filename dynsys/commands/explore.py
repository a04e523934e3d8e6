"""``dynsys explore MODEL``: the interactive phase plane in the browser.

``dynsys explore MODEL [--port N] [--no-browser] [--set NAME=VALUE ...] [--plane X,Y]``
starts a Bokeh server on 127.0.0.1 (a free port unless ``--port``), prints the URL of
the explorer (served at the root, ``http://127.0.0.1:PORT/``), opens it in the default
browser unless ``--no-browser``, and runs until Ctrl-C. Needs the optional dependency
Bokeh (``pip install 'dynsys[explore]'``); see :mod:`dynsys.explore`.
"""

from __future__ import annotations

import argparse
import sys

from dynsys.commands._common import add_model, add_set, load_with_params
from dynsys.errors import DynsysError, ModelError

#: What to install when Bokeh is missing.
INSTALL = "pip install 'dynsys[explore]'"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("explore", help="interactive phase plane in the browser (sliders, "
                       "click-to-run trajectories, live nullclines, bifurcation view)")
    add_model(p)
    add_set(p)
    p.add_argument("--port", type=int, default=None,
                   help="port on 127.0.0.1 to serve on (default: a free one)")
    p.add_argument("--no-browser", dest="browser", action="store_false",
                   help="print the URL only; do not open the default browser")
    p.add_argument("--plane", metavar="X,Y",
                   help="a model with more than 2 states: the two states to draw the phase "
                   "plane in (a projection; default: time series only)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # lazy: importlib only to probe for the optional dependency before loading it
    import importlib.util

    if importlib.util.find_spec("bokeh") is None:
        raise DynsysError(f"dynsys explore needs Bokeh, which is not installed: {INSTALL}")
    if args.port is not None and not 0 < args.port < 65536:
        raise ModelError(f"--port must be between 1 and 65535, got {args.port}")
    # lazy: the library and Bokeh load when the command runs, not for --help (start-up time)
    import webbrowser

    from dynsys.explore import app, serve

    model, params = load_with_params(args)
    plane = [s.strip() for s in args.plane.split(",")] if args.plane else None
    application = app(model, params, plane=plane)

    def ready(url: str) -> None:
        print(f"dynsys explore: {model.name} at {url}  (Ctrl-C stops)", flush=True)
        if args.browser:
            webbrowser.open(url)

    serve(application, args.port, on_ready=ready)
    print("dynsys explore: stopped", file=sys.stderr)
    return 0
