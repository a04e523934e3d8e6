"""Figures: one function per figure kind, result objects in, matplotlib Figure out.

Plotting never computes dynamics: every function is handed the results it draws.
All functions use the object-oriented API (``matplotlib.figure.Figure``), never the
global pyplot state, and accept an optional ``ax`` to draw into.
"""
