"""Shared pytest set-up: unit tests run in the fast ``smoke`` profile unless told otherwise."""

import os

os.environ.setdefault("GAN_COURSE_PROFILE", "smoke")

# Test files that start many Python processes or train for real: `make test` runs them, `make unit` skips
# them (`-m "not slow"`), so that the unit tests stay a matter of a few minutes on 2 cores.
SLOW_FILES = {"test_gpu_check.py", "test_notebook_rerun.py", "test_cli_garbage.py", "test_interruptions.py",
              "test_progress.py", "test_misuse_cli.py", "test_checkpoint_validation.py"}


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts processes or trains for real; left out by `make unit`")


def pytest_collection_modifyitems(config, items):
    import pytest

    for item in items:
        if os.path.basename(str(item.fspath)) in SLOW_FILES:
            item.add_marker(pytest.mark.slow)
