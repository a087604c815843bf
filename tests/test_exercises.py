"""The hands-on exercises: check() passes the course's code, catches each recorded mistake by name,
reports stubs and crashes without raising, finds side effects, gives hints without code, and leaves
the chapters' random numbers alone; the concept questions (ask) and their registry."""

import ast
import functools
import inspect
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_course import exercises
from gan_course.errors import CourseError
from gan_course.exercises import EXERCISES, NOT_DONE, QUESTIONS, check, diagnose
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
    # the three steps: where it differs, the recorded mistake by name, the hint that points to the concept
    assert len(lines) == 3 and lines[0].startswith(f"✗ {key}: "), lines
    assert lines[1] == f"  Recorded mistake “{mistake.title}”: {mistake.hint}"
    assert lines[2].startswith(f"  Hint: {EXERCISES[key].hint} (see chapter {EXERCISES[key].chapter}")
    # the hint is the one meant for this mistake, not another one's
    assert diagnose(key, mistake) == ("fail", mistake.name)
    others = [m.hint for j, m in enumerate(EXERCISES[key].mistakes) if j != index]
    assert mistake.hint not in others


@pytest.mark.parametrize("key", IDS)
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
    assert "test case 1 of 4: real_logits (16,), fake_logits (16,)" in first  # on which input
    assert hint.startswith("  Hint: ")


@pytest.mark.parametrize("leave", [lambda: sys.exit(), lambda: sys.exit(3), lambda: exit(), lambda: quit("done")],
                         ids=["sys.exit()", "sys.exit(3)", "exit()", "quit(text)"])
def test_a_learners_sys_exit_is_a_failed_check_not_a_dead_kernel(capsys, leave):
    def leaves(real_logits, fake_logits):
        leave()

    assert check("ch2.discriminator_loss", leaves) is False  # SystemExit did not escape
    first, hint = capsys.readouterr().out.splitlines()
    assert first.startswith("✗ ch2.discriminator_loss: Your function raised SystemExit: it called sys.exit(")
    assert "return the result instead" in first and hint.startswith("  Hint: ")
    assert diagnose("ch2.discriminator_loss", leaves) == ("fail", None)


def test_a_keyboard_interrupt_still_stops_the_check():
    def interrupted(real_logits, fake_logits):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check("ch2.discriminator_loss", interrupted)


def test_not_a_function_is_reported(capsys):
    assert check("ch4.conv_output_size", 14) is False
    assert "pass your function itself" in capsys.readouterr().out


def test_a_shape_mismatch_is_reported(capsys):
    assert check("ch6.skip_connection", lambda h, skip: torch.cat([h, skip], dim=2)) is False
    first, hint = capsys.readouterr().out.splitlines()
    assert "shape (2, 4, 16, 8) instead of (2, 8, 8, 8)" in first
    assert hint.startswith("  Hint: " + EXERCISES["ch6.skip_connection"].hint)  # no recorded mistake matches
    assert "section “The generator: a U-Net”" in hint


def test_gradient_reaching_g_is_named(capsys):
    check("ch2.d_step_loss", EXERCISES["ch2.d_step_loss"].mistakes[0])
    first, mistake, hint = capsys.readouterr().out.splitlines()
    assert "gradient reaching G's weights" in first and "expected 0" in first
    assert "“no detach”" in mistake and "cut the graph" in mistake.lower()


def test_sigmoid_bce_differs_only_for_a_confident_d(capsys):
    """The stable loss and sigmoid + BCELoss agree on modest logits: the check must use confident ones."""
    check("ch2.discriminator_loss", EXERCISES["ch2.discriminator_loss"].mistakes[0])
    first = capsys.readouterr().out.splitlines()[0]
    assert "test case 3 of 4" in first


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
        ex = EXERCISES[key]
        with pytest.raises(NotImplementedError):
            args = ex.cases()[0]
            ex.observe(namespace[name], args) if ex.observe else namespace[name](*args)
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


