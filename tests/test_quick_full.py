"""ganbook.base.quick_full: the one switch, GANBOOK_MODE=quick|full, default full."""
import subprocess
import sys

import pytest
from hypothesis import given, strategies as st

from ganbook.base import quick_full as m


def test_default_is_full_for_a_reader(monkeypatch):
    monkeypatch.delenv("GANBOOK_MODE", raising=False)
    assert m.mode() == "full" and not m.is_quick()
    assert m.budget(quick=10, full=60000) == 60000


@pytest.mark.parametrize("value", ["quick", "QUICK", " Quick\n"])
def test_quick_spellings(monkeypatch, value):
    monkeypatch.setenv("GANBOOK_MODE", value)
    assert m.mode() == "quick" and m.is_quick()
    assert m.budget(quick=10, full=60000) == 10


def test_read_each_time_not_cached(monkeypatch):
    monkeypatch.setenv("GANBOOK_MODE", "quick")
    assert m.mode() == "quick"
    monkeypatch.setenv("GANBOOK_MODE", "full")
    assert m.mode() == "full"


@pytest.mark.parametrize("value", ["fast", "ful", "debug", "0"])
def test_unknown_mode_is_refused_with_the_choices(monkeypatch, value):
    monkeypatch.setenv("GANBOOK_MODE", value)
    with pytest.raises(ValueError) as e:
        m.mode()
    message = str(e.value)
    assert "GANBOOK_MODE" in message and repr(value.lower()) in message
    assert "quick" in message and "full" in message
    with pytest.raises(ValueError):
        m.budget(1, 2)  # a typo never silently falls back to either budget


@given(quick=st.integers(), full=st.integers(), quick_mode=st.booleans())
def test_budget_picks_exactly_one(quick, full, quick_mode):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GANBOOK_MODE", "quick" if quick_mode else "full")
        assert m.budget(quick, full) == (quick if quick_mode else full)


def test_budget_returns_the_object_itself(monkeypatch):
    monkeypatch.setenv("GANBOOK_MODE", "quick")
    small, large = {"steps": 2}, {"steps": 5000}
    assert m.budget(small, large) is small


def test_switch_reaches_a_fresh_process():
    """What a notebook kernel started by nbval or nbconvert sees."""
    code = "from ganbook.base.quick_full import mode; print(mode())"
    for value in ("quick", "full"):
        out = subprocess.run([sys.executable, "-c", code], env={"GANBOOK_MODE": value},
                             capture_output=True, text=True, check=True).stdout.strip()
        assert out == value
