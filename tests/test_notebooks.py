"""The notebooks as files: pairs in sync, the table of contents complete, outputs stored.

Executing the notebooks is nbval's job (``make test`` runs ``pytest --nbval-lax notebooks/``);
these tests only read them, so they take a second.
"""
import difflib
from pathlib import Path

import jupytext
import nbformat
import pytest
from book_toc import toc_entries

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
MDS = sorted(NOTEBOOKS.glob("*.md"))
IPYNBS = sorted(NOTEBOOKS.glob("*.ipynb"))
STEMS = sorted({p.stem for p in MDS + IPYNBS})
SYNC = "edit the .md, then run `.venv/bin/jupytext --sync notebooks/{0}.md`"
RERUN = "run `make reproduce NB=notebooks/{0}.ipynb` (full mode) to store real outputs"


def rel(path):
    return path.relative_to(REPO).as_posix()


def code_cells(nb):
    skipped = "skip-execution"  # nbclient's tag for cells it never runs
    return [c for c in nb.cells if c.cell_type == "code" and c.source.strip()
            and skipped not in c.get("metadata", {}).get("tags", [])]


def test_there_are_notebooks():
    assert IPYNBS, f"no notebooks in {NOTEBOOKS}"


@pytest.mark.parametrize("stem", STEMS)
def test_every_notebook_is_a_pair(stem):
    md, ipynb = NOTEBOOKS / f"{stem}.md", NOTEBOOKS / f"{stem}.ipynb"
    assert md.exists(), f"{rel(ipynb)} has no .md twin: run `.venv/bin/jupytext --sync {rel(ipynb)}`"
    assert ipynb.exists(), f"{rel(md)} has no .ipynb twin: run `.venv/bin/jupytext --sync {rel(md)}`"


@pytest.mark.parametrize("stem", STEMS)
def test_pair_is_in_sync(stem):
    md, ipynb = NOTEBOOKS / f"{stem}.md", NOTEBOOKS / f"{stem}.ipynb"
    if not (md.exists() and ipynb.exists()):
        pytest.skip("not a pair; see test_every_notebook_is_a_pair")
    a, b = jupytext.read(md), jupytext.read(ipynb)
    cells_a = [(c.cell_type, c.source) for c in a.cells]
    cells_b = [(c.cell_type, c.source) for c in b.cells]
    assert len(cells_a) == len(cells_b), (
        f"{rel(md)} has {len(cells_a)} cells, {rel(ipynb)} has {len(cells_b)}: "
        "the pair is out of sync; " + SYNC.format(stem))
    for i, (x, y) in enumerate(zip(cells_a, cells_b)):
        if x != y:
            diff = difflib.unified_diff(y[1].splitlines(), x[1].splitlines(), rel(ipynb),
                                        rel(md), n=0, lineterm="")
            pytest.fail(f"cell {i} differs between {rel(md)} and {rel(ipynb)}: the pair is out "
                        f"of sync; " + SYNC.format(stem) + "\n"
                        + (f"cell types: {y[0]} / {x[0]}\n" if x[0] != y[0] else "")
                        + "\n".join(list(diff)[:12]), pytrace=False)


@pytest.mark.parametrize("path", IPYNBS, ids=lambda p: p.name)
def test_notebook_is_valid_with_a_python3_kernel(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    kernel = nb.metadata.get("kernelspec", {}).get("name")
    assert kernel == "python3", f"{rel(path)} has kernelspec {kernel!r}, not 'python3'"


def test_toc_lists_existing_notebooks():
    missing = [e for e in toc_entries()
               if not (REPO / f"{e}.ipynb").exists() and not (REPO / e).exists()]
    assert not missing, f"_toc.yml lists notebooks that do not exist: {missing}"


def test_every_notebook_is_in_the_toc():
    listed = {Path(e).with_suffix("").as_posix() for e in toc_entries()}
    orphans = [rel(p) for p in IPYNBS if rel(p.with_suffix("")) not in listed]
    assert not orphans, f"notebooks missing from _toc.yml (the book would not show them): {orphans}"


@pytest.mark.parametrize("path", IPYNBS, ids=lambda p: p.name)
def test_outputs_are_stored(path):
    """Every code cell ran, in one top-to-bottom run, without an error."""
    nb = nbformat.read(path, as_version=4)
    cells = code_cells(nb)
    if not cells:
        return  # prose only: nothing to execute
    runnable = {id(c) for c in cells}
    never_ran = [i for i, c in enumerate(nb.cells)
                 if id(c) in runnable and c.execution_count is None]
    assert not never_ran, (f"{rel(path)} has no stored outputs for cells {never_ran} "
                           "(execution_count is empty); " + RERUN.format(path.stem))
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), (
        f"{rel(path)} was not executed top to bottom in one fresh kernel "
        f"(execution counts {counts}); " + RERUN.format(path.stem))
    errors = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, (f"{rel(path)} stores an error in cells {errors}; fix it and "
                        + RERUN.format(path.stem))
