"""Recall trials, capacity curves, Wilson intervals, scaling and the capacity CLI."""

import json
import math

import numpy as np
import pytest

from dynsys.errors import ModelError
from dynsys.hopfield._trials import recall_trials
from dynsys.hopfield.capacity import (
    capacity_curve,
    error_correction_curve,
    mceliece_limits,
    scaling_curves,
    wilson_interval,
)
from dynsys.hopfield.recall import RecallProtocol


def test_wilson_against_hand_computation():
    # k = 8, n = 10, z = 1.96: centre (0.8 + 0.19208) / 1.38416, half-width below
    z = 1.959963984540054
    p, n = 0.8, 10
    centre = (p + z * z / 20) / (1 + z * z / 10)
    half = z * math.sqrt(p * (1 - p) / n + z * z / 400) / (1 + z * z / 10)
    lo, hi = wilson_interval(8, 10)
    assert lo == pytest.approx(centre - half, abs=1e-12) and hi == pytest.approx(centre + half)
    assert (round(lo, 4), round(hi, 4)) == (0.4902, 0.9433)
    lo0, hi0 = wilson_interval(0, 20)
    assert lo0 == 0.0 and hi0 == pytest.approx(z * z / (20 + z * z))
    assert wilson_interval(20, 20)[1] == pytest.approx(1.0)
    with pytest.raises(ModelError):
        wilson_interval(5, 3)


def test_mceliece_limits():
    half, quarter = mceliece_limits(64)
    assert float(half) == pytest.approx(64 / (2 * math.log(64)))
    assert float(half) == pytest.approx(2 * float(quarter))


def test_one_pattern_always_recalled_and_static_check():
    c = recall_trials(64, 1, 0.3, 30, rng=0)
    assert c == {"trials": 30, "exact": 30, "overlap": 30, "fixed": 30}


def test_noiseless_early_stop_matches_full_run():
    proto = RecallProtocol(sigma=0.0)
    a = recall_trials(64, 4, 0.2, 40, proto, rng=5)
    b = recall_trials(64, 4, 0.2, 40, RecallProtocol(sigma=0.0, t_end=40.0), rng=5)
    assert a["exact"] == b["exact"] and a["fixed"] == b["fixed"]


def test_capacity_curve_shape_and_report_trend():
    c = capacity_curve(64, 16, trials=60, flip=0.3, rng=0)
    assert [p.patterns for p in c.points] == list(range(1, 17))
    r = c.recall
    assert r[0] == 1.0 and r[-1] < 0.4  # high for few patterns, collapses past ~0.138 N
    assert all(p.ci_low <= p.recall <= p.ci_high for p in c.points)
    assert all(p.fixed_recall >= p.recall - 0.2 for p in c.points)
    d = c.to_dict()
    assert {"n", "flip", "trials", "points", "protocol", "seed"} <= set(d)
    assert set(d["points"][0]) >= {"patterns", "recall", "overlap_recall", "ci_low", "ci_high"}
    assert d["flipped_bits"] == 19 and d["protocol"]["steps"] == 200
    json.dumps(d)


def test_flip_fraction_ordering():
    low = capacity_curve(64, patterns=[6], trials=150, flip=0.1, rng=1).points[0]
    high = capacity_curve(64, patterns=[6], trials=150, flip=0.3, rng=1).points[0]
    assert low.recall > high.recall


@pytest.mark.parametrize("proto", [
    RecallProtocol(rule="synchronous"), RecallProtocol(rule="asynchronous"),
    RecallProtocol(activation="tanh", beta=5.0), RecallProtocol(zero_diagonal=True),
])
def test_other_protocols_run(proto):
    c = capacity_curve(64, patterns=[1, 3], trials=30, flip=0.1, protocol=proto, rng=2)
    assert c.points[0].recall >= 0.9
    assert c.protocol.to_dict()["rule"] == proto.rule.value


def test_discrete_protocol_rejects_tanh():
    with pytest.raises(ModelError, match="sign"):
        RecallProtocol(rule="synchronous", activation="tanh")


def test_scaling_and_error_correction_small():
    res = scaling_curves([32, 64], [0.05, 0.3], trials=20, rng=0)
    assert [c.n for c in res.curves] == [32, 64]
    assert [p.patterns for p in res.curves[1].points] == [3, 19]
    d = res.to_dict()
    assert d["ags_alpha"] == 0.138 and len(d["mceliece"]) == 2
    ec = error_correction_curve(64, 2, [0.0, 0.45], trials=20, rng=0)
    assert ec.recall[0] == 1.0 and ec.recall[1] < ec.recall[0]
    json.dumps(ec.to_dict())


def test_seed_determinism_and_chunk_independence_of_worker_count():
    a = capacity_curve(64, 3, trials=30, rng=9, chunk_trials=10)
    b = capacity_curve(64, 3, trials=30, rng=9, chunk_trials=10)
    assert a.to_dict() == b.to_dict()
    # a curve's P = 2 point does not depend on max_patterns (seeds are keyed by P)
    d = capacity_curve(64, 5, trials=30, rng=9, chunk_trials=10)
    assert d.points[1].to_dict() == a.points[1].to_dict()


