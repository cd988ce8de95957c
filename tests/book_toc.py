"""The chapters listed in _toc.yml, for the tests that check the notebooks and the site."""
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def toc_entries():
    """Every ``root:``/``file:`` path in _toc.yml, as written there, in reading order."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return found
