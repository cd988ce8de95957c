"""ganbook.widgets.record: the recordings the site shows in place of the live widgets."""
import re

import pytest

from ganbook.widgets import record
from ganbook.widgets.figure1 import Lab

pytestmark = pytest.mark.usefixtures("one_thread")


def offline(html):
    return not re.search(r"(src|href)=\"https?://", html) and 'class="fa ' not in html


def test_theory_recording_has_one_frame_per_setting_and_needs_no_other_host():
    settings = record.theory_settings(7)
    assert len(settings) == 7 and settings[0] == (0.0, 0.6, 1.0) and settings[-1][2] == 0.0
    html = record.theory_recording(frames=7)
    assert html.count("data:image/png;base64") == 7 and offline(html)


def test_lab_recording_trains_the_lab_it_shows():
    lab = Lab(seed=0, inner=50, chunks=1, dpi=30)
    html = record.lab_recording(lab, iterations=20, frames=2)
    assert lab.trainer.iteration == 20
    assert html.count("data:image/png;base64") == 3 and offline(html)
