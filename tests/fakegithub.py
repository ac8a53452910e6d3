"""A loopback GitHub REST API for tests: state in memory, a request log, faults."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from . import fakegithub_payloads as payloads

COMMENT_LIMIT = 65_536
OUTPUT_LIMIT = 65_535
ANNOTATIONS_PER_REQUEST = 50
READ_ONLY = "Resource not accessible by integration"
SECONDARY_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before "
    "you try again."
)
PRIMARY_LIMIT = "API rate limit exceeded for installation ID 1."
DOCS = "https://docs.github.com/rest"


@dataclass
class Account:
    """A user or bot that owns tokens and writes comments."""

    login: str
    type: str = "User"
    id: int = 0


@dataclass
class Token:
    """An access token: who it acts as and what it may do."""

    account: Account
    app: bool = False  # an installation token (GITHUB_TOKEN): GET /user is 403
    read_only: bool = False  # a fork's pull_request token: every write is 403


@dataclass
class Pull:
    """A pull request of the fake repository."""

    number: int
    head_sha: str
    base_sha: str
    head_repo: str
    commits: list[str]
    author: Account


@dataclass
class Fault:
    """An answer to give instead of the real one, ``times`` times."""

    method: str
    pattern: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int
    after: bool  # do the real work first, then answer the fault (a lost reply)


@dataclass
class Request:
    """One request the server received and how it answered."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    status: int = 0


