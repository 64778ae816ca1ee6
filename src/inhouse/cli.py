"""The ``inhouse`` command line: thin commands that parse, call one service and print."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree

from inhouse import __version__
from inhouse.dataset import load_register
from inhouse.dataset.errors import DatasetError
from inhouse.dates import parse_date
from inhouse.errors import InhouseError
from inhouse.groups import services
from inhouse.groups.domain import Classification, Register
from inhouse.groups.schemas import ClassificationRead, GroupPositionRead

app = typer.Typer(
    name="inhouse",
    help="inhouse: who is internal to whom, on which date, and why.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="A dataset folder (CSV or XLSX tables), an XLSX workbook, or a BODS JSON file.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _day(text: str) -> date:
    try:
        return parse_date(text)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


OnOption = Annotated[
    date | None,
    typer.Option(
        "--on",
        help="The date to answer for (YYYY-MM-DD).",
        parser=_day,
        metavar="DATE",
        show_default=False,
    ),
]


class _Failed(Exception):
    """A domain error already printed; the command ends with exit code 1."""


@contextmanager
def _domain_errors() -> Iterator[None]:
    """Turn domain errors into a clear message on stderr and exit code 1."""
    try:
        yield
    except DatasetError as error:
        for line in str(error).splitlines():
            err.print(line, markup=False, highlight=False)
        raise typer.Exit(1) from None
    except InhouseError as error:
        err.print(f"error: {error}", markup=False, highlight=False)
        raise typer.Exit(1) from None


def _require_data(data: Path | None) -> Path:
    if data is None:
        raise typer.BadParameter(
            "give a dataset with --data (a folder, an XLSX workbook or a BODS JSON file)",
            param_hint="--data",
        )
    return data


def _read(data: Path) -> Register:
    with err.status(f"Reading {data} …", spinner="dots") if err.is_terminal else _nothing():
        return load_register(data)


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _print_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")


def _show_classification(answer: Classification) -> None:
    verdict = "internal" if answer.internal else "not internal"
    colour = "green" if answer.internal else "yellow"
    out.print(
        f"[bold]{answer.buyer}[/] buying from [bold]{answer.seller}[/] on {answer.on}: "
        f"[bold {colour}]{answer.relation.value}[/] ({verdict})",
        highlight=False,
    )
    facts = Table.grid(padding=(0, 2))
    facts.add_row("seller entity", answer.seller_entity)
    facts.add_row("buyer entity", answer.buyer_entity or "—")
    facts.add_row("group", answer.group)
    facts.add_row("uncertain", "yes" if answer.uncertain else "no")
    out.print(facts)
    out.print("Evidence:")
    for line in answer.evidence:
        out.print(f"  • {line}", markup=False, highlight=False)


@app.command()
def classify(
    data: DataOption = None,
    seller: Annotated[
        str | None, typer.Option(help="The selling legal entity or org unit.", show_default=False)
    ] = None,
    buyer: Annotated[
        str | None,
        typer.Option(help="The buyer: entity, org unit, person or any id.", show_default=False),
    ] = None,
    on: OnOption = None,
    sales: Annotated[
        Path | None,
        typer.Option(help="Bulk: a sales CSV (id, date, seller, buyer, …).", show_default=False),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Bulk: where to write the answers (CSV).", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Classify one sale (--seller --buyer --on) or every row of a sales file (--sales --out)."""
    dataset = _require_data(data)
    if sales is not None or out_file is not None:
        if sales is None or out_file is None:
            raise typer.BadParameter("bulk classification needs both --sales and --out")
        if seller or buyer or on:
            raise typer.BadParameter("give either --seller/--buyer/--on or --sales/--out")
        _classify_bulk(dataset, sales, out_file, as_json)
        return
    if seller is None or buyer is None or on is None:
        raise typer.BadParameter("give --seller, --buyer and --on (or --sales and --out)")
    with _domain_errors():
        register = _read(dataset)
        answer = services.classify(register=register, seller=seller, buyer=buyer, on=on)
    if as_json:
        _print_json(ClassificationRead.of(answer).model_dump(mode="json"))
    else:
        _show_classification(answer)


