"""The same seed gives the same samples on the CPU from the command line and from a notebook (issue 7)."""

import nbformat
import torch
from nbclient import NotebookClient

from gan_course.cli import main


def test_cli_and_notebook_draw_identical_samples(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_COURSE_DEVICE", "cpu")
    cli_file, nb_file = tmp_path / "cli.pt", tmp_path / "nb.pt"
    assert main(["sample", "dcgan", "--n", "16", "--out", str(cli_file), "--seed", "5", "--device", "cpu"]) == 0
    # what a reader types in a chapter: the committed generator, seeded, sampled by the model's own function
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"""
import torch
from gan_course.pretrained import load_pretrained
from gan_course.recipes import get_model
from gan_course.runtime import seed_everything

G = load_pretrained("dcgan", "cpu")
seed_everything(5)
images = get_model("dcgan").sample(G, 16, torch.device("cpu"))["images"]
torch.save(images, {str(nb_file)!r})
""")])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    notebook = torch.load(nb_file, weights_only=True)  # (16, 1, 32, 32): the model's own size
    cli = torch.load(cli_file, weights_only=True)["images"]  # (16, 1, 28, 28): the CLI writes FashionMNIST's shape
    assert notebook.shape == (16, 1, 32, 32) and cli.shape == (16, 1, 28, 28)
    assert torch.equal(notebook[:, :, 2:30, 2:30], cli)
