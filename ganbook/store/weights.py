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

from ganbook.base.files import atomic_path, atomic_write_text, load_checked_tensors, save_tensors, sha256
from ganbook.core.build import make_model

MAX_MB = 12
# In a run folder, the model a likelihood run (a PixelCNN, a binary VAE) keeps at its best
# validation likelihood; a GAN run keeps best-G instead.
BEST_MODEL = "best-model"
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
    meta, tensors = _paths(name)
    if not meta.exists() or not tensors.exists():
        raise FileNotFoundError(f"no shipped weights {meta.with_suffix('')} (need {meta.name} and "
                                f"{tensors.name}); see weights/ for the models that ship")
    record = json.loads(meta.read_text())
    state = load_checked_tensors(tensors, record["sha256"], meta.name,
                                 "restore it (git checkout -- weights/) before sampling")
    spec, config = record["spec"], record["model"]
    if config["model"] == "vae" and "hidden" not in spec:
        # A VAE record that names no hidden size (a model config holds only d_z): read it
        # from the tensors, as the loader always did.
        spec = {**spec, "hidden": state["decoder.net.0.bias"].numel()}
    # A record names its data set, not the size of the data the run trained on (a test's
    # splits may be smaller than its data set's): an MLP's output layer says it, as it always did.
    d_data = next((state[k].numel() for k in ("net.4.bias", "decoder.net.2.bias") if k in state), None)
    # G alone (no D ships), drawn with the paper's init whatever the spec's, as the loader
    # always drew it: its weights are replaced, and torch's global generator moves as before.
    model = make_model(spec, config, d_data, with_D=False, G_init="paper")
    net = model.G if config["model"] == "gan" else model
    net.load_state_dict(state)
    return (model, record) if config["model"] == "gan" else (model.eval(), record)


def kept(run):
    """The name of the model a run folder keeps at its best epoch: best-G, or
    :data:`BEST_MODEL` for a run that keeps no G."""
    keeps_G = (Path(run) / "best-G.json").exists() or not (Path(run) / f"{BEST_MODEL}.json").exists()
    return "best-G" if keeps_G else BEST_MODEL


def ship(run, name, label=None):
    """Copy a run's best-by-validation G (``run``/best-G; a PixelCNN's or binary VAE's model,
    ``run``/best-model, when the run keeps no G) to ``name`` (e.g. weights/mnist-seed0),
    checking its SHA256 on the way; returns the new json path.  ``label``: the model's name in
    the evaluation table (default: the file's name)."""
    import shutil
    src_meta, src = _paths(Path(run) / kept(run))
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
