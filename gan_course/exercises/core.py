"""The machinery behind the exercises and concept questions (the chapters' content is in ``chNN.py``).

An exercise asks for one function. :func:`check` runs it on fixed, seeded
inputs next to the course's reference and answers in steps:

1. **where** it differs: a value or a shape, on which input (the test case and
   its shapes), the gradient reaching which network, or a side effect: an input
   modified in place, a network left frozen (``requires_grad`` not restored) or
   left in ``train()``/``eval()`` mode, its weights changed;
2. **the recorded mistake**, by name, when the learner's outputs match one of
   the common wrong implementations the course has recorded;
3. **a hint** that points to the concept and the chapter's section, never to
   the code. :func:`hint` gives the next, more specific hint on request and
   :func:`solution` prints the worked solution, only when asked.

A concept question (:class:`Question`) is answered with :func:`ask`: a choice
letter or a number. A right answer prints ✓ and its one-line explanation. The
first wrong answer says so (and why that choice is wrong, when the course has
recorded it) without giving the answer away; from the second wrong answer on,
the right answer and its explanation are shown.

Each chapter's exercises come in two halves: the code (``chNN.py``:
``EXERCISES: dict[str, Check]``, ids ``"chN.name"``: the reference, the recorded
mistakes as functions, the cases) and the text the learner reads (``chNN.toml``:
the title, the section, the hints, each mistake's hint), joined by
:func:`exercises_from`. The concept questions are text only, all of them in
``questions.toml`` (:func:`load_questions`). The package registers both with
:func:`register` when it is imported.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import re
import textwrap
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..errors import CourseError
from ..runtime import preserved_rng

NOT_DONE = "not done yet — using the reference implementation"
GENERAL_HINT = "reread the statement above the cell and compare your code with it one term at a time"


# ===================================================================== what an exercise and a question are
@dataclass(frozen=True)
class Mistake:
    """A realistic wrong implementation, and the hint :func:`check` prints when a learner's output matches it.

    The hint names the mistake and the idea that fixes it, not the code.
    """

    fn: Callable  # the wrong implementation (same signature as the reference)
    hint: str  # names the mistake and the concept that fixes it
    label: str | None = None  # a short name shown to the learner; default: from the function's name

    def __call__(self, *args, **kwargs):
        return self.fn(*args, **kwargs)

    @property
    def name(self) -> str:
        return self.fn.__name__

    @property
    def title(self) -> str:
        return self.label or self.fn.__name__.strip("_").replace("_", " ")


@dataclass(frozen=True)
class Exercise:
    """One "Your turn" exercise: what the learner writes, the reference, the recorded mistakes, the test cases."""

    chapter: int  # the chapter whose "Your turn" section asks for it
    title: str  # what the learner writes, in a few words
    reference: Callable  # the implementation the learner must match
    mistakes: list  # Mistake objects: common wrong implementations, each with its hint
    cases: Callable[[], list]  # fresh, seeded argument tuples (built anew for every run)
    observe: Callable | None = None  # observe(fn, args) -> what is compared; default fn(*args)
    hint: str = GENERAL_HINT  # the first hint: the concept to revisit (no code)
    rtol: float = 1e-5  # relative tolerance of the comparison
    atol: float = 1e-6  # absolute tolerance of the comparison
    hints: tuple = ()  # further hints, each more specific than the last, still no code (hint())
    section: str = ""  # the chapter's section that explains it, e.g. "The losses, from logits"
    solution: str | None = None  # the worked solution solution() prints; default: the reference's source
    reveals: tuple = ()  # names whose show_source() gives the answer away (besides the reference itself)
    side_effects: bool = True  # check that the function leaves its inputs, modes and requires_grad alone

    def all_hints(self) -> list[str]:
        return [self.hint, *self.hints]

    def revealing_names(self) -> set[str]:
        """What the student edition must not show_source() before this exercise is done."""
        names = set(self.reveals)
        ref = self.reference
        if getattr(ref, "__module__", "").startswith("gan_course.exercises"):
            return names  # a restatement written for the exercise: no chapter shows it
        names.add(getattr(ref, "__name__", ""))
        return names - {""}


@dataclass(frozen=True)
class Question:
    """A concept question: multiple choice (``choices`` given, ``answer`` a letter) or numeric."""

    chapter: int
    prompt: str  # the question, one or two sentences
    answer: Any  # the right choice's letter ("b"), or a number
    explanation: str  # one line: why the right answer is right
    choices: dict | None = None  # {"a": "...", "b": "..."}; None for a numeric question
    rtol: float = 0.01  # numeric: relative tolerance
    atol: float = 0.0  # numeric: absolute tolerance
    wrong: dict = field(default_factory=dict)  # optional {choice: one line on why it is wrong}
    section: str = ""  # the chapter's section to reread

    @property
    def numeric(self) -> bool:
        return self.choices is None


@dataclass(frozen=True)
class Check:
    """The code half of an exercise: what is compared, and on what. Its text half (the title, the section, the
    hints, each mistake's hint: what the learner reads) is in the chapter's ``chNN.toml``, where an instructor
    can change or translate it without touching code; :func:`exercises_from` joins the two."""

    reference: Callable  # the implementation the learner must match
    mistakes: list  # the recorded wrong implementations, as functions (their hints are in the text file)
    cases: Callable[[], list]  # fresh, seeded argument tuples (built anew for every run)
    observe: Callable | None = None  # observe(fn, args) -> what is compared; default fn(*args)
    rtol: float = 1e-5  # relative tolerance of the comparison
    atol: float = 1e-6  # absolute tolerance of the comparison
    solution: str | None = None  # the worked solution solution() prints; default: the reference's source
    reveals: tuple = ()  # names whose show_source() gives the answer away (besides the reference itself)
    side_effects: bool = True  # check that the function leaves its inputs, modes and requires_grad alone


EXERCISE_TEXT_FIELDS = ("title", "section", "hints", "mistakes")
EXERCISE_TEXTS = Path(__file__).parent  # chNN.toml: each chapter's exercise texts


def _read_toml(path: Path, what: str) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise CourseError(f"cannot read the {what} {path}: {exc}") from None


def _chapter_tables(path: Path, tables: dict):
    """``(chapter, "chN.name", fields)`` for each ``[chN.name]`` table of a course text file."""
    for chapter_key, items in tables.items():
        chapter = re.fullmatch(r"ch([1-9]\d*)", chapter_key)
        if chapter is None or not isinstance(items, dict):
            raise CourseError(f"{path.name}: [{chapter_key}] is not a chapter: name each table [chN.name]")
        for name, fields in items.items():
            key = f"{chapter_key}.{name}"
            if not isinstance(fields, dict):
                raise CourseError(f"{path.name}: {key} must be a table of fields, e.g. [{key}] title = \"...\"")
            yield int(chapter.group(1)), key, fields


def _text(value) -> bool:
    return isinstance(value, str) and bool(value.strip())


def exercises_from(checks: dict[str, Check], paths) -> dict[str, Exercise]:
    """Each :class:`Check` of ``checks`` joined with its text, from the TOML files ``paths``, into an
    :class:`Exercise`.

    Every check needs its text and every text its check, every mistake function its hint and every hint its
    function: anything missing, extra, twice or of the wrong kind is one :class:`CourseError` naming the file
    and the exercise.
    """
    texts = {}
    for path in map(Path, paths):
        for chapter, key, fields in _chapter_tables(path, _read_toml(path, "exercise texts")):
            if key in texts:
                raise CourseError(f"{path.name}: [{key}] is also in {texts[key][0].name}: keep one")
            texts[key] = (path, chapter, fields)
    out = {}
    for key, check in checks.items():
        if not isinstance(check, Check):
            raise CourseError(f"exercise {key!r} is a {type(check).__name__}, not a Check")
        if key not in texts:
            chapter = re.match(r"ch(\d+)\.", key)
            home = f"ch{int(chapter.group(1)):02d}.toml" if chapter else "its chapter's text file"
            raise CourseError(f"{home} has no [{key}]: write its title, section, hints and mistakes there")
        path, chapter, fields = texts.pop(key)
        unknown = sorted(set(fields) - set(EXERCISE_TEXT_FIELDS))
        missing = [f for f in EXERCISE_TEXT_FIELDS if f not in fields]
        if unknown or missing:
            problem = f"unknown field {unknown[0]!r}" if unknown else f"no {missing[0]}"
            raise CourseError(f"{path.name}: [{key}] has {problem}: its fields are {', '.join(EXERCISE_TEXT_FIELDS)}")
        hints, said = fields["hints"], fields["mistakes"]
        if not (_text(fields["title"]) and _text(fields["section"]) and isinstance(hints, list) and hints
                and all(_text(h) for h in hints) and isinstance(said, dict)):
            raise CourseError(f"{path.name}: [{key}]: title and section must be text, hints a list of one or more "
                              f"texts, and [{key}.mistakes] a table")
        names = [fn.__name__ for fn in check.mistakes]
        if set(said) != set(names):
            extra, lacking = sorted(set(said) - set(names)), sorted(set(names) - set(said))
            raise CourseError(f"{path.name}: [{key}.mistakes] " + (
                f"names {extra[0]}, which is not one of the exercise's mistakes ({', '.join(names)})" if extra
                else f"has no hint for the mistake {lacking[0]}"))
        mistakes = []
        for fn in check.mistakes:
            entry = said[fn.__name__]
            label, hint = ((None, entry) if isinstance(entry, str) else
                           tuple(entry) if isinstance(entry, list) and len(entry) == 2 else (None, None))
            if not _text(hint) or (label is not None and not _text(label)):
                raise CourseError(f"{path.name}: [{key}.mistakes] {fn.__name__} must be a hint, or "
                                  "[\"label\", \"hint\"]")
            mistakes.append(Mistake(fn, hint, label))
        out[key] = Exercise(chapter, fields["title"], check.reference, mistakes, check.cases, observe=check.observe,
                            hint=hints[0], hints=tuple(hints[1:]), section=fields["section"], rtol=check.rtol,
                            atol=check.atol, solution=check.solution, reveals=check.reveals,
                            side_effects=check.side_effects)
    if texts:
        key, (path, _, _) = next(iter(texts.items()))
        raise CourseError(f"{path.name}: [{key}] has no exercise: add its Check, or remove the table")
    return out


QUESTION_FIELDS = ("section", "prompt", "answer", "explanation", "choices", "wrong", "rtol", "atol")
QUESTIONS_FILE = Path(__file__).with_name("questions.toml")  # every concept question of the course


def load_questions(path: str | Path = QUESTIONS_FILE) -> dict[str, Question]:
    """The concept questions of a TOML file, one table ``[chN.name]`` each (the file's header says the fields).

    The chapter is the ``N`` of the id. A file that does not parse, an unknown or missing field, or a field of
    the wrong kind is one :class:`CourseError` naming the file and the question.
    """
    path = Path(path)
    questions = {}
    for chapter, key, fields in _chapter_tables(path, _read_toml(path, "questions")):
        unknown = sorted(set(fields) - set(QUESTION_FIELDS))
        missing = [f for f in ("section", "prompt", "answer", "explanation") if f not in fields]
        if unknown or missing:
            problem = f"unknown field {unknown[0]!r}" if unknown else f"no {missing[0]}"
            raise CourseError(f"{path.name}: [{key}] has {problem}: its fields are {', '.join(QUESTION_FIELDS)}")
        choices, wrong = fields.get("choices", {}), fields.get("wrong", {})
        texts = [fields["section"], fields["prompt"], fields["explanation"],
                 *(choices.values() if isinstance(choices, dict) else [None]),
                 *(wrong.values() if isinstance(wrong, dict) else [None])]
        numbers = [fields.get("rtol", 0.0), fields.get("atol", 0.0)]
        if not all(_text(t) for t in texts) \
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and x >= 0 for x in numbers) \
                or not isinstance(fields["answer"], (str, int, float)) or isinstance(fields["answer"], bool):
            raise CourseError(f"{path.name}: [{key}]: its texts must be non-empty strings, its answer a letter "
                              "or a number, rtol and atol numbers ≥ 0")
        questions[key] = Question(chapter, **fields)
    return questions


# ===================================================================== the registry
EXERCISES: dict[str, Exercise] = {}
QUESTIONS: dict[str, Question] = {}


def register(exercises: dict | None = None, questions: dict | None = None, where: str = "") -> None:
    """Add exercises (:class:`Exercise`, e.g. from :func:`exercises_from`) and questions (:class:`Question`, e.g.
    from :func:`load_questions`), ids ``"chN.name"``, to the course's registry."""
    for kind, items, registry, cls in (("exercise", exercises or {}, EXERCISES, Exercise),
                                       ("question", questions or {}, QUESTIONS, Question)):
        for key, item in items.items():
            if not isinstance(item, cls):
                raise CourseError(f"{where}: {kind} {key!r} is a {type(item).__name__}, not a {cls.__name__}")
            if not key.startswith(f"ch{item.chapter}."):
                raise CourseError(f"{where}: {kind} {key!r} belongs to chapter {item.chapter}: "
                                  f"name it 'ch{item.chapter}.…'")
            if key in EXERCISES or key in QUESTIONS:
                raise CourseError(f"{where}: {kind} {key!r} is registered twice")
            if cls is Question and item.choices is not None and str(item.answer) not in item.choices:
                raise CourseError(f"{where}: question {key!r}: the answer {item.answer!r} is not one of its choices")
            registry[key] = item


def get(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise CourseError(f"no exercise {exercise_id!r}: use one of {', '.join(EXERCISES)}")
    return EXERCISES[exercise_id]


def get_question(question_id: str) -> Question:
    if question_id not in QUESTIONS:
        raise CourseError(f"no question {question_id!r}: use one of {', '.join(QUESTIONS)}")
    return QUESTIONS[question_id]


# ===================================================================== comparing results
class _Raised:
    """Stands for an exception raised by a function under test."""

    def __init__(self, error: BaseException):
        self.error = error

    def __str__(self) -> str:
        if isinstance(self.error, SystemExit):  # sys.exit() or exit(): in a notebook it would stop the kernel
            return (f"SystemExit: it called sys.exit({self.error.code!r}) (or exit()), which stops the program; "
                    "return the result instead")
        return f"{type(self.error).__name__}: {self.error}"


@dataclass
class _Outcome:
    """What a function gave on one case: its (normalised) value or a _Raised, and a side effect it left."""

    value: Any
    effect: str | None = None


def _normalise(value: Any) -> Any:
    """Tensors, arrays and numbers -> float64 tensors (detached); tuples -> lists; dicts kept."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_normalise(v) for v in value]
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64)
    if isinstance(value, np.ndarray) or isinstance(value, (float, int, np.floating, np.integer)):
        if isinstance(value, bool):
            return value
        return torch.as_tensor(np.asarray(value, dtype=np.float64))
    return value


def _fmt(t: torch.Tensor) -> str:
    if t.numel() == 1:
        return f"{t.item():.6g}"
    flat = t.flatten()
    shown = ", ".join(f"{v:.4g}" for v in flat[:4].tolist())
    return f"[{shown}{', ...' if flat.numel() > 4 else ''}]"


def _difference(got: Any, expected: Any, ex: Exercise, where: str = "the result") -> str | None:
    """None when ``got`` agrees with ``expected``; otherwise one phrase saying what differed."""
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"{where} should be a dict, got {type(got).__name__}"
        for key, value in expected.items():
            if key not in got:
                return f"{where} has no {key!r}"
            problem = _difference(got[key], value, ex, str(key))
            if problem:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(got, list):
            return f"{where} should be a tuple of {len(expected)} values, got a {type(got).__name__}"
        if len(got) != len(expected):
            return f"{where} has {len(got)} values instead of {len(expected)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            problem = _difference(g, e, ex, f"{where}[{i}]" if where != "the result" else f"value {i + 1}")
            if problem:
                return problem
        return None
    if isinstance(expected, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return f"{where} should be a number or tensor, got {type(got).__name__}"
        if got.shape != expected.shape:
            return f"{where} has shape {tuple(got.shape)} instead of {tuple(expected.shape)}"
        close = torch.isclose(got, expected, rtol=ex.rtol, atol=ex.atol, equal_nan=True)
        if bool(close.all()):
            return None
        if expected.numel() == 1:
            return f"{where} is {_fmt(got)}, expected {_fmt(expected)}"
        bad = int((~close).sum())
        return f"{where} differs at {bad} of {expected.numel()} entries: got {_fmt(got)}, expected {_fmt(expected)}"
    return None if got == expected else f"{where} is {got!r}, expected {expected!r}"


# ===================================================================== side effects
def _arg_names(ex: Exercise, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(ex.reference).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return (names + [f"argument {i + 1}" for i in range(len(names), n)])[:n]


def _snapshot(args: tuple) -> list:
    snap = []
    for i, a in enumerate(args):
        if isinstance(a, torch.Tensor):
            snap.append((i, a.detach().clone(), a.requires_grad))
        elif isinstance(a, np.ndarray):
            snap.append((i, a.copy(), None))
        elif isinstance(a, nn.Module):
            snap.append((i, ([m.training for m in a.modules()], [p.requires_grad for p in a.parameters()],
                             [p.detach().clone() for p in a.parameters()]), None))
    return snap


def _same_values(a, b) -> bool:
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    return a.shape == b.shape and bool(torch.equal(a.isnan(), b.isnan())) and bool(
        torch.equal(a.nan_to_num(), b.nan_to_num()))


def _side_effect(args: tuple, snap: list, names: list[str]) -> str | None:
    """One phrase naming the first side effect a function left on its arguments, or None."""
    for i, saved, requires_grad in snap:
        a, name = args[i], names[i]
        if isinstance(a, nn.Module):
            training, grads, weights = saved
            now_training = [m.training for m in a.modules()]
            if now_training != training:
                mode = ("eval() mode" if training[0] and not a.training else "train() mode" if a.training
                        and not training[0] else "a different train()/eval() mode in some of its layers")
                return (f"`{name}` was left in {mode}: a function that switches a network's mode "
                        f"must switch it back before it returns")
            now = [p.requires_grad for p in a.parameters()]
            if now != grads:
                frozen = sum(1 for before, after in zip(grads, now) if before and not after)
                if frozen:
                    return (f"`{name}` was left frozen: requires_grad is off on {frozen} of its {len(now)} weight "
                            f"tensors after your function returned, so a later step could not train it")
                return f"`{name}`'s requires_grad flags changed"
            if any(not _same_values(w, p.detach()) for w, p in zip(weights, a.parameters())):
                return f"`{name}`'s weights changed: the function must only compute, not update a network"
        elif isinstance(a, (torch.Tensor, np.ndarray)):
            now = a.detach() if isinstance(a, torch.Tensor) else a
            if not _same_values(saved, now):
                return f"your function modified its input `{name}` in place"
            if isinstance(a, torch.Tensor) and a.requires_grad != requires_grad:
                return f"your function changed `{name}`.requires_grad"
    return None


def _describe(args: tuple, names: list[str]) -> str:
    """The inputs of a test case in a few words: shapes of tensors, values of numbers."""
    parts = []
    for a, name in zip(args, names):
        if isinstance(a, (torch.Tensor, np.ndarray)):
            parts.append(f"{name} {tuple(a.shape)}" if a.ndim else f"{name}={float(a):g}")
        elif isinstance(a, nn.Module):
            parts.append(f"{name} (a network)")
        elif isinstance(a, (int, float)):
            parts.append(f"{name}={a}")
    return ", ".join(parts)


def _run(ex: Exercise, fn: Callable, args: tuple) -> _Outcome:
    """What ``fn`` gives on one case (normalised) and any side effect, or a :class:`_Raised`."""
    snap = _snapshot(args) if ex.side_effects else []
    try:
        out = _Outcome(_normalise(ex.observe(fn, args) if ex.observe is not None else fn(*args)))
    except (NotImplementedError, KeyboardInterrupt):  # "not done yet"; the learner's own interrupt stops the check
        raise
    except BaseException as error:  # the learner's code, sys.exit() included: reported, never raised
        return _Outcome(_Raised(error))
    if snap:
        out.effect = _side_effect(args, snap, _arg_names(ex, len(args)))
    return out


@contextlib.contextmanager
def _keep_random_state():
    """Seeds every global generator for a check and restores them afterwards (and grad mode)."""
    grad = torch.is_grad_enabled()
    try:
        with preserved_rng(0):
            yield
    finally:
        torch.set_grad_enabled(grad)


def _outputs(ex: Exercise, fn: Callable) -> list[_Outcome]:
    with _keep_random_state():
        return [_run(ex, fn, args) for args in ex.cases()]


def _same(a: list, b: list, ex: Exercise) -> bool:
    for x, y in zip(a, b):
        if x.effect != y.effect:
            return False
        x, y = x.value, y.value
        if isinstance(x, _Raised) or isinstance(y, _Raised):
            if not (isinstance(x, _Raised) and isinstance(y, _Raised) and type(x.error) is type(y.error)):
                return False
        elif _difference(x, y, ex) is not None:
            return False
    return True


# ===================================================================== check, diagnose, hint, solution
def _pointer(exercise_id: str, ex: Exercise) -> str:
    where = f"chapter {ex.chapter}, section “{ex.section}”" if ex.section else f"chapter {ex.chapter}"
    more = f'; exercises.hint("{exercise_id}") gives another hint' if ex.hints else ""
    return f"  Hint: {ex.hint} (see {where}{more})."


def _verdict(exercise_id: str, fn: Callable) -> tuple[str, list[str], str | None]:
    ex = get(exercise_id)
    if not callable(fn):
        return "fail", [f"✗ {exercise_id}: pass your function itself (got a {type(fn).__name__})."], None
    try:
        got = _outputs(ex, fn)
    except NotImplementedError:
        return "not done", [f"… {exercise_id}: {NOT_DONE}."], None
    expected = _outputs(ex, ex.reference)
    with _keep_random_state():  # only for their shapes; seeded like every run of the cases
        cases = ex.cases()
    n = len(expected)
    for i, (g, e) in enumerate(zip(got, expected)):
        if isinstance(e.value, _Raised):  # a broken reference is the course's bug, not the learner's
            raise CourseError(f"the reference of {exercise_id} raised {e.value}")
        names = _arg_names(ex, len(cases[i]))
        inputs = _describe(cases[i], names)
        where = f" (test case {i + 1} of {n}{': ' + inputs if inputs else ''})" if n > 1 or inputs else ""
        # a side effect is wrong when the course's version does not have it (a training step changes weights)
        effect = g.effect if g.effect != e.effect else None
        if effect is None and g.effect != e.effect:
            effect = f"the course's version leaves this effect and yours does not: {e.effect}"
        if isinstance(g.value, _Raised):
            problem = f"Your function raised {g.value}{where}"
        else:
            problem = _difference(g.value, e.value, ex)
            if problem is None and effect is None:
                continue
            problem = (problem[0].upper() + problem[1:] if problem is not None
                       else "Its result is right, but " + effect) + where
            if effect and not problem.startswith("Its result"):
                problem += f"; and {effect}"
        lines = [f"✗ {exercise_id}: {problem}."]
        name = None
        for mistake in ex.mistakes:
            if _same(got, _outputs(ex, mistake), ex):
                lines.append(f"  Recorded mistake “{mistake.title}”: {mistake.hint}")
                name = mistake.name
                break
        lines.append(_pointer(exercise_id, ex))
        return "fail", lines, name
    return "pass", [f"✓ {exercise_id}: correct, it matches the course's implementation on "
                    f"{n} test case{'s' if n > 1 else ''}."], None


def diagnose(exercise_id: str, fn: Callable) -> tuple[str, str | None]:
    """``("pass" | "not done" | "fail", the matching mistake's name or None)``: :func:`check` without printing."""
    status, _, mistake = _verdict(exercise_id, fn)
    return status, mistake


def check(exercise_id: str, fn: Callable) -> bool:
    """Run ``fn`` on the exercise's fixed inputs, compare with the reference, print the verdict.

    Returns True when every output agrees and ``fn`` left no side effect. Prints
    one line on success; otherwise where it differs, the recorded mistake when one
    matches, and a hint. An exception in ``fn`` is reported, not raised, and
    ``raise NotImplementedError`` reads "not done yet".
    """
    status, lines, _ = _verdict(exercise_id, fn)
    print("\n".join(lines))
    return status == "pass"


_HINTS_GIVEN: dict[str, int] = {}


def hint(exercise_id: str) -> str:
    """Print (and return) the exercise's next hint: each call is more specific than the last, none gives code."""
    ex = get(exercise_id)
    hints = ex.all_hints()
    k = min(_HINTS_GIVEN.get(exercise_id, 0), len(hints) - 1)
    _HINTS_GIVEN[exercise_id] = k + 1
    text = f"Hint {k + 1} of {len(hints)} for {exercise_id}: {hints[k]}"
    if ex.section and k == 0:
        text += f" (chapter {ex.chapter}, section “{ex.section}”)"
    if k == len(hints) - 1:
        text += f'\n(That is the last hint. exercises.solution("{exercise_id}") prints the worked solution.)'
    print(text)
    return text


def solution_text(exercise_id: str) -> str:
    ex = get(exercise_id)
    if ex.solution:
        return textwrap.dedent(ex.solution).strip("\n")
    try:
        return textwrap.dedent(inspect.getsource(ex.reference)).strip("\n")
    except (OSError, TypeError):
        return f"(the reference is {ex.reference!r}; its source is not available)"


def solution(exercise_id: str) -> None:
    """Print the worked solution of an exercise: only when you ask for it."""
    print(f"Worked solution of {exercise_id} ({get(exercise_id).title}):\n")
    print(solution_text(exercise_id))


# ===================================================================== concept questions
_TRIES: dict[str, int] = {}


def _question_text(question_id: str, q: Question) -> str:
    lines = [f"{question_id}: {q.prompt}"]
    if q.choices:
        lines += [f"  ({key}) {text}" for key, text in q.choices.items()]
        lines.append(f'Answer with exercises.ask("{question_id}", "a") (the letter of your choice).')
    else:
        lines.append(f'Answer with exercises.ask("{question_id}", <a number>).')
    return "\n".join(lines)


def _choice(answer: Any) -> str:
    return str(answer).strip().strip("()").strip().lower()


def grade(question_id: str, answer: Any) -> bool | None:
    """True or False for an answer, None when there is none (``None`` or ``...``); prints nothing."""
    q = get_question(question_id)
    if answer is None or answer is Ellipsis:
        return None
    if q.choices is not None:
        return _choice(answer) == _choice(q.answer)
    try:
        value = float(answer)
    except (TypeError, ValueError):
        return False
    return math.isclose(value, float(q.answer), rel_tol=q.rtol, abs_tol=q.atol)


def ask(question_id: str, answer: Any = None) -> bool | None:
    """Answer a concept question: ``ask(id)`` prints it; ``ask(id, "b")`` or ``ask(id, 0.69)`` prints it and grades an answer.

    A right answer prints ✓ and a one-line explanation. A first wrong answer says
    why that choice is wrong (when recorded) and points to the section, without
    the answer; from the second wrong answer on, the answer and its explanation
    are shown. Returns True/False, or None when no answer was given.
    """
    q = get_question(question_id)
    right = grade(question_id, answer)
    print(_question_text(question_id, q))  # the question first, also above a verdict
    if right is None:
        return None
    shown = f"{q.answer}" if q.numeric else f"({q.answer}) {q.choices[str(q.answer)]}"
    if right:
        print(f"✓ {question_id}: right. {q.explanation}")
        return True
    if q.choices is not None and _choice(answer) not in {_choice(k) for k in q.choices}:
        print(f"✗ {question_id}: {answer!r} is not one of the choices {', '.join(q.choices)}.")
        return False
    tries = _TRIES[question_id] = _TRIES.get(question_id, 0) + 1
    why = q.wrong.get(_choice(answer), "") if q.choices is not None else ""
    line = f"✗ {question_id}: not quite." + (f" {why}" if why else "")
    if tries < 2:
        where = f"chapter {q.chapter}, section “{q.section}”" if q.section else f"chapter {q.chapter}"
        line += f" Think it through again (see {where}) and answer once more."
    else:
        line += f" The answer is {shown}: {q.explanation}"
    print(line)
    return False


# ===================================================================== helpers for the chapters' cases
def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _randn(*shape, seed: int, scale: float = 1.0) -> torch.Tensor:
    return torch.randn(*shape, generator=_gen(seed)) * scale


def _m(fn: Callable, hint: str, label: str | None = None) -> Mistake:
    return Mistake(fn, hint, label)
