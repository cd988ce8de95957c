"""Checkpoints that are whole or absent, checked before they are used, and never run code.

File format: ``torch.save`` of ``{"format", "sha256", "payload"}`` where ``payload`` is the
bytes of ``torch.save(state)`` as a uint8 tensor and ``sha256`` their digest.  Loading
uses ``weights_only=True`` twice (no pickled code can run), then compares the digest, so
a truncated or altered file is refused with the file's name.  (The digest guards against
damage, not against someone who rewrites it too.)  Writes go to a temporary file that is
renamed over the old one, so a kill at any moment leaves the previous checkpoint; a
failing write (a full disk) raises :class:`CheckpointWriteError` and keeps it too.
"""
import hashlib
import io
import json
import os
import signal
from pathlib import Path

import torch

from ganbook.base.files import atomic_path

FORMAT = "ganbook-checkpoint-1"


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: named, with the reason and the fix."""


class CheckpointWriteError(OSError):
    """Writing a checkpoint failed; the previous one is untouched."""


_faults = {}


def fault(phase):
    """Fault injection for the kill -9 tests: with ``GANBOOK_FAULT=phase:n`` in the
    environment the process sends itself SIGKILL the n-th time it reaches ``phase``
    ('step': after a step's updates, before its counters; 'checkpoint' and 'metrics':
    half-way through writing the temporary file).  Unset, this does nothing."""
    spec = os.environ.get("GANBOOK_FAULT")
    if not spec or spec.split(":")[0] != phase:
        return
    _faults[phase] = _faults.get(phase, 0) + 1
    if _faults[phase] == int(spec.split(":")[1]):
        os.kill(os.getpid(), signal.SIGKILL)


def _write(path, data, phase):
    """Write ``data`` to ``path`` atomically; a fault point half-way through."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data[:len(data) // 2])
            f.flush()
            fault(phase)
            f.write(data[len(data) // 2:])


def save(state, path, iteration=None):
    buf = io.BytesIO()
    torch.save(state, buf)
    payload = buf.getvalue()
    outer = io.BytesIO()
    torch.save({"format": FORMAT, "sha256": hashlib.sha256(payload).hexdigest(),
                "payload": torch.frombuffer(bytearray(payload), dtype=torch.uint8)}, outer)
    try:
        _write(path, outer.getvalue(), "checkpoint")
    except OSError as e:
        kept = f"the previous checkpoint {path} is kept" if Path(path).exists() else "no checkpoint was written"
        raise CheckpointWriteError(
            f"could not write the checkpoint {path}" + (f" at iteration {iteration}" if iteration is not None else "")
            + f" ({e.strerror or e}); {kept}. Free disk space (or choose another --out) and resume.") from e


def load(path):
    """The state saved by :func:`save`, after checking the file is whole and unaltered."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}; train first (python -m ganbook train ...)")
    for stale in path.parent.glob(f".{path.name}.*.tmp"):   # left by a write that was killed
        stale.unlink(missing_ok=True)
    try:
        outer = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:
        raise CheckpointError(f"{path} is not a readable ganbook checkpoint: truncated, damaged or "
                              f"not a checkpoint ({type(e).__name__}: {str(e)[:200]}); delete it and "
                              "train again, or resume from a copy") from e
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a {FORMAT} file (a checkpoint of an older ganbook, or "
                              "another program's file); train again")
    payload = outer["payload"].numpy().tobytes()
    if hashlib.sha256(payload).hexdigest() != outer["sha256"]:
        raise CheckpointError(f"{path}: its contents do not match the SHA256 stored in it: the file "
                              "was altered or damaged; delete it and train again")
    return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=True)


def check_matches(state, config, model, source):
    """Refuse a checkpoint whose model, spec or objective differ from this run's, naming them."""
    theirs = state["config"]
    problems = []
    if theirs["recipe"].get("objective") != config["recipe"]["objective"]:
        problems.append(f"it trains objective {theirs['recipe'].get('objective')!r}, this run "
                        f"{config['recipe']['objective']!r}")
    for part in ("spec", "model"):
        a, b = theirs.get(part, {}), config[part]
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                problems.append(f"{part} {key}: {a.get(key)!r} there, {b.get(key)!r} here")
    mine = model.state_dict()
    for key in sorted(set(mine) | set(state["model"])):
        sa, sb = getattr(state["model"].get(key), "shape", None), getattr(mine.get(key), "shape", None)
        if sa != sb:
            problems.append(f"weight {key}: {tuple(sa) if sa else 'absent'} there, "
                            f"{tuple(sb) if sb else 'absent'} here")
            if len(problems) > 8:
                break
    if problems:
        raise CheckpointError(f"{source} belongs to another run: " + "; ".join(problems)
                              + ". Resume it with the settings it was made with, or start a new --out")


def write_config(folder, config):
    _write(Path(folder) / "config.json", (json.dumps(config, indent=1) + "\n").encode(), "config")


def write_metrics(folder, history, name="metrics.csv"):
    """The logged rows as CSV (one column per field any row has), written atomically."""
    if not history:
        return
    keys = list(dict.fromkeys(k for row in history for k in row))
    lines = [",".join(keys)] + [",".join(str(r.get(k, "")) for k in keys) for r in history]
    _write(Path(folder) / name, ("\n".join(lines) + "\n").encode(), "metrics")
