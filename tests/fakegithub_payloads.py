"""JSON objects of the fake GitHub API, in the shapes GitHub's OpenAPI requires."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fakegithub import Account, FakeGitHub, Pull

NOW = "2024-05-01T12:00:00Z"
WEB = "https://github.example"
USER_LINKS = (
    "events",
    "followers",
    "following",
    "gists",
    "organizations",
    "received_events",
    "repos",
    "starred",
    "subscriptions",
)
REPO_LINKS = (
    "archive",
    "assignees",
    "blobs",
    "branches",
    "collaborators",
    "comments",
    "commits",
    "compare",
    "contents",
    "contributors",
    "deployments",
    "downloads",
    "events",
    "forks",
    "git_commits",
    "git_refs",
    "git_tags",
    "hooks",
    "issue_comment",
    "issue_events",
    "issues",
    "keys",
    "labels",
    "languages",
    "merges",
    "milestones",
    "notifications",
    "pulls",
    "releases",
    "stargazers",
    "statuses",
    "subscribers",
    "subscription",
    "tags",
    "teams",
    "trees",
)


def simple_user(fake: FakeGitHub, account: Account) -> dict[str, Any]:
    """A simple-user object."""
    url = f"{fake.api_url}/users/{account.login}"
    user: dict[str, Any] = {
        "login": account.login,
        "id": account.id,
        "node_id": f"U_{account.id}",
        "avatar_url": f"{WEB}/avatars/{account.id}",
        "gravatar_id": "",
        "url": url,
        "html_url": f"{WEB}/{account.login}",
        "type": account.type,
        "site_admin": False,
        "user_view_type": "public",
    }
    for name in USER_LINKS:
        user[f"{name}_url"] = f"{url}/{name}"
    return user


def private_user(fake: FakeGitHub, account: Account) -> dict[str, Any]:
    """What GET /user answers for a personal access token."""
    return {
        **simple_user(fake, account),
        "user_view_type": "private",
        "name": None,
        "company": None,
        "blog": None,
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "public_repos": 1,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": NOW,
        "updated_at": NOW,
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
    }


def repository(fake: FakeGitHub, full_name: str) -> dict[str, Any]:
    """A full-repository object (also valid where a repository is expected)."""
    owner, name = full_name.split("/")
    url = f"{fake.api_url}/repos/{full_name}"
    repo: dict[str, Any] = {
        "id": zlib.crc32(full_name.encode()) % 10**8,
        "node_id": f"R_{name}",
        "name": name,
        "full_name": full_name,
        "owner": simple_user(fake, fake.account(owner)),
        "private": False,
        "html_url": f"{WEB}/{full_name}",
        "description": None,
        "fork": full_name != fake.repo,
        "url": url,
        "homepage": None,
        "language": "Python",
        "forks_count": 0,
        "stargazers_count": 0,
        "watchers_count": 0,
        "size": 1,
        "default_branch": "main",
        "open_issues_count": 1,
        "is_template": False,
        "topics": [],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "public",
        "pushed_at": NOW,
        "created_at": NOW,
        "updated_at": NOW,
        "license": None,
        "forks": 0,
        "open_issues": 1,
        "watchers": 0,
        "mirror_url": None,
        "git_url": f"git://github.example/{full_name}.git",
        "ssh_url": f"git@github.example:{full_name}.git",
        "clone_url": f"{WEB}/{full_name}.git",
        "svn_url": f"{WEB}/{full_name}",
        "network_count": 0,
        "subscribers_count": 0,
    }
    for link in REPO_LINKS:
        repo[f"{link}_url"] = f"{url}/{link}"
    return repo


def pull_request(fake: FakeGitHub, pull: Pull) -> dict[str, Any]:
    """A pull-request object."""
    number = pull.number
    api = f"{fake.api_url}/repos/{fake.repo}"
    url = f"{api}/pulls/{number}"
    issue = f"{api}/issues/{number}"
    html = f"{WEB}/{fake.repo}/pull/{number}"
    author = simple_user(fake, pull.author)

    def side(repo: str, sha: str, ref: str) -> dict[str, Any]:
        owner = repo.split("/")[0]
        return {
            "label": f"{owner}:{ref}",
            "ref": ref,
            "sha": sha,
            "user": simple_user(fake, fake.account(owner)),
            "repo": repository(fake, repo),
        }

    links = {
        "self": url,
        "html": html,
        "issue": issue,
        "comments": f"{issue}/comments",
        "review_comments": f"{url}/comments",
        "review_comment": f"{api}/pulls/comments{{/number}}",
        "commits": f"{url}/commits",
        "statuses": f"{api}/statuses/{pull.head_sha}",
    }
    return {
        "url": url,
        "id": 5000 + number,
        "node_id": f"PR_{number}",
        "html_url": html,
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "issue_url": issue,
        "commits_url": links["commits"],
        "review_comments_url": links["review_comments"],
        "review_comment_url": links["review_comment"],
        "comments_url": links["comments"],
        "statuses_url": links["statuses"],
        "number": number,
        "state": "open",
        "locked": False,
        "title": "Add a model",
        "user": author,
        "body": None,
        "labels": [],
        "milestone": None,
        "active_lock_reason": None,
        "created_at": NOW,
        "updated_at": NOW,
        "closed_at": None,
        "merged_at": None,
        "merge_commit_sha": None,
        "assignee": None,
        "assignees": [],
        "requested_reviewers": [],
        "requested_teams": [],
        "head": side(pull.head_repo, pull.head_sha, "feature"),
        "base": side(fake.repo, pull.base_sha, "main"),
        "_links": {name: {"href": href} for name, href in links.items()},
        "author_association": "CONTRIBUTOR",
        "auto_merge": None,
        "draft": False,
        "merged": False,
        "mergeable": None,
        "rebaseable": None,
        "mergeable_state": "unknown",
        "merged_by": None,
        "comments": len(fake.comments.get(number, [])),
        "review_comments": 0,
        "maintainer_can_modify": False,
        "commits": len(pull.commits),
        "additions": 1,
        "deletions": 0,
        "changed_files": 1,
    }


def comment(
    fake: FakeGitHub, number: int, comment_id: int, body: str, account: Account
) -> dict[str, Any]:
    """An issue-comment object."""
    api = f"{fake.api_url}/repos/{fake.repo}"
    bot = account.type == "Bot"
    return {
        "id": comment_id,
        "node_id": f"IC_{comment_id}",
        "url": f"{api}/issues/comments/{comment_id}",
        "html_url": f"{WEB}/{fake.repo}/pull/{number}#issuecomment-{comment_id}",
        "body": body,
        "user": simple_user(fake, account),
        "created_at": NOW,
        "updated_at": NOW,
        "issue_url": f"{api}/issues/{number}",
        "author_association": "NONE" if bot else "CONTRIBUTOR",
        "performed_via_github_app": None,
    }


def commit(fake: FakeGitHub, sha: str) -> dict[str, Any]:
    """A commit object as GET /pulls/{n}/commits lists it."""
    api = f"{fake.api_url}/repos/{fake.repo}"
    person = {"name": "A. Contributor", "email": "a@example.com", "date": NOW}
    return {
        "url": f"{api}/commits/{sha}",
        "sha": sha,
        "node_id": f"C_{sha[:8]}",
        "html_url": f"{WEB}/{fake.repo}/commit/{sha}",
        "comments_url": f"{api}/comments",
        "commit": {
            "url": f"{api}/git/commits/{sha}",
            "author": person,
            "committer": person,
            "message": "Add a model",
            "comment_count": 0,
            "tree": {"sha": "t" * 40, "url": f"{api}/git/trees/{'t' * 40}"},
        },
        "author": {},
        "committer": {},
        "parents": [],
    }


def check_run(
    fake: FakeGitHub, run_id: int, run: dict[str, Any], annotations: int
) -> dict[str, Any]:
    """A check-run object."""
    api = f"{fake.api_url}/repos/{fake.repo}"
    output = run.get("output") or {}
    return {
        "id": run_id,
        "node_id": f"CR_{run_id}",
        "head_sha": run["head_sha"],
        "name": run["name"],
        "url": f"{api}/check-runs/{run_id}",
        "html_url": f"{WEB}/{fake.repo}/runs/{run_id}",
        "details_url": run.get("details_url"),
        "external_id": run.get("external_id", ""),
        "status": "completed" if run.get("conclusion") else run.get("status", "queued"),
        "conclusion": run.get("conclusion"),
        "started_at": NOW,
        "completed_at": run.get("completed_at"),
        "check_suite": {"id": 1},
        "output": {
            "title": output.get("title"),
            "summary": output.get("summary"),
            "text": output.get("text"),
            "annotations_count": annotations,
            "annotations_url": f"{api}/check-runs/{run_id}/annotations",
        },
        "app": None,
        "pull_requests": [],
    }
