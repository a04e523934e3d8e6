"""Sub-commands of the ``dynsys`` CLI, one module each.

A command module provides ``register(subparsers)``, which adds its parser and sets
``func`` to a callable ``run(args) -> int``. :func:`dynsys.cli.build_parser` finds
every public module here; shared option helpers live in :mod:`dynsys.commands._common`.
"""
