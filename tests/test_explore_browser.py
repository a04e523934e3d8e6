"""``dynsys explore`` in a real browser: headless Chromium driven by selenium.

The server runs on a free loopback port (a background thread); Chromium (one per module)
loads the page, and the test waits in real time for Bokeh to render it. Checked on the
phase plane: a canvas with non-blank pixels, the equilibrium markers present, a slider
moved (through Bokeh's JS model API, as a drag would set it) changes the equilibria
table, a tap on the plot draws a trajectory. On the 1-D page: the flux with its three
equilibria, a tap runs a time course. On the Hopfield page: a click flips a probe pixel,
"run" draws an energy curve that never increases. Screenshots go into the tests'
temporary folders.

Skips, with the reason, where Chromium, Debian's chromedriver, selenium or Bokeh is
missing (Selenium Manager cannot download a driver here). ``python
tests/test_explore_browser.py`` regenerates ``docs/explore.png`` by the same code path.
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    for mod in ("bokeh", "selenium"):
        if importlib.util.find_spec(mod) is None:
            return f"{mod} is not installed (pip install 'dynsys[explore]' selenium)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    if not Path(CHROMEDRIVER).exists():
        return f"no chromedriver at {CHROMEDRIVER} (apt-get install chromium-driver)"
    return None


@contextmanager
def browser(width: int = 1400, height: int = 1150) -> Iterator[Any]:
    """Headless Chromium through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}", "--hide-scrollbars"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(what: str, check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``check()`` in real time until it is truthy; fail naming ``what``."""
    end = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except Exception:  # the page is still loading: the objects are not there yet
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


#: JS: the number of rows of a named data source's first column (-1 if absent).
ROWS_JS = """
const doc = Bokeh.documents[0];
const src = doc.get_model_by_name(arguments[0]);
if (!src) { return -1; }
const keys = Object.keys(src.data);
return keys.length ? src.data[keys[0]].length : 0;
"""

#: JS: how many pixels of the biggest canvas on the page are not white/transparent.
INK_JS = """
function canvases(root, out) {
  for (const el of root.querySelectorAll('*')) {
    if (el.tagName === 'CANVAS') { out.push(el); }
    if (el.shadowRoot) { canvases(el.shadowRoot, out); }
  }
  return out;
}
const all = canvases(document, []);
if (!all.length) { return -1; }
all.sort((a, b) => b.width * b.height - a.width * a.height);
const c = all[0];
const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
let ink = 0;
for (let i = 0; i < data.length; i += 4) {
  if (data[i + 3] > 0 && (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200)) { ink++; }
}
return ink;
"""

#: JS: a named plot's frame in page pixels and its data ranges, to tap a data point.
FRAME_JS = """
const doc = Bokeh.documents[0];
const plot = doc.get_model_by_name(arguments[0]);
const view = Bokeh.index.get_one(plot);
const f = view.frame.bbox;
const host = view.el.getBoundingClientRect();
return [host.left + f.left, host.top + f.top, f.width, f.height,
        plot.x_range.start, plot.x_range.end, plot.y_range.start, plot.y_range.end];
"""


def table_text(driver: Any) -> str:
    return driver.execute_script(
        "const d = Bokeh.documents[0].get_model_by_name('eq-table'); return d ? d.text : '';")


def tap_at(driver: Any, x: float, y: float, plot: str = "phase") -> None:
    """A real mouse click at data point (x, y) of the named plot (the phase plane)."""
    from selenium.webdriver.common.action_chains import ActionChains

    left, top, w, h, x0, x1, y0, y1 = driver.execute_script(FRAME_JS, plot)
    px = left + (x - x0) / (x1 - x0) * w
    py = top + (y1 - y) / (y1 - y0) * h
    body = driver.find_element("tag name", "body")
    rect = body.rect
    ActionChains(driver).move_to_element_with_offset(
        body, int(px - rect["x"] - rect["width"] / 2),
        int(py - rect["y"] - rect["height"] / 2)).click().perform()


def load(driver: Any, url: str) -> None:
    """Open ``url`` and wait until Bokeh has built the document."""
    driver.get(url)
    wait_for("Bokeh to load", lambda: driver.execute_script(
        "return typeof Bokeh !== 'undefined' && Bokeh.documents.length > 0 && "
        "Bokeh.documents[0].get_model_by_name('explorer') !== null"))