class _RichReporter:
    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def phase(self, description: str, total: float | None = None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total or 1)
        self.task = self.progress.add_task(description, total=total)

    def update(self, completed: float) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=completed)


def _classify_bulk(data: Path, sales: Path, target: Path, as_json: bool) -> None:
    from inhouse.bulk.classify import classify_sales

    with _domain_errors():
        register = _read(data)
        if err.is_terminal and not as_json:
            columns = (
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=err, transient=False) as progress:
                result = classify_sales(
                    register=register, sales=sales, out=target, reporter=_RichReporter(progress)
                )
        else:
            result = classify_sales(register=register, sales=sales, out=target)
    if as_json:
        _print_json({"rows": result.rows, "seconds": result.seconds, "relations": result.counts})
        return
    out.print(f"{result.rows:,} sales classified in {result.seconds:.1f} s → {target}")
    summary = Table()
    summary.add_column("relation")
    summary.add_column("sales", justify="right")
    for relation, count in result.counts.items():
        summary.add_row(relation, f"{count:,}")
    out.print(summary)


@app.command()
def group(
    data: DataOption = None,
    on: OnOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every entity's group on a date: ultimate parent, controller, effective interest, NCI."""
    dataset = _require_data(data)
    if on is None:
        raise typer.BadParameter("give the date with --on YYYY-MM-DD", param_hint="--on")
    with _domain_errors():
        register = _read(dataset)
        positions = services.group_structure(register=register, on=on)
    if as_json:
        _print_json([GroupPositionRead.of(p).model_dump(mode="json") for p in positions])
        return
    _show_groups(register, positions, on)


def _show_groups(register: Register, positions: list[services.GroupPosition], on: date) -> None:
    by_entity = {p.entity: p for p in positions}
    children: dict[str | None, list[str]] = {}
    for position in positions:
        above = position.controller if position.entity != position.ultimate_parent else None
        children.setdefault(above, []).append(position.entity)

    def label(entity: str) -> str:
        p = by_entity[entity]
        parts = [f"[bold]{entity}[/] {register.entities[entity].name}"]
        if entity != p.ultimate_parent:
            parts.append(f"effective {p.effective_pct}%, NCI {p.nci_pct}%")
        if p.uncertain:
            parts.append("[yellow]uncertain[/]")
        return " — ".join(parts)

    def grow(node: Tree, entity: str, seen: set[str]) -> None:
        for child in children.get(entity, []):
            if child not in seen:
                grow(node.add(label(child)), child, seen | {child})

    groups = [p.entity for p in positions if p.entity == p.ultimate_parent]
    shown = 0
    for root in groups:
        if len(children.get(root, [])) == 0 and len(groups) > 1:
            continue
        tree = Tree(label(root))
        grow(tree, root, {root})
        out.print(tree)
        shown += 1
    standalone = [g for g in groups if not children.get(g)]
    if standalone and shown:
        out.print(f"Standalone on {on} (no subsidiaries): {', '.join(standalone)}", markup=False)
    uncertain = [p for p in positions if p.uncertain]
    for position in uncertain:
        for line in position.evidence:
            if "uncertain" in line:
                out.print(f"  ! {line}", markup=False, highlight=False)


@app.command()
def demo() -> None:
    """Show the demo JKL group and classify the founding text's purchase (ABC buys from XYZ)."""
    from inhouse import demo as demo_data

    with _domain_errors():
        register = load_register(demo_data.DATA_DIR)
        on = demo_data.SEED_DATE
        out.rule(f"The demo group structure on {on}")
        _show_groups(register, services.group_structure(register=register, on=on), on)
        out.rule("The founding text's purchase")
        _show_classification(
            services.classify(
                register=register,
                seller=demo_data.SEED_SELLER,
                buyer=demo_data.SEED_BUYER,
                on=on,
            )
        )


def _version(value: bool) -> None:
    if value:
        out.print(f"inhouse {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """inhouse: the system of record for internal customers."""


def main() -> None:
    app()


if __name__ == "__main__":
    main()
