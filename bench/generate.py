"""Workloads for the benchmarks, made here from our own sentence templates and the project's gazetteer.

Two kinds, both deterministic for a seed and sized by a flag:

- a corpus: press releases of 2–5 kB in Danish, Norwegian and Swedish, one .txt file each, in folders of 1,000;
- a graph: N-Quads in exactly the shape `alliances ingest` writes (tests/data/toy.trig): one named graph per
  document with its text, entities, edges and assertion nodes, plus the entities graph with labels and keys.

Both come from one model of the sector: few alliances with many members (alliance sizes follow a power law),
many organisations in 1–5 alliances, foundations that fund alliances and organisations with amounts, facilitators,
founders, bilateral partners and people with posts. Names are the gazetteer's organisations of each country plus
names composed from place names and our own word lists; every sentence is one of the templates below.

Run:
    .venv/bin/python bench/generate.py corpus --docs 1000 OUT_DIR
    .venv/bin/python bench/generate.py graph --triples 100000 OUT.nq
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from alliances.graph.rdf import document_quads
from alliances.graph.resolve import Resolver
from alliances.loaders.assertions import Assertion, Extraction, Mention, Position
from alliances.loaders.document import Document
from alliances.loaders.lexicon import DATA

LANGS = ("da", "nb", "sv")
COUNTRY = {"da": "dk.tsv", "nb": "no.tsv", "sv": "se.tsv"}
RETRIEVED = datetime(2025, 1, 1, tzinfo=timezone.utc)  # fixed, so the same seed gives the same bytes

# ---------------------------------------------------------------- our own word lists and templates

CAUSES = {
    "da": ["ensomhed", "hjemløshed", "børnefattigdom", "social udsathed", "mistrivsel blandt unge", "misbrug",
           "langtidsledighed", "ulighed i sundhed", "vold i nære relationer", "psykisk sårbarhed"],
    "nb": ["ensomhet", "bostedsløshet", "barnefattigdom", "utenforskap", "psykisk uhelse blant unge", "rus",
           "langtidsledighet", "ulikhet i helse", "vold i nære relasjoner", "frafall i skolen"],
    "sv": ["ensamhet", "hemlöshet", "barnfattigdom", "utanförskap", "psykisk ohälsa bland unga", "missbruk",
           "långtidsarbetslöshet", "ojämlik hälsa", "våld i nära relationer", "skolfrånvaro"],
}
ORG_PATTERNS = {
    "da": ["Frivilligcenter {p}", "Boligforeningen {p}", "Foreningen Fællesskab {p}", "{p} Værested",
           "Netværkshuset {p}", "Ungdomshuset {p}", "Fonden for Social Innovation {p}", "Medborgerhuset {p}"],
    "nb": ["Frivilligsentralen {p}", "Boligbyggelaget {p}", "Foreningen Fellesskap {p}", "{p} Væresteds forening",
           "Nettverkshuset {p}", "Ungdomshuset {p}", "Stiftelsen Sosial Innovasjon {p}", "Aktivitetshuset {p}"],
    "sv": ["Volontärcentralen {p}", "Bostadsstiftelsen {p}", "Föreningen Gemenskap {p}", "{p} Mötesplats",
           "Nätverkshuset {p}", "Ungdomens Hus {p}", "Stiftelsen Social Innovation {p}", "Medborgarhuset {p}"],
}
ALLIANCE_PATTERNS = {
    "da": ["Alliancen mod {c}", "Partnerskabet om {c} i {p}", "Netværket for {c} {p}", "{p}-alliancen"],
    "nb": ["Alliansen mot {c}", "Partnerskapet om {c} i {p}", "Nettverket for {c} {p}", "{p}-alliansen"],
    "sv": ["Alliansen mot {c}", "Partnerskapet om {c} i {p}", "Nätverket för {c} {p}", "{p}-alliansen"],
}
SURNAMES = ["Hansen", "Jensen", "Nielsen", "Pedersen", "Larsen", "Andersen", "Johansen", "Olsen", "Berg", "Haugen",
            "Johansson", "Andersson", "Karlsson", "Nilsson", "Eriksson", "Lindqvist", "Holm", "Dahl", "Lund", "Strand"]
ROLES = {"da": ["formand", "direktør", "sekretariatsleder", "projektleder"],
         "nb": ["styreleder", "daglig leder", "generalsekretær", "prosjektleder"],
         "sv": ["ordförande", "verksamhetschef", "generalsekreterare", "projektledare"]}
# relation sentences: {s} subject, {o} object, {a} amount (millions), {y} year
MEMBER = {"da": ["{s} er medlem af {o}.", "{s} deltager i {o}.", "{s} er en del af {o}."],
          "nb": ["{s} er medlem av {o}.", "{s} deltar i {o}.", "{s} er en del av {o}."],
          "sv": ["{s} är medlem i {o}.", "{s} deltar i {o}.", "{s} ingår i {o}."]}
FUNDS = {"da": ["{s} støtter {o} med {a} mio. kr.", "{s} bevilger {a} mio. kr. til {o}."],
         "nb": ["{s} støtter {o} med {a} millioner kroner.", "{s} bevilger {a} millioner kroner til {o}."],
         "sv": ["{s} stöder {o} med {a} miljoner kronor.", "{s} beviljar {a} miljoner kronor till {o}."]}
FACILITATED = {"da": ["{s} faciliteres af {o}.", "Sekretariatet for {s} ligger hos {o}."],
               "nb": ["{s} fasiliteres av {o}.", "Sekretariatet for {s} ligger hos {o}."],
               "sv": ["{s} samordnas av {o}.", "Sekretariatet för {s} ligger hos {o}."]}
FOUNDED = {"da": ["{s} blev stiftet af {o} i {y}."], "nb": ["{s} ble stiftet av {o} i {y}."],
           "sv": ["{s} grundades av {o} år {y}."]}
PARTNER = {"da": ["{s} har indgået et partnerskab med {o}."], "nb": ["{s} har inngått et partnerskap med {o}."],
           "sv": ["{s} har ingått ett partnerskap med {o}."]}
POST = {"da": "\"Vi står stærkere sammen,\" siger {s}, {r} i {o}.",
        "nb": "\"Vi står sterkere sammen,\" sier {s}, {r} i {o}.",
        "sv": "\"Vi står starkare tillsammans,\" säger {s}, {r} på {o}."}
TITLE = {"da": "{o} samler kræfterne mod {c}", "nb": "{o} samler kreftene mot {c}",
         "sv": "{o} samlar krafterna mot {c}"}
MEMBERS_HEADING = {"da": "Medlemmer:", "nb": "Medlemmer:", "sv": "Medlemmar:"}
FILLER = {
    "da": ["Indsatsen skal nå flere mennesker i {p}, der i dag står uden for fællesskabet.",
           "Erfaringerne fra de første år viser, at samarbejde på tværs af sektorer giver bedre resultater.",
           "Arbejdet med {c} kræver både frivillige, fagfolk og et stærkt lokalt netværk.",
           "I {y} deltog over {n} borgere i aktiviteterne, og tallet forventes at stige.",
           "Projektet evalueres løbende, og resultaterne offentliggøres på hjemmesiden.",
           "Der afholdes et fælles møde i {p} i efteråret for alle interesserede."],
    "nb": ["Innsatsen skal nå flere mennesker i {p} som i dag står utenfor fellesskapet.",
           "Erfaringene fra de første årene viser at samarbeid på tvers av sektorer gir bedre resultater.",
           "Arbeidet med {c} krever både frivillige, fagfolk og et sterkt lokalt nettverk.",
           "I {y} deltok over {n} innbyggere i aktivitetene, og tallet ventes å øke.",
           "Prosjektet evalueres fortløpende, og resultatene publiseres på nettsiden.",
           "Det holdes et felles møte i {p} i høst for alle interesserte."],
    "sv": ["Insatsen ska nå fler människor i {p} som i dag står utanför gemenskapen.",
           "Erfarenheterna från de första åren visar att samverkan över sektorsgränser ger bättre resultat.",
           "Arbetet med {c} kräver både volontärer, yrkesfolk och ett starkt lokalt nätverk.",
           "Under {y} deltog över {n} invånare i aktiviteterna, och antalet väntas öka.",
           "Projektet utvärderas löpande och resultaten publiceras på webbplatsen.",
           "Ett gemensamt möte hålls i {p} i höst för alla intresserade."],
}
_PLACE_SUFFIX = re.compile(r"\s+(Kommune|kommune|kommun|Stad|stad|herred)$")


# ---------------------------------------------------------------- the sector model


@dataclass(frozen=True)
class Org:
    name: str
    kind: str  # "Organisation" | "Alliance"
    org_type: str  # gazetteer type, or "" for composed names


@dataclass
class Universe:
    """Organisations, alliances and who is in which, for one language."""

    lang: str
    orgs: list[Org]
    funders: list[Org]
    alliances: list[Org]
    members: dict[str, list[Org]] = field(default_factory=dict)  # alliance name -> members
    places: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)  # cumulative alliance weights (bigger alliances, more news)


def _gazetteer_rows(lang: str) -> list[tuple[str, str]]:
    rows = []
    for path in (DATA / "gazetteer" / COUNTRY[lang], DATA / "gazetteer" / "nordic.tsv"):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            if line and not line.startswith("#"):
                cells = line.split("\t")
                if len(cells) >= 2 and "(" not in cells[0]:
                    rows.append((cells[0], cells[1]))
    return rows


def universe(lang: str, n_orgs: int, n_alliances: int, rng: random.Random) -> Universe:
    """`n_orgs` organisations in 1–5 of `n_alliances` alliances whose sizes follow a power law."""
    rows = _gazetteer_rows(lang)
    places = sorted({_PLACE_SUFFIX.sub("", n) for n, t in rows if t == "Municipality" and _PLACE_SUFFIX.search(n)})
    known = [Org(n, "Organisation", t) for n, t in rows if t in ("NGO", "HousingAssociation", "Municipality",
                                                                     "Education", "Union", "Region")]
    funders = [Org(n, "Organisation", t) for n, t in rows if t == "Foundation"]
    orgs = rng.sample(known, min(len(known), n_orgs // 3))
    names = {o.name for o in orgs}
    for pattern, place in itertools.product(ORG_PATTERNS[lang], places):
        if len(orgs) >= n_orgs:
            break
        name = pattern.format(p=place)
        if name not in names:
            names.add(name)
            orgs.append(Org(name, "Organisation", ""))
    counter = itertools.count(2)
    while len(orgs) < n_orgs:  # beyond patterns × places: numbered local branches
        name = f"{rng.choice(ORG_PATTERNS[lang]).format(p=rng.choice(places))} {next(counter)}"
        if name not in names:
            names.add(name)
            orgs.append(Org(name, "Organisation", ""))
    alliances = [Org(n, "Alliance", "Alliance") for n, t in rows if t == "Alliance"][: n_alliances // 4]
    seen = {a.name for a in alliances}
    while len(alliances) < n_alliances:
        name = rng.choice(ALLIANCE_PATTERNS[lang]).format(c=rng.choice(CAUSES[lang]), p=rng.choice(places))
        if name not in seen:
            seen.add(name)
            alliances.append(Org(name, "Alliance", ""))
    rng.shuffle(alliances)
    # power law: alliance of rank r gets weight 1/r; each organisation joins 1–5 of them
    cumulative = list(itertools.accumulate(1.0 / (r + 1) for r in range(len(alliances))))
    members: dict[str, list[Org]] = {a.name: [] for a in alliances}
    for org in orgs:
        k = rng.choices((1, 2, 3, 4, 5), weights=(45, 25, 15, 10, 5))[0]
        chosen: set[int] = set()
        while len(chosen) < min(k, len(alliances)):
            chosen.add(bisect.bisect(cumulative, rng.random() * cumulative[-1]))
        for i in chosen:
            members[alliances[i].name].append(org)
    weights = list(itertools.accumulate(max(1, len(members[a.name])) for a in alliances))
    return Universe(lang, orgs, funders or orgs[:10], alliances, members, places, weights)


# ---------------------------------------------------------------- one document


@dataclass
class _Writer:
    """Builds a text sentence by sentence and remembers the spans of names and sentences."""

    parts: list[str] = field(default_factory=list)
    size: int = 0
    mentions: list[Mention] = field(default_factory=list)
    assertions: list[Assertion] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)

    def add(self, text: str) -> tuple[int, int]:
        start = self.size
        self.parts.append(text)
        self.size += len(text)
        return start, start + len(text)

    def sentence(self, template: str, names: dict[str, Org | str], **words: object) -> tuple[int, int, dict[str, Mention]]:
        """Write one sentence; return its span and a mention for each name slot."""
        start = self.size
        out: dict[str, Mention] = {}
        for piece in re.split(r"(\{\w\})", template):
            slot = piece[1:-1] if piece.startswith("{") else None
            if slot in names:
                who = names[slot]
                text = who if isinstance(who, str) else who.name
                s, e = self.add(text)
                kind = "Person" if isinstance(who, str) else who.kind
                org_type = "" if isinstance(who, str) else who.org_type
                m = Mention(text, s, e, kind, org_type, key=f"{kind[0]}:{text}", names=(text,))  # type: ignore[arg-type]
                self.mentions.append(m)
                out[slot] = m
            elif slot is not None:
                self.add(str(words[slot]))
            else:
                self.add(piece)
        self.add(" ")
        return start, self.size - 1, out

    def relation(self, templates: list[str], s: Org, relation: str, o: Org, rng: random.Random, **kw: object) -> None:
        start, end, m = self.sentence(rng.choice(templates), {"s": s, "o": o}, **kw)
        amount = float(str(kw["a"]).replace(",", ".")) * 1_000_000 if "a" in kw else None
        self.assertions.append(Assertion(m["s"], relation, m["o"], start, end, f"bench:{relation}",
                                         round(rng.uniform(0.6, 0.95), 2), amount, "DKK" if amount else None))


def document(u: Universe, n: int, rng: random.Random) -> tuple[Document, Extraction]:
    """Press release number `n`: about one alliance, its members, funding and people; 2–5 kB of text."""
    lang = u.lang
    alliance = u.alliances[bisect.bisect(u.weights, rng.random() * u.weights[-1])]
    members = u.members[alliance.name] or rng.sample(u.orgs, 3)
    cause, place, year = rng.choice(CAUSES[lang]), rng.choice(u.places), rng.randrange(2015, 2026)
    w = _Writer()
    w.add(TITLE[lang].format(o=alliance.name, c=cause) + "\n\n")  # a title is not a relation sentence
    target = rng.randrange(2000, 5000)
    fillers = FILLER[lang]
    chosen = rng.sample(members, min(len(members), rng.randrange(3, 9)))
    for org in chosen[:3]:
        w.relation(MEMBER[lang], org, "memberOf", alliance, rng)
    if rng.random() < 0.6:
        millions = rng.choice((0.5, 1, 1.5, 2, 3, 5, 10))
        w.relation(FUNDS[lang], rng.choice(u.funders), "funds", rng.choice([alliance, *chosen]), rng,
                   a=f"{millions:g}".replace(".", ","))
    if rng.random() < 0.3:
        w.relation(FACILITATED[lang], alliance, "facilitatedBy", rng.choice(chosen), rng)
    if rng.random() < 0.2:
        w.relation(FOUNDED[lang], alliance, "foundedBy", rng.choice(chosen), rng, y=year)
    if len(chosen) > 1 and rng.random() < 0.25:
        a, b = rng.sample(chosen, 2)
        w.relation(PARTNER[lang], a, "partnerOf", b, rng)
    w.add("\n\n")
    person = f"{rng.choice(_given())} {rng.choice(SURNAMES)}"
    role, org = rng.choice(ROLES[lang]), rng.choice(chosen)
    start, end, m = w.sentence(POST[lang], {"s": person, "o": org}, r=role)
    w.positions.append(Position(m["s"], m["o"], role, start, end, "bench:post", 0.8))
    if len(chosen) > 3:
        w.add("\n\n" + MEMBERS_HEADING[lang] + "\n\n")
        for org in chosen[3:]:
            s, e = w.add(org.name)
            m_org = Mention(org.name, s, e, "Organisation", org.org_type, key=f"O:{org.name}", names=(org.name,))
            m_all = next(x for x in w.mentions if x.text == alliance.name)
            w.mentions.append(m_org)
            w.assertions.append(Assertion(m_org, "memberOf", m_all, s, e, "bench:list", 0.9))
            w.add("\n")
    while w.size < target:
        w.add("\n\n")
        for _ in range(rng.randrange(2, 5)):
            w.add(rng.choice(fillers).format(p=rng.choice(u.places), c=cause, y=year, n=rng.randrange(50, 5000)) + " ")
    text = "".join(w.parts).rstrip() + "\n"
    doc = Document(text, f"bench/{lang}/{n:07d}.txt", lang, metadata={"encoding": "utf-8"})
    return doc, Extraction(doc.id, tuple(w.mentions), tuple(w.assertions), tuple(w.positions))


_GIVEN: list[str] = []


def _given() -> list[str]:
    if not _GIVEN:
        names = (DATA / "names" / "given_names.txt").read_text(encoding="utf-8").split()
        _GIVEN.extend(sorted(n for n in names if n.isalpha())[:2000])
    return _GIVEN


def documents(n_docs: int, seed: int = 1) -> Iterator[tuple[Document, Extraction]]:
    """`n_docs` documents, languages in turn, each language's universe sized to the corpus."""
    rng = random.Random(seed)
    per_lang = max(1, n_docs // len(LANGS))
    n_orgs = max(60, per_lang * 2 // 3)
    worlds = {lang: universe(lang, n_orgs, max(8, n_orgs // 40), random.Random(f"{seed}-{lang}")) for lang in LANGS}
    for n in range(n_docs):
        yield document(worlds[LANGS[n % len(LANGS)]], n, rng)


# ---------------------------------------------------------------- the two workloads


def write_corpus(out: Path, n_docs: int, seed: int = 1) -> int:
    """Write `n_docs` .txt files under `out` (folders of 1,000); returns the bytes written."""
    total = 0
    for n, (doc, _) in enumerate(documents(n_docs, seed)):
        folder = out / f"{n // 1000:04d}"
        if n % 1000 == 0:
            folder.mkdir(parents=True, exist_ok=True)
        data = doc.text.encode("utf-8")
        (folder / f"{doc.language}-{n:07d}.txt").write_bytes(data)
        total += len(data)
    return total


QUADS_PER_DOC = 120  # about what one generated document yields, to size the document count for a triple count


def graph_documents(n_triples: int, seed: int = 1) -> Iterator[tuple[str, list[ox.Quad]]]:
    """(document id, quads of its named graph), as `alliances ingest` would write them, until about `n_triples`
    quads (entities graph included) have been made."""
    resolver = Resolver(None)
    made = 0
    for doc, extraction in documents(max(1, n_triples // QUADS_PER_DOC), seed):
        quads = document_quads(doc, extraction, resolver.resolve(extraction), RETRIEVED)
        made += len(quads)
        yield doc.id, quads
        if made >= n_triples * 0.93:  # the entities graph adds the rest
            return


def write_graph(out: BinaryIO, n_triples: int, seed: int = 1) -> int:
    """Write the graph workload as N-Quads (document graphs, then the entities graph); returns the quad count."""
    from alliances.graph.store import _FACT_PREDICATES, ENTITIES, _entity_state, _entity_triples, _Facts, _is_entity

    facts: dict[str, _Facts] = {}
    count = 0
    for _, quads in graph_documents(n_triples, seed):
        for q in quads:
            if q.predicate in _FACT_PREDICATES and _is_entity(q.subject):
                facts.setdefault(q.subject.value, _Facts()).add(q.predicate, q.object)
        out.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
        count += len(quads)
    entity_quads = [ox.Quad(t.subject, t.predicate, t.object, ENTITIES)
                    for iri, f in sorted(facts.items()) for t in sorted(_entity_triples(iri, *_entity_state(f)), key=str)]
    out.write(ox.serialize(entity_quads, format=ox.RdfFormat.N_QUADS) or b"")
    return count + len(entity_quads)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    c = sub.add_parser("corpus", help="press releases as .txt files")
    c.add_argument("--docs", type=int, default=1000)
    c.add_argument("out", type=Path)
    g = sub.add_parser("graph", help="an N-Quads file in the shape ingest writes")
    g.add_argument("--triples", type=float, default=1e5)
    g.add_argument("out", type=Path)
    for p in (c, g):
        p.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.what == "corpus":
        size = write_corpus(args.out, args.docs, args.seed)
        print(f"{args.docs} documents, {size / args.docs:,.0f} bytes each on average, in {args.out}", file=sys.stderr)
    else:
        with args.out.open("wb") as fh:
            n = write_graph(fh, int(args.triples), args.seed)
        print(f"{n:,} quads in {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
