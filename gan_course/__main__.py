"""Entry point: ``python -m gan_course`` (see :mod:`gan_course.cli`)."""

import sys

if __name__ == "__main__":
    try:  # importing torch takes seconds: a Ctrl-C then is one line, not a traceback
        from .cli import main

        code = main()
    except KeyboardInterrupt:
        print("interrupted while starting: nothing was done; run the command again", file=sys.stderr)
        code = 130
    raise SystemExit(code)
