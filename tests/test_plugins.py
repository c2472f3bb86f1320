"""Plug-ins: a real spaCy NER pipeline trained here, and a real local chat-completions server with canned answers.

Nothing is mocked: the NER pipeline is trained from a handful of sentences (spacy.blank + ner) and saved to disk,
and the LLM plug-in talks HTTP to a server on 127.0.0.1 that answers in the OpenAI chat-completions format —
good answers, and the bad ones a real model or server gives (wrong predicate, a quote not in the text, malformed
JSON, HTTP 500, no answer in time). The ingest must keep the rule-based result and say what went wrong.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from alliances.cli import cli
from alliances.graph.ingest import ingest
from alliances.graph.store import open_store
from alliances.loaders.assertions import Mention
from alliances.loaders.document import Document
from alliances.loaders.extract import extract
from alliances.loaders.plugins import (
    LlmPlugin,
    NerPlugin,
    PluginError,
    Plugins,
    _chunks,
    extract_with,
    make_plugins,
    merge_mentions,
    parse_answer,
    validate,
)

TEXT = """Ny alliance mod hjemløshed
Kirkens Korshær er med i Alliancen mod Hjemløshed. Solhjulet bidrager nu til arbejdet i Alliancen mod Hjemløshed.
Vi har talt med Lygtebærerne om fremtiden.
"""
SOLHJULET = "Solhjulet bidrager nu til arbejdet i Alliancen mod Hjemløshed."


def _doc(text: str = TEXT) -> Document:
    return Document(text, "plugin-test.txt", "da")


# ---------------------------------------------------------------- NER

TRAIN = [  # our own sentences: made-up organisation names in ordinary Danish
    ("Solhjulet arbejder med unge i Aarhus.", ["Solhjulet"]),
    ("Vi har talt med Solhjulet om fremtiden.", ["Solhjulet"]),
    ("Lygtebærerne hjælper familier i hele landet.", ["Lygtebærerne"]),
    ("I dag mødtes Lygtebærerne og Solhjulet i Odense.", ["Lygtebærerne", "Solhjulet"]),
    ("Vi har talt med Lygtebærerne om fremtiden.", ["Lygtebærerne"]),
    ("Havnehuset og Solhjulet har et godt samarbejde.", ["Havnehuset", "Solhjulet"]),
    ("Vi mødes i morgen i Aarhus.", []),
    ("Det regner i dag, men vi har talt om fremtiden.", []),
]


@pytest.fixture(scope="module")
def ner_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, tiny spaCy NER pipeline trained on TRAIN and saved to disk."""
    import spacy
    from spacy.training import Example

    spacy.util.fix_random_seed(0)
    rng = random.Random(0)
    nlp = spacy.blank("da")
    nlp.add_pipe("ner").add_label("ORG")  # type: ignore[attr-defined]
    examples = []
    for text, names in TRAIN:
        ents = [(text.index(n), text.index(n) + len(n), "ORG") for n in names]
        examples.append(Example.from_dict(nlp.make_doc(text), {"entities": ents}))
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(15):
        rng.shuffle(examples)
        for example in examples:
            nlp.update([example], sgd=optimizer, drop=0.0)
    path = tmp_path_factory.mktemp("ner") / "tiny-ner"
    nlp.to_disk(path)
    return path


@pytest.mark.parametrize("name", ["Lygtebærerne"])
def test_plugins_ner_finds_organisations_the_rules_miss(ner_model: Path, name: str) -> None:
    rule_based = extract(_doc())
    assert name not in {m.text for m in rule_based.mentions}
    extraction = extract_with(_doc(), Plugins(ner=NerPlugin(str(ner_model))))
    found = [m for m in extraction.mentions if m.text == name]
    assert found and found[0].kind == "Organisation" and found[0].key.startswith("O:ner:")
    assert TEXT[found[0].start : found[0].end] == name
    assert set(rule_based.mentions) <= set(extraction.mentions)  # the rules' mentions are all still there
    assert extraction.assertions == rule_based.assertions


@pytest.mark.parametrize("name", ["Lygtebærerne"])
def test_plugins_ner_ingest_stores_the_organisation(ner_model: Path, tmp_path: Path, name: str) -> None:
    source = tmp_path / "text.txt"
    source.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "kg"), "ingest", "--ner-model", str(ner_model),
                                      str(source)])
    assert result.exit_code == 0, result.output
    with open_store(tmp_path / "kg", read_only=True) as store:
        hits = store.lookup(name)
        assert [h.kind for h in hits] == ["Organisation"]


