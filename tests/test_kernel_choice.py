"""The kernel choice measured at first use (backends/kernel_choice.py)."""

import json
import os

import numba
import numpy as np
import pytest

from vqkit.backends import cpu, kernel_choice


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private cache directory and no choice held in memory, before and after."""
    monkeypatch.setenv("VQKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv(kernel_choice.OVERRIDE_VARIABLE, raising=False)
    kernel_choice.forget()
    yield tmp_path
    kernel_choice.forget()


def counting(seconds):
    calls = []

    def measure(d, k, dtype):
        calls.append((d, k, np.dtype(dtype).name))
        return dict(seconds)

    return measure, calls


def test_shape_classes_round_in_log_scale():
    assert kernel_choice.shape_class(16, 256, np.float32) == ("float32", 16, 256)
    assert kernel_choice.shape_class(23, 300, np.float64) == ("float64", 32, 256)
    assert kernel_choice.shape_class(5, 8, np.float32) == ("float32", 4, 8)
    assert kernel_choice.shape_class(1, 1, np.float32) == ("float32", 2, 8)


def test_the_faster_kernel_is_measured_once_per_class_and_kept(cache_dir):
    measure, calls = counting({"tiled": 2.0, "blocked": 1.0})
    assert kernel_choice.preferred(60, 250, np.float32, measure) == "blocked"
    assert kernel_choice.preferred(64, 256, np.float32, measure) == "blocked"  # same class
    assert calls == [(64, 256, "float32")]
    measure64, calls64 = counting({"tiled": 1.0, "blocked": 2.0})
    assert kernel_choice.preferred(64, 256, np.float64, measure64) == "tiled"
    assert calls64 == [(64, 256, "float64")]
    # a later process (here: memory forgotten) reads the file and measures nothing
    kernel_choice.forget()
    never, never_calls = counting({"tiled": 0.0, "blocked": 9.0})
    assert kernel_choice.preferred(64, 256, np.float32, never) == "blocked"
    assert never_calls == []
    stored = json.loads((cache_dir / "kernel-choice.json").read_text())
    (entry,) = stored.values()
    assert sorted(entry.values()) == ["blocked", "tiled"]


def test_the_override_forces_a_kernel_without_measuring(cache_dir, monkeypatch):
    measure, calls = counting({"tiled": 1.0, "blocked": 2.0})
    monkeypatch.setenv(kernel_choice.OVERRIDE_VARIABLE, "blocked")
    assert kernel_choice.preferred(16, 64, np.float32, measure) == "blocked"
    monkeypatch.setenv(kernel_choice.OVERRIDE_VARIABLE, "tiled")
    assert cpu.choose_kernel(200, 1000, "auto", np.float64) == "tiled_mixed"
    # beyond what the tiles can count, the others stand in
    assert cpu.choose_kernel(16, 2**24 + 8, "auto", np.float32) == "blocked"
    assert cpu.choose_kernel(3, 2**24 + 8, "auto", np.float32) == "direct_t"
    assert calls == []
    assert not (cache_dir / "kernel-choice.json").exists()


@pytest.mark.parametrize("before", [None, "tiled"])
def test_forcing_holds_within_its_block_and_restores_the_variable(cache_dir, monkeypatch, before):
    measure, calls = counting({"tiled": 1.0, "blocked": 2.0})
    if before is None:
        monkeypatch.delenv(kernel_choice.OVERRIDE_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(kernel_choice.OVERRIDE_VARIABLE, before)
    with kernel_choice.forcing("blocked"):
        assert kernel_choice.preferred(16, 64, np.float32, measure) == "blocked"
        assert cpu.choose_kernel(16, 64, "auto", np.float64) == "mixed"
    assert calls == []
    assert os.environ.get(kernel_choice.OVERRIDE_VARIABLE) == before
    with (
        pytest.raises(ValueError, match="kernel must be one of"),
        kernel_choice.forcing("fastest"),
    ):
        pass


def test_a_corrupt_cache_file_is_measured_again_and_rewritten(cache_dir):
    path = cache_dir / "kernel-choice.json"
    path.write_text("{not json")
    measure, calls = counting({"tiled": 1.0, "blocked": 2.0})
    assert kernel_choice.preferred(8, 64, np.float32, measure) == "tiled"
    assert len(calls) == 1
    assert isinstance(json.loads(path.read_text()), dict)


def test_an_unwritable_cache_keeps_the_choice_in_memory(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("VQKIT_CACHE_DIR", str(blocker / "vqkit"))
    monkeypatch.delenv(kernel_choice.OVERRIDE_VARIABLE, raising=False)
    kernel_choice.forget()
    try:
        measure, calls = counting({"tiled": 3.0, "blocked": 1.0})
        assert kernel_choice.preferred(128, 64, np.float32, measure) == "blocked"
        assert kernel_choice.preferred(128, 64, np.float32, measure) == "blocked"
        assert len(calls) == 1
    finally:
        kernel_choice.forget()


def test_the_real_measurement_times_both_kernels(cache_dir):
    seconds = cpu.time_kernels(16, 32, np.float32)
    assert set(seconds) == {"tiled", "blocked"}
    assert all(0 < s < 5 for s in seconds.values())
    assert set(cpu.time_kernels(3, 32, np.float64)) == {"tiled", "direct"}
    chosen = cpu.choose_kernel(16, 32, "auto", np.float64)
    assert chosen in ("tiled_mixed", "mixed")
    (entry,) = json.loads((cache_dir / "kernel-choice.json").read_text()).values()
    assert list(entry) == [f"float64 d=16 k=32 threads={numba.get_num_threads()}"]


def test_the_signature_names_numpys_blas_whatever_else_is_loaded(monkeypatch):
    # faiss and SciPy bring BLAS libraries of their own; loading them, or
    # loading them in another order, must not make the machine look new
    import threadpoolctl

    numpy_blas = {
        "user_api": "blas",
        "internal_api": "openblas",
        "version": "0.3.31",
        "architecture": "SkylakeX",
        "filepath": "/site/numpy.libs/libscipy_openblas64_-abc.so",
    }
    others = [
        {
            "user_api": "blas",
            "internal_api": "openblas",
            "version": "0.3.15",
            "architecture": "Prescott",
            "filepath": "/site/faiss/libopenblas.so",
        },
        {"user_api": "openmp", "internal_api": "openmp", "filepath": "/x/libgomp.so"},
    ]
    signatures = []
    for infos in ([numpy_blas], [numpy_blas, *others], [*others[::-1], numpy_blas]):
        monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda infos=infos: infos)
        kernel_choice.machine_signature.cache_clear()
        signatures.append(kernel_choice.machine_signature())
    kernel_choice.machine_signature.cache_clear()
    assert len(set(signatures)) == 1
    assert "openblas-0.3.31-SkylakeX" in signatures[0]
    assert "Prescott" not in signatures[0]
