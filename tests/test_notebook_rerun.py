"""Re-running a chapter top to bottom in the same kernel works (issue 7).

A reader often runs a notebook, changes something, and runs all cells again
without restarting. The second pass must not fail: the training cell finds the
finished run's checkpoint and resumes it (nothing to do), plots and widgets are
drawn again. Chapter 2 stands for the model chapters (it has every kind of cell:
training, resume, plots, players).
"""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["02_vanilla_gan.ipynb"])
def test_run_all_twice_in_one_kernel(name, tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_PROFILE", "smoke")
    monkeypatch.setenv("GAN_COURSE_RUNS", str(tmp_path / "runs"))
    nb = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    with client.setup_kernel():
        for run in (1, 2):
            for index, cell in enumerate(nb.cells):
                client.execute_cell(cell, index)  # raises CellExecutionError on any error
            errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                      if o.get("output_type") == "error"]
            assert not errors, f"run {run}: {errors[0]['ename']}: {errors[0]['evalue']}"
    streams = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "resumed from" in streams  # the second pass picked up the finished run instead of retraining
