"""Every result a chapter's prose quotes as "a ± b" must be in that chapter's stored outputs
(the run it comes from), unless it is one of the paper's Table 1 values, which are cited."""
import json
import re
from pathlib import Path

import pytest
from book_toc import toc_entries

from ganbook.chapters.mnist import PAPER_TABLE1

REPO = Path(__file__).resolve().parents[1]
PM = re.compile(r"([−-]?\d[\d,]*(?:\.\d+)?)\s*(?:±|\\pm)\s*(\d+(?:\.\d+)?)")
CITED = {(a, b) for row in PAPER_TABLE1 for cell in row[1:] for a, b in PM.findall(cell)}


def norm(s):
    return s.replace("−", "-").replace(",", "")


def quoted(nb):
    md = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    return [(norm(a), b) for a, b in PM.findall(md)]


def outputs(nb):
    return norm("\n".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                          for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])))


@pytest.mark.parametrize("entry", toc_entries())
def test_quoted_results_are_in_the_stored_outputs(entry):
    nb = json.loads((REPO / entry).with_suffix(".ipynb").read_text())
    out = outputs(nb)
    missing = [f"{a} ± {b}" for a, b in quoted(nb) if (a, b) not in CITED
               and not re.search(re.escape(a) + r"\s*±\s*" + re.escape(b), out)]
    assert not missing, f"{entry}: prose quotes {missing}, which no stored output of the chapter shows"


def test_the_check_can_fail():
    nb = {"cells": [{"cell_type": "markdown", "source": ["We reach 151.1 ± 1.4 and 225 ± 2."]},
                    {"cell_type": "code", "source": [], "outputs": [{"text": "151.2 ± 1.4"}]}]}
    assert [q for q in quoted(nb) if q not in CITED] == [("151.1", "1.4")]
    assert "151.1 ± 1.4" not in outputs(nb)
