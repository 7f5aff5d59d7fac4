"""A reward weight that is NaN, infinite or out of range is refused by every route a config takes:
the TOML file (`attune check-config`, `load_config`), the admin API's TOML import, and the site form."""

from __future__ import annotations

import gc
import subprocess
import sys
from contextlib import contextmanager

import pytest
from litestar.testing import TestClient

from server.config.loader import ConfigError, load_config
from server.settings import Settings
from tests.server.conftest import TEST_CONFIG
from tests.support.admin import PASSWORD
from tests.support.server import ROOT

NOT_FINITE = ["nan", "inf", "-inf", "1e400"]


def with_weight(text: str, weight: str) -> str:
    """The test config with `click = <weight>` in the first site's reward weights."""
    return text.replace("holdout_share = 0.0\n", f"holdout_share = 0.0\nreward_weights = {{ click = {weight} }}\n", 1)


@contextmanager
def admin_client(tmp_path, monkeypatch):
    """The app in this process, signed in as an editor."""
    from server.app import create_app
    from server.runtime import Runtime

    monkeypatch.setenv("ATTUNE_ADMIN_PASSWORD", PASSWORD)
    runtime = Runtime(Settings(data_dir=tmp_path / "data", config_path=TEST_CONFIG), load_config(TEST_CONFIG))
    try:
        with TestClient(create_app(runtime)) as client:
            assert client.get("/admin/login").status_code == 200
            client.headers["x-csrftoken"] = client.cookies["csrftoken"]
            assert client.post("/admin/api/login", json={"name": "admin", "password": PASSWORD}).status_code == 200
            yield client, runtime
    finally:
        gc.unfreeze()  # the app's lifespan froze the heap for serving; a test process should collect as usual


@pytest.mark.parametrize("weight", NOT_FINITE + ["101", "-100.5"])
def test_a_toml_file_with_a_weight_that_is_not_finite_or_out_of_range_is_refused_naming_the_key(tmp_path, weight):
    path = tmp_path / "attune.toml"
    path.write_text(with_weight(TEST_CONFIG.read_text(), weight))
    with pytest.raises(ConfigError, match=r"sites\[0\]\.reward_weights\.click: Expected `float` [<>]="):
        load_config(path)


@pytest.mark.parametrize(("line", "key"), [
    ("exploration = nan", "exploration"), ("exploration = inf", "exploration"),
    ("split = { a = nan, b = 1 }", "split"), ("split = { a = 1e400, b = 1 }", "split"),
])
def test_block_numbers_that_are_not_finite_are_refused_naming_the_key(tmp_path, line, key):
    text = TEST_CONFIG.read_text().replace('split = { a = 3, b = 1 }\n', f"{line}\n" if key == "split" else
                                           f"split = {{ a = 3, b = 1 }}\n{line}\n")
    path = tmp_path / "attune.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=rf"sites\[0\]\.blocks\[2\]\.{key}"):
        load_config(path)


def test_attune_check_config_refuses_a_nan_weight_and_exits_non_zero(tmp_path):
    path = tmp_path / "attune.toml"
    path.write_text(with_weight(TEST_CONFIG.read_text(), "nan"))
    checked = subprocess.run([sys.executable, "-m", "server.cli", "check-config", str(path)], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode != 0
    assert "sites[0].reward_weights.click" in checked.stderr


def test_the_admin_api_import_refuses_a_nan_weight(tmp_path, monkeypatch):
    with admin_client(tmp_path, monkeypatch) as (client, runtime):
        toml = client.get("/admin/api/config").json()["toml"]
        assert "click = 1.0" in toml
        for weight in NOT_FINITE:
            changed = toml.replace("click = 1.0", f"click = {weight}", 1)
            refused = client.put("/admin/api/config", json={"toml": changed})
            assert refused.status_code == 400, refused.text
            assert "reward_weights.click" in refused.text
        assert runtime.sites.weights_for("pk_test").click == 1.0


@pytest.mark.parametrize("typed", NOT_FINITE)
def test_the_site_form_refuses_a_weight_that_is_not_finite_and_shows_it_as_typed(tmp_path, monkeypatch, typed):
    with admin_client(tmp_path, monkeypatch) as (client, runtime):
        form = {"_csrf_token": client.cookies["csrftoken"], "name": "Renamed",
                "allowed_origins": "https://shop.example",
                "consent": "opt-out", "reward_window": "1", "holdout_share": "0", "w_click": typed, "w_stars": "0.5"}
        refused = client.post("/admin/sites/pk_test", data=form, follow_redirects=False)
        assert refused.status_code == 400
        assert f"w_click: &#39;{typed}&#39; is not a finite number" in refused.text
        assert f'name="w_click" type="number" min="-100" max="100" step="0.01" value="{typed}"' in refused.text
        assert 'value="Renamed"' in refused.text  # every field as typed, to fix rather than retype
        assert runtime.sites.weights_for("pk_test").click == 1.0
        assert runtime.sites.site("pk_test").name == ""


def test_the_site_form_refuses_a_weight_out_of_range_naming_the_key(tmp_path, monkeypatch):
    with admin_client(tmp_path, monkeypatch) as (client, runtime):
        form = {"_csrf_token": client.cookies["csrftoken"], "allowed_origins": "https://shop.example",
                "consent": "opt-out", "reward_window": "1", "holdout_share": "0", "w_click": "250"}
        refused = client.post("/admin/sites/pk_test", data=form, follow_redirects=False)
        assert refused.status_code == 400
        assert "reward_weights.click" in refused.text and 'value="250"' in refused.text
        form["w_click"] = "2.5"
        assert client.post("/admin/sites/pk_test", data=form, follow_redirects=False).status_code in (302, 303)
        assert runtime.sites.weights_for("pk_test").click == 2.5
