"""A small client for twinlake's REST API, on the standard library alone.

One :class:`Client` holds the server's address and an API key; each
method is one route and returns its reply as the ``TypedDict`` of
:mod:`twinlake_client.types`. A reply that is not 2xx raises
:class:`TwinlakeError` carrying the status and the server's own error
text, which names the field at fault for a 400.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, cast

from .types import (
    ChatReply,
    Choice,
    DayWindow,
    Generated,
    Item,
    Outcome,
    Project,
    Proposal,
    ProposalKind,
    Remembered,
    SearchReply,
    Status,
)


class TwinlakeError(Exception):
    """A reply that is not 2xx: its HTTP status and the server's error text."""

    def __init__(self, status: int, error: str, route: str) -> None:
        super().__init__(f"{route}: {status}: {error}")
        self.status = status
        self.error = error
        self.route = route


class Client:
    """twinlake's REST API at ``base`` (``http://127.0.0.1:8080``), called
    with ``key`` (``twinlake keys create``): a member key acts for its
    member, an admin key for any member of its tenant."""

    def __init__(self, base: str, key: str, timeout: float = 60.0) -> None:
        self.base = base.rstrip("/")
        self.key = key
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("authorization", f"Bearer {self.key}")
        if data is not None:
            request.add_header("content-type", "application/json")
        route = f"{method} {path}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:
                return json.loads(reply.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read().decode(errors="replace")
            try:
                error = json.loads(text).get("error", text)
            except (ValueError, AttributeError):
                error = text
            raise TwinlakeError(e.code, str(error), route) from None

    @staticmethod
    def _q(part: str) -> str:
        return urllib.parse.quote(part, safe="")

    # The twin.

    def search(self, user: str, query: str, k: int = 10) -> SearchReply:
        """Passages of ``user``'s footprint for ``query``, each with its source."""
        return cast(SearchReply, self._call("POST", f"/twin/{self._q(user)}/search", {"query": query, "k": k}))

    def chat(self, user: str, message: str, conversation_id: str | None = None) -> ChatReply:
        """Asks ``user``'s twin; the reply cites what it used."""
        body: dict[str, Any] = {"message": message}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        return cast(ChatReply, self._call("POST", f"/twin/{self._q(user)}/chat", body))

    def remember(self, user: str, fact: str, conversation_id: str | None = None) -> Remembered:
        """Keeps a fact ``user`` said, in their words; it is learnt as a chat turn is."""
        body: dict[str, Any] = {"fact": fact}
        if conversation_id is not None:
            body["conversation_id"] = conversation_id
        return cast(Remembered, self._call("POST", f"/twin/{self._q(user)}/remember", body))

    def profile(self, user: str) -> dict[str, Any]:
        """What ``user``'s twin knows of them, by kind."""
        return cast(dict[str, Any], self._call("GET", f"/twin/{self._q(user)}/profile"))

    # Projects.

    def create_project(self, id: str, title: str, members: list[str], context: str = "") -> Project:
        """Creates a project of the key's tenant."""
        body = {"id": id, "title": title, "members": members, "context": context}
        return cast(Project, self._call("POST", "/projects", body)["project"])

    def project(self, id: str) -> tuple[Project, list[Proposal]]:
        """A project and its proposals, oldest first."""
        reply = self._call("GET", f"/projects/{self._q(id)}")
        return cast(Project, reply["project"]), cast(list[Proposal], reply["proposals"])

    def propose(
        self,
        project: str,
        question: str,
        kind: ProposalKind,
        *,
        id: str | None = None,
        options: list[Item] | None = None,
        tasks: list[Item] | None = None,
        window: DayWindow | None = None,
        closes_at: str | None = None,
    ) -> Proposal:
        """Puts a question to a project; a choice or subset without
        ``options`` gets them drafted from what the members like."""
        body: dict[str, Any] = {"question": question, "kind": kind}
        for name, value in [
            ("id", id),
            ("options", options),
            ("tasks", tasks),
            ("window", window),
            ("closes_at", closes_at),
        ]:
            if value is not None:
                body[name] = value
        return cast(Proposal, self._call("POST", f"/projects/{self._q(project)}/proposals", body)["proposal"])

    def open_proposals(self, project: str) -> list[Proposal]:
        """A project's proposals still open."""
        path = "/proposals/open?" + urllib.parse.urlencode({"project": project})
        return cast(list[Proposal], self._call("GET", path)["proposals"])

    def recommend(self, user: str, proposal: str) -> Generated:
        """``user``'s twin's ranking of a proposal's options, best first,
        every score with cited reasons; kept as its latest."""
        return cast(Generated, self._call("POST", "/recommendations/generate", {"user": user, "proposal": proposal}))

    def coordinate(self, proposal: str) -> Outcome:
        """Every member's twin recommends and the group decides."""
        return cast(Outcome, self._call("POST", f"/proposals/{self._q(proposal)}/coordinate", {}))

    def choose(self, proposal: str, user: str, option: str | list[str]) -> Choice:
        """Records ``user``'s own choice (a list for a subset); it becomes
        a memory of theirs before this returns."""
        body: dict[str, Any] = {"user": user}
        body["options" if isinstance(option, list) else "option"] = option
        return cast(Choice, self._call("POST", f"/proposals/{self._q(proposal)}/choice", body)["choice"])

    def status(self, proposal: str) -> Status:
        """Each member's recommendation and choice, the decision, and alignment."""
        return cast(Status, self._call("GET", f"/proposals/{self._q(proposal)}/status"))