# ---------------------------------------------------------- the checker's gaps (issue 23), each a wrong solution
def test_receptive_field_is_checked_at_n_layers_0(capsys):
    def pixelgan_forgotten(n_layers):  # right for every PatchGAN, wrong for the PixelGAN
        r = 1
        for k, s in reversed([(4, 2)] * n_layers + [(4, 1), (4, 1)]):
            r = (r - 1) * s + k
        return r

    assert check("ch6.receptive_field", pixelgan_forgotten) is False
    first = capsys.readouterr().out.splitlines()[0]
    assert "n_layers=0" in first and "is 7, expected 1" in first
    assert diagnose("ch6.receptive_field", pixelgan_forgotten) == ("fail", "_rf_pixelgan_forgotten")


def test_precision_recall_is_checked_with_other_k(capsys):
    def fixed_k(real_features, fake_features, k=3):
        def covered(reference, queries):
            radii = torch.cdist(reference, reference).kthvalue(4, dim=1).values  # always the default k = 3
            return (torch.cdist(queries, reference) <= radii[None]).any(dim=1).float().mean().item()
        return covered(real_features, fake_features), covered(fake_features, real_features)

    assert check("ch8.precision_recall", fixed_k) is False
    assert "k=1" in capsys.readouterr().out.splitlines()[0]
    assert diagnose("ch8.precision_recall", fixed_k) == ("fail", "_pr_fixed_k")


def test_discriminator_input_is_checked_on_non_square_images(capsys):
    def square_maps(x, y, embed):
        B, C, H, _ = x.shape
        return torch.cat([x, embed(y)[:, :, None, None].expand(B, embed.embedding_dim, H, H)], dim=1)

    assert check("ch3.discriminator_input", square_maps) is False
    assert "x (2, 1, 4, 7)" in capsys.readouterr().out
    assert diagnose("ch3.discriminator_input", square_maps) == ("fail", "_d_input_square")


def test_d_step_loss_rejects_g_left_frozen(capsys):
    from gan_course.losses import discriminator_loss

    def frozen(G, D, real, z):
        G.requires_grad_(False)  # no gradient reaches G, but G is never unfrozen
        loss_real, loss_fake = discriminator_loss(D(real), D(G(z)))
        return loss_real + loss_fake

    assert check("ch2.d_step_loss", frozen) is False
    first, mistake, _ = capsys.readouterr().out.splitlines()
    assert "`G` was left frozen" in first and "“G left frozen”" in mistake

    def frozen_then_restored(G, D, real, z):
        G.requires_grad_(False)
        fake = G(z)
        G.requires_grad_(True)
        loss_real, loss_fake = discriminator_loss(D(real), D(fake))
        return loss_real + loss_fake

    assert check("ch2.d_step_loss", frozen_then_restored) is True


# ---------------------------------------------------------- side effects
def test_an_input_modified_in_place_is_named(capsys):
    def in_place(real_scores, fake_scores):
        real_scores.sub_(1)
        return 0.5 * real_scores.pow(2).mean(), 0.5 * fake_scores.pow(2).mean()

    assert check("ch7.lsgan_discriminator_loss", in_place) is False
    first = capsys.readouterr().out.splitlines()[0]
    assert "Its result is right, but your function modified its input `real_scores` in place" in first


def test_a_network_left_in_eval_mode_is_named(capsys):
    from gan_course.losses import discriminator_loss

    def eval_left(G, D, real, z):
        D.eval()
        loss_real, loss_fake = discriminator_loss(D(real), D(G(z).detach()))
        return loss_real + loss_fake

    assert check("ch2.d_step_loss", eval_left) is False
    assert "`D` was left in eval() mode" in capsys.readouterr().out


# ---------------------------------------------------------- hints: progressive, pointing to concepts, never code
_CODE = [re.compile(p) for p in (r"[A-Za-z_]\w*\.[A-Za-z_]\w*\(",  # a dotted call: torch.cat(, x.detach(
                                 r"\bdim\s*=", r"\[\s*:", r"//", r"\*\*", r"`[^`]*\(")]
