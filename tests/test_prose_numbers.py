"""Numbers in the prose cannot go stale.

Every decimal number, percentage and "a ± b" that a chapter's markdown quotes (teaching text
and dropdowns alike; inline code, math, fenced blocks, link targets and HTML left out) must be
printed by a stored output of the same chapter, rounded the way the prose writes it (a
percentage may be printed as a fraction). A number that is not measured there (a value of
the paper, a recipe setting, a mathematical constant, a definition, arithmetic on quoted
numbers, a value read from a run record) is listed with its reason in
``tests/prose_constants/<chapter>.toml``; a ``record: <path>`` reason is itself checked
against that file, and an entry the prose no longer quotes fails as dead. README.md's numbers
must be printed by some chapter's stored outputs.
"""
import functools
import json
import math
import re
import tomllib
from pathlib import Path

import pytest
from book_toc import toc_entries

REPO = Path(__file__).resolve().parents[1]
CONSTANTS = REPO / "tests" / "prose_constants"
REASONS = ("paper:", "recipe:", "math:", "definition:", "arithmetic:", "record:")

# What is not prose: fenced blocks, inline code, math, link targets, HTML tags, URLs,
# MyST directive options, notebook cell markers and label targets.
NOT_PROSE = [r"(?ms)^(`{3,}|~{3,}).*?^\1\s*$", r"`[^`\n]*`", r"(?s)\$\$.*?\$\$", r"(?<!\\)\$[^$\n]*?(?<!\\)\$",
             r"\]\([^)]*\)", r"</?[A-Za-z][^>\n]*>", r"https?://\S+", r"(?m)^\s*:[\w-]+:.*$", r"\(\w[\w-]*\)="]
NUMBER = r"[−-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
PM = re.compile(rf"({NUMBER})\s*(?:±|\\pm)\s*({NUMBER})")
PERCENT = re.compile(rf"(?<![\w.])({NUMBER})\s*%")
DECIMAL = re.compile(r"(?<![\w.,])([−-]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+)(?![\w]|\.\d)")
OUT_NUMBER = re.compile(r"(?<![\w.])[−-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][−+-]?\d+)?(?!\w)")
BLOB = re.compile(r"[A-Za-z0-9+/=]{40,}")   # base64 (images, animations): no numbers in it
TAG = re.compile(r"</?[A-Za-z][^>]*>")


def norm(s):
    return s.replace("−", "-").replace(",", "")


def prose_of(text):
    for pattern in NOT_PROSE:
        text = re.sub(pattern, " ", text)
    return text


def quoted(text):
    """The numbers ``text`` (markdown) quotes: [(as written, normalised, is a percentage)]."""
    text, found, taken = prose_of(text), [], []

    def add(m, group, percent=False):
        span = m.span(group)
        if any(a <= span[0] < b for a, b in taken):
            return
        taken.append(span)
        found.append((m.group(group), norm(m.group(group)), percent))

    for m in PM.finditer(text):
        add(m, 1), add(m, 2)
    for m in PERCENT.finditer(text):
        add(m, 1, percent=True)
    for m in DECIMAL.finditer(text):
        add(m, 1)
    return found


def printed(text):
    """The numbers an output prints, as floats (HTML tags and base64 blobs dropped)."""
    values = []
    for token in OUT_NUMBER.findall(TAG.sub(" ", BLOB.sub(" ", text))):
        try:
            values.append(float(norm(token)))
        except ValueError:
            pass
    return values


def backed(number, percent, values):
    """Does some printed value round to ``number`` (as written, its decimals)?"""
    decimals = len(number.split(".")[1]) if "." in number else 0
    target, tolerance = float(number), 0.5 * 10 ** -decimals + 1e-9
    for x in values:
        for candidate in ((x, 100 * x) if percent else (x,)):
            if math.isfinite(candidate) and abs(candidate - target) <= tolerance:
                return True
    return False


def unexplained(markdown, output_values, constants):
    """The quoted numbers that no output prints and no constant explains, as written."""
    return [written for written, number, percent in quoted(markdown)
            if number not in constants and not backed(number, percent, output_values)]


@functools.lru_cache(maxsize=None)   # each notebook is read once, for all three tests
def notebook(entry):
    nb = json.loads((REPO / entry).with_suffix(".ipynb").read_text())
    markdown = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    texts = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            texts.append("".join(out.get("text", "")))
            for mime in ("text/plain", "text/markdown", "text/html"):
                texts.append("".join(out.get("data", {}).get(mime, "")))
    return markdown, tuple(printed("\n".join(texts)))


