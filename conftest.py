"""pytest set-up for the notebooks that ``make test`` runs under nbmake (chapters, student edition, book pages).

Each notebook trains into a folder of its own under ``$GAN_COURSE_RUNS``, removed when the notebook
is done: a chapter and its student edition train the same run names, and pytest-xdist may run the two
at the same time; and the smoke checkpoints of twenty notebooks, kept to the end, fill a small disk.
"""

from __future__ import annotations

import os
import shutil
import tempfile

_KEY = "GAN_COURSE_RUNS"


def _is_notebook(item) -> bool:
    return type(item).__name__ == "NotebookItem"


def pytest_runtest_setup(item):
    if not _is_notebook(item):
        return
    base = os.environ.get(_KEY)
    folder = tempfile.mkdtemp(prefix=f"{item.path.parent.name}-{item.path.stem}-",
                              dir=base if base and os.path.isdir(base) else None)
    item.stash_runs = (base, folder)
    os.environ[_KEY] = folder  # the notebook's kernel starts after this, with this environment


def pytest_runtest_teardown(item):
    saved = getattr(item, "stash_runs", None)
    if saved is None:
        return
    base, folder = saved
    shutil.rmtree(folder, ignore_errors=True)
    if base is None:
        os.environ.pop(_KEY, None)
    else:
        os.environ[_KEY] = base
