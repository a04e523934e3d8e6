"""Model files are checked before they are read: size first, never a FIFO or a device."""

from __future__ import annotations

import os
import stat
import threading
import time

import pytest

from dynsys.cli import main
from dynsys.core.loading import MAX_ODE_BYTES, load_model
from dynsys.core.odefile import MAX_TEXT
from dynsys.errors import ModelError


def _load_in_thread(path, timeout: float = 20.0) -> BaseException | object:
    """load_model(path) in a thread; fail the test if it blocks."""
    result: list[BaseException | object] = []

    def run() -> None:
        try:
            result.append(load_model(path))
        except BaseException as exc:  # handed back to the test
            result.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"load_model({path}) blocked"
    return result[0]


def test_huge_sparse_ode_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.ode"
    with open(big, "wb") as f:
        f.truncate(2 * 1024**3)
    start = time.perf_counter()
    with pytest.raises(ModelError, match="too large"):
        load_model(big)
    assert time.perf_counter() - start < 1.0


def test_ode_file_just_past_the_limit_is_refused_and_at_the_limit_parsed(tmp_path):
    over = tmp_path / "over.ode"
    over.write_bytes(b"#" * (MAX_ODE_BYTES + 1))
    with pytest.raises(ModelError, match="too large"):
        load_model(over)
    ok = tmp_path / "ok.ode"
    body = "x' = -x\r\n"  # Windows line ends read as in text mode
    ok.write_text(body + "#" * (MAX_TEXT - len(body) - 1) + "\n", newline="")
    assert load_model(ok).state_names == ("x",)


@pytest.mark.parametrize("suffix", [".ode", ".py", ""])
def test_fifo_as_model_file_is_refused_not_read(tmp_path, suffix):
    fifo = tmp_path / f"model{suffix}"
    os.mkfifo(fifo)
    exc = _load_in_thread(fifo)
    assert isinstance(exc, ModelError) and "not a regular file" in str(exc)


@pytest.mark.skipif(not (hasattr(os, "geteuid") and os.geteuid() == 0), reason="mknod needs root")
def test_device_as_model_file_is_refused(tmp_path, capsys):
    dev = tmp_path / "zero.ode"
    os.mknod(dev, 0o666 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero: endless
    exc = _load_in_thread(dev)
    assert isinstance(exc, ModelError) and "not a regular file" in str(exc)
    assert main(["show", str(dev)]) == 2
    assert capsys.readouterr().err.startswith("error: model file")