_API = re.compile(r"\b(?:torch|np|F|nn|math)\.\w")  # a concept hint names no API (a mistake's may name the wrong one)


# scaffolding every chapter writes, which gives no answer away (``with torch.no_grad():``)
_GENERIC = re.compile(r"with[\w.]+\(\):|else:|try:|finally:")


def _normalised_body(source: str) -> set[str]:
    """The statements of every function's body in some source, comments and spaces removed (docstrings left out)."""
    out = set()
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
                body = body[1:]
            for stmt in body:
                for line in (ast.get_source_segment(source, stmt) or "").splitlines():
                    line = re.sub(r"\s+", "", line.split("#", 1)[0])
                    if len(line) >= 10 and not _GENERIC.fullmatch(line):
                        out.add(line)
    return out


def reference_code(key: str) -> set[str]:
    import textwrap

    try:
        code = _normalised_body(textwrap.dedent(inspect.getsource(EXERCISES[key].reference)))
    except (OSError, TypeError):
        code = set()
    for chapter, k, _, cell, _ in _chapter_exercises("notebooks"):
        if k == key:
            code |= _normalised_body(cell.source)
    return code


def _all_hints(ex):
    return ex.all_hints() + [m.hint for m in ex.mistakes]


@pytest.mark.parametrize("key", IDS)
def test_no_hint_contains_the_references_code(key):
    ex = EXERCISES[key]
    code = reference_code(key)
    for text in _all_hints(ex):
        for pattern in _CODE + ([_API] if text in ex.all_hints() else []):
            assert not pattern.search(text), f"{key}: a hint reads like code ({pattern.pattern}): {text!r}"
        flat = re.sub(r"\s+", "", text)
        leaked = [line for line in code if line in flat]
        assert not leaked, f"{key}: a hint contains the reference's code {leaked}: {text!r}"


@pytest.mark.parametrize("key", IDS)
def test_hints_come_one_at_a_time_and_point_to_a_section(key, capsys, monkeypatch):
    monkeypatch.setattr(exercises.core, "_HINTS_GIVEN", {})
    ex = EXERCISES[key]
    assert ex.section, f"{key}: name the chapter's section that explains it"
    hints = ex.all_hints()
    assert len(hints) >= 2 and len(set(hints)) == len(hints), f"{key}: give at least two different hints"
    for k, text in enumerate(hints + [hints[-1]]):
        printed = exercises.hint(key)
        assert printed.startswith(f"Hint {min(k, len(hints) - 1) + 1} of {len(hints)} for {key}: "
                                  f"{hints[min(k, len(hints) - 1)]}")
    assert f'exercises.solution("{key}")' in printed  # after the last hint, where the solution is
    capsys.readouterr()


def test_the_solution_is_printed_only_when_asked(capsys):
    check("ch6.skip_connection", lambda h, skip: h + skip)
    assert "torch.cat" not in capsys.readouterr().out
    exercises.solution("ch6.skip_connection")
    out = capsys.readouterr().out
    assert out.startswith("Worked solution of ch6.skip_connection") and "torch.cat([h, skip], dim=1)" in out


# ---------------------------------------------------------- concept questions
QIDS = list(QUESTIONS)


def test_every_chapter_has_a_concept_question():
    for chapter in range(1, 9):
        assert [k for k, q in QUESTIONS.items() if q.chapter == chapter], f"chapter {chapter} has no question"


@pytest.mark.parametrize("key", QIDS)
def test_a_question_is_well_formed_and_its_answer_is_right(key, capsys, monkeypatch):
    monkeypatch.setattr(exercises.core, "_TRIES", {})
    q = QUESTIONS[key]
    assert key.startswith(f"ch{q.chapter}.") and q.prompt and q.explanation and "\n" not in q.explanation
    if q.choices is not None:
        assert len(q.choices) >= 2 and str(q.answer) in q.choices
        assert set(q.wrong) <= set(q.choices) - {str(q.answer)}
    else:
        float(q.answer)
    assert exercises.ask(key) is None  # prints the question
    shown = capsys.readouterr().out
    assert shown.startswith(f"{key}: {q.prompt}") and q.explanation not in shown
    assert exercises.ask(key, q.answer) is True
    out = capsys.readouterr().out  # the question again, then the verdict
    assert out.startswith(f"{key}: {q.prompt}") and out.splitlines()[-1] == f"✓ {key}: right. {q.explanation}"


