"""`alliances ask`: a question in English, Danish, Norwegian or Swedish, answered with the sources of every row.

The command parses the question (`graph.ask.parse`, so a question it cannot map fails before the store is opened),
calls `graph.ask.answer` and prints the rows with the shared formatter. The line saying how the question was
understood goes above the table, or to standard error with --format json/csv so the output stays clean data.
"""

from __future__ import annotations

import click

from alliances.commands.common import EXIT_USAGE, App, CliError, emit, output_format, pass_app

# per answer shape: (columns for json/csv, columns a table shows; nested sources are flattened one per line)
_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "alliances": (("alliance", "iri", "unnamed"), ("alliance", "source", "evidence", "confidence")),
    "roles": (("role", "name", "iri", "unnamed"), ("name", "source", "evidence", "confidence")),
    "shared_alliances": (("alliance", "iri", "unnamed"), ("alliance", "of", "source", "evidence")),
    "shared_members": (("name", "iri", "kind"), ("name", "alliance", "source", "evidence")),
    "path": (
        ("step", "from", "relation", "direction", "to", "from_iri", "to_iri"),
        ("step", "from", "direction", "relation", "to", "source", "evidence"),
    ),
}


@click.command()
@click.argument("question", nargs=-1, required=True)
@output_format
@pass_app
def ask(app: App, question: tuple[str, ...], fmt: str) -> None:
    """Answer QUESTION from the store, in English, Danish, Norwegian or Swedish, with its sources.

    It answers: which alliances X is in, the members, funders, facilitators or founders of X, what X and Y
    share, and how X and Y are connected. Names are matched as in member-of (acronyms, spelling variants). A
    question it cannot map lists the forms it understands; it never guesses.

    \b
    Example:
        alliances ask "which alliances does BL belong to?"
        alliances ask "hvilke alliancer er BL med i?"
        alliances ask "hvem finansierer Hjem til Alle?" --format json
        alliances ask "what do BL and KL share?"
    """
    from alliances.graph.ask import NotUnderstood, answer, parse

    text = " ".join(question).strip()
    try:
        parse(text)
    except NotUnderstood as e:
        click.echo("Questions I understand (X and Y stand for names of organisations or alliances):", err=True)
        for what, examples in e.forms:
            click.echo(f"  {what}: {' · '.join(examples)}", err=True)
        raise CliError(f"Cannot map {text!r} onto one of the questions listed above.", EXIT_USAGE) from e
    result = answer(app.store(), text)
    heading = f"{result.summary}: {len(result.rows)} found."
    if result.note:
        heading += f" Note: {result.note}."
    click.echo(heading, err=fmt != "table")
    columns, table_columns = _COLUMNS[result.shape]
    emit(result.rows, fmt, columns=columns, table_columns=table_columns)


COMMANDS = [ask]
