"""Checks of an AlertSite setup: settings, credentials, login, read and write rights, the pulumi CLI.

Each check exercises the real settings resolution or client and comes back as a ``Check``:
its name, ok / warn / fail / skip, and a detail in plain words that says what to do. The
checks run in order and a check that needs an earlier one is skipped when that one failed.
``alertsite-pulumi doctor`` only prints them.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from importlib.metadata import PackageNotFoundError, version
from typing import Final

from .client import AlertSiteClient
from .config import SETTINGS, Settings
from .errors import (
    AlertSiteError,
    AuthenticationError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    TransportError,
)
from .transport import RetryPolicy

#: Where a setting's value came from, in words (an option, an environment variable, "default").
Source = Callable[[str], str]

_SETTING: Final = {s.attr: s for s in SETTINGS}
#: The checks that talk to AlertSite, each needing the one before.
NETWORK_CHECKS: Final = ("login", "read", "write")


class Status(Enum):
    """How a check ended; ``SKIP``: not run, because a check it needs failed."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Check:
    """The result of one check."""

    name: str
    status: Status
    detail: str

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL


def _names(attr: str) -> str:
    setting = _SETTING[attr]
    return f"{setting.config_key} / {setting.env}"


def skipped(names: Iterable[str], why: str) -> Iterator[Check]:
    for name in names:
        yield Check(name, Status.SKIP, why)


def check_settings(resolve: Callable[[], Settings], source: Source) -> tuple[Check, Settings | None]:
    """Whether the settings resolve (URL scheme, numbers); the settings when they do."""
    try:
        settings = resolve()
    except AlertSiteError as error:
        return Check("settings", Status.FAIL, str(error)), None
    scheme = "plain http, allowed for a loopback host such as the emulator" if \
        settings.base_url.startswith("http://") else "https"
    return Check("settings", Status.OK, f"base URL {settings.base_url} (from {source('base_url')}; "
                 f"{scheme}), {settings.request_timeout:g} s per request"), settings


def check_credentials(settings: Settings, source: Source) -> Check:
    if settings.access_token:
        return Check("credentials", Status.OK, f"an access token from {source('access_token')}")
    missing = [attr for attr in ("username", "password") if not getattr(settings, attr)]
    if missing:
        wanted = " and ".join(f"{attr} ({_names(attr)})" for attr in missing)
        return Check("credentials", Status.FAIL,
                     f"no {wanted}: set {'them' if len(missing) > 1 else 'it'} in the environment "
                     "(a Pulumi stack reads the alertsite:* config keys; keep the password a "
                     "secret with `pulumi config set --secret`), or pass the password with "
                     f"--password-stdin, or use an access token ({_names('access_token')})")
    return Check("credentials", Status.OK, f"username {settings.username} (from {source('username')}) "
                 f"and a password (from {source('password')})")


def check_login(client: AlertSiteClient, source: Source) -> Check:
    settings = client.settings
    try:
        client.login()
    except AuthenticationError as error:
        return Check("login", Status.FAIL,
                     f"AlertSite refused the username/password of {settings.username}. {error.hint}")
    except TransportError as error:
        return Check("login", Status.FAIL, f"the URL {settings.base_url} is unreachable "
                     f"(from {source('base_url')}): {error}")
    except AlertSiteError as error:
        return Check("login", Status.FAIL, f"AlertSite did not answer the login as expected: {error}")
    how = "accepted the login of " + str(settings.username) if not settings.access_token else \
        "will be asked with the access token (checked by the next step)"
    return Check("login", Status.OK, f"AlertSite at {settings.base_url} {how}")


def check_read(client: AlertSiteClient) -> Check:
    try:
        count = sum(1 for _ in client.iter_monitors())
    except AlertSiteError as error:
        return Check("read", Status.FAIL, f"could not list the round-trip monitors: {error}")
    return Check("read", Status.OK, f"the user may read monitors ({count} round-trip monitor"
                 f"{'s' if count != 1 else ''} in the account)")


def check_write(client: AlertSiteClient) -> Check:
    # A role check that changes nothing: AlertSite checks the role before it looks the
    # monitor up, so an empty partial update of monitor 0 (ids start far above 0, and an
    # empty PATCH would change nothing anyway) answers 404 for a user who may write and
    # 403 for a read-only one.
    try:
        client.update_round_trip_monitor("0", {})
    except NotFound:
        return Check("write", Status.OK, "the user may change monitors (a harmless empty update of "
                     "monitor 0 was answered 'not found', not 'forbidden')")
    except PermissionDenied:
        return Check("write", Status.FAIL, "the user may only read: AlertSite forbids it to change "
                     "monitors (403), so `pulumi up` will fail, while `pulumi preview`, `refresh` "
                     f"and `alertsite-pulumi export` work. {PermissionDenied.hint}")
    except InvalidRequest as error:
        return Check("write", Status.WARN, f"could not tell whether the user may write: {error}")
    except AlertSiteError as error:
        return Check("write", Status.FAIL, f"the write check failed: {error}")
    return Check("write", Status.OK, "the user may change monitors (an empty update of monitor 0 "
                 "was accepted and changed nothing)")


def check_pulumi() -> Check:
    """The pulumi CLI on PATH and the Python SDK; neither is needed by the checks above."""
    try:
        sdk = version("pulumi")
    except PackageNotFoundError:
        sdk = "not installed"
    path = shutil.which("pulumi")
    if path is None:
        return Check("pulumi", Status.WARN, "the pulumi CLI is not on PATH (needed for `pulumi up`, "
                     f"not by this command; scripts/install-pulumi installs it); Python SDK {sdk}")
    try:
        done = subprocess.run([path, "version"], capture_output=True, text=True, timeout=60,  # noqa: S603
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Check("pulumi", Status.WARN, f"{path} did not run: {error}")
    cli_version = done.stdout.strip() or done.stderr.strip() or f"exit code {done.returncode}"
    status = Status.OK if done.returncode == 0 else Status.WARN
    return Check("pulumi", status, f"CLI {cli_version} at {path}; Python SDK {sdk}")


def _network_checks(settings: Settings, source: Source) -> Iterator[Check]:
    # One quick retry at most: the checks should answer in seconds, not minutes.
    retry = RetryPolicy(max_retries=min(1, settings.max_retries),
                        budget=min(10.0, settings.retry_budget))
    client = AlertSiteClient(settings, retry=retry, share_login=False)
    login = check_login(client, source)
    yield login
    if login.failed:
        yield from skipped(NETWORK_CHECKS[1:], "needs a working login")
        return
    read = check_read(client)
    yield read
    if read.failed:
        yield from skipped(NETWORK_CHECKS[2:], "needs a working read")
        return
    yield check_write(client)


def run_checks(resolve: Callable[[], Settings], source: Source) -> Iterator[Check]:
    """Every check in order, each as soon as it is done (settings come from ``resolve``)."""
    settings_check, settings = check_settings(resolve, source)
    yield settings_check
    if settings is None:
        yield from skipped(("credentials", *NETWORK_CHECKS), "needs valid settings")
    else:
        credentials = check_credentials(settings, source)
        yield credentials
        if credentials.failed:
            yield from skipped(NETWORK_CHECKS, "needs credentials")
        else:
            yield from _network_checks(settings, source)
    yield check_pulumi()
