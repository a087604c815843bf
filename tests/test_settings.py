"""gan_course.settings: every GAN_COURSE_* variable listed once, parsed one way, and the README's table of them."""

import ast
import re
from pathlib import Path

import pytest
import torch

from gan_course.cli import main as cli
from gan_course.errors import CourseError
from gan_course.settings import ON, OFF, VARIABLES, Settings, read, read_settings

ROOT = Path(__file__).resolve().parents[1]
CHOICES = [v for v in VARIABLES if v.values or v.switch]


def test_every_variable_is_a_field_of_settings_in_order():
    assert [v.field for v in VARIABLES] == list(Settings.__dataclass_fields__)
    assert all(v.name.startswith("GAN_COURSE_") for v in VARIABLES)
    assert len({v.name for v in VARIABLES}) == len(VARIABLES) == 8


def test_the_readmes_table_is_the_modules():
    text = (ROOT / "README.md").read_text()
    section = text.split("## Environment variables\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    assert rows == [f"| `{v.name}` | {v.accepted} | {v.unset} | {v.meaning} |" for v in VARIABLES], (
        "README's table of variables differs from gan_course/settings.py: regenerate its rows from VARIABLES")


def test_unset_and_empty_mean_the_default():
    assert read_settings({}) == read_settings({v.name: "  " for v in VARIABLES}) == Settings(
        profile="full", device=None, precision="auto", fast_adam=True, cuda_graph=True, pretrained=False,
        runs=Path("runs"), data=None)


def test_values_are_read_without_their_spaces_or_case():
    got = read_settings({"GAN_COURSE_PROFILE": " Smoke ", "GAN_COURSE_PRECISION": "FP16", "GAN_COURSE_DEVICE": "cuda:1",
                         "GAN_COURSE_FAST_ADAM": "Off", "GAN_COURSE_CUDA_GRAPH": " NO", "GAN_COURSE_PRETRAINED": " yes",
                         "GAN_COURSE_RUNS": "~/r", "GAN_COURSE_DATA": "/data/fm"})
    assert got == Settings(profile="smoke", device="cuda:1", precision="fp16", fast_adam=False, cuda_graph=False,
                           pretrained=True, runs=Path("~/r").expanduser(), data=Path("/data/fm"))


@pytest.mark.parametrize("variable", [v for v in VARIABLES if v.switch], ids=lambda v: v.name)
def test_every_switch_takes_the_same_words(variable):
    assert all(read(variable, {variable.name: w}) is True for w in ON + tuple(w.upper() for w in ON))
    assert all(read(variable, {variable.name: w}) is False for w in OFF)


@pytest.mark.parametrize("variable", CHOICES, ids=lambda v: v.name)
@pytest.mark.parametrize("value", ["maybe", "2", "fast "])
def test_an_unknown_value_is_one_line_that_lists_the_accepted_ones(variable, value):
    with pytest.raises(CourseError) as info:
        read_settings({variable.name: value})
    message = str(info.value)
    assert "\n" not in message
    assert message == (f"{variable.name}={value!r} is not understood: use one of {variable.accepted} "
                       f"(or unset it for {variable.unset})")
    assert all(v in message for v in variable.values or ON + OFF)


def test_the_profile_device_and_precision_are_read_through_settings(monkeypatch):
    from gan_course.profiles import current_profile
    from gan_course.runtime import get_device, precision_for

    monkeypatch.setenv("GAN_COURSE_PROFILE", " SMOKE ")
    assert current_profile() == "smoke"
    monkeypatch.setenv("GAN_COURSE_DEVICE", " cpu ")
    assert get_device() == torch.device("cpu")
    monkeypatch.setenv("GAN_COURSE_PRECISION", " FP32")
    assert precision_for(torch.device("cpu")).dtype is None
    monkeypatch.setenv("GAN_COURSE_PRECISION", "half")
    with pytest.raises(CourseError, match=r"^GAN_COURSE_PRECISION='half' is not understood: use one of auto, "):
        precision_for(torch.device("cpu"))


