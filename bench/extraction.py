"""Extraction throughput on one core, against the floor any spaCy-based extractor has: the blank tokenizer and
sentencizer over the same documents.

Run: .venv/bin/python bench/extraction.py [--docs N] [--out results.json]

The documents are ~2.6 kB each, in Danish, Norwegian and Swedish, made by shuffling the paragraphs of the
project's own texts (corpus/ and tests/data/dev/texts, written by us) with a fixed seed, so every run and every
machine reads the same corpus. Prints documents/s and words/s for the extractor and the floor, their ratio, the
time to load the lexicons (a one-off cost per process, timed apart) and the peak resident memory. Times are CPU
time of this process (`time.process_time`), best of --repeat rounds that alternate floor and extractor, so that
other work on the machine disturbs the ratio as little as possible. Not a test.
"""

from __future__ import annotations

import os

# one core: set before spaCy (and numpy under it) are imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import platform
import random
import resource
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = (ROOT / "corpus", ROOT / "tests" / "data" / "dev" / "texts")
LANG_OF_PREFIX = {"da": "da", "no": "nb", "sv": "sv"}
TARGET_CHARS = 2600
SEED = 7


def paragraphs(lang: str) -> list[str]:
    """The blank-line separated paragraphs of our own .txt texts in `lang` (a lead-in keeps its list)."""
    out: list[str] = []
    for folder in SOURCES:
        for path in sorted(folder.glob("*.txt")):
            if LANG_OF_PREFIX.get(path.name[:2]) != lang:
                continue
            text = path.read_text(encoding="utf-8")
            out.extend(p.strip() for p in text.split("\n\n") if p.strip())
    return out


def corpus(n_docs: int, seed: int = SEED) -> list[tuple[str, str]]:
    """`n_docs` (language, text) pairs of about TARGET_CHARS characters, languages in turn."""
    rng = random.Random(seed)
    pools = {lang: paragraphs(lang) for lang in ("da", "nb", "sv")}
    docs: list[tuple[str, str]] = []
    langs = list(pools)
    for n in range(n_docs):
        lang = langs[n % len(langs)]
        parts: list[str] = []
        size = 0
        while size < TARGET_CHARS:
            p = rng.choice(pools[lang])
            parts.append(p)
            size += len(p) + 2
        docs.append((lang, "\n\n".join(parts) + "\n"))
    return docs


def documents(n_docs: int) -> list:
    """The benchmark corpus as Documents with the plain-text loader's layout and the language given."""
    from alliances.loaders.document import Document
    from alliances.loaders.text import line_blocks

    return [Document(text, f"bench:{i}", lang, tuple(line_blocks(text))) for i, (lang, text) in
            enumerate(corpus(n_docs))]


def startup() -> dict[str, float]:
    """Seconds to load the gazetteer, given names and each language's lexicon with its matchers (cold)."""
    from alliances.loaders.lexicon import gazetteer, given_names, lexicon_for

    out: dict[str, float] = {}
    t = time.perf_counter()
    gazetteer()
    given_names()
    out["gazetteer"] = time.perf_counter() - t
    for lang in ("da", "nb", "sv"):
        t = time.perf_counter()
        lex = lexicon_for(lang)
        lex.matchers()
        out[f"lexicon_{lang}"] = time.perf_counter() - t
    out["total"] = sum(out.values())
    return out


def floor_pipes(langs: set[str]) -> dict:
    """spaCy's blank pipeline with a sentencizer per language: the least any spaCy-based extractor runs."""
    import spacy

    pipes = {}
    for lang in sorted(langs):
        pipes[lang] = spacy.blank(lang)
        pipes[lang].add_pipe("sentencizer")
    return pipes


def floor(docs: list, pipes: dict) -> float:
    """CPU seconds for the floor pipelines (nlp.pipe) over the documents, per language."""
    by_lang: dict[str, list[str]] = {}
    for d in docs:
        by_lang.setdefault(d.language, []).append(d.text)
    t = time.process_time()
    for lang, texts in by_lang.items():
        for sp in pipes[lang].pipe(texts):
            for _ in sp.sents:
                pass
    return time.process_time() - t


def extraction(docs: list) -> float:
    """CPU seconds for `extract` over the documents (lexicons already loaded)."""
    from alliances.loaders.extract import extract
    t = time.process_time()
    for d in docs:
        extract(d)
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=900, help="number of ~2.6 kB documents (default 900)")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs; the best counts (default 3)")
    args = ap.parse_args()

    load = startup()
    docs = documents(args.docs)
    words = sum(len(d.text.split()) for d in docs)
    chars = sum(len(d.text) for d in docs)
    pipes = floor_pipes({d.language for d in docs})
    # warm up: the tokenizers cache what they have seen; then alternate the two, best of each
    floor(docs, pipes)
    extraction(docs)
    rounds = [(floor(docs, pipes), extraction(docs)) for _ in range(args.repeat)]
    t_floor = min(r[0] for r in rounds)
    t_extract = min(r[1] for r in rounds)
    results = {
        "machine": f"{platform.machine()}, Python {platform.python_version()}",
        "docs": len(docs),
        "words": words,
        "mean_doc_chars": round(chars / len(docs)),
        "extract_docs_per_s": round(len(docs) / t_extract, 1),
        "extract_words_per_s": round(words / t_extract),
        "floor_docs_per_s": round(len(docs) / t_floor, 1),
        "floor_words_per_s": round(words / t_floor),
        "ratio": round(t_floor / t_extract, 3),
        "startup_s": {k: round(v, 3) for k, v in load.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(f"{results['docs']} documents ({results['mean_doc_chars']} chars each on average), {words:,} words; "
          f"{results['machine']}, one core")
    print(f"extractor: {results['extract_docs_per_s']:,.0f} docs/s, {results['extract_words_per_s']:,} words/s")
    print(f"floor (blank tokenizer + sentencizer): {results['floor_docs_per_s']:,.0f} docs/s, "
          f"{results['floor_words_per_s']:,} words/s")
    print(f"ratio extractor/floor: {results['ratio']:.1%}")
    print("lexicon loading: " + ", ".join(f"{k} {v:.2f} s" for k, v in results["startup_s"].items()))
    print(f"peak RSS: {results['peak_rss_mb']} MB")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
