"""infra/ checked without a cluster or Docker: the Kubernetes manifests against the Kubernetes schemas
(kubernetes-validate), compose.yaml against the Compose Specification (vendored in infra/schemas/), the
Dockerfile's sources, and the Grafana dashboard's queries against what /metrics really exposes."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from server.config.loader import load_config
from tests.server.conftest import TEST_CONFIG
from tests.support.inprocess import attune

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
MANIFESTS = sorted((INFRA / "k8s").glob("*.yaml"))
KUBERNETES = ("1.29.0", kubernetes_validate.latest_version())  # the oldest version still commonly run, and newest


def documents(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def every_resource() -> dict[str, dict]:
    return {f"{doc['kind']}/{doc['metadata']['name']}": doc for path in MANIFESTS for doc in documents(path)}


@pytest.mark.parametrize("version", KUBERNETES)
@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_kubernetes_manifest_validates(path, version):
    for doc in documents(path):
        kubernetes_validate.validate(doc, version, strict=True)  # strict: an unknown (misspelt) field fails


def test_the_manifests_hold_what_scaled_mode_needs():
    resources = every_resource()
    assert resources["Deployment/attune-edge"]["spec"]["replicas"] >= 2
    hpa = resources["HorizontalPodAutoscaler/attune-edge"]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "attune-edge" and hpa["metrics"][0]["resource"]["name"] == "cpu"
    assert resources["PodDisruptionBudget/attune-edge"]["spec"]["minAvailable"] >= 1
    learner = resources["StatefulSet/attune-learner"]["spec"]
    assert learner["replicas"] == 1 and learner["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    assert resources["StatefulSet/attune-redis"]["spec"]["volumeClaimTemplates"]
    for name in ("attune-edge", "attune-learner", "attune-redis"):
        assert f"Service/{name}" in resources
    for workload in ("Deployment/attune-edge", "StatefulSet/attune-learner"):  # the Services' named port exists
        (container,) = resources[workload]["spec"]["template"]["spec"]["containers"]
        assert container["ports"][0]["name"] == "http" and container["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_the_configmaps_hold_a_valid_site_config_and_the_shipped_redis_conf(tmp_path):
    resources = every_resource()
    config = tmp_path / "attune.toml"
    config.write_text(resources["ConfigMap/attune-config"]["data"]["attune.toml"])
    assert load_config(config).sites[0].key == "pk_shop"
    assert resources["ConfigMap/attune-redis"]["data"]["redis.conf"] == (INFRA / "redis.conf").read_text()


def test_the_ingress_and_the_compose_front_send_the_same_paths_to_the_learner():
    ingress = every_resource()["Ingress/attune"]["spec"]["rules"][0]["http"]["paths"]
    to_learner = {p["path"] for p in ingress if p["backend"]["service"]["name"] == "attune-learner"}
    nginx = re.findall(r"location (\S+) \{ proxy_pass http://learner; \}", (INFRA / "nginx.conf").read_text())
    assert to_learner == {path.rstrip("/") for path in nginx}
    assert {"/admin", "/v1/consent", "/v1/visitor", "/v1/surveys"} <= to_learner
    assert [p["backend"]["service"]["name"] for p in ingress if p["path"] == "/"] == ["attune-edge"]


def test_compose_validates_against_the_compose_specification():
    schema = json.loads((INFRA / "schemas" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    compose = yaml.safe_load((INFRA / "compose.yaml").read_text())
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in jsonschema.Draft7Validator(schema).iter_errors(compose)]
    assert errors == []
    services = compose["services"]
    assert services["edge"]["deploy"]["replicas"] == 2 and services["learner"]["environment"]["ATTUNE_ROLE"] == "learner"
    assert "./redis.conf:/usr/local/etc/redis/redis.conf:ro" in services["redis"]["volumes"]
    for mounted in ("redis.conf", "nginx.conf", "Dockerfile"):
        assert (INFRA / mounted).exists()


def test_a_compose_file_with_a_typo_is_refused():
    """The check can fail: a misspelt key is not silently accepted."""
    schema = json.loads((INFRA / "schemas" / "compose-spec.json").read_text())
    compose = yaml.safe_load((INFRA / "compose.yaml").read_text())
    compose["services"]["edge"]["deploy"]["replica"] = 2
    assert not jsonschema.Draft7Validator(schema).is_valid(compose)


def _instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (INFRA / "Dockerfile").read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_dockerfile_copies_only_what_exists_and_is_slim_non_root_and_healthchecked():
    steps = _instructions()
    stages = [args.split()[-1] for kind, args in steps if kind == "FROM" and " AS " in args.upper()]
    bases = [args.split()[0] for kind, args in steps if kind == "FROM"]
    assert bases[-1] == "python:3.11-slim" and any(b.startswith("node:") for b in bases)
    ignored = [line for line in (INFRA / "Dockerfile.dockerignore").read_text().splitlines()
               if line and not line.startswith("#")]
    for kind, args in steps:
        if kind != "COPY":
            continue
        words = shlex.split(args)
        options = [w for w in words if w.startswith("--")]
        sources = [w for w in words if not w.startswith("--")][:-1]
        built_in = next((o.split("=", 1)[1] for o in options if o.startswith("--from=")), None)
        if built_in is not None:
            assert built_in in stages, f"COPY --from={built_in}: no such stage"
            continue
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not any(fnmatch.fnmatch(source.rstrip("/"), p.removeprefix("**/")) for p in ignored), source
    assert "--require-hashes" in " ".join(args for kind, args in steps if kind == "RUN")
    assert [args for kind, args in steps if kind == "USER"][-1].split(":")[0] != "root"
    assert "/healthz" in next(args for kind, args in steps if kind == "HEALTHCHECK")
    assert next(args for kind, args in steps if kind == "ENTRYPOINT") == '["attune"]'
    assert "npm run build" in [args for kind, args in steps if kind == "RUN"]
    assert json.loads((ROOT / "package.json").read_text())["scripts"]["build"]  # what `npm run build` runs


def _exposed_series(text: str) -> set[str]:
    """Every series name /metrics can show, also for labelled metrics that have no child yet."""
    names = set()
    for family in text_string_to_metric_families(text):
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum")}.get(family.type, ("",))
        names |= {family.name + suffix for suffix in suffixes}
    return names


def test_the_grafana_dashboard_queries_only_metrics_that_metrics_exposes(tmp_path):
    dashboard = json.loads((INFRA / "grafana" / "attune.json").read_text())
    queried = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"\battune_[a-z_]+", target["expr"])}
    with attune(tmp_path / "data", config=TEST_CONFIG) as running:
        exposed = _exposed_series(running.client.get("/metrics").text)
    assert queried and queried <= exposed, queried - exposed
    documented = {"attune_decide_seconds_bucket", "attune_decisions_total", "attune_events_total",
                  "attune_writer_group_rows_bucket", "attune_learner_lag_seconds_bucket", "attune_learned_total",
                  "attune_stream_backlog", "attune_policy_published_timestamp_seconds", "attune_redis_errors_total",
                  "attune_spool_bytes", "attune_rate_limited_total"}
    assert documented <= queried  # every metric issue 14 names has a panel
