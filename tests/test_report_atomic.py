"""Report folders as a whole: built beside the target, swapped in at the end, under a lock.

A run that fails half-way leaves the previous report byte-identical; a second run into a
folder being written is refused; SIGTERM stops ``dynsys report`` with its figure worker,
leaving no process, no temporary folder and no lock behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dynsys.cli import main
from dynsys.errors import ModelError
from dynsys.report import run_report

DYNSYS = str(Path(sys.executable).parent / "dynsys")

RECIPE = textwrap.dedent('''
    TITLE = "Three steps"
    STEPS = 3

    def build(report):
        from dynsys.plots._style import new_axes
        for k in (1, 2, 3):
            with report.step(f"step {k}"):
                if k == 3 and FAIL == "interrupt":
                    raise KeyboardInterrupt
                fig, ax = new_axes()
                ax.plot([0, 1], [k, 0])
                report.figure(k, f"step{k}", fig, f"Step {k} of {MARK}.")
                report.table(k, f"t{k}", ("a",), [(str(k),)], "A table.")
                report.record(f"step{k}", k)
            if k == 2 and FAIL == "error":
                raise RuntimeError("broken in step 3")
''')


def _recipe(folder: Path, name: str, *, fail: str = "", mark: str = "run") -> Path:
    path = folder / f"{name}.py"
    path.write_text(f"FAIL = {fail!r}\nMARK = {mark!r}\n" + RECIPE)
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _siblings(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith("."))


@pytest.fixture
def previous(tmp_path):
    out = tmp_path / "reports" / "out"
    out.parent.mkdir()
    run_report(_recipe(tmp_path, "ok", mark="the first run"), out, pdf=False)
    return out, _snapshot(out)


@pytest.mark.parametrize("fail", ["error", "interrupt"])
def test_failed_run_leaves_previous_report_identical(tmp_path, previous, fail):
    out, before = previous
    assert "results.json" in before and "figures/fig03_step3.png" in before
    recipe = _recipe(tmp_path, "bad", fail=fail, mark="the second run")
    with pytest.raises(ModelError if fail == "error" else KeyboardInterrupt):
        run_report(recipe, out, pdf=False, parallel=True)
    assert _snapshot(out) == before
    assert _siblings(out) == []  # no temporary folder, no lock


def test_failing_recipe_is_one_error_line_and_previous_kept(tmp_path, previous, capsys):
    out, before = previous
    recipe = _recipe(tmp_path, "bad", fail="error")
    assert main(["report", str(recipe), "--out", str(out), "--no-pdf", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: report recipe bad failed: RuntimeError")
    assert _snapshot(out) == before and _siblings(out) == []


def test_successful_rerun_replaces_the_whole_folder(tmp_path, previous):
    out, _ = previous
    (out / "figures" / "fig99_stale.png").write_bytes(b"from an older version")
    res = run_report(_recipe(tmp_path, "ok2", mark="the second run"), out, pdf=False)
    after = _snapshot(out)
    assert "figures/fig99_stale.png" not in after  # never old figures beside new results
    assert b"the second run" in after["report.html"]
    assert res.out == out and all(f.is_file() and out in f.parents for f in res.files)
    assert _siblings(out) == []


def test_folder_that_is_not_a_report_is_refused(tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "mine.txt").write_text("keep me")
    with pytest.raises(ModelError, match="other files"):
        run_report(_recipe(tmp_path, "ok"), notes, pdf=False)
    assert (notes / "mine.txt").read_text() == "keep me"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelError, match="not a folder"):
        run_report(_recipe(tmp_path, "ok"), tmp_path / "file", pdf=False)


def test_stale_lock_is_taken_over(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    out = tmp_path / "out"
    lock = tmp_path / ".out.lock"
    lock.write_text(f"{dead.pid} 0\n")
    run_report(_recipe(tmp_path, "ok"), out, pdf=False, parallel=False)
    assert (out / "results.json").is_file() and not lock.exists()


def test_second_concurrent_run_is_refused(tmp_path):
    flag = tmp_path / "go"
    slow = tmp_path / "slow.py"
    slow.write_text(textwrap.dedent(f'''
        import time
        from pathlib import Path
        TITLE = "slow"

        def build(report):
            end = time.monotonic() + 60
            while not Path({str(flag)!r}).exists() and time.monotonic() < end:
                time.sleep(0.05)
            report.record("done", True)
    '''))
    out = tmp_path / "out"
    first = subprocess.Popen([DYNSYS, "report", str(slow), "--out", str(out), "--no-pdf",
                              "--no-progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        lock = tmp_path / ".out.lock"
        end = time.monotonic() + 60
        while not lock.exists() and time.monotonic() < end:
            time.sleep(0.05)
        assert lock.read_text().split()[0] == str(first.pid)
        second = subprocess.run([DYNSYS, "report", str(slow), "--out", str(out), "--no-pdf",
                                 "--no-progress"], capture_output=True, text=True, timeout=120)
        assert second.returncode == 2
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and "being written by another dynsys process" in lines[0]
        assert str(first.pid) in lines[0]
    finally:
        flag.write_text("")
        _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert (out / "results.json").is_file() and _siblings(out) == []


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            found |= {int(c) for c in Path(f"/proc/{pid}/task/{task}/children").read_text()
                      .split()}
        except OSError:
            pass
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
def test_sigterm_stops_the_report_and_its_worker(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "results.json").write_text("{}")  # a previous report, kept as it was
    proc = subprocess.Popen([DYNSYS, "report", "--quick", "--no-pdf", "--no-progress",
                             "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        end = time.monotonic() + 60
        while not (children := _children(proc.pid)) and time.monotonic() < end:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        assert children, "the figure worker never started"
        time.sleep(1.0)  # well into the recipe
        proc.send_signal(signal.SIGTERM)
        start = time.monotonic()
        _, stderr = proc.communicate(timeout=20)  # returns only once the pipes reach EOF
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert time.monotonic() - start < 20
    assert proc.returncode == 143, stderr
    assert stderr.decode().strip().splitlines() == ["error: terminated (SIGTERM)"]
    time.sleep(0.2)
    assert [c for c in children if Path(f"/proc/{c}").exists()
            and "zombie" not in Path(f"/proc/{c}/status").read_text()] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary, no lock
    assert [p.name for p in out.iterdir()] == ["results.json"]


def test_leftovers_of_a_killed_run_are_cleared_and_the_old_report_put_back(tmp_path, previous):
    out, before = previous
    old = out.parent / ".out.old-abc123"
    os.rename(out, old)  # killed between the two renames: only the old report is left
    (out.parent / ".out.new-def456" / "figures").mkdir(parents=True)
    (out.parent / ".out.lock").write_text("999999999 0\n")  # and its lock is stale
    with pytest.raises(ModelError):
        run_report(_recipe(tmp_path, "bad", fail="error"), out, pdf=False, parallel=False)
    assert _snapshot(out) == before and _siblings(out) == []
