"""The reference report, `--quick`, run end to end into a temporary folder.

Checks every expected file, the reference values (docs/reference_values.md) in
results.json, the claims table, a self-contained HTML page and (where a LaTeX engine is
installed) the compiled PDF.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from dynsys.cli import main
from dynsys.report import run_report
from dynsys.report.writers import latex_engine

FIGURES = ["01", "02", "03", "04", "05", "06", "07", "08", "09a", "09b", "10", "11", "12",
           "13", "14", "15", "16a", "16b", "17", "18", "19", "20", "21", "22", "23"]
CLAIMS = [
    "single_neuron_three_equilibria", "single_neuron_one_equilibrium_low_w",
    "single_neuron_noise_low", "single_neuron_noise_medium",
    "single_neuron_noise_high", "mutual_three_equilibria", "mutual_low_node_det_tr",
    "mutual_saddle_eigenvalues", "mutual_saddle_directions", "mutual_fold_near_minus_16",
    "hopfield_one_pattern_two_attractors",
    "hopfield_two_patterns_four_attractors", "hopfield_recovers_30pct_corruption",
    "hopfield_95pct_up_to_7_8_patterns", "hopfield_50pct_near_9_patterns",
    "hopfield_capacity_0138N",
]


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "dynsys-report"
    status = main(["report", "--quick", "--out", str(out), "--seed", "0", "--no-progress"])
    assert status == 0
    return out, json.loads((out / "results.json").read_text())


def test_every_file_exists_and_is_not_empty(quick):
    out, data = quick
    assert data["unavailable"] == [], data["unavailable"]
    for name in ("report.tex", "report.html", "results.json",
                 "tables/table1_mutual_stability.tex",
                 "tables/tableS1_single_neuron_stability.tex"):
        assert (out / name).stat().st_size > 0, name
    stems = {p.name.split("_")[0] for p in (out / "figures").glob("*.png")}
    assert stems == {f"fig{n}" for n in FIGURES}
    for png in (out / "figures").glob("*.png"):
        assert png.stat().st_size > 1000 and png.with_suffix(".pdf").stat().st_size > 1000
    numbers = [f["number"] for f in data["figures"]]
    assert numbers == [n.lstrip("0") for n in FIGURES]  # in the reference's order
    assert [f["number"] for f in data["figures"] if f["added"]] == ["19", "20", "21", "22",
                                                                     "23"]
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temporary files left


def test_reference_values_of_design(quick):
    _, data = quick
    res = data["results"]
    se = [e["state"]["r"] for e in res["single_neuron"]["equilibria"]["equilibria"]]
    assert se == pytest.approx([0.305908292842, 60.0, 119.694091707], abs=1e-9)
    se_eig = [e["eigenvalues"][0]["re"] for e in res["single_neuron"]["equilibria"]["equilibria"]]
    assert se_eig == pytest.approx([-0.969487154, 2.0, -0.969487154], abs=1e-9)
    assert res["single_neuron"]["deterministic"]["r_at_t2_from_59"] == pytest.approx(33.6544,
                                                                                      abs=1e-4)
    me = [e["state"]["x"] for e in res["mutual"]["equilibria"]["equilibria"]]
    assert me == pytest.approx([0.00227195711918623, 25.0, 49.9977280428808], abs=1e-10)
    saddle = res["mutual"]["equilibria"]["equilibria"][1]
    assert sorted(v["re"] for v in saddle["eigenvalues"]) == pytest.approx([-6.0, 4.0],
                                                                           abs=1e-9)
    assert res["mutual"]["folds_I"] == pytest.approx([-16.0570009596, -3.9429990404], abs=1e-8)
    assert res["single_neuron"]["cusp"] == pytest.approx([1 / 60, -1.0], abs=1e-6)
    barrier = res["single_neuron"]["potential"]["barriers"][0]["height"]
    assert barrier == pytest.approx(971.2395821, abs=1e-6)


def test_claims(quick):
    out, data = quick
    claims = {c["id"]: c for c in data["claims"]}
    assert list(claims) == CLAIMS
    for c in claims.values():
        assert c["verdict"] in ("holds", "differs"), c
        assert c["claim"] and c["criterion"] and c["measured"]
    for cid in ("single_neuron_three_equilibria", "mutual_three_equilibria",
                "mutual_saddle_eigenvalues", "mutual_fold_near_minus_16",
                "single_neuron_one_equilibrium_low_w", "mutual_low_node_det_tr",
                "mutual_saddle_directions",
                "hopfield_one_pattern_two_attractors", "hopfield_two_patterns_four_attractors",
                "single_neuron_noise_low"):
        assert claims[cid]["verdict"] == "holds", claims[cid]
    # the noise claims are judged by counts over a stated number of runs and time
    for cid in ("single_neuron_noise_medium", "single_neuron_noise_high"):
        assert claims[cid]["values"]["runs"] > 0 and claims[cid]["values"]["t_end"] == 20
        if claims[cid]["verdict"] == "differs":
            assert "Kramers" in claims[cid]["explanation"]
    html = (out / "report.html").read_text()
    assert all(cid in html for cid in CLAIMS)


def test_html_self_contained_and_tex_structure(quick):
    out, _ = quick
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(FIGURES)
    assert not re.search(r"""(src|href)\s*=\s*["']?(?!["']|data:|#)""", html)
    assert "<script" not in html and "<link" not in html
    tex = (out / "report.tex").read_text()
    assert tex.count(r"\begin{figure}") == len(FIGURES)
    assert tex.count(r"\begin{") == tex.count(r"\end{")
    for title in ("Neuron with self-connection", "mutual excitation", "Hopfield network",
                  "Claims checked", "Conclusion"):
        assert title in tex
    # a matrix in running text stretches the line spacing: matrices are displayed
    running = re.sub(r"\\begin\{(equation\*|align\*)\}.*?\\end\{\1\}", "", tex, flags=re.S)
    assert "matrix}" in tex and "matrix}" not in running
    # mathematics as MathML, not as a plain-text fallback such as (dr)/(dt)
    assert "<mfrac>" in html and "<mtable>" in html and ")/(" not in html
    # each claim is named in words and links to the figure that shows it
    data = json.loads((out / "results.json").read_text())
    for claim in data["claims"]:
        assert claim["title"] and "_" not in claim["title"], claim["id"]
        assert f'href="#fig{claim["figure"]}"' in html, claim["id"]
        assert f"\\hyperlink{{fig:{claim['figure']}}}" in tex, claim["id"]
        assert f"\\hypertarget{{fig:{claim['figure']}}}" in tex, claim["id"]


@pytest.mark.skipif(latex_engine() is None, reason="no LaTeX engine installed")
def test_pdf_compiled(quick):
    out, data = quick
    assert data["pdf"]["built"], data["pdf"]["message"]
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_second_recipe_wilson_cowan(tmp_path):
    result = run_report("wilson_cowan", tmp_path, quick=True, pdf=False)
    assert result.unavailable == ()
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["results"]["equilibria"]["equilibria"]
    assert (tmp_path / "figures" / "fig01_phase_plane.png").stat().st_size > 0
    hopf = [p for b in data["results"]["bifurcation_P"]["branches"]
            for p in b["special_points"] if p["type"] == "hopf"]
    assert len(hopf) == 1 and hopf[0]["params"]["P"] == pytest.approx(1.879, abs=1e-3)
    assert hopf[0]["l1"] < 0  # supercritical


@pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
                    reason="poppler-utils (pdftotext, pdfinfo) is not installed")
