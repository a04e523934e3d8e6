"""Sweeps over any :class:`concurrent.futures.Executor`, with identical numbers everywhere.

A sweep is cut into FIXED tasks (for a capacity curve: one number of patterns and a
fixed chunk of trials), each with its own seed, a
:class:`numpy.random.SeedSequence` whose ``spawn_key`` names the task::

    SeedSequence(seed, spawn_key=(a, b)) == SeedSequence(seed).spawn(a + 1)[a].spawn(b + 1)[b]

(so a task's seed never depends on how many tasks or workers there are). Tasks run
with BLAS pinned to one thread (``threadpoolctl``), and their results are put back in
task order. Hence a sweep gives identical results in-process (the default), on a
:class:`~concurrent.futures.ProcessPoolExecutor` (``--workers N``) and on a Dask
cluster (``distributed.Client(address).get_executor()``, ``--scheduler tcp://HOST:PORT``).

Example
-------
>>> from dynsys.sweep import run_tasks, task_seed
>>> run_tasks(pow, [(2, 3), (3, 2)])
[8, 9]
>>> task_seed(7, 2, 0).spawn_key
(2, 0)
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from dynsys._checks import renamed_keyword
from dynsys._io import to_jsonable
from dynsys._random import RecordedSeed, root_seed
from dynsys.errors import ModelError

__all__ = [
    "GridSweep",
    "SerialExecutor",
    "executor_from",
    "iter_tasks",
    "pinned_call",
    "run_tasks",
    "sweep_grid",
    "task_seed",
]

T = TypeVar("T")

#: Tasks in flight at once on an executor (results are yielded in task order).
_WINDOW = 1024

_BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
             "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def task_seed(seed: int | np.random.SeedSequence | None, *key: int
              ) -> np.random.SeedSequence:
    """The seed of task ``key``: ``SeedSequence(seed, spawn_key=key)``.

    Equal to the ``key``-th nested child of ``SeedSequence(seed).spawn(...)``, and
    independent of the number of tasks and workers. A ``SeedSequence`` root extends its
    own spawn key (so ``task_seed(SeedSequence(s), k) == task_seed(s, k)``). ``seed=None``
    is refused: a sweep must be reproducible (callers draw and record a seed first, see
    :func:`dynsys._random.root_seed`).
    """
    if seed is None:
        raise ModelError("a sweep needs an integer seed (for reproducible task seeds)")
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + tuple(
            int(k) for k in key))
    return np.random.SeedSequence(int(seed), spawn_key=tuple(int(k) for k in key))


def pinned_call(fn: Callable[..., T], *args: Any) -> T:
    """Call ``fn(*args)`` with BLAS/OpenMP thread pools limited to one thread.

    One thread makes every matrix product bit-for-bit reproducible whatever runs the
    task, and avoids oversubscription when several tasks share a machine.
    """
    with threadpool_limits(limits=1):
        return fn(*args)


class SerialExecutor(Executor):
    """An Executor that runs each task at submission, in the calling process."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


def _pin_env() -> None:  # pool initializer; threadpoolctl pins forked workers in any case
    for name in _BLAS_ENV:
        os.environ[name] = "1"


@contextlib.contextmanager
def executor_from(
    workers: int | None = None, scheduler: str | None = None, *, timeout: float = 10.0,
) -> Iterator[Executor]:
    """The executor the CLI's ``--workers K`` / ``--scheduler ADDR`` ask for.

    Neither: a :class:`SerialExecutor`; ``workers``: a ``ProcessPoolExecutor`` with
    that many processes; ``scheduler``: a Dask ``distributed.Client(scheduler)``'s
    executor (needs the ``cluster`` extra; ``timeout`` seconds to connect). The executor
    is shut down on exit.

    Examples
    --------
    >>> with executor_from() as ex:
    ...     run_tasks(divmod, [(7, 2)], ex)
    [(3, 1)]
    """
    if workers is not None and scheduler is not None:
        raise ModelError("give either --workers or --scheduler, not both")
    if scheduler is not None:
        try:  # an optional extra: imported only when a scheduler is named
            from distributed import Client
        except ImportError:
            raise ModelError(
                "--scheduler needs dask.distributed: pip install 'dynsys[cluster]'"
            ) from None
        try:
            client = Client(scheduler, timeout=f"{float(timeout)}s")
        except (OSError, TimeoutError, ValueError) as exc:  # ValueError: malformed address
            msg = f"cannot connect to the Dask scheduler at {scheduler}: {exc}"
            raise ModelError(msg) from None
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    if workers is not None:
        if int(workers) != workers or workers < 1:
            raise ModelError(f"--workers must be a positive integer, got {workers}")
        with ProcessPoolExecutor(max_workers=int(workers), initializer=_pin_env) as pool:
            yield pool
        return
    yield SerialExecutor()