def constants_of(name):
    path = CONSTANTS / f"{name}.toml"
    if not path.exists():
        return {}
    table = tomllib.loads(path.read_text())
    return {norm(k): v for k, v in table.items()}


def check_constants(name, markdown):
    """Problems with a chapter's constants file: bad reasons, records that do not hold the
    number, entries the prose no longer quotes."""
    problems, numbers = [], {n for _, n, _ in quoted(markdown)}
    for number, reason in constants_of(name).items():
        if not isinstance(reason, str) or not reason.startswith(REASONS):
            problems.append(f"{number}: reason {reason!r} does not start with one of {REASONS}")
        elif reason.startswith("record:"):
            record = REPO / reason.split(":", 1)[1].split()[0]
            if not record.is_file():
                problems.append(f"{number}: record {record.relative_to(REPO)} does not exist")
            elif not backed(number, False, printed(record.read_text())):
                problems.append(f"{number}: record {record.relative_to(REPO)} holds no such number")
        if number not in numbers:
            problems.append(f"{number}: dead (the prose no longer quotes it)")
    return problems


ENTRIES = toc_entries()


@pytest.mark.parametrize("entry", ENTRIES)
def test_every_quoted_number_is_printed_or_explained(entry):
    name = Path(entry).stem
    markdown, values = notebook(entry)
    missing = unexplained(markdown, values, constants_of(name))
    assert not missing, (f"{entry}: the prose quotes {missing}, which no stored output of the chapter "
                         f"prints; fix the prose, or list a constant in tests/prose_constants/{name}.toml")


@pytest.mark.parametrize("entry", ENTRIES)
def test_the_constants_hold(entry):
    name = Path(entry).stem
    problems = check_constants(name, notebook(entry)[0])
    assert not problems, f"tests/prose_constants/{name}.toml: " + "; ".join(problems)


def test_the_readme_quotes_only_printed_numbers():
    values = [v for entry in ENTRIES for v in notebook(entry)[1]]
    readme = (REPO / "README.md").read_text()
    missing = unexplained(readme, values, constants_of("README"))
    assert not missing, f"README.md quotes {missing}, which no chapter's stored output prints"
    problems = check_constants("README", readme)
    assert not problems, "tests/prose_constants/README.toml: " + "; ".join(problems)


def test_every_constants_file_names_a_chapter():
    names = {Path(e).stem for e in ENTRIES} | {"README"}
    strays = [p.name for p in CONSTANTS.glob("*.toml") if p.stem not in names]
    assert not strays, f"tests/prose_constants/ has files for no chapter: {strays}"


def test_the_checks_can_fail(tmp_path):
    prose = ("G scores 189.7 ± 2.3 nats (Table 1: 225 ± 2); 92 % of samples; rate 0.062. "
             "Not prose: `0.123`, $x = 0.5$, [a](x/1.25.html).\n```\n3.14159\n```\n")
    values = printed("score 189.71 ± 2.31\nhigh quality 0.9213\nlr 0.0614")
    assert [n for _, n, _ in quoted(prose)] == ["189.7", "2.3", "225", "2", "92", "0.062"]
    assert unexplained(prose, values, {"225": "paper: Table 1", "2": "paper: Table 1"}) == ["0.062"]
    assert unexplained(prose.replace("189.7", "189.1"), values, {}) == ["189.1", "225", "0.062"]   # 2 is printed (2.31)
    assert backed("92", True, [0.9213]) and not backed("92", False, [0.9213])
    assert backed("-63.5", False, printed("−63.52")) and not backed("63.5", False, printed("−63.52"))
    assert printed("<b>0.25</b> x1.5 " + "Qm9ndXMxODkuMQ" * 4) == [0.25]
    assert printed("JSD < 0.5 and 1.50 -> 3.96") == [0.5, 1.5, 3.96]
    assert quoted("$$\nx = 0.25\n$$ and 0.75 < 1.5 > 0.2") == [("0.75", "0.75", False), ("1.5", "1.5", False),
                                                         ("0.2", "0.2", False)]
    (tmp_path / "r.json").write_text('{"parzen": 189.71}')
    assert not backed("189.8", False, printed((tmp_path / "r.json").read_text()))