def test_pdf_reads_right(quick):
    """What a reader of the PDF sees: no stray 'Figure N: *' captions (\\caption* without
    the caption package), no OT1 garbling of < > | (printed as inverted marks), every
    figure once and in order, a bounded page count and a title in the PDF metadata."""
    out, data = quick
    if not data["pdf"]["built"]:
        pytest.skip(data["pdf"]["message"])
    pdf = out / "report.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert not re.search(r"Figure \d+[a-z]?: \*", text)
    assert "\u00bf" not in text and "\u00a1" not in text  # inverted ? and !
    numbers = re.findall(r"^\s*Figure (\d+[a-z]?):", text, flags=re.M)
    assert numbers == [f.lstrip("0") for f in FIGURES]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, flags=re.M).group(1))
    assert pages <= 22, f"{pages} pages"
    title = re.search(r"^Title:\s+(.*)$", info, flags=re.M)
    assert title and "Firing rate models" in title.group(1)


_OVERFLOW_PROBE = """<script>
window.addEventListener('load', function () {
  var W = document.documentElement.clientWidth, bad = [];
  document.querySelectorAll('body *').forEach(function (el) {
    var r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > W + 1 || r.left < -1)) { bad.push(el.tagName); }
  });
  var vs = 0;  // display math with a vertical scrollbar (content taller than its box)
  document.querySelectorAll('div.math').forEach(function (el) {
    var oy = getComputedStyle(el).overflowY;
    if ((oy === 'auto' || oy === 'scroll') && el.scrollHeight > el.clientHeight) { vs += 1; }
  });
  var p = document.createElement('pre'); p.id = 'overflow-probe';
  p.textContent = 'WIDTH=' + W + ' SCROLL=' + document.documentElement.scrollWidth +
                  ' VSCROLL=' + vs + ' BAD=' + bad.length + ' ' + bad.slice(0, 8).join(',');
  document.body.appendChild(p);
});
</script>"""
_CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_CHROMIUM is None, reason="chromium is not installed")
@pytest.mark.parametrize("width", [600, 1280])
def test_html_fits_the_window(quick, tmp_path, width):
    """report.html in headless Chromium: no element reaches past the window's width (the
    claims table pushed its Verdict column off a 600 px screen), and no display equation
    gets a vertical scrollbar (the model's dr/dt fraction had one at both widths)."""
    out, _ = quick
    page = tmp_path / "probe.html"
    page.write_text((out / "report.html").read_text().replace("</body>",
                                                              _OVERFLOW_PROBE + "</body>"))
    dom = subprocess.run([_CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                          f"--window-size={width},900", "--virtual-time-budget=5000",
                          "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    probe = re.search(r'id="overflow-probe">WIDTH=(\d+) SCROLL=(\d+) VSCROLL=(\d+) '
                      r'BAD=(\d+)([^<]*)', dom)
    assert probe, dom[-500:]
    window, scroll, vscroll, bad = (int(probe.group(k)) for k in (1, 2, 3, 4))
    assert scroll <= window and bad == 0 and vscroll == 0, probe.group(0)
    assert 'name="viewport"' in (out / "report.html").read_text()
