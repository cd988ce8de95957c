"""ganbook.core.checkpoint: a damaged, altered or foreign checkpoint is refused by name and runs no
code; a failing write keeps the previous checkpoint."""
import io
import os
import pickle
import subprocess
import sys
import textwrap

import pytest
import torch

from fakes import small_gan
from ganbook.core import checkpoint
from ganbook.core import nets
from ganbook.core.checkpoint import CheckpointError
from ganbook.core.recipe import Recipe


def trainer(out, hidden=8, objective="minimax", spec=None):
    torch.manual_seed(0)
    x = torch.rand(40, 6)
    return small_gan(x, D=nets.MaxoutD(6, 4, 2), hidden=hidden, recipe=Recipe(m=8, objective=objective),
                     out=out, spec=spec or {"dataset": "toy"})


@pytest.fixture
def saved(tmp_path):
    T = trainer(tmp_path)
    T.train(iterations=4, progress=False, log_every=2)
    return T, tmp_path / "checkpoint.pt"


def test_round_trip_and_files(saved):
    T, path = saved
    again = trainer(path.parent).load()
    assert again.iteration == 4
    assert all(torch.equal(a, b) for a, b in zip(T.model.parameters(), again.model.parameters()))
    assert sorted(p.name for p in path.parent.iterdir()) == ["checkpoint.pt", "config.json", "metrics.csv"]


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_truncated_checkpoint_is_refused_with_its_name(saved, keep):
    _, path = saved
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(CheckpointError, match=f"{path}.*truncated, damaged"):
        trainer(path.parent).load()


def test_altered_checkpoint_fails_its_sha256(saved):
    _, path = saved
    outer = torch.load(path, weights_only=True)
    outer["payload"][-200] ^= 0xFF             # one byte of the saved state, digest kept
    buf = io.BytesIO()
    torch.save(outer, buf)
    path.write_bytes(buf.getvalue())
    with pytest.raises(CheckpointError, match="do not match the SHA256"):
        trainer(path.parent).load()


class Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


def test_a_checkpoint_with_pickled_code_is_refused_and_runs_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "checkpoint.pt"
    torch.save({"format": checkpoint.FORMAT, "x": Boom()}, path)   # what an attacker would write
    with pytest.raises(CheckpointError, match="not a readable ganbook checkpoint"):
        checkpoint.load(path)
    path.write_bytes(pickle.dumps(Boom()))
    with pytest.raises(CheckpointError):
        checkpoint.load(path)
    assert not (tmp_path / "PWNED").exists()


def test_another_architecture_is_named(saved):
    _, path = saved
    with pytest.raises(CheckpointError, match=r"weight G.net.0.weight: \(8, 3\) there, \(16, 3\) here"):
        trainer(path.parent, hidden=16).load()


def test_another_objective_is_named(saved):
    _, path = saved
    with pytest.raises(CheckpointError, match="objective 'minimax', this run 'wgan'"):
        trainer(path.parent, objective="wgan").load()


def test_another_spec_is_named(saved):
    _, path = saved
    with pytest.raises(CheckpointError, match="spec dataset: 'toy' there, 'mnist' here"):
        trainer(path.parent, spec={"dataset": "mnist"}).load()


def test_a_checkpoint_of_an_older_format_is_refused(tmp_path):
    path = tmp_path / "checkpoint.pt"
    torch.save({"G": {}, "D": {}}, path)
    with pytest.raises(CheckpointError, match="not a ganbook-checkpoint-1 file"):
        checkpoint.load(path)


def test_stale_temporary_files_of_a_killed_write_are_removed(saved):
    _, path = saved
    stale = path.parent / ".checkpoint.pt.abc123.tmp"
    stale.write_bytes(b"half a checkpoint")
    trainer(path.parent).load()
    assert not stale.exists()


def test_a_failing_write_keeps_the_previous_checkpoint(saved):
    """A real failing write: the file-size limit (RLIMIT_FSIZE) makes write() fail with EFBIG,
    as a full disk fails with ENOSPC."""
    _, path = saved
    before = path.read_bytes()
    script = textwrap.dedent(f"""
        import resource, signal, sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from test_checkpoint import trainer
        from ganbook.core.checkpoint import CheckpointWriteError
        T = trainer({str(path.parent)!r}).load()
        T.train(iterations=3, progress=False, checkpoint=False)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        try:
            T.save()
        except CheckpointWriteError as e:
            print("ERROR:", e)
    """)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert "ERROR: could not write the checkpoint" in r.stdout, r.stderr
    assert "the previous checkpoint" in r.stdout and "is kept" in r.stdout
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["checkpoint.pt", "config.json", "metrics.csv"]
    assert trainer(path.parent).load().iteration == 4