def click_button(driver: Any, name: str) -> None:
    """Click the named Bokeh button as a user would (its DOM element)."""
    driver.execute_script("const b = Bokeh.documents[0].get_model_by_name(arguments[0]);"
                          "Bokeh.index.get_one(b).button_el.click();", name)


def column(driver: Any, source: str, key: str) -> list[Any]:
    """One column of a named data source, as the page holds it."""
    return list(driver.execute_script(
        "const s = Bokeh.documents[0].get_model_by_name(arguments[0]);"
        "return Array.from(s.data[arguments[1]]);", source, key))


def drive(shot: Path, driver: Any = None) -> dict[str, Any]:
    """The whole browser session on mutual_excitation; returns what it saw.

    Starts the server, loads the page, waits for the analysis, moves the I slider,
    taps twice, screenshots into ``shot`` and stops the server. ``driver``: a running
    browser (default: one of its own).
    """
    if driver is None:
        with browser() as own:
            return drive(shot, own)
    from dynsys.explore import explore

    seen: dict[str, Any] = {}
    running = explore("mutual_excitation", open_browser=False)
    try:
        load(driver, running.url)
        seen["markers"] = wait_for("the equilibrium markers", lambda: driver.execute_script(
            ROWS_JS, "equilibria") > 0 and driver.execute_script(ROWS_JS, "equilibria"))
        wait_for("the nullclines", lambda: driver.execute_script(ROWS_JS, "nullclines") > 0)
        seen["table_before"] = table_text(driver)
        seen["ink"] = wait_for("a drawn canvas", lambda: driver.execute_script(INK_JS) > 500
                               and driver.execute_script(INK_JS))
        driver.execute_script(
            "Bokeh.documents[0].get_model_by_name('slider-I').value = -6.0;")
        seen["table_after"] = wait_for(
            "the equilibria table to change",
            lambda: (t := table_text(driver)) != seen["table_before"] and "stable" in t
            and t)
        seen["markers_after"] = driver.execute_script(ROWS_JS, "equilibria")
        tap_at(driver, 12.0, 40.0)
        seen["trajectories"] = wait_for(
            "a trajectory", lambda: driver.execute_script(ROWS_JS, "trajectories") > 0
            and driver.execute_script(ROWS_JS, "trajectories"))
        driver.execute_script(
            "Bokeh.documents[0].get_model_by_name('slider-I').value = -10.0;")
        wait_for("the table back at I = -10",
                 lambda: table_text(driver) == seen["table_before"])
        tap_at(driver, 40.0, 8.0)
        tap_at(driver, 30.0, 20.0)
        click_button(driver, "latex-download")
        seen["latex"] = wait_for("the LaTeX table", lambda: driver.execute_script(
            "const s = Bokeh.documents[0].get_model_by_name('latex');"
            "return s.data.text.length ? s.data.text[0] : '';"))
        wait_for("three trajectories",
                 lambda: driver.execute_script(ROWS_JS, "trajectories") >= 3)
        wait_for("the bifurcation branch",
                 lambda: driver.execute_script(ROWS_JS, "bif-stable") > 0, timeout=20)
        time.sleep(0.5)  # the last glyphs paint
        shot.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(shot))
    finally:
        running.stop()
    return seen


needs_browser = pytest.mark.skipif(missing() is not None, reason=str(missing()))


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Chromium for the module's tests (starting one costs a second or two)."""
    with browser() as driver:
        yield driver


@needs_browser
@pytest.mark.slow  # real time in a real browser: about 20 s
@pytest.mark.timeout(90)
def test_explorer_in_headless_chromium(chromium: Any, tmp_path: Path) -> None:
    seen = drive(tmp_path / "explore.png", chromium)
    assert seen["ink"] > 500
    assert seen["markers"] == 3  # two stable nodes and the saddle at I = -10
    assert seen["table_before"].count("saddle") == 1
    # I = -6 lies between the folds (-16.057 and -3.943, closed form in DESIGN.md): still
    # three equilibria, but the saddle has moved off (25, 25), so the table changes
    assert seen["table_after"] != seen["table_before"]
    assert seen["markers_after"] == 3 and "x = 25, y = 25" not in seen["table_after"]
    assert "x = 25, y = 25" in seen["table_before"]
    assert seen["trajectories"] == 1
    assert "\\toprule" in seen["latex"] and "saddle" in seen["latex"]
    assert (tmp_path / "explore.png").stat().st_size > 10_000


