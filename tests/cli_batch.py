"""Run many ``python -m gan_course`` command lines in ONE interpreter, each as the real entry point runs it.

Used by tests/test_misuse_cli.py: starting Python and importing torch costs seconds,
so the table's cases share one process. Each case runs the package's ``__main__``
module (``runpy``, exactly what ``python -m gan_course`` executes) with its own
``sys.argv``, working folder and environment; an exception that escapes is printed
as the interpreter would print it (a traceback, exit status 1), and a segfault
kills the batch, which the test reports. Results go to a JSON file.

    python tests/cli_batch.py cases.json results.json

A case may ask for a simulated read-only or full file system under a folder
(``"simulate": {"readonly": DIR}`` / ``{"full": DIR}``) where a real tmpfs cannot
be mounted (not root): every write under DIR then fails with EROFS / ENOSPC.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import io
import json
import os
import runpy
import sys
import time
import traceback


@contextlib.contextmanager
def simulated_filesystem(spec: dict | None):
    """Make writes under a folder fail as on a read-only (EROFS) or full (ENOSPC) file system."""
    if not spec:
        yield
        return
    (kind, folder), = spec.items()
    folder = os.path.realpath(folder)
    code = errno.EROFS if kind == "readonly" else errno.ENOSPC
    real_open, real_os_open, real_access, real_statvfs = builtins.open, os.open, os.access, os.statvfs

    def under(path) -> bool:
        try:
            return os.path.realpath(os.fspath(path)).startswith(folder + os.sep) or \
                os.path.realpath(os.fspath(path)) == folder
        except TypeError:
            return False

    def fake_open(file, mode="r", *args, **kwargs):
        if under(file) and any(c in mode for c in "wax+"):
            if code == errno.ENOSPC:  # a full disk accepts the create, then fails on the data
                handle = real_open(file, mode, *args, **kwargs)
                real_write = handle.write

                def write(data, _real=real_write):
                    if len(data) > 64:
                        raise OSError(code, os.strerror(code), os.fspath(file))
                    return _real(data)

                handle.write = write
                return handle
            raise OSError(code, os.strerror(code), os.fspath(file))
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if code == errno.EROFS and under(path) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise OSError(code, os.strerror(code), os.fspath(path))
        return real_os_open(path, flags, *args, **kwargs)

    def fake_access(path, mode, *args, **kwargs):
        if code == errno.EROFS and under(path) and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    def fake_statvfs(path):
        result = real_statvfs(path)
        if code == errno.EROFS and under(path):
            return os.statvfs_result((*result[:8], result.f_flag | os.ST_RDONLY, *result[9:]))
        return result

    builtins.open, os.open, os.access, os.statvfs = fake_open, fake_os_open, fake_access, fake_statvfs
    real_mkdir = os.mkdir

    def fake_mkdir(path, *args, **kwargs):
        if code == errno.EROFS and under(path):
            raise OSError(code, os.strerror(code), os.fspath(path))
        return real_mkdir(path, *args, **kwargs)

    os.mkdir = fake_mkdir
    try:
        yield
    finally:
        builtins.open, os.open, os.access, os.statvfs, os.mkdir = (real_open, real_os_open, real_access,
                                                                   real_statvfs, real_mkdir)


def run_case(case: dict) -> dict:
    saved_env, saved_cwd, saved_argv = dict(os.environ), os.getcwd(), sys.argv
    out, err = io.StringIO(), io.StringIO()
    os.environ.update(case.get("env", {}))
    for name in case.get("unset", []):
        os.environ.pop(name, None)
    os.chdir(case["cwd"])
    sys.argv = ["python -m gan_course", *case["argv"]]
    code = 0
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
                simulated_filesystem(case.get("simulate")):
            try:
                runpy.run_module("gan_course", run_name="__main__", alter_sys=False)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except BaseException:  # what the interpreter would print
                err.write(traceback.format_exc())
                code = 1
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv = saved_argv
    return {"name": case["name"], "code": code, "stdout": out.getvalue(), "stderr": err.getvalue(),
            "seconds": time.perf_counter() - start}


def main() -> None:
    cases = json.loads(open(sys.argv[1]).read())
    results = [run_case(case) for case in cases]
    with open(sys.argv[2], "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main()