@dataclass
class Answer:
    """A response: status, JSON body and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class FakeGitHub:
    """GitHub's REST API for one repository, served on 127.0.0.1."""

    def __init__(self, prefix: str = "", repo: str = "octo/zoo") -> None:
        self.prefix = prefix.rstrip("/")
        self.repo = repo
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, Token] = {}
        self.pulls: dict[int, Pull] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.check_runs: dict[int, dict[str, Any]] = {}
        self.annotations: dict[int, list[dict[str, Any]]] = {}
        self.log: list[Request] = []
        self.faults: list[Fault] = []
        self.problems: list[str] = []
        self.validate: Any = None  # an openapi.OpenAPI, set by the fixture
        self.lock = threading.Lock()
        self.next_id = 1000
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.02},
            daemon=True,
        )

    # -- lifecycle and URLs ---------------------------------------------------
    def start(self) -> FakeGitHub:
        """Serve in a background thread."""
        self.thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @property
    def root(self) -> str:
        """Scheme, host and port."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """What GITHUB_API_URL holds for this server."""
        return self.root + self.prefix

    @property
    def graphql_path(self) -> str:
        """GraphQL lives beside the REST root: /graphql, or /api/graphql on GHES."""
        return self.prefix.removesuffix("/v3") + "/graphql"

    # -- arranging state ------------------------------------------------------
    def new_id(self) -> int:
        """A fresh object id."""
        self.next_id += 1
        return self.next_id

    def account(self, login: str, type: str = "User") -> Account:
        """The account ``login``, created on first use."""
        if login not in self.accounts:
            self.accounts[login] = Account(login, type, self.new_id())
        return self.accounts[login]

    def add_token(
        self,
        token: str,
        login: str,
        *,
        bot: bool = False,
        app: bool = False,
        read_only: bool = False,
    ) -> Token:
        """A token acting as ``login`` (a Bot account when ``bot``)."""
        entry = Token(self.account(login, "Bot" if bot else "User"), app, read_only)
        self.tokens[token] = entry
        return entry

    def add_pull(
        self,
        number: int,
        *,
        head_sha: str,
        base_sha: str = "b" * 40,
        head_repo: str | None = None,
        commits: list[str] | None = None,
        author: str = "contributor",
    ) -> Pull:
        """An open pull request; ``head_repo`` other than the repo makes a fork."""
        pull = Pull(
            number,
            head_sha,
            base_sha,
            head_repo or self.repo,
            commits or [head_sha],
            self.account(author),
        )
        self.pulls[number] = pull
        self.comments.setdefault(number, [])
        return pull

    def add_comment(
        self, number: int, body: str, login: str, type: str = "User"
    ) -> int:
        """An existing issue comment on pull request ``number``; returns its id."""
        comment = payloads.comment(
            self, number, self.new_id(), body, self.account(login, type)
        )
        self.comments[number].append(comment)
        return int(comment["id"])

    def fail(
        self,
        method: str,
        pattern: str,
        status: int,
        message: str = "",
        headers: dict[str, str] | None = None,
        times: int = 1,
        *,
        after: bool = False,
        html: str | None = None,
    ) -> None:
        """Answer ``status`` to the next ``times`` requests matching the path regex.

        ``after`` performs the request before failing (GitHub stored the comment,
        the reply was lost); ``html`` answers a web page instead of JSON.
        """
        body: Any = (
            html
            if html is not None
            else {"message": message or "Server Error", "documentation_url": DOCS}
        )
        self.faults.append(
            Fault(method, pattern, status, body, headers or {}, times, after)
        )

    def rate_limit(
        self,
        method: str,
        pattern: str,
        *,
        status: int = 429,
        retry_after: int = 2,
        times: int = 1,
    ) -> None:
        """A secondary rate limit with Retry-After."""
        self.fail(
            method,
            pattern,
            status,
            SECONDARY_LIMIT,
            {"Retry-After": str(retry_after)},
            times,
        )

    def exhaust_rate_limit(
        self, method: str, pattern: str, *, reset_in: int, times: int = 1
    ) -> None:
        """A primary rate limit: 403, x-ratelimit-remaining 0 and a reset time."""
        headers = {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-limit": "1000",
            "x-ratelimit-reset": str(int(time.time()) + reset_in),
        }
        self.fail(method, pattern, 403, PRIMARY_LIMIT, headers, times)

    # -- inspecting -----------------------------------------------------------
    def requests(self, method: str | None = None, pattern: str = "") -> list[Request]:
        """Logged requests with ``method`` whose path matches the regex ``pattern``."""
        return [
            r
            for r in self.log
            if (method is None or r.method == method) and re.search(pattern, r.path)
        ]

    def report_comments(self, number: int, marker: str) -> list[dict[str, Any]]:
        """Comments on ``number`` whose first line is ``marker``."""
        return [
            c
            for c in self.comments[number]
            if c["body"].split("\n", 1)[0].strip() == marker
        ]

    # -- serving --------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def do_PATCH(self) -> None:
                fake._serve(self, "PATCH")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        query = parse_qs(url.query)
        token = (handler.headers.get("Authorization") or "").split(" ")[-1]
        with self.lock:
            path = url.path
            rest = path.removeprefix(self.prefix) if path != self.graphql_path else path
            request = Request(method, rest, query, body)
            self.log.append(request)
            answer = self._answer(method, path, rest, query, body, token)
            request.status = answer.status
            if (
                self.validate is not None
                and path != self.graphql_path
                and not isinstance(answer.body, str)
            ):
                self.problems += self.validate.request_problems(
                    method, rest, query, body
                )
                self.problems += self.validate.response_problems(
                    method, rest, answer.status, answer.body
                )
        html = isinstance(answer.body, str)
        data = answer.body.encode() if html else json.dumps(answer.body).encode()
        handler.send_response(answer.status)
        kind = "text/html" if html else "application/json"
        handler.send_header("Content-Type", f"{kind}; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _answer(
        self,
        method: str,
        path: str,
        rest: str,
        query: dict[str, list[str]],
        body: Any,
        token: str,
    ) -> Answer:
        for fault in self.faults:
            if (
                fault.times > 0
                and fault.method == method
                and re.search(fault.pattern, rest)
            ):
                fault.times -= 1
                if fault.after:
                    self._route(method, path, rest, query, body, token)
                return Answer(fault.status, fault.body, fault.headers)
        return self._route(method, path, rest, query, body, token)

    def _route(
        self,
        method: str,
        path: str,
        rest: str,
        query: dict[str, list[str]],
        body: Any,
        token: str,
    ) -> Answer:
        if not path.startswith(self.prefix + "/") and path != self.graphql_path:
            return Answer(404, {"message": "Not Found", "documentation_url": DOCS})
        who = self.tokens.get(token)
        if who is None:
            return Answer(
                401, {"message": "Bad credentials", "documentation_url": DOCS}
            )
        if path == self.graphql_path:
            return Answer(200, {"data": {"viewer": {"login": who.account.login}}})
        if method != "GET" and who.read_only:
            return Answer(403, {"message": READ_ONLY, "documentation_url": DOCS})
        for route_method, pattern, action in self._routes():
            match = re.fullmatch(pattern, rest)
            if route_method == method and match:
                return action(who, query, body, *match.groups())
        return Answer(404, {"message": "Not Found", "documentation_url": DOCS})

    def _routes(self) -> list[tuple[str, str, Callable[..., Answer]]]:
        repo = re.escape(self.repo)
        return [
            ("GET", r"/user", self._get_user),
            ("GET", rf"/repos/{repo}", self._get_repo),
            ("GET", rf"/repos/{repo}/pulls/(\d+)", self._get_pull),
            ("GET", rf"/repos/{repo}/pulls/(\d+)/commits", self._get_commits),
            ("GET", rf"/repos/{repo}/pulls/(\d+)/comments", self._get_review_comments),
            ("GET", rf"/repos/{repo}/issues/(\d+)/comments", self._get_comments),
            ("POST", rf"/repos/{repo}/issues/(\d+)/comments", self._post_comment),
            ("PATCH", rf"/repos/{repo}/issues/comments/(\d+)", self._patch_comment),
            ("POST", rf"/repos/{repo}/check-runs", self._post_check_run),
            ("PATCH", rf"/repos/{repo}/check-runs/(\d+)", self._patch_check_run),
        ]

    # -- endpoints ------------------------------------------------------------
    def _get_user(self, who: Token, query: Any, body: Any) -> Answer:
        if who.app:
            return Answer(403, {"message": READ_ONLY, "documentation_url": DOCS})
        return Answer(200, payloads.private_user(self, who.account))

    def _get_repo(self, who: Token, query: Any, body: Any) -> Answer:
        return Answer(200, payloads.repository(self, self.repo))

    def _pull(self, number: str) -> Pull | None:
        return self.pulls.get(int(number))

    def _get_pull(self, who: Token, query: Any, body: Any, number: str) -> Answer:
        pull = self._pull(number)
        if pull is None:
            return Answer(404, {"message": "Not Found", "documentation_url": DOCS})
        return Answer(200, payloads.pull_request(self, pull))

    def _get_commits(self, who: Token, query: Any, body: Any, number: str) -> Answer:
        pull = self._pull(number)
        if pull is None:
            return Answer(404, {"message": "Not Found", "documentation_url": DOCS})
        items = [payloads.commit(self, sha) for sha in pull.commits]
        return self._page(items, query, f"/repos/{self.repo}/pulls/{number}/commits")

    def _get_review_comments(
        self, who: Token, query: Any, body: Any, number: str
    ) -> Answer:
        # Review comments are another list; modelbot's report never lives here.
        return self._page([], query, f"/repos/{self.repo}/pulls/{number}/comments")

    def _get_comments(self, who: Token, query: Any, body: Any, number: str) -> Answer:
        if int(number) not in self.comments:
            return Answer(404, {"message": "Not Found", "documentation_url": DOCS})
        items = self.comments[int(number)]
        return self._page(items, query, f"/repos/{self.repo}/issues/{number}/comments")

    def _page(self, items: list[Any], query: dict[str, list[str]], path: str) -> Answer:
        per_page = min(int(query.get("per_page", ["30"])[0]), 100)
        page = max(int(query.get("page", ["1"])[0]), 1)
        last = max(1, -(-len(items) // per_page))
        links = []
        for rel, number in (
            ("prev", page - 1),
            ("next", page + 1),
            ("last", last),
            ("first", 1),
        ):
            if (rel in ("prev", "first") and page > 1) or (
                rel in ("next", "last") and page < last
            ):
                params = urlencode({"per_page": per_page, "page": number})
                links.append(f'<{self.api_url}{path}?{params}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else {}
        start = (page - 1) * per_page
        return Answer(200, items[start : start + per_page], headers)

    def _too_long(self, field_name: str, limit: int, resource: str) -> Answer:
        error = {
            "resource": resource,
            "code": "custom",
            "field": field_name,
            "message": f"{field_name} is too long (maximum is {limit} characters)",
        }
        return Answer(
            422,
            {
                "message": "Validation Failed",
                "errors": [error],
                "documentation_url": DOCS,
            },
        )

    def _post_comment(self, who: Token, query: Any, body: Any, number: str) -> Answer:
        if int(number) not in self.comments:
            return Answer(404, {"message": "Not Found", "documentation_url": DOCS})
        if len(body["body"]) > COMMENT_LIMIT:
            return self._too_long("body", COMMENT_LIMIT, "IssueComment")
        comment = payloads.comment(
            self, int(number), self.new_id(), body["body"], who.account
        )
        self.comments[int(number)].append(comment)
        return Answer(201, comment)

    def _patch_comment(
        self, who: Token, query: Any, body: Any, comment_id: str
    ) -> Answer:
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == int(comment_id):
                    # A token with pull-requests: write may edit anyone's
                    # comment, so only modelbot's own check protects them.
                    if len(body["body"]) > COMMENT_LIMIT:
                        return self._too_long("body", COMMENT_LIMIT, "IssueComment")
                    comment["body"] = body["body"]
                    comment["updated_at"] = payloads.NOW
                    return Answer(200, comment)
        return Answer(404, {"message": "Not Found", "documentation_url": DOCS})

    def _check_output(self, output: dict[str, Any] | None) -> Answer | None:
        output = output or {}
        for name in ("summary", "text"):
            if len(output.get(name) or "") > OUTPUT_LIMIT:
                return self._too_long(f"output.{name}", OUTPUT_LIMIT, "CheckRun")
        if len(output.get("annotations", [])) > ANNOTATIONS_PER_REQUEST:
            return Answer(
                422,
                {
                    "message": "Only 50 annotations are allowed per request",
                    "documentation_url": DOCS,
                },
            )
        return None

    def _post_check_run(self, who: Token, query: Any, body: Any) -> Answer:
        problem = self._check_output(body.get("output"))
        if problem:
            return problem
        run_id = self.new_id()
        self.check_runs[run_id] = dict(body)
        self.annotations[run_id] = list(
            (body.get("output") or {}).get("annotations", [])
        )
        return Answer(
            201,
            payloads.check_run(
                self, run_id, self.check_runs[run_id], len(self.annotations[run_id])
            ),
        )

    def _patch_check_run(
        self, who: Token, query: Any, body: Any, run_id: str
    ) -> Answer:
        run = self.check_runs.get(int(run_id))
        if run is None:
            return Answer(404, {"message": "Not Found", "documentation_url": DOCS})
        problem = self._check_output(body.get("output"))
        if problem:
            return problem
        # Annotations are appended by each update; the rest replaces.
        self.annotations[int(run_id)] += (body.get("output") or {}).get(
            "annotations", []
        )
        run.update({k: v for k, v in body.items() if k != "output"})
        run["output"] = {**run.get("output", {}), **body.get("output", {})}
        return Answer(
            200,
            payloads.check_run(
                self, int(run_id), run, len(self.annotations[int(run_id)])
            ),
        )
