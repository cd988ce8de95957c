"""kill -9 during training, resume, and get the uninterrupted run bit for bit (quick campaign:
one kill inside a step, one in the checkpoint write, one in the metrics write, one at random;
`python bench/fault_injection.py --kills 24` is the full one)."""
import importlib.util
from pathlib import Path

import torch

spec = importlib.util.spec_from_file_location(
    "fault_injection", Path(__file__).resolve().parents[1] / "bench" / "fault_injection.py")
fi = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fi)


def test_killed_and_resumed_runs_equal_the_uninterrupted_one(tmp_path):
    r = fi.campaign(kills=4, seed=0, quick=True, work=tmp_path)
    phases = [t["faults"][0].split(":")[0] for t in r["trials"]]
    assert phases == ["step", "checkpoint", "metrics", "random"]
    assert all(t["kills"] == 1 for t in r["trials"][:3])     # the in-process faults always fire
    assert r["equal"] == len(r["trials"]) == 4
    # the comparison can fail: one changed bit in the weights, one logged row more
    want = fi.final_state(tmp_path / "reference")
    other = fi.final_state(tmp_path / "reference")
    w = next(iter(other["model"].values()))
    w.view(-1)[0] = torch.nextafter(w.view(-1)[0], torch.tensor(2.0))
    assert not fi.equal(other, want)
    again = fi.final_state(tmp_path / "reference")
    again["history"].append(again["history"][-1])
    assert not fi.equal(again, want)