@pytest.mark.parametrize("name", ["solhjulet"])
def test_plugins_ner_mentions_feed_the_templates(name: str) -> None:
    """With the hook in extract() a plug-in's name fills a relation slot (here one no rule would take: lowercase)."""
    import inspect

    if "extra_mentions" not in inspect.signature(extract).parameters:
        pytest.skip("loaders/extract.py has no extra_mentions hook yet: NER mentions are only merged afterwards")
    text = f"Ny alliance mod hjemløshed\nKirkens Korshær og {name} er med i Alliancen mod Hjemløshed.\n"
    at = text.index(name)
    mention = Mention(name, at, at + len(name), "Organisation", key=f"O:ner:{name}", names=(name,))
    extraction = extract(_doc(text), extra_mentions=[mention])  # type: ignore[call-arg]
    assert (name, "memberOf", "Alliancen mod Hjemløshed") in {
        (a.subject.text, a.relation, a.object.text) for a in extraction.assertions}


@pytest.mark.parametrize(
    ("extra", "kept"),
    [
        (Mention("Kirkens Korshær", 27, 42, "Organisation", key="O:ner:kirkens korshær"), False),  # rules have it
        (Mention("Korshær", 35, 42, "Organisation", key="O:ner:korshær"), False),  # overlaps a rule mention
        (Mention("Lygtebærerne", TEXT.index("Lygtebærerne"), TEXT.index("Lygtebærerne") + 12, "Organisation",
                 key="O:ner:lygtebærerne"), True),
    ],
)
def test_plugins_merge_mentions(extra: Mention, kept: bool) -> None:
    base = extract(_doc())
    merged = merge_mentions(base, [extra])
    assert (len(merged.mentions) == len(base.mentions) + 1) is kept


@pytest.mark.parametrize("model", ["/no/such/model", "da_dacy_small_trf"])
def test_plugins_ner_missing_model_says_how_to_install(model: str) -> None:
    with pytest.raises(PluginError, match="DaCy") as info:
        NerPlugin(model).check()
    assert "pip install dacy" in str(info.value) and model in str(info.value)


@pytest.mark.parametrize("model", ["/no/such/model"])
def test_plugins_cli_missing_model_writes_nothing(tmp_path: Path, model: str) -> None:
    source = tmp_path / "text.txt"
    source.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "kg"), "ingest", "--ner-model", model, str(source)])
    assert result.exit_code == 2, result.output
    assert "DaCy" in result.output and "Nothing was written" in result.output
    assert not (tmp_path / "kg").exists()


# ---------------------------------------------------------------- the chat-completions server