@needs_browser
@pytest.mark.timeout(60)
def test_the_flux_page_marks_three_equilibria_and_runs_a_tapped_time_course(
        chromium: Any, tmp_path: Path) -> None:
    from dynsys.explore import explore

    running = explore("self_excitation", open_browser=False)
    try:
        load(chromium, running.url)
        # w = 0.05, I = -3 (the model's values): three equilibria, 0.3059, 60, 119.69
        # (closed form in test_explore.py's flux test)
        wait_for("the three equilibrium markers",
                 lambda: chromium.execute_script(ROWS_JS, "equilibria") == 3)
        xs = sorted(column(chromium, "equilibria", "x"))
        assert xs == pytest.approx([0.305908292842, 60.0, 119.694091707], abs=1e-6)
        assert chromium.execute_script(ROWS_JS, "flux-curve") > 100
        assert wait_for("a drawn canvas", lambda: chromium.execute_script(INK_JS) > 500)
        tap_at(chromium, 60.0, 0.0, plot="flux")  # on the unstable equilibrium's marker
        wait_for("a time course", lambda: chromium.execute_script(ROWS_JS, "runs") == 1)
        assert chromium.execute_script("return Bokeh.documents[0].get_model_by_name("
                                       "'equilibria').selected.indices.length;") == 0
        tap_at(chromium, 80.0, 0.0, plot="flux")
        wait_for("a second time course", lambda: chromium.execute_script(ROWS_JS, "runs") == 2)
        _, course = chromium.execute_script(
            "return Bokeh.documents[0].get_model_by_name('runs').data.ys.map("
            "y => [y[0], y[y.length - 1]]);")
        # started where tapped (to a pixel), ended near the high stable state
        assert abs(course[0] - 80.0) < 1.0 and course[1] == pytest.approx(119.69, abs=0.5)
        chromium.save_screenshot(str(tmp_path / "flux.png"))
    finally:
        running.stop()


@needs_browser
@pytest.mark.timeout(60)
def test_the_hopfield_page_flips_a_probe_pixel_and_recall_lowers_the_energy(
        chromium: Any, tmp_path: Path) -> None:
    from dynsys.core.loading import load_model
    from dynsys.explore import explore

    net = load_model("hopfield").replace(sigma=0.0)  # noiseless: the energy cannot rise
    running = explore(net, open_browser=False)
    try:
        load(chromium, running.url)
        wait_for("the probe", lambda: chromium.execute_script(ROWS_JS, "probe-cells") == 64)
        before = column(chromium, "probe-cells", "color")
        tap_at(chromium, 2.5, 5.5, plot="probe")  # column 2, row 2 from the top
        after = wait_for("a flipped pixel", lambda: (
            c := column(chromium, "probe-cells", "color")) != before and c)
        changed = [k for k, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        assert changed == [2 * 8 + 2]
        # a tap selects no cell (a selection would fade every other cell to grey)
        assert chromium.execute_script("return Bokeh.documents[0].get_model_by_name("
                                       "'probe-cells').selected.indices.length;") == 0
        click_button(chromium, "corrupt")
        click_button(chromium, "run")
        wait_for("the recall to finish", lambda: "recall done" in chromium.execute_script(
            "return Bokeh.documents[0].get_model_by_name('status').text;"))
        e = column(chromium, "energy-curve", "e")
        assert len(e) > 100
        assert all(b <= a + 1e-9 for a, b in itertools.pairwise(e)) and e[-1] < e[0]
        chromium.save_screenshot(str(tmp_path / "hopfield.png"))
    finally:
        running.stop()


if __name__ == "__main__":  # regenerate the README's screenshot
    reason = missing()
    if reason:
        sys.exit(f"cannot make the screenshot: {reason}")
    out = Path(__file__).resolve().parents[1] / "docs" / "explore.png"
    print(drive(out))
    print(f"wrote {out}")
