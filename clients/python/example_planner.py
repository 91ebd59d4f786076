"""What a planner agent does with the twins, through the typed client:
open a proposal, ask every member's twin, coordinate, and record what
each member then chose.

    python3 clients/python/example_planner.py --base http://127.0.0.1:8080 \\
        --key "$(cat .twinlake/demo.key)" --project harbor \\
        --question "Where do we go on the trip in January?" --kind choice \\
        --option dolomites="The Dolomites" --option lisbon=Lisbon \\
        --chose bob=dolomites
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from twinlake_client import Client  # noqa: E402
from twinlake_client.types import Item, Outcome, ProposalKind, Recommendation  # noqa: E402


def plan(
    twins: Client,
    project: str,
    question: str,
    kind: ProposalKind,
    options: list[Item] | None = None,
    chose: dict[str, str] | None = None,
) -> tuple[str, dict[str, list[Recommendation]], Outcome]:
    """Proposes ``question`` to ``project``, asks each member's twin,
    coordinates, and records each member's own choice in ``chose``.
    Returns the proposal's id, each twin's ranking and the outcome."""
    proposal = twins.propose(project, question, kind, options=options)
    members = twins.project(project)[0]["members"]
    views = {m: twins.recommend(m, proposal["id"])["recommendations"] for m in members}
    outcome = twins.coordinate(proposal["id"])
    for user, option in (chose or {}).items():
        twins.choose(proposal["id"], user, option)
    return proposal["id"], views, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--key", required=True, help="an admin key of the tenant")
    parser.add_argument("--project", required=True)
    parser.add_argument("--question", required=True)
    parser.add_argument("--kind", default="choice", choices=["choice", "subset", "schedule", "assignment"])
    parser.add_argument("--option", action="append", default=[], metavar="ID=LABEL",
                        help="an option; none drafts them from the members' likes")
    parser.add_argument("--chose", action="append", default=[], metavar="USER=OPTION",
                        help="a member's own choice, recorded after coordination")
    args = parser.parse_args()
    options: list[Item] | None = [
        {"id": i, "label": label} for i, label in (o.split("=", 1) for o in args.option)
    ] or None
    chose = dict(c.split("=", 1) for c in args.chose)
    pid, views, outcome = plan(Client(args.base, args.key), args.project, args.question, args.kind, options, chose)
    print(f"proposal {pid}")
    for user, ranking in views.items():
        top = next((r for r in ranking if not r["vetoed"]), None)
        why = top["reasons"][0]["text"] if top and top["reasons"] else "nothing known"
        print(f"  {user}'s twin: {top['label'] if top else 'vetoes every option'} ({why})")
    print("decision:", json.dumps(outcome["decision"]))
    print(outcome["rationale"])


if __name__ == "__main__":
    main()
