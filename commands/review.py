"""`alliances review`: go through the uncertain assertions with their evidence, accept or reject each.

Decisions go into the curation file (`graph.review.record_decision`) one by one, so quitting half-way loses
nothing; they reach the graph at the next `alliances rebuild --curation FILE` (or at once with --apply).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from alliances.commands.common import EXIT_USAGE, App, CliError, emit, output_format, pass_app
from alliances.loaders.assertions import RELATIONS

_COLUMNS = ("confidence", "subject", "relation", "object", "rule", "source", "evidence", "start", "end",
            "subject_name", "object_name", "subject_iri", "object_iri", "assertion", "document")
_TABLE = ("confidence", "subject", "relation", "object", "rule", "source", "evidence")
_KEYS = {"a": "accept", "r": "reject", "s": "skip", "q": "quit"}


@click.command()
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=0.9, show_default=True,
              help="Review assertions less confident than this.")
@click.option("--relation", type=click.Choice(RELATIONS), help="Only this relation.")
@click.option("--entity", help="Only assertions about this organisation, alliance or person (a name or IRI).")
@click.option("--source", help="Only documents whose source contains this text.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many assertions.")
@click.option("--curation", type=click.Path(dir_okay=False, path_type=Path), envvar="ALLIANCES_CURATION",
              help="The curation file decisions are written to (created when missing) [env: ALLIANCES_CURATION]. "
              "Needed to review; with --list it hides what the file already decides.")
@click.option("--list", "list_only", is_flag=True, help="Only list the uncertain assertions; ask nothing.")
@click.option("--apply", "apply_now", is_flag=True,
              help="Rebuild the graph with the curation file when the session ends (no plug-ins, all confidences).")
@output_format
@pass_app
def review(app: App, threshold: float, relation: str | None, entity: str | None, source: str | None,
           limit: int | None, curation: Path | None, list_only: bool, apply_now: bool, fmt: str) -> None:
    """Show uncertain assertions one at a time with their evidence; accept or reject each.

    Keys: a accept, r reject, s skip, q quit (then Enter). Each decision is written to the curation file at
    once; run `alliances rebuild --curation FILE` afterwards (or pass --apply) to bring the graph up to date.
    With --list nothing is asked: the assertions are printed as a table, JSON or CSV.

    \b
    Example:
        alliances review --curation curation.yaml
        alliances review --curation curation.yaml --relation memberOf --threshold 0.8 --apply
        alliances review --list --format csv > to-check.csv
    """
    from alliances.graph.curation import load_curation
    from alliances.graph.review import ReviewError, uncertain_assertions

    if not list_only and curation is None:
        raise CliError("Decisions are written to a curation file: pass --curation FILE (or set "
                       "ALLIANCES_CURATION), or use --list to only look.", EXIT_USAGE)
    if apply_now and list_only:
        raise CliError("--apply rebuilds after a review session; it does nothing with --list.", EXIT_USAGE)
    store = app.store(read_only=not apply_now)
    entity_iri = None
    if entity is not None:
        from alliances.graph.queries import resolve

        entity_iri = resolve(store, entity).iri
    decided = load_curation(curation) if curation is not None and curation.exists() else None
    try:
        items = uncertain_assertions(store, threshold, relation=relation, entity=entity_iri, source=source,
                                     curation=decided, limit=limit)
    except ReviewError as e:
        raise CliError(str(e), EXIT_USAGE) from e
    if list_only:
        emit([u.as_row() for u in items], fmt, columns=_COLUMNS, table_columns=_TABLE)
        return
    assert curation is not None
    if not items:
        click.echo(f"Nothing to review: no undecided assertion is less confident than {threshold}.")
        return
    counts = _session(items, curation)
    click.echo(f"Accepted {counts['accept']}, rejected {counts['reject']}, skipped {counts['skip']}"
               f" of {len(items)}; decisions are in {curation}.")
    if not counts["accept"] and not counts["reject"]:
        return
    if apply_now:
        from alliances.graph.ingest import rebuild

        report = rebuild(store, curation=curation)
        click.echo(f"Rebuilt {len(report.replaced)} documents: {report.assertions} assertions.")
    else:
        click.echo(f"Run `alliances rebuild --curation {curation}` to apply them to the graph.")


def _session(items: list[Any], curation: Path) -> dict[str, int]:
    """Ask about each item; record every decision as it is made. Returns counts per decision."""
    from alliances.graph.curation import CurationError, load_curation
    from alliances.graph.review import ReviewError, decision_of, record_decision

    counts = {"accept": 0, "reject": 0, "skip": 0}
    for n, item in enumerate(items, 1):
        if curation.exists() and decision_of(load_curation(curation), item) is not None:
            continue  # the same names, decided a moment ago for another document
        click.echo(_card(item, n, len(items)))
        try:
            key = click.prompt("[a]ccept [r]eject [s]kip [q]uit", type=click.Choice(list(_KEYS), case_sensitive=False),
                               show_choices=False, err=True)
        except click.Abort:  # end of input or Ctrl-C: what was decided is already written
            click.echo("", err=True)
            break
        action = _KEYS[key.lower()]
        if action == "quit":
            break
        if action == "skip":
            counts["skip"] += 1
            continue
        comment = f"{item.confidence:.2f} {item.rule} {item.source}".strip()
        try:
            record_decision(curation, action, item.subject_name, item.relation, item.object_name, comment=comment)
        except ReviewError as e:
            click.echo(f"not recorded: {e}", err=True)
            counts["skip"] += 1
            continue
        except (OSError, CurationError) as e:
            raise CliError(f"Cannot write the decision to {curation}: {e}") from e
        counts[action] += 1
    return counts


def _card(item: Any, n: int, total: int) -> str:
    """One assertion as a person reads it: progress, the claim, the sentence, where it comes from."""
    evidence = " ".join(item.evidence.split())
    return (
        f"\n{n} of {total}  ·  confidence {item.confidence:.2f}  ·  rule {item.rule or '?'}\n"
        f"  {item.subject}  —{item.relation}→  {item.object}\n"
        f"  “{evidence}”\n"
        f"  source: {item.source}"
    )


COMMANDS = [review]
