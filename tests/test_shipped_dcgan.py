"""The DCGAN chapter's shipped nets: they load only with their SHA256, fit the size a shipped
model may take, agree with their run records, and are trained nets (not collapsed, digits of
every class, an expression classifier as accurate as its record says)."""
import json
from pathlib import Path

import pytest
import torch

from ganbook.chapters import classifier as C
from ganbook.measures import collapse
from ganbook.store import records
from ganbook.store import weights

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name, run, side", [("mnist-dcgan", "mnist-dcgan", 28),
                                             ("faces-dcgan", "faces-dcgan", 48)])
def test_shipped_dcgan_agrees_with_its_run_and_is_not_collapsed(name, run, side):
    model, record = weights.load(REPO / "weights" / name)
    assert (REPO / "weights" / f"{name}.safetensors").stat().st_size < weights.MAX_MB * 2 ** 20
    assert record["spec"]["arch"] == "dcgan" and record["run"].endswith(run)
    rows = [r for r in records.read_metrics(REPO / "runs" / run) if "valid_parzen" in r]
    best = max(rows, key=lambda r: r["valid_parzen"])
    assert record["valid_parzen"] == pytest.approx(best["valid_parzen"])   # the best validation epoch
    x = model.sample(500, torch.Generator().manual_seed(0))
    assert x.shape == (500, side * side)
    assert not collapse.is_collapsed(float(x.std(0).mean()))
    parzen = json.loads((REPO / "runs" / run / "parzen.json").read_text())
    assert parzen["epoch"] == record["epoch"] and parzen["checkpoint"] == "best by validation Parzen"


def test_mnist_dcgan_draws_every_digit():
    clf = C.load(REPO / C.WEIGHTS)
    model, _ = weights.load(REPO / "weights" / "mnist-dcgan")
    labels = C.predict(clf, model.sample(2000, torch.Generator().manual_seed(1)).numpy()).argmax(1)
    counts = torch.bincount(labels, minlength=10)
    assert (counts > 50).all(), counts                       # every class, none starved


def test_shipped_expression_classifier_matches_its_record():
    record = json.loads((REPO / C.FACES_WEIGHTS).with_suffix(".json").read_text())
    clf, _ = weights.load(REPO / C.FACES_WEIGHTS)
    assert clf.classes == 7 and record["trained_on"].startswith("FER-2013 Training")
    try:
        from ganbook.data.faces import load_fer2013
        x, y = load_fer2013("PrivateTest", with_labels=True)
    except Exception as e:                                     # no FER-2013 on this machine
        pytest.skip(f"FER-2013 not found: {e}")
    acc = C.accuracy(clf, x, y)
    assert acc == record["test_accuracy"] and acc > 1 / 7 + 0.2