def test_cli_capacity_json_and_errors(capsys, tmp_path):
    from dynsys.cli import main

    assert main(["hopfield", "capacity", "--max-patterns", "4", "--trials", "20", "--json",
                 "--flip", "0.1", "--plot", str(tmp_path / "c.png")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 64 and out["flip"] == 0.1 and out["trials"] == 20
    assert [p["patterns"] for p in out["points"]] == [1, 2, 3, 4]
    assert out["protocol"]["sigma"] == 0.1 and out["seed"] == 0
    assert (tmp_path / "c.png").exists()
    assert main(["hopfield", "capacity", "--max-patterns", "2", "--trials", "5",
                 "--format", "csv"]) == 0
    assert capsys.readouterr().out.startswith("patterns,recall")
    assert main(["hopfield", "capacity", "--flip", "1.5"]) == 2
    assert main(["hopfield", "capacity", "--sigma", "nan"]) == 2
    assert main(["hopfield", "scaling", "--sizes", "16,32", "--alphas", "0.1",
                 "--trials", "5", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["curves"]) == 2


def test_recall_trials_counts_are_consistent():
    c = recall_trials(64, 12, 0.3, 50, rng=np.random.SeedSequence(3))
    assert 0 <= c["exact"] <= c["overlap"] + 50 and c["exact"] <= 50


def test_cli_error_correction(capsys):
    from dynsys.cli import main

    assert main(["hopfield", "error-correction", "--flips", "0,0.5", "--trials", "10",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [p["flipped_bits"] for p in out["points"]] == [0, 32]
    assert out["points"][0]["recall"] == 1.0


@pytest.mark.parametrize("n,p", [(16, 10), (64, 5), (64, 40)])  # dense and factored
@pytest.mark.parametrize("zero", [False, True])
def test_batched_kernel_matches_the_network(n, p, zero):
    from dynsys.hopfield._trials import _run_block
    from dynsys.hopfield.network import HopfieldNetwork, euler_run
    from dynsys.hopfield.patterns import flip_bits

    rng = np.random.default_rng(n + p)
    pm = np.where(rng.random((4, p, n)) < 0.5, -1.0, 1.0)
    x0 = flip_bits(pm[:, 0, :], 0.2, rng=1)
    sync = _run_block(pm, x0, RecallProtocol(rule="synchronous", zero_diagonal=zero), rng)
    euler = _run_block(pm, x0, RecallProtocol(sigma=0.0, zero_diagonal=zero, t_end=5), rng)
    tanh = _run_block(pm, x0, RecallProtocol(sigma=0.0, activation="tanh", beta=2.0,
                                             zero_diagonal=zero, t_end=5), rng)
    for r in range(4):
        net = HopfieldNetwork(pm[r], zero_diagonal=zero)
        assert np.array_equal(sync[r], net.run_discrete(x0[r], "synchronous")[0])
        assert np.allclose(euler[r], euler_run(net, x0[r], 5.0, 0.1), atol=1e-12)
        tnet = net.replace(activation="tanh", beta=2.0)
        assert np.allclose(tanh[r], euler_run(tnet, x0[r], 5.0, 0.1), atol=1e-12)


def _independent_recall(n, p, trials, rng):
    """The report's protocol written out with dense per-trial W (not the library's kernel)."""
    pats = rng.choice([-1.0, 1.0], size=(trials, p, n))
    w = np.einsum("kpi,kpj->kij", pats, pats) / n  # diagonal kept
    target = pats[:, 0, :]
    x = target.copy()
    k = round(0.3 * n)
    for t in range(trials):
        x[t, rng.choice(n, k, replace=False)] *= -1.0
    for _ in range(200):  # dt = 0.1 to t = 20, sigma = 0.1
        x = x + 0.1 * (np.sign(np.einsum("kij,kj->ki", w, x)) - x)
        x += 0.1 * math.sqrt(0.1) * rng.standard_normal(x.shape)
    return float(np.mean(np.all(np.sign(x) == target, axis=1)))


@pytest.mark.parametrize("p", [4, 8])
def test_capacity_agrees_with_an_independent_simulation(p):
    trials = 500
    mine = _independent_recall(64, p, trials, np.random.default_rng(100 + p))
    point = capacity_curve(64, patterns=[p], trials=trials, flip=0.3, rng=p).points[0]
    pooled = (mine + point.recall) / 2
    se = math.sqrt(pooled * (1 - pooled) * 2 / trials)
    assert abs(point.recall - mine) < 4 * se, (point.recall, mine)
    assert 0.3 < point.recall < 0.97  # informative: neither saturated nor collapsed


def test_scaling_cli_prints_a_table(capsys):
    """A header, the capacity and its load per N beside the AGS and McEliece references,
    then recall by load (issue 13, item 13)."""
    from dynsys.cli import main

    assert main(["hopfield", "scaling", "--sizes", "32,64", "--trials", "4", "--seed", "1",
                 "--alphas", "0.05,0.1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("capacity against N: flip 0.1, 4 trials per point")
    assert lines[1].split() == ["N", "capacity", "P", "alpha=P/N", "0.138", "N", "N/(2",
                                "ln", "N)"]
    assert [row.split()[0] for row in lines[2:4]] == ["32", "64"]
    assert lines[4] == "recall by load alpha = P/N:" and len(lines) == 7
