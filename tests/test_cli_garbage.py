"""Issue 13's property: no value of any option of any subcommand gives a traceback.

The subcommands and their options are read from the real argparse parser, so an
option added later is covered without editing this file. Each option gets values
a confused user or a script with a bug might pass (empty, words, signs, huge,
not-a-number, infinity, paths to folders, devices and impossible places), with
every other option at a small valid value. The answer must be exit status 0 (the
value happened to be valid: the command ran) or 2 with exactly one line on stderr,
and never a traceback. All cases run through ``python -m gan_course``'s entry point
in one process (tests/cli_batch.py).
"""

from __future__ import annotations

import argparse
import os
import re

import pytest

from gan_course.cli import _path, build_parser
from helpers import scratch
from test_misuse_cli import run_batch

WORDS = ["", "x", "-1", "0", "3.5", "1e999", "nan", "-inf", "9" * 25, "0x1f", "☃", "--", "1,000"]
# never a place where a valid run could write outside the sandbox (we may be root)
PATHS = ["", "/proc", "/dev/null", "/dev/null/x", "{sandbox}/afile/x", "{sandbox}/" + "x" * 300]

BASE = {  # small, valid, fast: a garbage value is the only thing wrong
    "train": ["train", "vanilla", "--steps", "1", "--out", "{sandbox}/run"],
    "sample": ["sample", "vanilla", "--n", "2", "--out", "{sandbox}/s.pt"],
    "translate": ["translate", "pix2pix", "--n", "2", "--out", "{sandbox}/t.pt"],
    "evaluate": ["evaluate", "vanilla", "--n", "200"],
    "export-pretrained": ["export-pretrained", "vanilla", "--checkpoint", "{sandbox}/run"],  # never --force
    "train-classifier": ["train-classifier", "--profile", "smoke", "--out-dir", "{sandbox}/clf", "--device", "cpu"],
    "bench": ["bench", "--steps", "1", "--warmup", "1", "--batch-size", "2", "--device", "cpu", "--n", "200"],
    # its one positional is the experiment's name (its options: tests/test_cli.py); the base never runs here
    "progress": ["progress", "{sandbox}", "--timeout", "5"],  # an empty folder: a clean refusal, nothing runs
    "experiment": ["experiment", "cyclegan-variants", "--profile", "smoke", "--out", "{sandbox}/abl",
                   "--runs", "{sandbox}/runs", "--device", "cpu"],
}
SKIP_VALID = {  # values that are valid *and* slow for one option: checked for a clean refusal elsewhere
    ("train-classifier", "--seed"): {"0"},
    ("bench", "--warmup"): {"0"},
    ("bench", "--bar"): {"3.5"},
    ("evaluate", "--seed"): {"0"},
}


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _with(base: list[str], option: list[str], value: str, positional: bool) -> list[str]:
    """``base`` with ``option`` set to ``value`` (replacing it where the base sets it)."""
    argv = list(base)
    if positional:  # the model: the first argument after the subcommand
        argv[1] = value
        return argv
    flag = option[0]
    if flag in argv:
        i = argv.index(flag)
        del argv[i:i + 2]
    return argv + [f"{flag}={value}"] if value.startswith("-") or value == "" else argv + [flag, value]


def garbage_cases() -> list[dict]:
    cases = []
    for command, sub in _subcommands().items():
        assert command in BASE, f"new subcommand {command}: give it a small valid BASE command line"
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            positional = not action.option_strings
            if action.nargs == 0:  # a flag: it takes no value, so give it one
                values = ["x", ""]
                for value in values:
                    argv = BASE[command] + [f"{action.option_strings[0]}={value}"]
                    cases.append({"command": command, "option": action.option_strings[0], "value": value,
                                  "argv": argv})
                continue
            values = PATHS if action.type is _path else WORDS
            name = action.dest if positional else action.option_strings[0]
            for value in values:
                if value in SKIP_VALID.get((command, name), set()):
                    continue
                cases.append({"command": command, "option": name, "value": value,
                              "argv": _with(BASE[command], action.option_strings, value, positional)})
    return cases


CASES = garbage_cases()


def test_every_subcommand_and_option_is_covered():
    covered = {(c["command"], c["option"]) for c in CASES}
    for command, sub in _subcommands().items():
        for action in sub._actions:
            if not isinstance(action, argparse._HelpAction):
                name = action.option_strings[0] if action.option_strings else action.dest
                assert (command, name) in covered
    assert len(CASES) > 300


@pytest.fixture(scope="module")
def results(request):
    base = scratch(request, "garbage")
    batch = []
    for i, case in enumerate(CASES):
        sandbox = base / f"c{i}"
        sandbox.mkdir()
        (sandbox / "afile").write_text("a file\n")
        batch.append({"name": str(i), "cwd": str(sandbox),
                      "argv": [a.format(sandbox=sandbox) for a in case["argv"]],
                      "env": {"GAN_COURSE_RUNS": str(sandbox / "runs"), "XDG_CACHE_HOME": os.environ.get(
                          "XDG_CACHE_HOME", os.path.expanduser("~/.cache"))},
                      "unset": ["GAN_COURSE_DEVICE", "GAN_COURSE_DATA"]})
    return run_batch(batch, base, timeout=900)


def test_no_value_of_any_option_gives_a_traceback(results):
    bad = []
    for i, case in enumerate(CASES):
        result = results[str(i)]
        err = result["stderr"]
        lines = [line for line in err.strip("\n").split("\n") if line]
        one_line = result["code"] == 2 and len(lines) == 1 and lines[0].startswith("error: ")
        if "Traceback" in err or not (result["code"] == 0 or one_line):
            bad.append(f"{case['command']} {case['option']}={case['value']!r}: status {result['code']}, "
                       f"stderr {err[-600:]!r}")
    assert not bad, "\n".join(bad[:20]) + f"\n({len(bad)} in all)"


def test_refusals_name_the_option_or_the_problem(results):
    """A refusal at parse time names the option it is about."""
    for i, case in enumerate(CASES):
        err = results[str(i)]["stderr"]
        match = re.match(r"error: argument (\S+):", err)
        if match and case["option"].startswith("--"):
            assert case["option"] in match.group(1) or "/" in match.group(1), err
