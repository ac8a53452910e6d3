"""Talk to GitHub through PyGithub: client, retries, failures, repository reads."""

from __future__ import annotations

import enum
import itertools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar
from urllib.parse import urlparse

import requests
from github import Auth, Github, GithubException
from github.PullRequest import PullRequest
from github.Repository import Repository

from modelbot import __version__
from modelbot.errors import UsageError

LOG = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
PER_PAGE = 100  # the REST API's largest page
SECONDARY_LIMIT_WAIT = 60.0  # GitHub: wait at least a minute without Retry-After

NO_TOKEN = (
    "GITHUB_TOKEN is not set: pass the workflow token in the environment "
    "(env: GITHUB_TOKEN: ${{ github.token }}), or use --summary-only"
)
BAD_API_URL = "GITHUB_API_URL={url!r} is not an http(s) URL such as {default}"
GAVE_UP = "{what}: {failure} ({detail}); gave up after {attempts} attempts"
WAIT_TOO_LONG = (
    "{what}: {failure} ({detail}); GitHub asks for a {wait:.0f} s wait, "
    "over modelbot's limit ({limit:.0f} s per wait, {total:.0f} s per run)"
)
RETRYING = "%s: %s (%s); retry %d in %.1f s"
NOT_JSON_HINT = (
    "answered with a web page instead of JSON: on GitHub Enterprise Server "
    "GITHUB_API_URL is https://HOST/api/v3"
)

T = TypeVar("T")


class Failure(enum.Enum):
    """Why a GitHub API call failed, decided by status, headers and message."""

    RATE_LIMITED = "rate limited"
    UNAVAILABLE = "GitHub unavailable"
    READ_ONLY = "token may not write here"
    FORBIDDEN = "forbidden"
    UNAUTHORIZED = "token rejected"
    NOT_FOUND = "not found"
    NOT_JSON = "not a GitHub API"
    REJECTED = "request rejected"

    @property
    def transient(self) -> bool:
        """True when waiting and trying again can help."""
        return self in (Failure.RATE_LIMITED, Failure.UNAVAILABLE)


class ApiError(Exception):
    """A GitHub call that failed for good, classified."""

    def __init__(self, failure: Failure, what: str, message: str, status: int = 0):
        self.failure = failure
        self.what = what
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class ClientSettings:
    """How patiently modelbot talks to GitHub; tests pass a fake sleep and clock."""

    attempts: int = 5
    max_wait: float = 90.0
    total_wait: float = 300.0
    backoff: float = 2.0
    seconds_between_requests: float = 0.25
    seconds_between_writes: float = 1.0
    timeout: int = 30
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time


class GitHubApi:
    """A PyGithub client whose calls are retried within a bounded total wait."""

    def __init__(self, client: Github, url: str, settings: ClientSettings) -> None:
        self.client = client
        self.url = url
        self.settings = settings
        self.waited = 0.0

    def call(self, what: str, operation: Callable[[], T]) -> T:
        """Run ``operation``, retrying rate limits and 5xx; raise ApiError at last."""
        for attempt in itertools.count(1):
            try:
                return operation()
            except (GithubException, requests.RequestException) as exc:
                failure, detail = classify(exc)
                status = exc.status if isinstance(exc, GithubException) else 0
                if not failure.transient:
                    raise ApiError(failure, what, f"{what}: {detail}", status) from exc
                wait = self.retry_wait(exc, failure, attempt)
                if attempt >= self.settings.attempts:
                    message = GAVE_UP.format(
                        what=what,
                        failure=failure.value,
                        detail=detail,
                        attempts=attempt,
                    )
                    raise ApiError(failure, what, message, status) from exc
                if (
                    wait > self.settings.max_wait
                    or self.waited + wait > self.settings.total_wait
                ):
                    message = WAIT_TOO_LONG.format(
                        what=what,
                        failure=failure.value,
                        detail=detail,
                        wait=wait,
                        limit=self.settings.max_wait,
                        total=self.settings.total_wait,
                    )
                    raise ApiError(failure, what, message, status) from exc
                LOG.warning(RETRYING, what, failure.value, detail, attempt, wait)
                self.settings.sleep(wait)
                self.waited += wait
        raise AssertionError("unreachable")

    def retry_wait(self, exc: Exception, failure: Failure, attempt: int) -> float:
        """Seconds to wait before the next attempt, as GitHub asks when it says."""
        if failure is Failure.UNAVAILABLE:
            return float(self.settings.backoff * 2 ** (attempt - 1))
        headers = _headers(exc)
        if "retry-after" in headers:
            return _seconds_after(headers["retry-after"], self.settings.clock())
        if (
            headers.get("x-ratelimit-remaining") == "0"
            and "x-ratelimit-reset" in headers
        ):
            try:
                reset = float(headers["x-ratelimit-reset"])
            except ValueError:
                return SECONDARY_LIMIT_WAIT
            return max(0.0, reset - self.settings.clock()) + 1.0
        return SECONDARY_LIMIT_WAIT


