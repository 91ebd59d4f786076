"""twinlake's MCP server driven by the real MCP client, the ``mcp`` Python
SDK (``tests/mcp_server.rs`` runs it with the SDK from ``vendor/python-mcp``).

Two transports, one suite each, over bob's and carol's demo footprints:

- ``StdioTools`` starts ``twinlake mcp`` as a child process with bob's
  member key (``TWINLAKE_BIN``, ``TWINLAKE_DATA_DIR``, ``TWINLAKE_BOB_KEY``);
- ``HttpTools`` connects to ``/mcp`` of a live ``twinlake serve``
  (``TWINLAKE_BASE``, ``TWINLAKE_KEY``, an admin key, and bob's key), and
  checks each tool error against the same call over plain HTTP, made with
  the typed client of ``clients/python``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from mcp import Client, MCPError, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "clients" / "python"))
from twinlake_client import Client as RestClient, TwinlakeError  # noqa: E402

TOOLS = {"search", "profile", "open_proposals", "recommend", "coordinate", "choose", "remember"}
BOB_KEY = os.environ["TWINLAKE_BOB_KEY"]


def stdio(key: str) -> Client:
    """An MCP client of ``twinlake mcp`` acting with ``key``."""
    env = {
        "TWINLAKE_DATA_DIR": os.environ["TWINLAKE_DATA_DIR"],
        "TWINLAKE_API_KEY": key,
        "TWINLAKE_LOG": "warn",
    }
    return Client(StdioServerParameters(command=os.environ["TWINLAKE_BIN"], args=["mcp"], env=env))


def http(key: str | None) -> Client:
    """An MCP client of the live server's ``/mcp`` acting with ``key``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    transport = streamable_http_client(
        os.environ["TWINLAKE_BASE"] + "/mcp", http_client=create_mcp_http_client(headers=headers)
    )
    return Client(transport)


def reply(result: Any) -> dict[str, Any]:
    """A successful tool call's JSON: the text a model reads, and the same as structured content."""
    assert not result.is_error, result
    text = json.loads(result.content[0].text)
    assert text == result.structured_content, (text, result.structured_content)
    return text


def error_text(result: Any) -> str:
    """A failed tool call's error text."""
    assert result.is_error, result
    return result.content[0].text


