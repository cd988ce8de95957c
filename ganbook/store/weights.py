"""Trained nets that ship with the book (generators, the classifiers): weights only,
checksummed.

``weights/NAME.safetensors`` holds the net's tensors (safetensors: no code, no pickle);
``weights/NAME.json`` says what they are (the run's spec, recipe, epoch, training
minutes, the validation Parzen that chose the epoch) and the SHA256 of the tensor file,
which :func:`load` checks before reading a byte of it.

    python -m ganbook sample weights/mnist-seed0
"""
import json
from pathlib import Path

from ganbook.core import convnets
from ganbook.base.files import sha256
from ganbook.base.files import atomic_path, atomic_write_text, save_tensors
from ganbook.core.models import GAN
from ganbook.core.nets import Noise, paper_G, tfd_G

MAX_MB = 12
# The repository's weights/ folder (the package is installed from the clone, editable), so
# a cell can load shipped weights whatever its working directory.
SHIPPED = Path(__file__).resolve().parents[2] / "weights"


def _paths(name):
    p = Path(name)
    p = p.with_suffix("") if p.suffix in (".json", ".safetensors") else p
    return p.with_suffix(".json"), p.with_suffix(".safetensors")


def _shippable(tensors, then=""):
    """Refuse a tensor file over :data:`MAX_MB`, the size a shipped model may take."""
    size = tensors.stat().st_size / 2 ** 20
    if size > MAX_MB:
        raise ValueError(f"{tensors.name} takes {size:.1f} MB, over the {MAX_MB} MB a shipped "
                         f"model may{then}")


def export(trainer, name, shipped=True, net=None, **info):
    """Write the trainer's G (a GAN) or its whole model (a classifier) as ``name``.safetensors
    + ``name``.json; returns the json path.  ``shipped``: held to :data:`MAX_MB`, the size a
    shipped model may take (False for a run's own record, such as its best-G).  ``net``:
    another net of G's shape to write in G's place (the running average of G)."""
    meta, tensors = _paths(name)
    if net is None:
        net = trainer.G if hasattr(trainer.model, "G") else trainer.model
    save_tensors(net.state_dict(), tensors)
    if shipped:
        try:
            _shippable(tensors)
        except ValueError:
            tensors.unlink()
            raise
    digest = sha256(tensors)
    record = {"file": tensors.name, "sha256": digest, "spec": trainer.run.spec,
              "model": trainer.model.config(), "recipe": trainer.recipe.to_dict(),
              "iteration": trainer.iteration, "epoch": trainer.epoch,
              "train_minutes": trainer.wall / 60, **info}
    atomic_write_text(meta, json.dumps(record, indent=1) + "\n")
    return meta


def load(name):
    """(model, record) from shipped weights, after the SHA256 check: a GAN with G loaded and
    no D, or the classifier."""
    from safetensors.torch import load_file
    meta, tensors = _paths(name)
    if not meta.exists() or not tensors.exists():
        raise FileNotFoundError(f"no shipped weights {meta.with_suffix('')} (need {meta.name} and "
                                f"{tensors.name}); see weights/ for the models that ship")
    record = json.loads(meta.read_text())
    digest = sha256(tensors)
    if digest != record["sha256"]:
        raise ValueError(f"{tensors}: SHA256 {digest[:16]}... does not match {record['sha256'][:16]}... "
                         f"recorded in {meta.name}: the file is damaged or was replaced; restore it "
                         "(git checkout -- weights/) before sampling")
    state = load_file(str(tensors))
    if record["model"]["model"] == "vae":
        from ganbook.core.build import vae_from_state
        return vae_from_state(record, state), record
    if record["model"]["model"] == "classifier":
        from ganbook.core.models import Classifier
        m = record["model"]
        clf = Classifier(side=m["side"], classes=m.get("classes", 10), shift=m.get("shift", 0))
        clf.load_state_dict(state)
        return clf.eval(), record
    spec, prior = record["spec"], record["model"]["prior"]
    if spec.get("arch") in convnets.ARCHS:
        side = {"mnist": 28}.get(spec["dataset"], 48)
        G = convnets.DCGAN_G(side, prior["d_z"], **convnets.arch_kwargs(spec["arch"], side))
        G.load_state_dict(state)
        return GAN(G, None, Noise(prior["d_z"], prior["kind"])), record
    d = state["net.4.bias"].numel()
    hidden = state["net.0.bias"].numel()
    if spec["dataset"] in ("faces", "tfd"):
        G = tfd_G(d_data=d, d_z=prior["d_z"], hidden=hidden)
    else:
        G = paper_G(d_data=d, d_z=prior["d_z"], hidden=hidden)
    G.load_state_dict(state)
    return GAN(G, None, Noise(prior["d_z"], prior["kind"])), record



def ship(run, name, label=None):
    """Copy a run's best-by-validation G (``run``/best-G) to ``name`` (e.g. weights/mnist-seed0),
    checking its SHA256 on the way; returns the new json path.  ``label``: the model's name in
    the evaluation table (default: the file's name)."""
    import shutil
    src_meta, src = _paths(Path(run) / "best-G")
    load(src_meta)                                   # refuses a damaged or missing file
    _shippable(src, "; it stays in its run folder")
    meta, tensors = _paths(name)
    with atomic_path(tensors) as tmp:
        shutil.copyfile(src, tmp)
    record = json.loads(src_meta.read_text()) | {"file": tensors.name, "run": str(run)}
    if label:
        record["label"] = label
    atomic_write_text(meta, json.dumps(record, indent=1) + "\n")
    return meta
