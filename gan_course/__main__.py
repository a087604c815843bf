"""Entry point: ``python -m gan_course`` (see :mod:`gan_course.cli`)."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