class Shared:
    """Tests every transport passes; ``connect`` gives bob's client."""

    def connect(self) -> Client:
        raise NotImplementedError

    def drive(self, test: Any) -> None:
        async def with_client() -> None:
            async with self.connect() as client:
                await test(client)

        asyncio.run(with_client())

    def test_every_tool_is_listed_with_a_schema_and_a_description(self) -> None:
        async def test(client: Client) -> None:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            self.assertEqual(set(tools), TOOLS)
            for tool in tools.values():
                self.assertGreater(len(tool.description or ""), 80, tool.name)
                schema = tool.input_schema
                self.assertEqual(schema["type"], "object", tool.name)
                for name in schema.get("required", []):
                    self.assertIn(name, schema["properties"], tool.name)
                    self.assertTrue(schema["properties"][name].get("description"), (tool.name, name))
            self.assertEqual(set(tools["search"].input_schema["required"]), {"user", "query"})
            self.assertTrue(tools["search"].annotations.read_only_hint)
            self.assertFalse(tools["choose"].annotations.read_only_hint)

        self.drive(test)

    def test_search_and_profile_cite_the_members_own_footprint(self) -> None:
        async def test(client: Client) -> None:
            found = reply(await client.call_tool("search", {"user": "bob", "query": "climbing on Fridays", "k": 3}))
            self.assertTrue(found["results"], found)
            self.assertLessEqual(len(found["results"]), 3)
            for hit in found["results"]:
                self.assertTrue(hit["source"]["uri"].startswith("bob/"), hit)
            profile = reply(await client.call_tool("profile", {"user": "bob"}))
            cited = [item for items in profile.values() if isinstance(items, list) for item in items
                     if isinstance(item, dict) and item.get("citations")]
            self.assertTrue(cited, profile)

        self.drive(test)

    def test_a_key_reaches_its_own_member_only(self) -> None:
        async def test(client: Client) -> None:
            refused = error_text(await client.call_tool("search", {"user": "carol", "query": "music"}))
            self.assertIn("reaches only the twin of bob, not carol's", refused)
            refused = error_text(await client.call_tool("remember", {"user": "carol", "fact": "I hate jazz."}))
            self.assertIn("not carol's", refused)
            with self.assertRaises(MCPError) as outside:
                await client.read_resource("twinlake://twin/carol/profile")
            self.assertIn("not carol's", str(outside.exception))

        self.drive(test)

    def test_bad_arguments_are_named(self) -> None:
        async def test(client: Client) -> None:
            # Against the schema: a tool error naming the field, which the
            # model reads and corrects (2026-07-28 reports input errors so).
            missing = error_text(await client.call_tool("search", {"user": "bob"}))
            self.assertIn("missing field `query`", missing)
            unknown = error_text(await client.call_tool("profile", {"user": "bob", "verbose": True}))
            self.assertIn("unknown field `verbose`", unknown)
            # Within the schema but refused by the twin: a tool error, as over HTTP.
            said = error_text(await client.call_tool("remember", {"user": "bob", "fact": "thanks!"}))
            self.assertTrue(said.startswith("fact:"), said)
            bad_user = error_text(await client.call_tool("profile", {"user": "Bob Smith"}))
            self.assertIn("Bob Smith", bad_user)

        self.drive(test)

    def test_resources_are_the_profile_and_the_status(self) -> None:
        async def test(client: Client) -> None:
            templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
            self.assertEqual(
                templates, {"twinlake://twin/{user}/profile", "twinlake://proposals/{proposal}/status"}
            )
            listed = [r.uri for r in (await client.list_resources()).resources]
            self.assertEqual(listed, ["twinlake://twin/bob/profile"])
            read = (await client.read_resource("twinlake://twin/bob/profile")).contents[0]
            self.assertEqual(read.mime_type, "application/json")
            self.assertEqual(read.uri, "twinlake://twin/bob/profile")
            profile = json.loads(read.text)
            tool = reply(await client.call_tool("profile", {"user": "bob"}))
            self.assertEqual(profile.keys(), tool.keys())
            with self.assertRaises(MCPError) as unknown:
                await client.read_resource("twinlake://twin/bob/diary")
            self.assertIn("uri:", str(unknown.exception))

        self.drive(test)


class StdioTools(Shared, unittest.TestCase):
    def connect(self) -> Client:
        return stdio(BOB_KEY)

    def test_a_remembered_fact_is_learnt_and_found(self) -> None:
        fact = "I just started taking cello lessons on Tuesday evenings."

        async def test(client: Client) -> None:
            kept = reply(await client.call_tool("remember", {"user": "bob", "fact": fact}))
            self.assertTrue(kept["learning"], kept)
            self.assertEqual(kept["turn"]["text"], fact)
            self.assertEqual(kept["turn"]["role"], "user")
            deadline = time.monotonic() + 90
            while True:
                found = reply(await client.call_tool("search", {"user": "bob", "query": "cello lessons", "k": 3}))
                if any("cello" in hit["text"] for hit in found["results"]):
                    break
                self.assertLess(time.monotonic(), deadline, f"never learnt: {found}")
                await asyncio.sleep(0.5)

        self.drive(test)

    def test_no_key_no_server(self) -> None:
        async def test() -> None:
            async with stdio("tlk_nope_nope"):
                pass

        with self.assertRaises(Exception):
            asyncio.run(test())