def test_the_command_line_refuses_a_bad_variable_before_any_work(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("GAN_COURSE_PRETRAINED", "maybe")  # read nowhere by `train`: still refused
    assert cli(["train", "vanilla", "--steps", "1", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: GAN_COURSE_PRETRAINED='maybe' is not understood"), err
    assert not (tmp_path / "run").exists()


# Modules that still read a GAN_COURSE_* variable themselves (their owners move them to gan_course.settings);
# the test below fails when one of them stops, so that this list only shrinks.
NOT_YET_MOVED: set[str] = set()


def _environment_reads(path: Path) -> set[str]:
    """The GAN_COURSE_* names that ``path`` reads from os.environ (get, [], getenv), constants resolved."""
    tree = ast.parse(path.read_text())
    constants = {t.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
                 for t in node.targets if isinstance(t, ast.Name)}

    def name_of(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        return constants.get(node.id) if isinstance(node, ast.Name) else None

    found = set()
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args and re.fullmatch(
                r"os\.(environ\.get|getenv)", ast.unparse(node.func)):
            key = node.args[0]
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and ast.unparse(node.value) == "os.environ":
            key = node.slice
        name = name_of(key) if key is not None else None
        if name and name.startswith("GAN_COURSE_"):
            found.add(name)
    return found


def test_only_the_settings_module_reads_the_variables():
    readers = {str(p.relative_to(ROOT)) for p in (ROOT / "gan_course").rglob("*.py") if _environment_reads(p)}
    assert readers - NOT_YET_MOVED == set(), f"read GAN_COURSE_* through gan_course.settings instead: {readers}"
    assert NOT_YET_MOVED <= readers, f"moved to gan_course.settings: drop from NOT_YET_MOVED {NOT_YET_MOVED - readers}"


@pytest.mark.parametrize("value", ["garbage", "2", "maybe"])
def test_pretrained_garbage_is_refused_like_fast_adam(monkeypatch, value):
    """The chapters' USE_PRETRAINED switch reads GAN_COURSE_PRETRAINED through settings: garbage is one line."""
    from gan_course.pretrained import use_pretrained_default

    monkeypatch.setenv("GAN_COURSE_PRETRAINED", value)
    with pytest.raises(CourseError) as info:
        use_pretrained_default()
    message = str(info.value)
    assert "\n" not in message and message.startswith(f"GAN_COURSE_PRETRAINED={value!r} is not understood: use one "
                                                      "of 1, 0, true, false, yes, no, on, off"), message
    monkeypatch.setenv("GAN_COURSE_PRETRAINED", " Yes ")
    assert use_pretrained_default() is True
    monkeypatch.delenv("GAN_COURSE_PRETRAINED")
    assert use_pretrained_default() is False


def test_runs_that_cannot_be_a_folder_name_the_variable(monkeypatch, tmp_path):
    """GAN_COURSE_RUNS as a file, /dev/null or a path through a file: one line that names the variable."""
    from gan_course.training import run_dir

    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    for value in (str(a_file), "/dev/null", str(a_file / "runs")):
        monkeypatch.setenv("GAN_COURSE_RUNS", value)
        with pytest.raises(CourseError) as info:
            run_dir("vanilla", "smoke")
        message = str(info.value)
        assert "\n" not in message and message.startswith(f"GAN_COURSE_RUNS={value!r} "), message
        assert "point it at a folder" in message and "--out" not in message, message
    assert a_file.read_text() == "mine"
    monkeypatch.setenv("GAN_COURSE_RUNS", "")  # empty means the default, as for every variable: not ./smoke/
    assert run_dir("vanilla", "smoke") == Path("runs") / "smoke" / "vanilla"
    monkeypatch.setenv("GAN_COURSE_RUNS", str(tmp_path / "new" / "runs"))  # a folder still to be made is fine
    assert run_dir("vanilla", "smoke") == tmp_path / "new" / "runs" / "smoke" / "vanilla"


def test_the_command_line_names_gan_course_runs_not_out(monkeypatch, capsys, tmp_path):
    a_file = tmp_path / "runs-file"
    a_file.write_text("")
    monkeypatch.setenv("GAN_COURSE_RUNS", str(a_file))
    assert cli(["train", "vanilla", "--steps", "1", "--profile", "smoke"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: GAN_COURSE_RUNS={str(a_file)!r} is a file"), err
    assert a_file.read_text() == ""


def test_messages_print_run_paths_relative_to_the_runs_variable(monkeypatch, tmp_path):
    from gan_course.training import shown_path

    monkeypatch.setenv("GAN_COURSE_RUNS", str(tmp_path))
    assert shown_path(tmp_path / "full" / "dcgan") == str(Path("$GAN_COURSE_RUNS") / "full" / "dcgan")
    assert shown_path("/elsewhere/run") == "/elsewhere/run"  # outside the folder: as given
    monkeypatch.delenv("GAN_COURSE_RUNS")
    assert shown_path(tmp_path / "x") == str(tmp_path / "x")
