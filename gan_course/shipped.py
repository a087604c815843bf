"""What the course ships inside its package, and the one rule for writing there.

The package carries results every chapter depends on: the pretrained generators
(``assets/pretrained``), the course classifier behind every FD and KID
(``assets/classifier.pt``, ``classifier.json``) and chapters 6 and 7's ablation
results (``assets/ablations``). The rule:

* no command writes anywhere inside the package unless it is the command that
  makes that result (:data:`PRODUCERS`), writing to that result's own place;
* that command writes there only in the ``full`` profile (a ``smoke`` run's default
  folder is ``$GAN_COURSE_RUNS/smoke/...``, never the shipped one);
* and it replaces a file already there only with ``--force``.

``export-pretrained`` applies the same rule to the generators itself (its checks
also compare the checkpoint's model and profile); :func:`guard_write` is the rule
for every other writer. Paths are compared after resolving symbolic links, so a
link into the package does not get around it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from .errors import OutputError

PACKAGE = Path(__file__).resolve().parent
ASSETS = PACKAGE / "assets"

# The one command that makes each shipped place (a folder, or the files named), and how to run it.
PRODUCERS: dict[str, tuple[Path, tuple[str, ...] | None]] = {
    "export-pretrained": (ASSETS / "pretrained", None),
    "experiment": (ASSETS / "ablations", None),
    "train-classifier": (ASSETS, ("classifier.pt", "classifier.json")),
}


def _resolved(path: str | Path) -> Path:
    """``path`` made absolute with every symbolic link in it (or in its existing parents) followed."""
    return Path(os.path.realpath(os.path.abspath(path)))


def inside_package(path: str | Path) -> bool:
    """Whether writing to ``path`` would land inside the installed package (its shipped assets included)."""
    return _resolved(path).is_relative_to(PACKAGE)


def shown(path: str | Path) -> str:
    """``path`` inside the package as ``gan_course/...`` (the same on every machine)."""
    resolved = _resolved(path)
    return str(Path(PACKAGE.name) / resolved.relative_to(PACKAGE)) if resolved.is_relative_to(PACKAGE) else str(path)


def guard_write(target: str | Path, *, command: str, option: str, profile: str | None = None,
                force: bool = False, writes: Iterable[str | Path] = ()) -> None:
    """Refuse, before any work, a write of ``command`` to ``target`` that the rule above forbids.

    ``target`` is the file or folder given with ``option``; ``writes`` the files the
    command will put there (to refuse replacing a shipped one without ``force``).
    Does nothing for a target outside the package.
    """
    if not inside_package(target):
        return
    where = shown(target)
    place, names = PRODUCERS.get(command, (None, None))
    resolved = _resolved(target)
    if place is None or resolved != place or (names and not all(Path(w).name in names for w in writes)):
        raise OutputError(f"{option} {target} is inside the course package ({where}), where only the course's "
                          f"shipped results live and `{command}` must not write: choose a folder outside it")
    if profile != "full":
        raise OutputError(f"{option} {target} holds the shipped results ({where}), which only the full profile "
                          f"makes: leave {option} out (a {profile} run writes under $GAN_COURSE_RUNS) or choose "
                          "another folder")
    existing = [Path(w) for w in writes if (resolved / Path(w).name).exists()]
    if existing and not force:
        names_shown = ", ".join(p.name for p in existing)
        raise OutputError(f"{names_shown} in {where} {'is' if len(existing) == 1 else 'are'} shipped with the "
                          "course: pass --force to replace them, or write elsewhere with "
                          f"{option}")