class HttpTools(Shared, unittest.TestCase):
    admin = RestClient(os.environ.get("TWINLAKE_BASE", ""), os.environ.get("TWINLAKE_KEY", ""))
    bob = RestClient(os.environ.get("TWINLAKE_BASE", ""), BOB_KEY)

    @classmethod
    def setUpClass(cls) -> None:
        cls.admin.create_project("picnic", "Picnic", ["bob", "carol"], "A picnic in June.")

    def connect(self) -> Client:
        return http(BOB_KEY)

    def propose(self, question: str) -> str:
        options = [
            {"id": "dolomites", "label": "The Dolomites", "details": "hiking, by train to Bolzano"},
            {"id": "bali", "label": "Bali", "details": "beaches, two long flights"},
        ]
        return self.admin.propose("picnic", question, "choice", options=options)["id"]

    def test_a_planner_runs_the_loop_through_the_tools(self) -> None:
        proposal = self.propose("Where do we go after the picnic?")

        async def test(client: Client) -> None:
            open_now = reply(await client.call_tool("open_proposals", {"project": "picnic"}))
            self.assertIn(proposal, [p["id"] for p in open_now["proposals"]])
            for user in ("bob", "carol"):
                ranked = reply(await client.call_tool("recommend", {"user": user, "proposal": proposal}))
                self.assertEqual(ranked["user"], user)
                self.assertEqual({r["option"] for r in ranked["recommendations"]}, {"dolomites", "bali"})
                if user == "bob":
                    self.assertEqual(ranked["recommendations"][0]["option"], "dolomites", ranked)
            outcome = reply(await client.call_tool("coordinate", {"proposal": proposal}))
            self.assertIn(outcome["decision"]["option"], {"dolomites", "bali"})
            self.assertEqual({m["user"] for m in outcome["members"]}, {"bob", "carol"})
            kept = reply(await client.call_tool("choose", {"user": "bob", "proposal": proposal, "option": "dolomites"}))
            self.assertEqual(kept["choice"]["options"], ["dolomites"])
            status = json.loads(
                (await client.read_resource(f"twinlake://proposals/{proposal}/status")).contents[0].text
            )
            self.assertEqual(status, self.admin.status(proposal))
            self.assertEqual(status["alignment"]["matched"], 1, status)

        async def as_admin() -> None:
            async with http(os.environ["TWINLAKE_KEY"]) as client:
                await test(client)

        asyncio.run(as_admin())

    def test_tool_errors_carry_the_http_apis_words(self) -> None:
        proposal = self.propose("Which lake?")
        cases = [
            ("recommend", {"user": "carol", "proposal": proposal}, lambda: self.bob.recommend("carol", proposal)),
            ("coordinate", {"proposal": "no-such-proposal"}, lambda: self.bob.coordinate("no-such-proposal")),
            ("choose", {"user": "bob", "proposal": proposal, "option": "mars"},
             lambda: self.bob.choose(proposal, "bob", "mars")),
            ("open_proposals", {"project": "nowhere"}, lambda: self.bob.open_proposals("nowhere")),
            ("remember", {"user": "bob", "fact": "ok"}, lambda: self.bob.remember("bob", "ok")),
        ]

        async def test(client: Client) -> None:
            for tool, arguments, over_http in cases:
                said = error_text(await client.call_tool(tool, arguments))
                with self.assertRaises(TwinlakeError) as refused:
                    over_http()
                self.assertIn(refused.exception.status, {400, 403, 404}, tool)
                self.assertEqual(said, refused.exception.error, tool)

        self.drive(test)

    def test_no_key_is_refused_before_any_tool(self) -> None:
        request = urllib.request.Request(
            os.environ["TWINLAKE_BASE"] + "/mcp",
            data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode(),
            headers={"content-type": "application/json", "accept": "application/json, text/event-stream"},
        )
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        self.assertEqual(refused.exception.code, 401)

        async def test() -> None:
            async with http(None) as client:
                await client.list_tools()

        with self.assertRaises(Exception):
            asyncio.run(test())


if __name__ == "__main__":
    unittest.main()