def connect(env: Mapping[str, str], settings: ClientSettings) -> GitHubApi:
    """A client for ``GITHUB_API_URL`` (github.com, GHES or any server there)."""
    url = (env.get("GITHUB_API_URL") or DEFAULT_API_URL).strip().rstrip("/")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise UsageError(BAD_API_URL.format(url=url, default=DEFAULT_API_URL))
    token = env.get("GITHUB_TOKEN", "").strip()
    if not token:
        raise UsageError(NO_TOKEN)
    client = Github(
        base_url=url,
        auth=Auth.Token(token),
        user_agent=f"modelbot/{__version__}",
        per_page=PER_PAGE,
        timeout=settings.timeout,
        retry=None,  # GitHubApi.call retries with a bounded, injectable wait
        seconds_between_requests=settings.seconds_between_requests or None,
        seconds_between_writes=settings.seconds_between_writes or None,
    )
    return GitHubApi(client, url, settings)


def classify(exc: Exception) -> tuple[Failure, str]:
    """The kind of failure and a one-line description of it."""
    if not isinstance(exc, GithubException):
        return Failure.UNAVAILABLE, f"{type(exc).__name__}: {exc}"
    status = exc.status
    data = exc.data if isinstance(exc.data, dict) else {}
    message = str(data.get("message") or exc.message or "").strip()
    lowered = message.lower()
    headers = _headers(exc)
    detail = f"{status} {message}".strip()
    errors = data.get("errors")
    if isinstance(errors, list):
        reasons = [str(e.get("message") or e) for e in errors if isinstance(e, dict)]
        detail += "".join(f"; {reason}" for reason in reasons)
    if status == 429 or (
        status == 403
        and (
            "retry-after" in headers
            or headers.get("x-ratelimit-remaining") == "0"
            or "rate limit" in lowered
        )
    ):
        return Failure.RATE_LIMITED, detail
    if status >= 500:
        return Failure.UNAVAILABLE, detail
    if not message and str(data.get("data", "")).lstrip().startswith("<"):
        return Failure.NOT_JSON, f"{status} {NOT_JSON_HINT}"
    if status == 401:
        return Failure.UNAUTHORIZED, detail
    if status == 403 and "resource not accessible by" in lowered:
        return Failure.READ_ONLY, detail
    if status == 403:
        return Failure.FORBIDDEN, detail
    if status == 404:
        return Failure.NOT_FOUND, detail
    return Failure.REJECTED, detail


def _headers(exc: Exception) -> dict[str, str]:
    raw = getattr(exc, "headers", None) or {}
    return {str(k).lower(): str(v) for k, v in raw.items()}


def _seconds_after(value: str, now: float) -> float:
    """Retry-After holds seconds or an HTTP date."""
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError):
        return SECONDARY_LIMIT_WAIT


def get_repository(api: GitHubApi, name: str) -> Repository:
    """The repository ``owner/name``, checking the server really is a GitHub API."""
    repo = api.call(f"read repository {name}", lambda: api.client.get_repo(name))
    # PyGithub takes any 2xx or 3xx answer as data; a web page becomes {"data": ...}.
    if "id" not in repo.raw_data:
        message = f"read repository {name}: {api.url} {NOT_JSON_HINT}"
        raise ApiError(Failure.NOT_JSON, "read repository", message)
    return repo


def get_pull(api: GitHubApi, repo: Repository, number: int) -> PullRequest:
    """Pull request ``number`` of ``repo``."""
    return api.call(f"read pull request #{number}", lambda: repo.get_pull(number))


def commit_in_pull(api: GitHubApi, pull: PullRequest, sha: str) -> bool:
    """True when ``sha`` is the head or one of the commits of ``pull``."""
    if pull.head.sha.lower() == sha.lower():
        return True
    return api.call(
        f"list the commits of #{pull.number}",
        lambda: any(c.sha.lower() == sha.lower() for c in pull.get_commits()),
    )
