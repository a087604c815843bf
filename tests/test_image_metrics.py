"""Image scores on the classifier's features: FD, KID, precision/recall, the ladder, codes."""

import math

import pytest
import torch

from gan_course.errors import CourseError
from gan_course.metrics import (code_nmi, code_purity, format_scores, frechet_distance, gaussian_blur,
                                label_accuracy, precision_recall, reference_ladder, score_images)
from gan_course.metrics.images import Scorer, kernel_distance, ladder_images, real_images

N = 300  # images per set: small enough for seconds, large enough for the ladder's order


@pytest.fixture(scope="module")
def scorer():
    return Scorer(n_real=N)


def test_identical_sets_score_zero(scorer):
    scores = scorer(real_images("test", N))  # the reference images themselves
    assert abs(scores["fd"]) < 1e-3
    # unbiased MMD² with random subsets of one set: scatters around 0 (here within ±2, while the
    # light-blur rung scores about 5 on this classifier's kernel scale)
    assert abs(scores["kid"]) < 2.0
    assert scores["precision"] == 1.0 and scores["recall"] == 1.0


def test_fd_grows_along_the_ladder(scorer):
    fd = {name: scorer(images)["fd"] for name, images in ladder_images(N).items()}
    names = list(fd)
    real, light, heavy, noise = fd[names[0]], fd[names[1]], fd[names[2]], fd["uniform noise"]
    assert real < light < heavy < noise, fd


def test_frechet_distance_between_two_sets_matches_the_scorer_and_is_symmetric(scorer):
    real, blurred = real_images("test", N), gaussian_blur(real_images("test", N), 1.5)
    assert abs(frechet_distance(real, real)) < 1e-3
    fd = frechet_distance(real, blurred)
    assert fd == pytest.approx(scorer(blurred)["fd"], rel=1e-3)  # the same distance as score_images uses
    assert frechet_distance(blurred, real) == pytest.approx(fd, rel=1e-3)
    with pytest.raises(CourseError, match="tensor"):
        frechet_distance(real, {"images": blurred})


def test_kid_orders_real_before_blur(scorer):
    rungs = ladder_images(N)
    names = list(rungs)
    kid = [scorer(rungs[name])["kid"] for name in names[:3]]
    assert kid[0] < kid[1] < kid[2]


def test_precision_recall_on_constructed_cases():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(400, 2, generator=g) * 0.3 + torch.tensor([[0.0, 0.0]]) \
        + torch.tensor([[4.0, 0.0]]) * (torch.arange(400) % 2).unsqueeze(1)  # two modes at x=0 and x=4
    one_mode = torch.randn(400, 2, generator=g) * 0.3  # all fakes in the first mode
    p, r = precision_recall(real, one_mode)
    assert p > 0.9 and r < 0.6  # realistic but half the data is missed
    far = torch.randn(400, 2, generator=g) * 0.3 + 20
    p, r = precision_recall(real, far)
    assert p == 0 and r == 0
    p, r = precision_recall(real, real.clone())
    assert p == 1 and r == 1


def test_kernel_distance_is_seeded_and_near_zero_for_same_distribution():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(600, 8, generator=g), torch.randn(600, 8, generator=g)
    assert kernel_distance(a, b, seed=3) == kernel_distance(a, b, seed=3)
    assert abs(kernel_distance(a, b)) < 0.05 < kernel_distance(a, b + 1)


def test_blur_keeps_brightness_and_smooths():
    x = real_images("test", 8)
    y = gaussian_blur(x, 1.5)
    assert y.shape == x.shape
    assert torch.allclose(y.mean(), x.mean(), atol=0.02)
    assert (y[..., 1:] - y[..., :-1]).abs().mean() < (x[..., 1:] - x[..., :-1]).abs().mean()


def test_score_images_refuses_too_few_and_bad_images():
    with pytest.raises(CourseError, match="generate"):
        score_images(torch.zeros(10, 1, 28, 28), n=50)
    with pytest.raises(CourseError, match="rescale"):
        score_images(torch.full((60, 1, 28, 28), 255.0), n=50)
    with pytest.raises(CourseError, match="shape"):
        score_images(torch.zeros(60, 3, 64, 64), n=50)
    with pytest.raises(CourseError, match="'images'"):
        score_images({"images": torch.zeros(60, 1, 28, 28)}, n=50)


