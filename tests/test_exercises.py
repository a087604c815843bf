"""The hands-on exercises: check() passes the course's code, catches each recorded mistake by name,
reports stubs and crashes without raising, and leaves the chapters' random numbers alone."""

import functools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_course.exercises import EXERCISES, NOT_DONE, check, diagnose
from gan_course.models.cgan import CGANConfig, ConditionalDiscriminator
from gan_course.models.unet import UNetConfig, UNetGenerator

ROOT = Path(__file__).resolve().parents[1]
IDS = list(EXERCISES)
MISTAKES = [(key, i) for key, ex in EXERCISES.items() for i in range(len(ex.mistakes))]


def test_at_least_two_exercises_per_chapter():
    assert len(EXERCISES) >= 16
    for chapter in range(1, 9):
        ids = [k for k, ex in EXERCISES.items() if ex.chapter == chapter]
        assert len(ids) >= 2, f"chapter {chapter} has {ids}"
        assert all(k.startswith(f"ch{chapter}.") for k in ids)
    assert all(ex.mistakes and ex.title for ex in EXERCISES.values())
    assert len({ex.hint for ex in EXERCISES.values()}) == len(EXERCISES)  # a general hint of its own each


@pytest.mark.parametrize("key", IDS)
def test_reference_passes_its_own_check(key, capsys):
    assert check(key, EXERCISES[key].reference) is True
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {key}: correct") and out.count("\n") == 1


@pytest.mark.parametrize("key,index", MISTAKES, ids=[f"{k}-{EXERCISES[k].mistakes[i].name}" for k, i in MISTAKES])
def test_each_recorded_mistake_fails_with_its_own_hint(key, index, capsys):
    mistake = EXERCISES[key].mistakes[index]
    assert check(key, mistake) is False
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"✗ {key}: "), lines
    assert lines[1] == f"  Hint: {mistake.hint}"
    # the hint is the one meant for this mistake, not another one's
    assert diagnose(key, mistake) == ("fail", mistake.name)
    others = [m.hint for j, m in enumerate(EXERCISES[key].mistakes) if j != index]
    assert mistake.hint not in others


@pytest.mark.parametrize("key", ["ch2.discriminator_loss", "ch6.receptive_field", "ch2.d_step_loss"])
def test_a_stub_is_not_done_yet(key, capsys):
    def stub(*args, **kwargs):
        """Still to write."""
        raise NotImplementedError

    assert check(key, stub) is False
    assert capsys.readouterr().out == f"… {key}: {NOT_DONE}.\n"
    assert diagnose(key, stub) == ("not done", None)


def test_an_error_in_the_learners_code_is_reported_not_raised(capsys):
    def broken(real_logits, fake_logits):
        return real_logits.no_such_method()

    assert check("ch2.discriminator_loss", broken) is False
    first, hint = capsys.readouterr().out.splitlines()
    assert "Your function raised AttributeError" in first and "no_such_method" in first
    assert hint.startswith("  Hint: ")


def test_not_a_function_is_reported(capsys):
    assert check("ch4.conv_output_size", 14) is False
    assert "pass your function itself" in capsys.readouterr().out


def test_a_shape_mismatch_is_reported(capsys):
    assert check("ch6.skip_connection", lambda h, skip: torch.cat([h, skip], dim=2)) is False
    first, hint = capsys.readouterr().out.splitlines()
    assert "shape (2, 4, 16, 8) instead of (2, 8, 8, 8)" in first
    assert hint == "  Hint: " + EXERCISES["ch6.skip_connection"].hint  # no recorded mistake matches


def test_gradient_reaching_g_is_named(capsys):
    check("ch2.d_step_loss", EXERCISES["ch2.d_step_loss"].mistakes[0])
    first, hint = capsys.readouterr().out.splitlines()
    assert "gradient reaching G's weights" in first and "expected 0" in first
    assert "detach()" in hint


def test_sigmoid_bce_differs_only_for_a_confident_d(capsys):
    """The stable loss and sigmoid + BCELoss agree on modest logits: the check must use confident ones."""
    check("ch2.discriminator_loss", EXERCISES["ch2.discriminator_loss"].mistakes[0])
    first = capsys.readouterr().out.splitlines()[0]
    assert "test case 3 of 3" in first


def test_a_wrong_answer_that_matches_no_mistake_gets_the_general_hint(capsys):
    assert check("ch4.transposed_conv_output_size", lambda i, k, s=1, p=0: 2 * i) is False
    out = capsys.readouterr().out
    assert EXERCISES["ch4.transposed_conv_output_size"].hint in out


def test_unknown_exercise_names_the_choices():
    from gan_course.errors import CourseError

    with pytest.raises(CourseError, match="ch2.discriminator_loss"):
        check("ch2.no_such_exercise", lambda: None)


def test_a_check_leaves_the_global_random_state_alone(capsys):
    torch.manual_seed(123)
    np.random.seed(5)
    torch_state, numpy_state = torch.random.get_rng_state(), np.random.get_state()[1].copy()
    for key in ("ch2.d_step_loss", "ch7.cycle_and_identity_losses", "ch1.optimal_discriminator"):
        check(key, EXERCISES[key].reference)
    assert torch.equal(torch.random.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)


def test_every_check_runs_in_seconds(capsys):
    import time

    start = time.process_time()
    for key, ex in EXERCISES.items():
        check(key, ex.reference)
        for mistake in ex.mistakes:
            check(key, mistake)
    assert time.process_time() - start < 60  # generous: about 3 s of CPU on the course's machine


