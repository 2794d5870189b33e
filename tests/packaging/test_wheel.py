"""The wheel and the sdist as a user installs them, run through the real engine.

``python -m build`` makes the sdist from a copy of the working tree and the wheel from that
sdist; the wheel goes into a fresh virtualenv next to the newest ``pulumi`` on PyPI (pip must
leave that pulumi alone). From there, with no path into the checkout (no PYTHONPATH, every
process started outside the repository, the imported package's ``__file__`` asserted to be in
the fresh virtualenv): the installed ``alertsite-emulator`` serves the API, the quickstart's
program goes up, previews with no change and is destroyed, the installed ``alertsite-pulumi``
lists what the emulator holds, the installed policy pack, found with ``alertsite-pulumi
policy-pack path``, blocks a preview on a mandatory violation, and the installed native plugin
``pulumi-resource-alertsite`` (GetPluginInfo: the package's version) serves a program written
with the installed SDK ``pulumi_alertsite``.

pip uses its usual cache (``PIP_CACHE_DIR`` or ~/.cache/pip), so only the first run on a machine
downloads the SDK and the build backend.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from engine.harness import PulumiProject
from factories import ADMIN
from google.protobuf import empty_pb2
from mail.emulator_process import Emulator, emulator_process
from packaging.version import Version
from pulumi.runtime.proto import provider_pb2_grpc

from alertsite_pulumi import EMAIL_ROUND_TRIP_MONITOR_TYPE, __version__
from alertsite_pulumi.tokens import NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE

pytestmark = pytest.mark.engine

REPO = Path(__file__).resolve().parents[2]
QUICKSTART = REPO / "examples" / "quickstart" / "__main__.py"
#: The directories of the distribution's import packages in the source tree.
PACKAGES = ("alertsite_pulumi", "pulumi_alertsite")
#: The release the issue names: the wheel must install next to it (or a newer one).
NEWER_PULUMI = Version("3.272.0")
MAILBOX_PASSWORD = "wheel-test-mailbox-password"
PIP = ("-m", "pip", "--disable-pip-version-check", "--no-input")
#: A user's program with the native resource, from the installed SDK.
NATIVE_PROGRAM = '''\
import pulumi
import pulumi_alertsite as alertsite

config = pulumi.Config()
monitor = alertsite.EmailRoundTripMonitor(
    "native-mail",
    billing_plancode="UBM - A/A",
    smtp_hostname="smtps://smtp.example.com:465",
    pop3_hostname="pop3s://pop.example.com:995",
    email="native-roundtrip@example.com",
    email_username="native-roundtrip",
    email_password=config.require_secret("mailboxPassword"),
    interval=15,
)
pulumi.export("monitor_id", monitor.id)
pulumi.export("sdk_file", alertsite.__file__)
'''


def source_files(root: Path) -> list[str]:
    """The working tree's files as the build sees them: tracked or new, never ignored ones."""
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], capture_output=True, text=True, timeout=60, check=True)
    return sorted(name for name in listed.stdout.split("\0") if name and (root / name).is_file())


def package_files(names: Sequence[str]) -> set[str]:
    return {name for name in names if name.split("/", 1)[0] in PACKAGES and "__pycache__" not in name}


