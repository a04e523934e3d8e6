"""Sweeps give identical numbers in-process, on a process pool and on a Dask cluster."""

from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from dynsys.errors import ModelError
from dynsys.hopfield.capacity import capacity_curve
from dynsys.sweep import SerialExecutor, executor_from, run_tasks, task_seed


def _curve(executor=None):
    return capacity_curve(64, 4, trials=40, flip=0.3, rng=11, executor=executor,
                          chunk_trials=15).to_dict()


def test_task_seed_is_spawn_of_seed_sequence():
    nested = np.random.SeedSequence(5).spawn(4)[3].spawn(3)[2]
    assert task_seed(5, 3, 2).generate_state(4).tolist() == nested.generate_state(4).tolist()
    with pytest.raises(ModelError):
        task_seed(None, 1)


def test_run_tasks_order_and_progress(capsys):
    assert run_tasks(pow, [(2, k) for k in range(5)], progress=True) == [1, 2, 4, 8, 16]
    assert "sweep" in capsys.readouterr().err
    fut = SerialExecutor().submit(divmod, 7, 2)
    assert fut.result() == (3, 1)


def test_executor_from_validation():
    with pytest.raises(ModelError):
        with executor_from(workers=2, scheduler="tcp://127.0.0.1:1"):
            pass
    with pytest.raises(ModelError):
        with executor_from(workers=0):
            pass


def test_serial_process_pool_and_dask_agree():
    serial = _curve()
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert _curve(pool) == serial
    with executor_from(workers=2) as pool:
        assert _curve(pool) == serial
    import distributed  # in the test extra: never skipped (issue 5)

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with executor_from(scheduler=cluster.scheduler_address) as ex:
            assert _curve(ex) == serial


def test_bad_scheduler_address_is_a_model_error():
    with pytest.raises(ModelError, match="Dask scheduler"):
        with executor_from(scheduler="tcp://127.0.0.1:1", timeout=1.0):
            pass


def _noisy_sum(params, seed):
    return params["a"] * 10 + float(np.random.default_rng(seed).random())


def test_sweep_grid_order_seeds_and_executors():
    from dynsys.sweep import sweep_grid

    grid = {"a": [0.0, 1.0, 2.0], "b": [5.0, 6.0]}
    serial = sweep_grid(_noisy_sum, grid, rng=3)
    assert [p["a"] for p in serial.points] == [0, 0, 1, 1, 2, 2]
    assert [p["b"] for p in serial.points] == [5, 6] * 3
    assert len(set(serial.results)) == 6  # distinct task seeds
    with ProcessPoolExecutor(max_workers=2) as pool:
        assert sweep_grid(_noisy_sum, grid, rng=3, executor=pool).results == serial.results
    assert serial.to_dict()["points"][0]["params"] == {"a": 0.0, "b": 5.0}
    with pytest.raises(ModelError):
        sweep_grid(_noisy_sum, {"a": []})
