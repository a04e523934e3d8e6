"""Finding one's way: `dynsys` alone, `dynsys models`, did-you-mean for a model name."""

from __future__ import annotations

import json

from dynsys.cli import main
from dynsys.core.loading import model_names


def test_dynsys_alone_prints_the_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: dynsys") and "models" in out and "simulate" in out


def test_models_lists_every_built_in_model(capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(model_names())
    assert any("(v, w)" in line and "FitzHugh" in line for line in lines)
    assert main(["models", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [m["name"] for m in data["models"]] == list(model_names())


def test_an_unknown_model_suggests_the_closest(capsys):
    assert main(["show", "wilsoncowan"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: unknown model 'wilsoncowan' (did you mean 'wilson_cowan'?)")
    assert len(err.splitlines()) == 1
    assert main(["analyze", "zzz"]) == 2
    assert "did you mean" not in capsys.readouterr().err


def test_figures_use_the_unit_the_model_declares(tmp_path, monkeypatch):
    """spikes/s for the rate models, which declare it; nothing for FitzHugh-Nagumo, which
    is dimensionless; --unit overrides (issue 13, item 4)."""
    import matplotlib

    monkeypatch.setitem(matplotlib.rcParams, "svg.fonttype", "none")  # labels as text

    def labels(*argv):
        out = tmp_path / "fig.svg"
        assert main([*argv, "--plot", str(out)]) == 0
        return out.read_text()

    assert "spikes/s" in labels("phase", "mutual_excitation")
    assert "spikes/s" not in labels("phase", "fitzhugh_nagumo")
    assert "mV" in labels("phase", "fitzhugh_nagumo", "--unit", "mV")
    assert "spikes/s" not in labels("simulate", "fitzhugh_nagumo", "--x0", "-1,1",
                                    "--t-end", "1")
    assert "spikes/s" in labels("analyze", "self_excitation")


def test_plot_says_where_the_figure_went(tmp_path, capsys):
    out = tmp_path / "ts.png"
    assert main(["simulate", "self_excitation", "--x0", "59", "--t-end", "1", "--json",
                 "--plot", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err.strip() == f"figure written to {out}"
    assert json.loads(captured.out)["model"] == "self_excitation"  # stdout stays JSON