@pytest.mark.parametrize("key", QIDS)
def test_a_wrong_answer_gets_the_explanation_only_on_the_second_try(key, capsys, monkeypatch):
    monkeypatch.setattr(exercises.core, "_TRIES", {})
    q = QUESTIONS[key]
    wrong = next(c for c in q.choices if c != str(q.answer)) if q.choices else float(q.answer) * 2 + 1
    assert exercises.ask(key, wrong) is False
    first = capsys.readouterr().out
    assert first.startswith(f"{key}: {q.prompt}")  # the question, then the verdict
    first = first[first.index("✗"):]
    assert first.startswith(f"✗ {key}: not quite.") and q.explanation not in first
    if q.choices and wrong in q.wrong:
        assert q.wrong[wrong] in first
    assert exercises.ask(key, wrong) is False
    second = capsys.readouterr().out
    assert q.explanation in second and "The answer is" in second


def test_answers_are_read_leniently():
    assert exercises.grade("ch2.why_detach", "(B) ") is True
    assert exercises.grade("ch2.why_detach", None) is None
    assert exercises.grade("ch1.value_at_equilibrium", "-1.3863") is True
    assert exercises.grade("ch1.value_at_equilibrium", -1.0) is False
    assert exercises.grade("ch4.conv_size_odd", 3.0) is True and exercises.grade("ch4.conv_size_odd", 3.5) is False


def test_an_answer_that_is_no_choice_is_named(capsys):
    assert exercises.ask("ch2.why_detach", "z") is False
    assert "not one of the choices" in capsys.readouterr().out
    with pytest.raises(CourseError, match="ch2.why_detach"):
        exercises.ask("ch2.no_such_question", "a")


# ---------------------------------------------------------- the registry
def test_each_chapter_module_registers_its_own():
    import importlib

    for name in exercises.CHAPTER_MODULES:
        module = importlib.import_module(f"gan_course.exercises.{name}")
        n = int(name[2:])
        for key in [*getattr(module, "EXERCISES", {}), *getattr(module, "QUESTIONS", {})]:
            assert key.startswith(f"ch{n}.") and (key in EXERCISES or key in QUESTIONS)


def test_register_refuses_duplicates_and_wrong_chapters():
    ex = EXERCISES["ch4.conv_output_size"]
    with pytest.raises(CourseError, match="twice"):
        exercises.register({"ch4.conv_output_size": ex})
    with pytest.raises(CourseError, match="chapter 4"):
        exercises.register({"ch5.conv_output_size_again": ex})
    q = QUESTIONS["ch2.why_detach"]
    import dataclasses

    with pytest.raises(CourseError, match="not one of its choices"):
        exercises.register(questions={"ch2.bad_question": dataclasses.replace(q, answer="e")})
    assert "ch5.conv_output_size_again" not in EXERCISES and "ch2.bad_question" not in QUESTIONS


@pytest.mark.parametrize("key", IDS)
def test_a_failed_check_shows_no_code_of_the_answer(key, capsys):
    code = reference_code(key)
    for mistake in EXERCISES[key].mistakes:
        check(key, mistake)
        flat = re.sub(r"\s+", "", capsys.readouterr().out)
        assert not [line for line in code if line in flat], f"{key}: the verdict on {mistake.name} shows the answer"


@pytest.mark.parametrize("key", IDS)
def test_every_exercise_has_a_worked_solution_to_print(key):
    text = exercises.solution_text(key)
    assert "def " in text or "class " in text or EXERCISES[key].solution, key
