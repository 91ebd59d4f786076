"""The typed client against a live ``twinlake serve`` holding the demo
footprints of bob and carol (``tests/python_client.rs`` starts it and sets
``TWINLAKE_BASE``, ``TWINLAKE_KEY``, an admin key, and
``TWINLAKE_BOB_KEY``, bob's member key)."""

from __future__ import annotations

import os
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from example_planner import plan  # noqa: E402
from twinlake_client import Client, TwinlakeError  # noqa: E402

BASE = os.environ["TWINLAKE_BASE"]
ADMIN = Client(BASE, os.environ["TWINLAKE_KEY"])
BOB = Client(BASE, os.environ["TWINLAKE_BOB_KEY"])


def setUpModule() -> None:
    ADMIN.create_project("crew", "Crew", ["bob", "carol"], "A trip in January.")


class Twins(unittest.TestCase):
    def test_search_cites_the_members_own_footprint(self) -> None:
        reply = BOB.search("bob", "climbing on Fridays", k=3)
        self.assertTrue(reply["results"], reply)
        for hit in reply["results"]:
            self.assertTrue(hit["source"]["uri"], hit)
        profile = ADMIN.profile("carol")
        self.assertIsInstance(profile, dict)

    def test_a_planner_asks_every_twin_coordinates_and_records_a_choice(self) -> None:
        options = [
            {"id": "dolomites", "label": "The Dolomites", "details": "hiking, by train to Bolzano"},
            {"id": "bali", "label": "Bali", "details": "beaches, two long flights"},
        ]
        pid, views, outcome = plan(
            ADMIN, "crew", "Where do we go in January?", "choice", options, {"bob": "dolomites"}
        )
        self.assertEqual(set(views), {"bob", "carol"})
        bob_top = views["bob"][0]
        self.assertEqual(bob_top["option"], "dolomites", views["bob"])
        for ranking in views.values():
            for rec in ranking:
                for reason in rec["reasons"]:
                    self.assertTrue(reason["citation"]["episode_id"], reason)
        self.assertIn(outcome["decision"]["option"], {"dolomites", "bali"})
        self.assertEqual({m["user"] for m in outcome["members"]}, {"bob", "carol"})
        status = ADMIN.status(pid)
        self.assertEqual(status["alignment"]["compared"], 1, status)
        self.assertEqual(status["alignment"]["matched"], 1, status)
        self.assertNotIn(pid, [p["id"] for p in ADMIN.open_proposals("crew")])

    def test_errors_carry_the_status_and_the_servers_words(self) -> None:
        with self.assertRaises(TwinlakeError) as bad:
            ADMIN.propose("crew", "Q?", "vote", options=[{"id": "a", "label": "A"}])  # type: ignore[arg-type]
        self.assertEqual(bad.exception.status, 400)
        self.assertTrue(bad.exception.error.startswith("kind"), bad.exception.error)
        proposal = ADMIN.propose("crew", "Which day?", "choice", options=[{"id": "a", "label": "A"}])
        # Bob's key acts for bob only.
        with self.assertRaises(TwinlakeError) as other:
            BOB.recommend("carol", proposal["id"])
        self.assertEqual(other.exception.status, 403)
        with self.assertRaises(TwinlakeError) as missing:
            BOB.status("no-such-proposal")
        self.assertEqual(missing.exception.status, 404)
        chosen = BOB.choose(proposal["id"], "bob", "a")
        self.assertEqual(chosen["options"], ["a"])


if __name__ == "__main__":
    unittest.main()