def iter_tasks(
    fn: Callable[..., T], tasks: Iterable[tuple[Any, ...]], executor: Executor | None = None,
    *, total: int | None = None, progress: bool = False, desc: str = "sweep",
    window: int = _WINDOW,
) -> Iterator[T]:
    """Yield ``fn(*args)`` for every ``args`` of the iterable ``tasks``, in task order.

    The streaming form of :func:`run_tasks`: tasks are drawn from ``tasks`` as they are
    submitted, at most ``window`` of them are in flight, and each result is yielded as
    soon as those before it are done, so memory does not grow with the number of tasks
    (millions of them may come from a generator). ``total`` sizes the progress bar.

    Examples
    --------
    >>> list(iter_tasks(pow, ((2, k) for k in range(4))))
    [1, 2, 4, 8]
    """
    executor = executor or SerialExecutor()
    bar = None
    if progress:
        bar = tqdm(total=total, desc=desc, file=sys.stderr, leave=False)
    pending: deque[Future[T]] = deque()
    try:
        if isinstance(executor, SerialExecutor):  # run one by one, so the bar moves
            for args in tasks:
                result = pinned_call(fn, *args)
                if bar is not None:
                    bar.update(1)
                yield result
            return
        for args in tasks:
            pending.append(executor.submit(pinned_call, fn, *args))
            while len(pending) >= max(1, int(window)):
                result = pending.popleft().result()
                if bar is not None:
                    bar.update(1)
                yield result
        while pending:
            result = pending.popleft().result()
            if bar is not None:
                bar.update(1)
            yield result
    finally:
        for fut in pending:  # stopped early (an error, or the caller): drop the rest
            fut.cancel()
        if bar is not None:
            bar.close()


def run_tasks(
    fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]], executor: Executor | None = None,
    *, progress: bool = False, desc: str = "sweep",
) -> list[T]:
    """Run ``fn(*args)`` for every ``args`` in ``tasks`` and return results in task order.

    Parameters
    ----------
    fn : callable
        A module-level (picklable) function; called with BLAS pinned to one thread.
    tasks : sequence of argument tuples
    executor : Executor or None
        Any ``concurrent.futures.Executor``; ``None`` runs in-process.
    progress : bool
        Show a tqdm progress bar on stderr (the CLI does; the library default is off).

    Returns
    -------
    list
        ``[fn(*tasks[0]), fn(*tasks[1]), ...]``, whatever order the tasks finished in.
    """
    return list(iter_tasks(fn, tasks, executor, total=len(tasks), progress=progress,
                           desc=desc))


@dataclass(frozen=True)
class GridSweep:
    """Results of :func:`sweep_grid`: one result per grid point, in grid order."""

    names: tuple[str, ...]
    points: tuple[dict[str, float], ...]
    results: tuple[Any, ...]
    seed: RecordedSeed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: names, seed and a list of {params, result}."""
        return to_jsonable({"names": list(self.names), "seed": self.seed,
                            "points": [{"params": p, "result": to_jsonable(r)}
                           for p, r in zip(self.points, self.results, strict=True)]})

    def __repr__(self) -> str:
        return (f"<GridSweep over {', '.join(self.names)}: {len(self.points)} points, "
                f"seed {self.seed}>")


@renamed_keyword("seed", "rng")
def sweep_grid(
    fn: Callable[[dict[str, float], np.random.SeedSequence], T],
    grid: Mapping[str, Sequence[float]], *, rng: int | np.random.SeedSequence | None = 0,
    executor: Executor | None = None, progress: bool = False,
) -> GridSweep:
    """Evaluate ``fn(params, seed_sequence)`` on the Cartesian product of ``grid``.

    ``sweep_grid(fn, {"a": [...], "b": [...]}, *, rng=0, executor=None) -> GridSweep``

    ``fn`` must be a module-level (picklable) function. Point ``k`` (row-major order, the
    last name varying fastest) gets ``task_seed(root, k)`` with ``root`` the int seed or
    SeedSequence ``rng`` (``None`` draws a fresh seed, recorded in ``seed``), so results
    do not depend on the executor. ``seed=`` is the deprecated name of ``rng=``.

    Examples
    --------
    >>> from dynsys.sweep import sweep_grid
    >>> res = sweep_grid(_example_task, {"a": [1.0, 2.0], "b": [10.0]})
    >>> [r for r in res.results]
    [11.0, 12.0]
    """
    names = tuple(grid)
    if not names:
        raise ModelError("the grid is empty")
    values = [list(grid[n]) for n in names]
    if any(not v for v in values):
        raise ModelError("every grid axis needs at least one value")
    points = tuple(dict(zip(names, combo, strict=True)) for combo in itertools.product(*values))
    root, seed = root_seed(rng)
    tasks = [(p, task_seed(root, k)) for k, p in enumerate(points)]
    results = run_tasks(fn, tasks, executor, progress=progress, desc="grid")
    return GridSweep(names, points, tuple(results), seed)


def _example_task(params: dict[str, float], seed: np.random.SeedSequence) -> float:
    """Doctest helper: ``a + b``."""
    return params["a"] + params["b"]
