"""Agents: the official MCP Python SDK (`mcp`) as the client of `/mcp`.

The server is the same `papers serve` over the imported Hugging Face days that
test_hf_client.py starts. The client lists the tools, checks that each has a
description and an input schema, calls each one and checks the answers against
the imported data, and checks that a bad argument comes back as a tool error
the model can read rather than a protocol failure.
"""

import asyncio
import json
import time

import pytest
from mcp import Client

from test_hf_client import load_day, server  # noqa: F401  (the shared server fixture)

TOOLS = {"search_papers", "daily_papers", "trending", "paper", "similar_papers"}
DAY = "2024-05-27"


def run(coro):
    return asyncio.run(coro)


async def call(endpoint, name, args, mode="auto"):
    async with Client(endpoint + "/mcp", mode=mode) as client:
        return await client.call_tool(name, args)


def papers_of(result):
    assert not result.is_error, result.content
    data = result.structured_content
    assert data is not None
    # The text block carries the same JSON, for clients that ignore structured content.
    assert json.loads(result.content[0].text) == data
    return data["papers"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_tools_are_listed_with_schemas_and_descriptions(server, mode):  # noqa: F811
    async def go():
        async with Client(server + "/mcp", mode=mode) as client:
            return await client.list_tools()

    tools = {t.name: t for t in run(go()).tools}
    assert set(tools) == TOOLS
    for t in tools.values():
        assert len(t.description) > 40, t.name
        assert t.input_schema["type"] == "object", t.name
    assert "query" in tools["search_papers"].input_schema["required"]
    assert "id" in tools["paper"].input_schema["required"]
    assert {"date", "week", "month", "limit"} <= set(tools["daily_papers"].input_schema["properties"])


def test_daily_papers_answers_the_day_most_upvoted_first(server):  # noqa: F811
    items = load_day(DAY)
    papers = papers_of(run(call(server, "daily_papers", {"date": DAY, "limit": 50})))
    assert {p["id"] for p in papers} == {i["paper"]["id"] for i in items}
    votes = [p["upvotes"] for p in papers]
    assert votes == sorted(votes, reverse=True)
    first = papers[0]
    assert first["url"].endswith("/papers/" + first["id"])
    assert first["title"] and first["authors"] and first["summary"]

    # A week and a month hold that day's papers too; the limit is exact.
    week = papers_of(run(call(server, "daily_papers", {"week": "2024-W22", "limit": 3})))
    assert len(week) == 3
    month = papers_of(run(call(server, "daily_papers", {"month": "2024-05", "limit": 50})))
    assert {p["id"] for p in papers} <= {p["id"] for p in month}


def test_trending_ranks_recent_papers(server):  # noqa: F811
    papers = papers_of(run(call(server, "trending", {"limit": 5})))
    assert 0 < len(papers) <= 5
    latest = max(p["listed_on"] for p in papers)
    assert latest == "2026-08-21"


def test_search_finds_a_paper_by_its_title_words(server):  # noqa: F811
    item = load_day(DAY)[0]["paper"]
    papers = papers_of(
        run(call(server, "search_papers", {"query": item["title"], "mode": "keyword", "limit": 5}))
    )
    assert papers[0]["id"] == item["id"]
    assert all("score" in p for p in papers)


def test_paper_is_markdown_with_title_and_abstract(server):  # noqa: F811
    item = load_day(DAY)[0]["paper"]
    result = run(call(server, "paper", {"id": "arXiv:" + item["id"]}))
    assert not result.is_error
    md = result.content[0].text
    assert md.startswith("# ")
    # Markdown punctuation in the data comes back escaped with backslashes.
    plain = " ".join(md.replace("\\", "").split())
    assert " ".join(item["title"].split()[:3]) in plain
    assert " ".join(item["summary"].split()[:6]) in plain


def test_similar_papers_come_from_the_vectors(server):  # noqa: F811
    item = load_day(DAY)[0]["paper"]
    # The server embeds the imported papers in the background after it starts.
    deadline = time.time() + 120
    while True:
        papers = papers_of(run(call(server, "similar_papers", {"id": item["id"], "limit": 5})))
        if papers or time.time() > deadline:
            break
        time.sleep(2)
    assert 0 < len(papers) <= 5
    assert item["id"] not in {p["id"] for p in papers}
    scores = [p["score"] for p in papers]
    assert scores == sorted(scores, reverse=True)
    assert all(-1.0 <= s <= 1.0 for s in scores)


@pytest.mark.parametrize(
    "name,args,words",
    [
        ("paper", {"id": "not an id"}, "arXiv id"),
        ("paper", {"id": "2501.99999"}, "no paper"),
        ("similar_papers", {"id": "2501.99999"}, "no paper"),
        ("daily_papers", {"date": DAY, "week": "2024-W22"}, "at most one"),
        ("daily_papers", {"month": "2024-13"}, "month"),
        ("search_papers", {"query": "x" * 251}, "250"),
        ("trending", {"limit": 500}, "limit"),
    ],
)
def test_bad_arguments_are_tool_errors_the_model_can_read(server, name, args, words):  # noqa: F811
    result = run(call(server, name, args))
    assert result.is_error
    assert words in result.content[0].text
