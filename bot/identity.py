"""Who the token acts as, to recognise modelbot's own report comments."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelbot.github import ApiError, Failure, GitHubApi

if TYPE_CHECKING:
    from github.NamedUser import NamedUser
    from github.Organization import Organization

LOG = logging.getLogger(__name__)

# Comments written with a workflow's GITHUB_TOKEN carry this author.
DEFAULT_BOT_LOGIN = "github-actions[bot]"

UNKNOWN_LOGIN = (
    "cannot learn the token's login (%s); assuming %s: if the token is another "
    "app's or user's, set MODELBOT_BOT_LOGIN or the report comment is not found again"
)


@dataclass(frozen=True)
class Identity:
    """Who the token acts as, to recognise modelbot's own comments."""

    login: str
    bot: bool

    def wrote(self, user: NamedUser | Organization | None) -> bool:
        """True when ``user`` is this identity (logins are case-insensitive)."""
        if user is None:
            return False
        if self.bot:
            # REST says "name[bot]", GraphQL may say "name": compare the bare names.
            return user.type == "Bot" and _bare(user.login) == _bare(self.login)
        return str(user.login).casefold() == self.login.casefold()


def resolve_identity(api: GitHubApi, login: str | None = None) -> Identity:
    """Who the token acts as: ``login`` if given, else GET /user, else GraphQL."""
    if login:
        return Identity(login, login.endswith("[bot]"))
    try:
        user = api.client.get_user()
        name, kind = api.call("read the token's user", lambda: (user.login, user.type))
        return Identity(name, kind == "Bot")
    except ApiError as exc:
        if exc.failure not in (Failure.READ_ONLY, Failure.FORBIDDEN):
            raise
    # Installation tokens (GITHUB_TOKEN, GitHub Apps) may not read GET /user, and
    # GET /app needs the app's JWT; GraphQL's viewer names the app's bot user.
    query = "query { viewer { login } }"
    try:
        _, data = api.call(
            "ask GraphQL for the token's login",
            lambda: api.client.requester.graphql_query(query, {}),
        )
        return Identity(str(data["data"]["viewer"]["login"]), True)
    except (ApiError, KeyError, TypeError) as exc:
        LOG.warning(UNKNOWN_LOGIN, exc, DEFAULT_BOT_LOGIN)
        return Identity(DEFAULT_BOT_LOGIN, True)


def _bare(login: str) -> str:
    return login.casefold().removesuffix("[bot]")
