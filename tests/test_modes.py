"""Mode coverage on constructed point sets."""

import math

import pytest
import torch

from gan_course.data import ring_centers, ring_of_gaussians
from gan_course.errors import CourseError
from gan_course.metrics import coverage_table, mode_coverage, real_data_high_quality

CENTERS = ring_centers(8, 2.0)
STD = 0.02


def test_all_modes_covered():
    pts = CENTERS.repeat(50, 1)  # 400 points, 50 exactly on each centre
    cov = mode_coverage(pts, CENTERS, STD)
    assert cov.modes_covered == 8 and cov.n_modes == 8
    assert cov.high_quality == 1.0
    assert cov.counts == (50,) * 8


def test_one_mode_only():
    pts = CENTERS[3] + 0.01 * torch.randn(400, 2, generator=torch.Generator().manual_seed(0))
    cov = mode_coverage(pts, CENTERS, STD)
    assert cov.modes_covered == 1
    assert cov.counts[3] == sum(cov.counts)


def test_far_off_samples_have_no_quality():
    pts = torch.zeros(300, 2)  # the ring's centre: 2.0 from every mode
    cov = mode_coverage(pts, CENTERS, STD)
    assert cov.high_quality == 0.0 and cov.modes_covered == 0
    pts = CENTERS.repeat(10, 1) + torch.tensor([3.5 * STD, 0.0])  # just outside 3σ
    assert mode_coverage(pts, CENTERS, STD).high_quality == 0.0
    pts = CENTERS.repeat(10, 1) + torch.tensor([2.5 * STD, 0.0])  # just inside 3σ
    assert mode_coverage(pts, CENTERS, STD).high_quality == 1.0


def test_min_share_threshold():
    # 100 points: 97 on mode 0, 3 on mode 1. Fair share 12.5; min_share 0.1 -> min_count 2
    pts = torch.cat([CENTERS[0].repeat(97, 1), CENTERS[1].repeat(3, 1)])
    assert mode_coverage(pts, CENTERS, STD).modes_covered == 2
    assert mode_coverage(pts, CENTERS, STD, min_share=0.5).modes_covered == 1  # min_count 7


def test_real_data_matches_closed_form():
    pts = ring_of_gaussians(20000, std=STD, generator=torch.Generator().manual_seed(0))
    cov = mode_coverage(pts, CENTERS, STD)
    assert cov.modes_covered == 8
    assert cov.high_quality == pytest.approx(real_data_high_quality(3.0), abs=0.005)
    assert real_data_high_quality(3.0) == pytest.approx(1 - math.exp(-4.5))


def test_bad_inputs_name_the_fix():
    with pytest.raises(CourseError, match="same d"):
        mode_coverage(torch.zeros(5, 3), CENTERS, STD)
    with pytest.raises(CourseError, match="std must be a finite number above 0"):
        mode_coverage(torch.zeros(5, 2), CENTERS, 0.0)


def test_coverage_table_reports_mean_and_spread():
    full = mode_coverage(CENTERS.repeat(10, 1), CENTERS, STD)
    one = mode_coverage(CENTERS[:1].repeat(80, 1), CENTERS, STD)
    table = coverage_table({"baseline": [one, one], "remedy": [full, one]})
    assert "1.00 ± 0.00" in table
    assert "4.50 ± 4.95" in table  # mean 4.5, sample std of (8, 1)
    with pytest.raises(CourseError):
        coverage_table({"empty": []})
