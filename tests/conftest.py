"""Shared fixtures and the registry-driven parametrization."""

from pathlib import Path

import pytest

import impls

ROOT = Path(__file__).resolve().parents[1]
#: The course's own data files, beside the project (never copied into it).
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"

KERNEL_NAMES = list(impls.KERNELS)
#: (kernel, tier) for every tier that is checked against the reference.
CHECKED_TIERS = [(k.name, t) for k in impls.KERNELS.values() for t in k.tiers if t != impls.REFERENCE_TIER]
GRADIENT_KERNELS = [k.name for k in impls.KERNELS.values() if k.gradient is not None]
DTYPES = ["float64", "float32"]


def pytest_benchmark_update_machine_info(config, machine_info):
    """A saved pytest-benchmark run records the process state it measured in, read back."""
    from vecbench.measure import core, state

    core.setup_from_env()
    machine_info["vecbench_process_state"] = state.read_back()


@pytest.fixture
def course_datasets():
    """Path of the course's HDF5 files; skips when they are not beside the project."""
    if not (SHARED_DATASETS / "train_catvnoncat.h5").is_file():
        pytest.skip(f"course data sets not found at {SHARED_DATASETS}")
    return SHARED_DATASETS


@pytest.fixture(scope="session")
def toy_asv_site(tmp_path_factory):
    """A published asv site of three commits of known made-up results, with the static history page."""
    from tests import toy_asv
    from vecbench.history import page as history_page

    site = toy_asv.build(tmp_path_factory.mktemp("toy-asv"))
    history_page.write_history_page(site.results, site.html)
    return site
