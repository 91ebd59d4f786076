"""The shapes of twinlake's REST API, as ``TypedDict``s.

They follow ``/openapi.json`` and the README's route table; fields the
server may leave out are ``NotRequired``. A type checker (mypy, pyright)
checks a caller's use of the replies; at run time they are plain dicts.
"""

from typing import Any, Literal, NotRequired, TypedDict

ProposalKind = Literal["choice", "subset", "schedule", "assignment"]
"""What a proposal asks: pick one, pick several, pick a day, split tasks."""


# "from" is a Python keyword, so these two use the functional form.
TimeSlot = TypedDict("TimeSlot", {"from": str, "to": str})
"""Hours of a day (``HH:MM``, in each member's own zone) for a schedule's option."""

DayWindow = TypedDict("DayWindow", {"from": str, "to": str, "days": NotRequired[list[str]]})
"""A span of days (``YYYY-MM-DD``) to schedule in, on some weekdays only."""


class ItemSource(TypedDict):
    """A member's memory a drafted option comes from."""

    user: str
    memory_id: str
    text: str
    episode_id: str


class Item(TypedDict):
    """An option of a proposal, or a task."""

    id: str
    label: str
    details: NotRequired[str]
    date: NotRequired[str]
    time: NotRequired[TimeSlot]
    sources: NotRequired[list[ItemSource]]


class Project(TypedDict):
    """Members of one tenant deciding things together."""

    id: str
    title: str
    members: list[str]
    context: str
    created_at: str


class Proposal(TypedDict):
    """A question put to a project's members."""

    id: str
    project: str
    question: str
    kind: ProposalKind
    options: list[Item]
    tasks: list[Item]
    window: DayWindow | None
    status: Literal["open", "decided", "closed"]
    closes_at: str | None
    decision: Any
    created_at: str


class Citation(TypedDict):
    """The episode a reason rests on."""

    episode_id: str
    source_kind: str
    uri: str
    excerpt: NotRequired[str]


class Reason(TypedDict):
    """One reason behind a twin's score, always cited."""

    effect: Literal["for", "against", "veto"]
    text: str
    weight: float
    memory_id: NotRequired[str]
    citation: Citation


class Recommendation(TypedDict):
    """A twin's view of one option (or task, or day)."""

    option: str
    label: str
    score: float
    satisfaction: float
    vetoed: bool
    reasons: list[Reason]


class Generated(TypedDict):
    """``POST /recommendations/generate``: one twin's ranking, best first."""

    user: str
    proposal: str
    recommendations: list[Recommendation]


class MemberOutcome(TypedDict):
    """What coordination gives one member, and what they concede."""

    user: str
    satisfaction: float
    gets: Any
    concessions: list[Any]
    vetoes: list[Any]


class Outcome(TypedDict):
    """``POST /proposals/{id}/coordinate``: the group's decision."""

    decision: dict[str, Any]
    members: list[MemberOutcome]
    rationale: str


class Choice(TypedDict):
    """A member's own choice on a proposal."""

    user: str
    options: list[str]
    created_at: str


class Alignment(TypedDict):
    """How often twins' top picks matched their members' own choices."""

    compared: int
    matched: int
    rate: float | None


class Status(TypedDict):
    """``GET /proposals/{id}/status``."""

    proposal: Proposal
    members: list[dict[str, Any]]
    alignment: Alignment


class SearchResult(TypedDict):
    """A passage of the member's footprint, with where it is."""

    rank: int
    score: float
    text: str
    source: dict[str, Any]


class SearchReply(TypedDict):
    """``POST /twin/{user}/search``."""

    results: list[SearchResult]
    memories: list[dict[str, Any]]


class ChatReply(TypedDict):
    """``POST /twin/{user}/chat``: the twin's answer and what it used."""

    answer: str
    grounded: bool
    citations: list[dict[str, Any]]
    answered_by: str
    conversation_id: str



class Remembered(TypedDict):
    """``POST /twin/{user}/remember``: the fact as the member's stored turn."""

    conversation_id: str
    turn: dict[str, Any]
    learning: bool
