"""Chapter 7's unpaired domains (gan_course.data.domains): disjoint, right contents, independent batches."""

from __future__ import annotations


import pytest
import torch

from gan_course.data.domains import (ANKLE_BOOT, BAG, SNEAKER, TROUSER, UnpairedBatches, make_domains,
                                     negative, true_translation)
from gan_course.errors import CourseError


# ------------------------------------------------------------------ domains
@pytest.mark.parametrize("pair", ["negative", "shoes", "trousers_bags"])
@pytest.mark.parametrize("split", ["train", "test"])
def test_domains_share_no_source_image(pair, split):
    d = make_domains(pair, split)
    assert not set(d.a_source.tolist()) & set(d.b_source.tolist())
    n = 60_000 if split == "train" else 10_000
    assert d.a_source.max() < n // 2 <= d.b_source.min()  # disjoint halves
    assert len(d.a) == len(d.a_source) and len(d.b) == len(d.b_source)
    assert d.a.images.shape[1:] == (1, 32, 32) and d.b.images.shape[1:] == (1, 32, 32)


def test_domain_contents():
    neg = make_domains("negative", "test")
    assert neg.a.images[:, :, 0, 0].eq(-1).all() and neg.b.images[:, :, 0, 0].eq(1).all()  # backgrounds
    assert torch.equal(negative(negative(neg.a.images[:5])), neg.a.images[:5])
    assert torch.equal(true_translation("negative", neg.a.images[:3], "AtoB"), -neg.a.images[:3])
    shoes = make_domains("shoes", "test")
    assert shoes.a.labels.eq(SNEAKER).all() and shoes.b.labels.eq(ANKLE_BOOT).all()
    with pytest.raises(CourseError, match="negative"):
        true_translation("shoes", shoes.a.images[:1], "AtoB")
    trousers_bags = make_domains("trousers_bags", "test")
    assert trousers_bags.a.labels.eq(TROUSER).all() and trousers_bags.b.labels.eq(BAG).all()
    assert (trousers_bags.a_name, trousers_bags.b_name) == ("trouser", "bag")
    with pytest.raises(CourseError, match="shoes"):
        make_domains("horses")


def test_unpaired_batches_are_independent_and_resumable():
    d = make_domains("shoes", "train", limit=40)
    batches = UnpairedBatches(d, 8, seed=0)
    a, b = next(batches)
    assert a.shape == b.shape == (8, 1, 32, 32)
    state = batches.state_dict()
    rest = [next(batches) for _ in range(6)]
    again = UnpairedBatches(d, 8, seed=0)
    again.load_state_dict(state)
    assert all(torch.equal(x[0], y[0]) and torch.equal(x[1], y[1]) for x, y in zip(rest, [next(again) for _ in range(6)]))