def test_ladder_is_cached_and_formatted(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from gan_course.metrics import images

    images._ladder.cache_clear()
    ladder = reference_ladder(n=N)
    assert list(tmp_path.rglob("ladder-*.json"))
    images._ladder.cache_clear()
    assert reference_ladder(n=N) == ladder  # read back from the file
    table = format_scores({"mine": {"fd": 1.0, "kid": 0.1, "precision": 0.5, "recall": 0.25,
                                    "label_accuracy": 0.9}}, ladder=ladder)
    assert "reference ladder" in table and "uniform noise" in table and "label accuracy" in table


def test_purity_and_nmi_by_hand():
    codes = torch.tensor([0, 0, 0, 1, 1, 1])
    classes = torch.tensor([5, 5, 3, 2, 2, 2])
    assert code_purity(codes, classes) == pytest.approx(5 / 6)
    # hand NMI: p(c)=(1/2,1/2); p(y)=(1/6 class3, 1/2 class2, 1/3 class5)
    h_c = math.log(2)
    h_y = -(1 / 6 * math.log(1 / 6) + 1 / 2 * math.log(1 / 2) + 1 / 3 * math.log(1 / 3))
    mi = h_c  # each class sits in one code, so H(C|Y) = 0 and I(C;Y) = H(C)
    assert code_nmi(codes, classes) == pytest.approx(mi / ((h_c + h_y) / 2))
    assert code_nmi(classes, classes) == pytest.approx(1.0)
    assert code_purity(torch.zeros(6, dtype=torch.long), classes) == pytest.approx(3 / 6)
    with pytest.raises(CourseError, match="integers"):
        code_purity(codes.float(), classes)


def test_label_accuracy_on_real_images_is_the_classifier_accuracy():
    from gan_course.data import load_fashion_mnist

    test = load_fashion_mnist("test", limit=500)
    acc = label_accuracy(test.images, test.labels)
    assert 0.85 < acc <= 1.0
    wrong = (test.labels + 1) % 10
    assert label_accuracy(test.images, wrong) < 0.1
    with pytest.raises(CourseError, match="0-9"):
        label_accuracy(test.images[:3], torch.tensor([0, 1, 10]))


# ------------------------------------------------------------------ recall diagnosis
def test_recall_diagnosis_tells_a_tight_cloud_from_missing_classes():
    from gan_course.metrics import precision_recall, recall_diagnosis

    gen = torch.Generator().manual_seed(0)
    real = torch.randn(400, 8, generator=gen)
    # every region covered, but packed tightly: the fakes are the real points shrunk towards their centre
    tight = 0.3 * torch.randn(400, 8, generator=gen)
    # one region only, with the real spread: the real points of one half-space
    one_side = real[real[:, 0] > 0.5]
    r_tight = recall_diagnosis(real, tight, k=3)
    r_side = recall_diagnosis(real, one_side, k=3, fake_classes=torch.zeros(len(one_side), dtype=torch.long),
                              n_classes=2)
    assert r_tight["recall"] == pytest.approx(precision_recall(real, tight, 3)[1])
    assert r_side["recall"] == pytest.approx(precision_recall(real, one_side, 3)[1])
    assert r_tight["fake_radius"] < 0.5 * r_tight["real_radius"]  # small fake balls ...
    assert r_tight["recall"] < r_side["recall"]  # ... cover less than a real-spread subset does
    assert r_side["fake_radius"] > r_tight["fake_radius"]
    assert r_side["class_shares"] == [1.0, 0.0]
    with pytest.raises(CourseError, match="image_features"):
        recall_diagnosis(real, tight[:, :4])


def test_the_frechet_formula_on_hand_made_gaussians():
    """||μ1 - μ2||² + Tr Σ1 + Tr Σ2 - 2 Tr((Σ1 Σ2)^½), here with diagonal covariances: 5 + 10 - 2·(2 + 2) = 7."""
    from gan_course.metrics.images import frechet_from_statistics

    mu1, mu2 = torch.tensor([0.0, 0.0], dtype=torch.float64), torch.tensor([1.0, 2.0], dtype=torch.float64)
    s1, s2 = torch.diag(torch.tensor([1.0, 4.0], dtype=torch.float64)), torch.diag(torch.tensor([4.0, 1.0],
                                                                                              dtype=torch.float64))
    assert frechet_from_statistics(mu1, s1, mu2, s2) == pytest.approx(7.0, abs=1e-12)
    assert frechet_from_statistics(mu1, s1, mu1, s1) == pytest.approx(0.0, abs=1e-12)


def test_every_fd_of_the_course_takes_one_public_path():
    """Scores, the quality record and frechet_distance share feature_statistics + frechet_from_statistics."""
    import pathlib

    from gan_course.metrics.images import feature_statistics, frechet_from_statistics

    package = pathlib.Path(__file__).resolve().parents[1] / "gan_course"
    assert not [p for p in package.rglob("*.py") if "_compute_fid" in p.read_text()]
    a = torch.randn(300, 5, generator=torch.Generator().manual_seed(0))
    mu, sigma = feature_statistics(a)
    assert torch.allclose(sigma, torch.cov(a.double().T)) and torch.allclose(mu, a.double().mean(0))
    assert frechet_from_statistics(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9)
