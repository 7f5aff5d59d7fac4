"""Settings from the environment: a hostile or mistyped number stops start-up with one line naming it."""

from __future__ import annotations

import pytest

from server.cli import main
from server.settings import Settings
from server.startup import StartupError

HOSTILE = ["nan", "inf", "-1", "1e400", "abc", "", "0x10"]


@pytest.mark.parametrize("name", ["ATTUNE_MAX_PENDING_PER_SITE", "ATTUNE_EVENTS_PER_VISITOR",
                                  "ATTUNE_EVENTS_PER_ADDRESS", "ATTUNE_SNAPSHOT_SECONDS", "ATTUNE_PORT",
                                  "ATTUNE_PRIVACY_PER_MINUTE", "ATTUNE_EVALUATE_MINUTES"])
@pytest.mark.parametrize("text", HOSTILE)
def test_a_number_that_is_not_one_or_out_of_range_is_refused_naming_the_variable(name, text):
    with pytest.raises(StartupError, match=f"^{name}="):
        Settings.from_env({name: text})


def test_zero_pending_decisions_is_refused_but_zero_rate_means_no_limit():
    with pytest.raises(StartupError, match="out of range"):
        Settings.from_env({"ATTUNE_MAX_PENDING_PER_SITE": "0"})
    settings = Settings.from_env({"ATTUNE_EVENTS_PER_VISITOR": "0", "ATTUNE_EVENTS_PER_ADDRESS": "2.5",
                                  "ATTUNE_MAX_PENDING_PER_SITE": "1000"})
    assert (settings.events_per_visitor, settings.events_per_address, settings.max_pending_per_site) == (0, 2.5, 1000)


def test_attune_serve_says_what_is_wrong_in_one_line_and_exits_3(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("ATTUNE_EVENTS_PER_ADDRESS", "nan")
    assert main(["serve", "--data-dir", str(tmp_path / "data")]) == 3
    err = capsys.readouterr().err
    assert err == "attune: ATTUNE_EVENTS_PER_ADDRESS='nan' is out of range; give a number from 0 to 1e+06 or unset it\n"
    assert not (tmp_path / "data").exists()  # refused before anything was made
