"""The publishing workflow (issue 7): valid for GitHub, and it deploys main only.

The schema check uses the GitHub workflow schema that ships inside check-jsonschema
(``--builtin-schema``), so it needs no network.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[1] / ".github/workflows/publish.yml"
NEWEST = WORKFLOW.with_name("newest-deps.yml")  # weekly: the newest release of each dependency (issue 19)
ON_MAIN_NOT_PR = "github.event_name != 'pull_request' && github.ref == 'refs/heads/main'"


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    tool = Path(sys.executable).with_name("check-jsonschema")
    assert tool.exists(), "install the test tools: pip install -e '.[test]' (check-jsonschema)"
    return subprocess.run([str(tool), "--builtin-schema", "vendor.github-workflows", str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if s.get("uses", "").split("@")[0] == action]


def step_running(job: dict[str, Any], command: str) -> dict[str, Any]:
    [step] = [s for s in job["steps"] if re.search(rf"^\s*{re.escape(command)}", s.get("run", ""), re.M)]
    return step


@pytest.mark.parametrize("path", [WORKFLOW, NEWEST], ids=lambda path: path.name)
def test_the_workflow_is_valid_for_github(path: Path) -> None:
    result = check_jsonschema(path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text(encoding="utf-8").replace("runs-on:", "run-on:"), encoding="utf-8")
    assert check_jsonschema(broken).returncode == 1


def test_it_runs_on_pushes_to_main_and_on_pull_requests(workflow: dict[str, Any]) -> None:
    on = triggers(workflow)
    assert on["push"] == {"branches": ["main"]}
    assert "pull_request" in on


def test_the_build_job_tests_and_builds_with_the_pages_address(workflow: dict[str, Any]) -> None:
    build = workflow["jobs"]["build"]
    assert "if" not in build  # pull requests run it too
    assert build["container"].startswith("python:3.11-")  # Debian with Python 3.11
    assert steps_using(build, "actions/checkout")
    assert "apt-get install -y --no-install-recommends chromium" in step_running(build, "apt-get update")["run"]
    commands = [s.get("run", "").strip().splitlines()[-1] for s in build["steps"] if "run" in s]
    assert commands.index("make check") < commands.index("make test") < commands.index(
        'make build BASE_URL="$BASE_URL"')
    [pages] = steps_using(build, "actions/configure-pages")
    assert pages["id"] == "pages"
    assert step_running(build, "make build")["env"] == {"BASE_URL": "${{ steps.pages.outputs.base_url }}"}


def test_only_main_is_uploaded_and_deployed(workflow: dict[str, Any]) -> None:
    jobs = workflow["jobs"]
    [upload] = steps_using(jobs["build"], "actions/upload-pages-artifact")
    assert upload["with"] == {"path": "public"}
    assert upload["if"] == ON_MAIN_NOT_PR
    deploying = [name for name, job in jobs.items() if steps_using(job, "actions/deploy-pages")]
    assert deploying == ["deploy"]
    deploy = jobs["deploy"]
    assert deploy["if"] == ON_MAIN_NOT_PR
    assert deploy["needs"] == "build"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}


@pytest.mark.parametrize("event, ref, deploys", [
    ("push", "refs/heads/main", True),
    ("schedule", "refs/heads/main", True),
    ("workflow_dispatch", "refs/heads/main", True),
    ("workflow_dispatch", "refs/heads/draft-posts", False),
    ("pull_request", "refs/pull/7/merge", False),
    ("pull_request", "refs/heads/main", False),
])
def test_the_deploy_condition(event: str, ref: str, deploys: bool) -> None:
    # The condition only compares two context values; Python reads it the same way once the
    # operators are spelled in Python.
    expression = ON_MAIN_NOT_PR.replace("&&", "and").replace("github.", "github_")
    assert eval(expression, {"github_event_name": event, "github_ref": ref}) is deploys


def test_only_the_deploy_job_may_write(workflow: dict[str, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["build"]["permissions"] == {"contents": "read", "pages": "read"}


def test_the_problem_matcher_reads_the_checks_output(workflow: dict[str, Any]) -> None:
    script = step_running(workflow["jobs"]["build"], "cat >")["run"]
    matcher = json.loads(script.split("<<'JSON'\n", 1)[1].split("\nJSON\n", 1)[0])
    pattern = matcher["problemMatcher"][0]["pattern"][0]
    line = "content/posts/a/index.md:8: warning: steps[1].alt: has only 2 words; describe it"
    match = re.match(pattern["regexp"], line)
    assert match and [match.group(pattern[k]) for k in ("file", "line", "severity", "message")] == [
        "content/posts/a/index.md", "8", "warning", "steps[1].alt: has only 2 words; describe it"]


# --- the weekly run against the newest release of every dependency (issue 19) ------------------------

@pytest.fixture(scope="module")
def newest() -> dict[str, Any]:
    return yaml.safe_load(NEWEST.read_text(encoding="utf-8"))


def test_the_newest_dependencies_run_weekly_and_by_hand_only(newest: dict[str, Any]) -> None:
    on = triggers(newest)
    assert set(on) == {"schedule", "workflow_dispatch"}
    [cron] = [entry["cron"] for entry in on["schedule"]]
    minute, hour, day, month, weekday = cron.split()
    assert (day, month) == ("*", "*") and weekday.isdigit()
    assert newest["permissions"] == {"contents": "read"}
    [job] = newest["jobs"].values()
    assert "permissions" not in job and not steps_using(job, "actions/deploy-pages")


def test_it_upgrades_the_installed_project_then_runs_make_test_as_publish_does(
        newest: dict[str, Any], workflow: dict[str, Any]) -> None:
    [job] = newest["jobs"].values()
    assert job["container"] == workflow["jobs"]["build"]["container"]
    assert steps_using(job, "actions/checkout")
    assert "apt-get install -y --no-install-recommends chromium" in step_running(job, "apt-get update")["run"]
    commands = [s.get("run", "").strip().splitlines()[-1] for s in job["steps"] if "run" in s]
    upgrade = step_running(job, ".venv/bin/python - >")["run"]
    assert commands.index("make .venv/.installed-test") < commands.index(upgrade.strip().splitlines()[-1]) \
        < commands.index("make test")
    assert re.search(r"pip install --upgrade --upgrade-strategy eager -r \S+newest\.txt", upgrade)


def test_every_runtime_dependency_but_the_exact_pins_is_upgraded(newest: dict[str, Any]) -> None:
    [job] = newest["jobs"].values()
    script = step_running(job, ".venv/bin/python - >")["run"].split("<<'PY'\n", 1)[1].split("\nPY\n", 1)[0]
    root = WORKFLOW.parents[2]
    names = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True,
                           check=True).stdout.split()
    with (root / "pyproject.toml").open("rb") as file:
        specs = tomllib.load(file)["project"]["dependencies"]
    assert names == [re.split(r"[<>=!~;\[ ]", spec)[0] for spec in specs if "==" not in spec]
    assert {"markdown", "nh3", "jinja2", "pillow"} <= set(names) and "textstat" not in names