GOOD = [
    {"subject": "Solhjulet", "subject_kind": "Organisation", "relation": "memberOf",
     "object": "Alliancen mod Hjemløshed", "object_kind": "Alliance", "evidence": SOLHJULET, "confidence": 0.95},
    {"subject": "Kirkens Korshær", "subject_kind": "Organisation", "relation": "memberOf",  # the rules found it
     "object": "Alliancen mod Hjemløshed", "object_kind": "Alliance",
     "evidence": "Kirkens Korshær er med i Alliancen mod Hjemløshed."},
    {"subject": "Solhjulet", "relation": "worksWith", "object": "Kirkens Korshær", "evidence": SOLHJULET},
    {"subject": "Solhjulet", "relation": "funds", "object": "Alliancen mod Hjemløshed",
     "evidence": "Solhjulet giver penge til Alliancen mod Hjemløshed."},  # not in the text
    {"subject": "Alliancen mod Hjemløshed", "relation": "memberOf", "object": "Kirkens Korshær",  # kinds
     "evidence": "Kirkens Korshær er med i Alliancen mod Hjemløshed."},
    {"subject": "Røde Kors", "relation": "memberOf", "object": "Alliancen mod Hjemløshed", "evidence": SOLHJULET},
    "not an object",
]
ANSWERS: dict[str, Any] = {
    "good": {"relations": GOOD},
    "fenced": "```json\n" + json.dumps({"relations": GOOD[:1]}) + "\n```",
    "empty": {"relations": []},
    "malformed": '{"relations": [{"subject": "Solhjulet", ',
    "no-list": {"answer": "Solhjulet is a member"},
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[dict[str, Any]]
    release: threading.Event


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:  # http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        model = body["model"]
        if model == "http500":
            return self._send(500, b'{"error": "the model crashed"}')
        if model == "slow":
            self.server.release.wait(10)  # longer than the client waits; released when the test ends
            return self._send(200, b"{}")
        if model == "not-chat":
            return self._send(200, b'{"output": "hello"}')
        answer = ANSWERS[model]
        content = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        payload = {"id": "x", "object": "chat.completion", "model": model,
                   "choices": [{"index": 0, "finish_reason": "stop",
                                "message": {"role": "assistant", "content": content}}]}
        self._send(200, json.dumps(payload).encode("utf-8"))

    def _send(self, status: int, data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (the timeout case)
            pass


@pytest.fixture(scope="module")
def llm_server() -> Iterator[_Server]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.requests = []
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def _endpoint(server: _Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def _llm(server: _Server, model: str, **kw: Any) -> Plugins:
    return Plugins(llm=LlmPlugin(_endpoint(server), model, **kw))


@pytest.mark.parametrize("model", ["good"])
def test_plugins_llm_keeps_only_checked_relations(llm_server: _Server, model: str) -> None:
    rule_based = extract(_doc())
    extraction = extract_with(_doc(), _llm(llm_server, model))
    new = [a for a in extraction.assertions if a.rule.startswith("llm:")]
    assert [(a.subject.text, a.relation, a.object.text) for a in new] == [
        ("Solhjulet", "memberOf", "Alliancen mod Hjemløshed")]
    (a,) = new
    assert a.rule == "llm:good" and a.confidence == 0.6  # capped
    assert TEXT[a.evidence_start : a.evidence_end] == SOLHJULET  # offsets recomputed from the text
    assert TEXT[a.subject.start : a.subject.end] == "Solhjulet"
    assert a.object.key in {m.key for m in rule_based.mentions}  # the rules' alliance, not a new one
    assert extraction.assertions[: len(rule_based.assertions)] == rule_based.assertions
    (note,) = extraction.notes
    for reason in ("unknown relation 'worksWith'", "evidence not in the text", "kinds do not fit memberOf",
                   "name not in the text", "malformed item"):
        assert reason in note


@pytest.mark.parametrize("model", ["good"])
def test_plugins_llm_request_is_chat_completions(llm_server: _Server, model: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    llm_server.requests.clear()
    extract_with(_doc(), _llm(llm_server, model, api_key="sk-test"))
    (request,) = llm_server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == model and body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][1]["content"] == TEXT
    assert "memberOf" in body["messages"][0]["content"]


@pytest.mark.parametrize(
    ("model", "note"),
    [
        ("malformed", "not JSON"),
        ("no-list", 'no "relations" list'),
        ("http500", "HTTP 500"),
        ("not-chat", "chat-completions format"),
        ("slow", "no answer"),
    ],
)
def test_plugins_llm_failure_keeps_the_rule_based_result(llm_server: _Server, model: str, note: str) -> None:
    rule_based = extract(_doc())
    extraction = extract_with(_doc(), _llm(llm_server, model, timeout=0.5))
    assert replace(extraction, notes=()) == rule_based
    (said,) = extraction.notes
    assert note in said and "kept the rule-based result" in said


@pytest.mark.parametrize(("model", "added"), [("fenced", 1), ("empty", 0)])
def test_plugins_llm_quiet_answers(llm_server: _Server, model: str, added: int) -> None:
    extraction = extract_with(_doc(), _llm(llm_server, model))
    assert sum(a.rule == f"llm:{model}" for a in extraction.assertions) == added
    assert extraction.notes == ()


@pytest.mark.parametrize("port_offset", [0])
def test_plugins_llm_unreachable_endpoint_is_a_note(port_offset: int) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1] + port_offset
    extraction = extract_with(_doc(), Plugins(llm=LlmPlugin(f"http://127.0.0.1:{port}/v1", "m", timeout=2)))
    assert "cannot reach" in extraction.notes[0]


@pytest.mark.parametrize(("model", "exit_code", "rules"), [("good", 0, {"llm:good"}), ("http500", 0, set())])
def test_plugins_cli_ingest_with_llm(llm_server: _Server, tmp_path: Path, model: str, exit_code: int,
                                     rules: set[str]) -> None:
    source = tmp_path / "text.txt"
    source.write_text(TEXT, encoding="utf-8")
    store = tmp_path / "kg"
    env = {"ALLIANCES_LLM_ENDPOINT": _endpoint(llm_server), "ALLIANCES_LLM_API_KEY": "sk-test"}
    result = CliRunner(env=env).invoke(cli, ["--store", str(store), "ingest", "--llm-model", model, str(source)])
    assert result.exit_code == exit_code, result.output
    assert "note:" in result.output  # what the plug-in dropped, or why it failed
    with open_store(store, read_only=True) as s:
        found = {str(r["rule"]) for r in s.select("SELECT ?rule WHERE { ?a a al:Assertion ; al:rule ?rule }")}
    assert {r for r in found if r.startswith("llm:")} == rules
    assert any(not r.startswith("llm:") for r in found)  # the rule-based edges are there either way


@pytest.mark.parametrize("model", ["good"])
def test_plugins_llm_edges_are_reviewable(llm_server: _Server, tmp_path: Path, model: str) -> None:
    """An LLM edge enters at 0.6, so `alliances review` puts it first."""
    from alliances.graph.review import uncertain_assertions

    source = tmp_path / "text.txt"
    source.write_text(TEXT, encoding="utf-8")
    with open_store(tmp_path / "kg") as store:
        report = ingest([source], store, plugins=_llm(llm_server, model))
        assert report.notes and "llm:good" in report.notes[0]
        first = uncertain_assertions(store, 0.9)[0]
    assert (first.subject, first.relation, first.rule, first.confidence) == ("Solhjulet", "memberOf", "llm:good", 0.6)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"subject": "Solhjulet", "relation": "org:memberOf", "object": "Alliancen mod Hjemløshed",
          "evidence": SOLHJULET}, None),
        ({"subject": "Solhjulet", "subject_kind": "Person", "relation": "memberOf",
          "object": "Alliancen mod Hjemløshed", "evidence": SOLHJULET}, "kinds do not fit memberOf"),
        ({"subject": "Solhjulet", "relation": "memberOf", "object": "Kirkens Korshær",
          "evidence": SOLHJULET}, "kinds do not fit memberOf"),
        ({"subject": "Lygtebærerne", "relation": "partnerOf", "object": "Kirkens Korshær",
          "evidence": SOLHJULET}, "neither name in the evidence"),
        ({"subject": "Solhjulet", "relation": "memberOf", "object": "Alliancen mod Hjemløshed",
          "evidence": SOLHJULET.lower()}, "evidence not in the text"),
        ({"subject": "Solhjulet", "relation": "memberOf", "object": 7, "evidence": SOLHJULET}, "malformed item"),
    ],
)
def test_plugins_validate(item: dict[str, Any], reason: str | None) -> None:
    doc = _doc()
    new, _mentions, dropped = validate(doc, extract(doc), [item], rule="llm:test")
    assert len(new) == (reason is None)
    assert list(dropped) == ([] if reason is None else [reason])