def names_in_code(files: set[str]) -> set[str]:
    """The package's data files that its code names: what it opens at run time (openapi.json,
    the pack's launcher, ...). Any string constant that is such a file's name or path counts."""
    data = {name for name in files if not name.endswith(".py")}
    named: set[str] = set()
    for name in files - data:
        for node in ast.walk(ast.parse((REPO / name).read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
                named |= {f for f in data if f == node.value or f.endswith("/" + node.value)}
    return named


def clean_env(extra_path: Sequence[Path] = ()) -> dict[str, str]:
    """The environment of a user's shell: nothing that leads into the checkout."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PULUMI_", "ALERTSITE_", "PYTHON", "VIRTUAL_ENV"))}
    keep = [p for p in env.get("PATH", "/usr/bin:/bin").split(os.pathsep)
            if p and not Path(p).resolve().is_relative_to(REPO)]
    env["PATH"] = os.pathsep.join([*(str(p) for p in extra_path), *keep])
    return env


def run(argv: Sequence[str | Path], cwd: Path, env: Mapping[str, str], *, check: bool = True,
        timeout: float = 900) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=dict(env), capture_output=True, text=True,
                          timeout=timeout, check=False)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, argv))} failed ({done.returncode}):\n"
                             f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path
    files: set[str]  # the package files of the tree it was built from


@dataclass(frozen=True)
class Installed:
    """The fresh virtualenv holding the wheel (with the policy extra) and the newest pulumi."""

    venv: Path
    home: Path  # a directory outside the repository: every process starts here
    pulumi_before: str
    pulumi_after: str

    def bin(self, name: str) -> Path:
        return self.venv / "bin" / name

    def env(self, engine: Path | None = None) -> dict[str, str]:
        return clean_env([self.venv / "bin", *([engine] if engine else [])])

    def run(self, program: str, *args: str,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """One of the virtualenv's programs, started outside the repository."""
        return run([self.bin(program), *args], self.home, env or self.env())


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    """The sdist, built from a copy of the working tree, and the wheel, built from that sdist."""
    names = source_files(REPO)
    tree = tmp_path_factory.mktemp("source")
    for name in names:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, tree / name)
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", out, tree], out, clean_env())
    wheels, sdists = sorted(out.glob("*.whl")), sorted(out.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"alertsite_pulumi-{__version__}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"alertsite_pulumi-{__version__}.tar.gz"]
    return Dist(wheels[0], sdists[0], package_files(names))


@pytest.fixture(scope="module")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A virtualenv as a user makes one: the newest pulumi first, then the wheel next to it."""
    root = tmp_path_factory.mktemp("user")
    assert not root.resolve().is_relative_to(REPO)
    venv = root / "venv"
    # With its own pip, as a user's: the engine also asks it which plugins the packages need.
    run([sys.executable, "-m", "venv", venv], root, clean_env())
    python = venv / "bin" / "python"

    def pulumi_version() -> str:
        return run([python, "-c", "from importlib.metadata import version; print(version('pulumi'))"], root,
                   clean_env()).stdout.strip()

    run([python, *PIP, "install", "--quiet", "--upgrade", "pulumi"], root, clean_env())
    before = pulumi_version()
    run([python, *PIP, "install", "--quiet", f"{dist.wheel}[policy]"], root, clean_env())
    return Installed(venv, root, before, pulumi_version())


@pytest.fixture
def emulator(installed: Installed) -> Iterator[Emulator]:
    """The emulator from the installed ``alertsite-emulator`` script."""
    with emulator_process("--quiet", command=[str(installed.bin("alertsite-emulator"))],
                          cwd=installed.home, env=installed.env()) as running:
        yield running


@dataclass
class UserProject(PulumiProject):
    """A Pulumi project outside the repository whose Python is the fresh virtualenv's."""

    venv: Path = field(default_factory=Path)

    def write(self, program: str | None = None, *,
              runtime_options: Mapping[str, object] | None = None) -> None:
        super().write(program, runtime_options={"virtualenv": str(self.venv), **(runtime_options or {})})

    def base_env(self) -> dict[str, str]:
        env = super().base_env()
        pulumi = {k: v for k, v in env.items() if k.startswith("PULUMI_")}
        env = clean_env([self.bin_dir, self.venv / "bin"])
        env.update(pulumi)
        # The language host (see scripts/install-pulumi) runs programs with this Python.
        env["PULUMI_PYTHON_CMD"] = str(self.venv / "bin" / "python")
        return env


def test_the_wheel_holds_every_file_of_the_package_and_what_the_code_opens(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        infos = {info.filename: info for info in wheel.infolist()}
    in_wheel = package_files(list(infos))
    assert in_wheel == dist.files, {"missing": dist.files - in_wheel, "extra": in_wheel - dist.files}
    opened = names_in_code(dist.files)
    assert {"alertsite_pulumi/emulator/openapi.json",
            "alertsite_pulumi/policy_pack/run-policy-pack"} <= opened
    assert opened <= in_wheel
    # What the engine, the type checkers and pip read rather than the code.
    for name in ("py.typed", "policy_pack/PulumiPolicy.yaml", "policy_pack/__main__.py",
                 "policy_pack/requirements.txt"):
        assert f"alertsite_pulumi/{name}" in in_wheel, name
    # The engine runs the launcher itself: it must stay executable once installed.
    assert infos["alertsite_pulumi/policy_pack/run-policy-pack"].external_attr >> 16 & 0o111 == 0o111
    # The licence the metadata declares travels with both distributions.
    licences = [name for name in infos if name.endswith(".dist-info/licenses/LICENSE")]
    assert len(licences) == 1, sorted(infos)
    with zipfile.ZipFile(dist.wheel) as wheel:
        assert b"Apache License" in wheel.read(licences[0])

    with tarfile.open(dist.sdist) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if m.isfile()}
    assert {"pyproject.toml", "README.md", "CHANGELOG.md", "LICENSE"} <= members
    assert package_files(list(members)) == dist.files


def test_the_wheel_installs_next_to_the_newest_pulumi_without_changing_it(installed: Installed) -> None:
    assert installed.pulumi_after == installed.pulumi_before
    assert Version(installed.pulumi_before) >= NEWER_PULUMI
    installed.run("python", *PIP, "check")
    where = installed.run("python", "-c", "import alertsite_pulumi, pulumi_alertsite, pulumi_policy; "
                          "print(alertsite_pulumi.__file__); print(pulumi_alertsite.__file__); "
                          "print(alertsite_pulumi.__version__)")
    module_file, sdk_file, version = where.stdout.split()
    assert Path(module_file).is_relative_to(installed.venv), module_file
    assert Path(sdk_file).is_relative_to(installed.venv), sdk_file
    assert version == __version__
    scripts = ("alertsite-pulumi", "alertsite-emulator", "pulumi-resource-alertsite")
    cli, emulator, plugin = (installed.run(name, "--version").stdout.strip() for name in scripts)
    assert cli == f"alertsite-pulumi, version {__version__}"
    assert emulator == f"alertsite-emulator {__version__}"
    assert plugin == __version__


def test_the_quickstart_and_the_policy_pack_run_from_the_installed_wheel(
        installed: Installed, engine_bin: Path, emulator: Emulator) -> None:
    # The emulator's OpenAPI file is read from the installed package.
    control_url = emulator.api_url.removesuffix("/api/v3") + "/_emulator"
    spec = emulator.session.get(f"{control_url}/openapi.json", timeout=10)
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3."), spec.text[:300]

    project = UserProject(root=installed.home / "quickstart", bin_dir=engine_bin, name="alertsite-quickstart",
                          stack="dev", venv=installed.venv)
    program = QUICKSTART.read_text() + (
        "\n# The test: where the program's alertsite_pulumi came from.\n"
        "import alertsite_pulumi as _installed\n\n"
        'pulumi.export("package_file", _installed.__file__)\n')
    project.write(program)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN[0]},
                 secrets={"alertsite:password": ADMIN[1], "mailboxPassword": MAILBOX_PASSWORD})
    cli_env = {**installed.env(), "ALERTSITE_BASE_URL": emulator.api_url,
               "ALERTSITE_USERNAME": ADMIN[0], "ALERTSITE_PASSWORD": ADMIN[1]}

    def listed() -> list[dict[str, object]]:
        done = installed.run("alertsite-pulumi", "monitors", "list", "--format", "json", env=cli_env)
        rows: list[dict[str, object]] = json.loads(done.stdout)
        return rows

    project.up()
    outputs = project.stack_outputs()
    assert Path(outputs["package_file"]).is_relative_to(installed.venv), outputs["package_file"]
    assert [(m["id"], m["name"]) for m in listed()] == [(outputs["monitor_id"], "Inbound mail round trip")]
    project.preview("--expect-no-changes")

    # The pack, found as the README says, from the installed package (this engine: the launcher).
    pack_dir = Path(installed.run("alertsite-pulumi", "policy-pack", "path").stdout.strip())
    launcher = installed.run("alertsite-pulumi", "policy-pack", "path", "--launcher").stdout.strip()
    assert pack_dir.is_relative_to(installed.venv) and (pack_dir / "PulumiPolicy.yaml").is_file()
    assert Path(launcher) == pack_dir / "run-policy-pack"
    # The quickstart declares no recipient group: it leaves its alerts to the default group.
    relies = installed.home / "policy-config.json"
    relies.write_text(json.dumps({"alertsite-monitor-alerts-someone": {"reliesOnDefaultGroup": True}}))
    passed = project.preview("--expect-no-changes", "--policy-pack", launcher,
                             "--policy-pack-config", str(relies))
    assert f"alertsite-round-trip@v{__version__}" in passed.output, passed.output[-3000:]
    project.run("config", "set", "smtpHostname", "smtp://smtp.example.com:25")
    blocked = project.preview("--policy-pack", launcher, check=False)
    assert blocked.returncode != 0, blocked.output[-3000:]
    assert "[mandatory]  alertsite-mail-tls" in blocked.output, blocked.output[-3000:]
    assert "smtp_hostname 'smtp://smtp.example.com:25' uses smtp://" in blocked.output
    assert [m["smtp_hostname"] for m in listed()] == ["smtps://smtp.example.com:465"]

    project.destroy()
    assert listed() == []
    assert project.resources(EMAIL_ROUND_TRIP_MONITOR_TYPE) == []


