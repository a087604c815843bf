"""gan_course: the code behind the GAN course notebooks.

Every model, loss and training loop the chapters use lives here once, is tested
in ``tests/`` and is *shown* in the chapter (``show_source``) before it is used.
"""

__version__ = "0.1.0"

#: The one place the repository's address is written down. ``_config.yml`` and the
#: notebooks' Colab cells are checked against it by ``tests/test_notebooks_static.py``.
REPO_URL = "https://github.com/gan-course/gan-course"

from .errors import CourseError  # noqa: E402

__all__ = ["CourseError", "REPO_URL", "__version__"]