# ---------------------------------------------------------- references restated from inside a model
def test_discriminator_input_is_what_the_cgan_discriminator_sees():
    from gan_course.exercises import discriminator_input

    torch.manual_seed(0)
    D = ConditionalDiscriminator(CGANConfig()).eval()
    x, y = torch.randn(3, 1, 28, 28), torch.tensor([0, 5, 9])
    seen = {}
    D.features[0].register_forward_hook(lambda m, inp, out: seen.update(x=inp[0]))
    D(x, y)
    assert torch.equal(discriminator_input(x, y, D.embed), seen["x"])


def test_projection_logit_is_the_cgan_discriminators_logit():
    from gan_course.exercises import projection_logit

    torch.manual_seed(0)
    D = ConditionalDiscriminator(CGANConfig()).eval()
    x, y = torch.randn(3, 1, 28, 28), torch.tensor([0, 5, 9])
    features = D.features(torch.cat([x, D.embed(y)[:, :, None, None].expand(3, 10, 28, 28)], 1)).flatten(1)
    assert torch.allclose(projection_logit(features, y, D.judge, D.projection), D(x, y), atol=1e-6)


def test_skip_connection_is_what_the_unet_decoder_sees():
    from gan_course.exercises import skip_connection

    torch.manual_seed(0)
    G = UNetGenerator(UNetConfig()).eval()
    seen = []
    for layer in G.up:
        layer.register_forward_hook(lambda m, inp, out: seen.append(inp[0]))
    skips = []
    for layer in G.down:
        layer.register_forward_hook(lambda m, inp, out: skips.append(out))
    x = torch.randn(2, G.cfg.in_channels, G.cfg.image_size, G.cfg.image_size)
    G(x)
    h = G.up[0](skips[-1])
    assert torch.equal(seen[1], skip_connection(h, skips[-2]))


def test_frechet_distance_from_features_matches_the_textbook_formula():
    from scipy import linalg

    from gan_course.exercises import frechet_distance_from_features

    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(50, 4, generator=g).double(), (torch.randn(40, 4, generator=g) * 1.5 + 0.3).double()
    ca, cb = np.cov(a.numpy().T), np.cov(b.numpy().T)
    expected = (((a.mean(0) - b.mean(0)) ** 2).sum().item()
                + np.trace(ca + cb - 2 * linalg.sqrtm(ca @ cb).real))
    assert float(frechet_distance_from_features(a, b)) == pytest.approx(expected, rel=1e-6)


# ---------------------------------------------------------- the chapters' "Your turn" sections
@functools.lru_cache(maxsize=None)
def _chapter_exercises(folder: str):
    """[(chapter number, exercise id, function name, exercise cell, check cell)] in a folder of notebooks."""
    import ast
    import re

    import nbformat

    found = []
    for path in sorted((ROOT / folder).glob("[0-9][0-9]_*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        for i, cell in enumerate(cells):
            if {"solution", "exercise"} & set(cell.metadata.get("tags", [])):
                name = [n.name for n in ast.parse(cell.source).body if isinstance(n, ast.FunctionDef)][0]
                nxt = cells[i + 1]
                match = re.search(rf'check\("([\w.]+)", {name}\)', nxt.source)
                assert match, f"{path.name}: the cell after {name}'s must check it"
                assert cells[i - 1].cell_type == "markdown" and cells[i - 1].source.startswith("### Your turn")
                found.append((int(path.name[:2]), match.group(1), name, cell, nxt))
    return found


def test_every_exercise_has_one_your_turn_section_in_its_chapter():
    found = _chapter_exercises("notebooks")
    assert sorted(key for _, key, *_ in found) == sorted(EXERCISES)
    for chapter, key, name, cell, _ in found:
        assert EXERCISES[key].chapter == chapter, key
        assert {"solution", "hide-input"} <= set(cell.metadata["tags"]), f"{key}: tag the solution to collapse it"


@pytest.mark.parametrize("key", IDS)
def test_the_chapters_worked_solution_passes(key, capsys):
    (_, _, name, cell, _), = [f for f in _chapter_exercises("notebooks") if f[1] == key]
    namespace = {}
    exec(cell.source, namespace)
    assert check(key, namespace[name]) is True


# ---------------------------------------------------------- the student edition
def test_student_notebooks_have_stubs_and_no_outputs(capsys):
    import nbformat

    found = _chapter_exercises("student")
    assert sorted(key for _, key, *_ in found) == sorted(EXERCISES)
    for _, key, name, cell, check_cell in found:
        assert cell.metadata["tags"] == ["exercise"]
        namespace = {}
        exec(cell.source, namespace)
        with pytest.raises(NotImplementedError):
            namespace[name](*EXERCISES[key].cases()[0])
        exec(check_cell.source, namespace)  # an unfinished stub: "not done yet", then the reference
        assert capsys.readouterr().out == f"… {key}: {NOT_DONE}.\n"
        assert namespace[name] is EXERCISES[key].reference
    for path in (ROOT / "student").glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
        assert "solution" not in str([c.metadata.get("tags") for c in nb.cells]), path.name


def test_the_committed_student_edition_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "student_edition.py"), "--check"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_readme_links_every_student_notebook():
    from gan_course import REPO_URL

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    slug = REPO_URL.removeprefix("https://github.com/")
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert f"(student/{path.name})" in readme, path.name
        assert f"(https://colab.research.google.com/github/{slug}/blob/main/student/{path.name})" in readme