def test_the_native_plugin_and_its_sdk_run_from_the_installed_wheel(
        installed: Installed, engine_bin: Path, emulator: Emulator) -> None:
    plugin = subprocess.Popen([str(installed.bin("pulumi-resource-alertsite"))], cwd=installed.home,
                              env=installed.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert plugin.stdout is not None
        with ThreadPoolExecutor(1) as pool:
            port = int(pool.submit(plugin.stdout.readline).result(timeout=60))
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            assert stub.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == __version__
    finally:
        plugin.terminate()
        plugin.communicate(timeout=30)

    # The engine finds the plugin on PATH (the virtualenv's bin), as with any user's install.
    project = UserProject(root=installed.home / "native", bin_dir=engine_bin, name="alertsite-native",
                          stack="dev", venv=installed.venv)
    project.write(NATIVE_PROGRAM)
    project.init(config={"alertsite:baseUrl": emulator.api_url, "alertsite:username": ADMIN[0]},
                 secrets={"alertsite:password": ADMIN[1], "mailboxPassword": MAILBOX_PASSWORD})
    project.up()
    outputs = project.stack_outputs()
    assert Path(outputs["sdk_file"]).is_relative_to(installed.venv), outputs["sdk_file"]
    [monitor] = project.resources(NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE)
    assert monitor["id"] == outputs["monitor_id"]
    [provider] = project.resources("pulumi:providers:alertsite")
    assert provider["inputs"]["version"] == __version__
    project.preview("--expect-no-changes")
    project.destroy()
    assert project.resources(NATIVE_EMAIL_ROUND_TRIP_MONITOR_TYPE) == []
