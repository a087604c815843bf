"""Chapter 6's data (gan_course.data.edges): Sobel edges, the held-out split, paired batches."""


import pytest
import torch

from gan_course.data.edges import PairedBatches, load_edges2fashion, sobel_edges, sobel_magnitude
from gan_course.errors import CourseError


# ------------------------------------------------------------------ edges and data
def test_sobel_on_a_hand_made_step():
    x = -torch.ones(1, 1, 6, 6)
    x[..., 3:] = 1.0  # black left half, white right half: one vertical step of height 1 on [0, 1]
    mag = sobel_magnitude(x)
    # Columns 2 and 3 straddle the step: [1, 2, 1] x [-1, 0, 1] gives 1 + 2 + 1 = 4; elsewhere 0.
    assert torch.allclose(mag[0, 0, :, 2:4], torch.full((6, 2), 4.0))
    assert mag[0, 0, :, [0, 1, 4, 5]].abs().max() == 0
    edges = sobel_edges(x)
    assert set(edges.unique().tolist()) == {-1.0, 1.0}
    assert (edges[0, 0, :, 2:4] == 1).all() and (edges[0, 0, :, :2] == -1).all()


def test_edge_extraction_is_deterministic():
    a = load_edges2fashion("test", limit=64)
    b = load_edges2fashion("test", limit=64)
    assert torch.equal(a.inputs, b.inputs) and torch.equal(a.images, b.images)
    assert a.inputs.shape == a.images.shape == (64, 1, 32, 32) and a.inputs.dtype == torch.float32
    assert set(a.inputs.unique().tolist()) <= {-1.0, 1.0}
    assert a.images.min() >= -1 and a.images.max() <= 1
    assert (a.images[..., :2, :] == -1).all()  # padded 28 -> 32 with background
    torch.manual_seed(0)
    assert torch.equal(sobel_edges(a.images), a.inputs)  # no randomness involved


def test_edges_reject_wrong_shape():
    with pytest.raises(CourseError, match="unsqueeze"):
        sobel_edges(torch.zeros(4, 32, 32))


def test_held_out_split_has_no_overlap():
    train, test = load_edges2fashion("train"), load_edges2fashion("test")
    assert len(train) == 60_000 and len(test) == 10_000
    # A fingerprint per image (a random projection); equal images have equal fingerprints.
    r = torch.randn(32 * 32, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    fp_train = train.images.flatten(1).double() @ r  # (60000,)
    fp_test = test.images.flatten(1).double() @ r  # (10000,)
    close = torch.isin(fp_test.round(decimals=6), fp_train.round(decimals=6)).nonzero().flatten()
    for i in close.tolist():  # confirm any candidate byte for byte (none are expected)
        same = (train.images == test.images[i]).flatten(1).all(1)
        assert not same.any(), f"test image {i} is also in the training split"


def test_paired_batches_are_aligned_and_resumable():
    data = load_edges2fashion("test", limit=40)
    batches = PairedBatches(data, batch_size=8, seed=3)
    edges, images = next(batches)
    assert edges.shape == images.shape == (8, 1, 32, 32)
    assert torch.equal(sobel_edges(images), edges)  # each edge map belongs to its image
    state = batches.state_dict()
    after = next(batches)
    batches.load_state_dict(state)
    assert torch.equal(next(batches)[0], after[0])
    with pytest.raises(CourseError, match="PairedImageSet"):
        PairedBatches(data.images, 8)