@pytest.mark.parametrize(
    ("content", "count"),
    [('{"relations": [{"a": 1}]}', 1), ("[]", 0), ("```\n{\"relations\": []}\n```", 0)],
)
def test_plugins_parse_answer(content: str, count: int) -> None:
    assert len(parse_answer(content)) == count


@pytest.mark.parametrize(("text", "size"), [(TEXT, 40), (TEXT, 10_000), ("x" * 95, 30), ("", 10)])
def test_plugins_chunks_cover_the_text(text: str, size: int) -> None:
    pieces = _chunks(text, size)
    assert "".join(text[s:e] for s, e in pieces) == text
    assert all(e - s <= size for s, e in pieces)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"llm_model": "m"}, "needs --llm-endpoint"),
        ({"llm_endpoint": "localhost:8000", "llm_model": "m"}, "not an http"),
        ({"llm_endpoint": "http://localhost:8000/v1"}, "needs --llm-model"),
    ],
)
def test_plugins_make_plugins_checks_settings(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(PluginError, match=message):
        make_plugins(**kwargs)


@pytest.mark.parametrize("kwargs", [{}])
def test_plugins_off_by_default(kwargs: dict[str, str]) -> None:
    plugins = make_plugins(**kwargs)
    assert not plugins
    assert extract_with(_doc(), plugins) == extract(_doc())
