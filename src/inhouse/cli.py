"""The ``inhouse`` command line: thin commands that parse, call one service and print."""

from __future__ import annotations

import getpass
import json
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import partial
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.tree import Tree
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from inhouse import __version__
from inhouse.clock import SystemClock
from inhouse.config import Settings
from inhouse.dataset import load_register
from inhouse.dataset import services as datasets
from inhouse.dataset.errors import DatasetError
from inhouse.dates import parse_date
from inhouse.db.engine import make_engine
from inhouse.db.migrate import current_revision, head_revision, upgrade
from inhouse.db.uow import UnitOfWork
from inhouse.errors import InhouseError
from inhouse.groups import services
from inhouse.groups.domain import Classification, Register
from inhouse.groups.schemas import ClassificationRead, GroupPositionRead
from inhouse.identity import services as identity
from inhouse.identity.domain import Actor, Role
from inhouse.wire import json_default

app = typer.Typer(
    name="inhouse",
    help="inhouse: who is internal to whom, on which date, and why.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
user_app = typer.Typer(help="Users of the web app and the API.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens (shown once, stored as a hash).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")
tickets_app = typer.Typer(help="Support tickets with their SLA clocks.", no_args_is_help=True)
calendars_app = typer.Typer(help="Business calendars of the SLA clocks.", no_args_is_help=True)
policies_app = typer.Typer(help="SLA policies (tried by position).", no_args_is_help=True)
app.add_typer(tickets_app, name="tickets")
app.add_typer(calendars_app, name="calendars")
app.add_typer(policies_app, name="policies")
out = Console()
err = Console(stderr=True)

DataOption = Annotated[
    Path | None,
    typer.Option(
        "--data",
        help="A dataset folder (CSV or XLSX tables), an XLSX workbook, a BODS JSON file, or "
        "a folder of GLEIF XML files (LEI-CDF and RR-CDF) "
        "(default: the database at INHOUSE_DATABASE_URL).",
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
        for line in str(error).splitlines():  # one problem a line, however long
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    except InhouseError as error:
        _fail(str(error))
    except DBAPIError as error:
        # The database refused or could not be reached: say so in one line, not a traceback.
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        _fail(f"the database failed: {reason}")


def _fail(message: str) -> NoReturn:
    err.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _read(data: Path | None) -> Register:
    """The register of a dataset, or of the database when no dataset is given."""
    source = str(data) if data is not None else "the database"
    with err.status(f"Reading {source} …", spinner="dots") if err.is_terminal else _nothing():
        return _load(data)


def _load(data: Path | None) -> Register:
    if data is not None:
        return load_register(data)
    return datasets.stored_register(uow=UnitOfWork(_database()))


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _print_json(payload: Any) -> None:
    """JSON on stdout; decimals anywhere in it as plain text (``"480.00"``, no exponent)."""
    sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=json_default) + "\n")


def _show_classification(answer: Classification) -> None:
    verdict = "internal" if answer.internal else "not internal"
    colour = "green" if answer.internal else "yellow"
    out.print(
        f"[bold]{escape(answer.buyer)}[/] buying from [bold]{escape(answer.seller)}[/] "
        f"on {answer.on}: "
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
    """Classify one sale (--seller --buyer --on) or every row of a sales file (--sales --out).

    Without --data the register comes from the database.
    """
    if sales is not None or out_file is not None:
        if sales is None or out_file is None:
            raise typer.BadParameter("bulk classification needs both --sales and --out")
        if seller or buyer or on:
            raise typer.BadParameter("give either --seller/--buyer/--on or --sales/--out")
        _classify_bulk(data, sales, out_file, as_json)
        return
    if seller is None or buyer is None or on is None:
        raise typer.BadParameter("give --seller, --buyer and --on (or --sales and --out)")
    with _domain_errors():
        register = _read(data)
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


def _classify_bulk(data: Path | None, sales: Path, target: Path, as_json: bool) -> None:
    from inhouse.bulk.classify import classify_sales

    with _domain_errors():
        # Read while DuckDB reads the sales: the bulk engine calls this loader itself.
        register = partial(_load, data)
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
    """Every entity's group on a date: ultimate parent, controller, effective interest, NCI.

    Without --data the register comes from the database.
    """
    if on is None:
        raise typer.BadParameter("give the date with --on YYYY-MM-DD", param_hint="--on")
    with _domain_errors():
        register = _read(data)
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
        parts = [f"[bold]{escape(entity)}[/] {escape(register.entities[entity].name)}"]
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


# --------------------------------------------------------------------------- the database


def _operator() -> Actor:
    """Whoever runs the command line is the local operator, with admin rights."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without a passwd entry)
        name = "unknown"
    return Actor(user_id=0, username=f"cli:{name}", role=Role.ADMIN)


def _shown(url: str) -> str:
    """A database URL fit to print: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(not a database URL)"


def _engine(url: str) -> Engine:
    try:
        return make_engine(url)
    except ArgumentError:
        _fail("INHOUSE_DATABASE_URL is not a database URL (e.g. sqlite:///path/inhouse.db)")
    except ImportError as error:  # a URL naming a driver that is not installed
        _fail(f"cannot use the database at {_shown(url)}: {error}")


def _revision(engine: Engine) -> str | None:
    try:
        return current_revision(engine)
    except DBAPIError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        _fail(f"cannot reach the database at {_shown(str(engine.url))}: {reason}")


def _database(settings: Settings | None = None) -> Engine:
    """An engine on the configured database, which must be initialised and up to date."""
    url = (settings or Settings()).database_url
    shown = _shown(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        _fail("INHOUSE_DATABASE_URL is not a database URL (e.g. sqlite:///path/inhouse.db)")
    file = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if file not in (None, "", ":memory:") and not Path(str(file)).expanduser().exists():
        _fail(f"there is no database at {shown}: run `inhouse init` first")
    engine = _engine(url)
    revision = _revision(engine)
    head = head_revision()
    if revision is None:
        _fail(f"the database at {shown} is not initialised: run `inhouse init` first")
    if revision != head:
        _fail(
            f"the database at {shown} is at revision {revision}, this inhouse needs {head}: "
            "run `inhouse init` to upgrade it"
        )
    return engine


@app.command("init")
def init_database(as_json: JsonOption = False) -> None:
    """Create the database at INHOUSE_DATABASE_URL, or upgrade it to the newest schema."""
    url = Settings().database_url
    shown = _shown(url)
    engine = _engine(url)
    with _domain_errors():
        before = _revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    engine.dispose()
    if as_json:
        _print_json({"database": shown, "before": before, "revision": after})
        return
    if before is None:
        out.print(
            f"Created the database at {shown} (revision {after}).", highlight=False, soft_wrap=True
        )
    elif before != after:
        out.print(
            f"Upgraded the database at {shown} from revision {before} to {after}.",
            highlight=False,
            soft_wrap=True,
        )
    else:
        out.print(
            f"The database at {shown} is up to date (revision {after}).",
            highlight=False,
            soft_wrap=True,
        )


@contextmanager
def _progress(show: bool) -> Iterator[_RichReporter | None]:
    """A Rich progress bar on stderr when it is a terminal (and output is not JSON)."""
    if not show or not err.is_terminal:
        yield None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:>12,.0f}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        yield _RichReporter(progress)


@app.command("import")
def import_data(
    path: Annotated[
        Path,
        typer.Argument(
            help="A dataset folder (CSV or XLSX tables), an XLSX workbook, a BODS JSON file "
            "or a folder of GLEIF XML files (LEI-CDF and RR-CDF).",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Bring the database up to a dataset: adds, changes and ends records; deletes nothing.

    The dataset is checked whole first; with any problem nothing is written. Importing
    the same dataset again changes nothing. A file is a set of changes: a record left out,
    a file with no rows and a file not in the folder keep what the database holds, so a
    folder may hold only the tables that change; its rows may refer to the database's
    records.
    """
    engine = _database()
    with _domain_errors(), _progress(not as_json) as progress:
        report = datasets.import_dataset(
            uow=UnitOfWork(engine),
            actor=_operator(),
            clock=SystemClock(),
            path=path,
            progress=progress,
        )
    if as_json:
        _print_json(report.as_dict())
        return
    table = Table(title=f"Imported {path}", title_justify="left")
    table.add_column("table")
    for column in ("added", "changed", "ended", "unchanged"):
        table.add_column(column, justify="right")
    table.add_column("kept", justify="right")
    for changes in report.tables:
        counts = changes.counts()
        table.add_row(changes.table, *(f"{counts[c]:,}" for c in counts))
    out.print(table)
    if any(changes.kept for changes in report.tables):
        out.print("kept: stored, but not in the dataset; an import deletes nothing.")
    for note in report.notes():
        out.print(f"Note: {note}", markup=False, highlight=False, soft_wrap=True)
    out.print(
        report.summary()[:1].upper() + report.summary()[1:] + ".", highlight=False, soft_wrap=True
    )


@app.command("export")
def export_data(
    path: Annotated[
        Path, typer.Argument(help="The folder to write the CSV files into.", show_default=False)
    ],
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace dataset files already in the folder.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write the database as a dataset folder: the register, products, programmes and sales."""
    engine = _database()
    with _domain_errors(), _progress(not as_json) as progress:
        report = datasets.export_dataset(
            uow=UnitOfWork(engine), path=path, overwrite=overwrite, progress=progress
        )
    if as_json:
        _print_json(report.as_dict())
        return
    table = Table(title=f"Exported to {path}", title_justify="left")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in report.files:
        table.add_row(name, f"{rows:,}")
    out.print(table)


# --------------------------------------------------------------------------- products


@app.command()
def products(
    seller: Annotated[str | None, typer.Option("--seller", show_default=False,
                      help="Only this entity's products.")] = None,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Products with their dated list prices and unit costs."""
    from inhouse.pricing import services as pricing
    from inhouse.pricing.schemas import ProductRead

    engine = _database()
    rows: list[dict[str, Any]] = []
    cursor: str | None = None
    with _domain_errors():
        while True:
            page, cursor = pricing.list_products(uow=UnitOfWork(engine), actor=_operator(),
                                                 seller=seller, limit=1000, cursor=cursor)  # fmt: skip
            rows += page
            if cursor is None:
                break
    shown = [ProductRead.of(r) for r in rows]
    if as_json:
        _print_json([p.model_dump(mode="json") for p in shown])
        return
    table = Table(title="Products", title_justify="left")
    for column in ("id", "seller", "name", "category", "list price", "unit cost", "from",
                   "until"):  # fmt: skip
        table.add_column(
            column, justify="right" if column in ("list price", "unit cost") else "left"
        )
    for product in shown:
        for price in product.prices:
            table.add_row(escape(product.id), escape(product.seller), escape(product.name),
                          escape(product.category or ""), f"{price.list_price} {product.currency}",
                          "" if price.unit_cost is None else f"{price.unit_cost} {product.currency}",
                          str(price.valid_from or "always"), str(price.valid_to or ""))  # fmt: skip
    out.print(table)


# --------------------------------------------------------------------------- benefits


@app.command()
def benefits(
    year: Annotated[int, typer.Option("--year", help="Statements of this year.", min=1900,
                                      max=9998, show_default=False)],
    month: Annotated[int | None, typer.Option("--month", min=1, max=12, show_default=False,
                     help="The position at the end of this month (year to date, and the "
                          "month's § 8 (2) statements).")] = None,
    person: Annotated[str | None, typer.Option("--person", show_default=False,
                      help="Only this person's statements.")] = None,
    payroll: Annotated[Path | None, typer.Option("--payroll", show_default=False,
                       help="Also write the payroll export (CSV) to this file.")] = None,
    as_json: JsonOption = False,
) -> None:  # fmt: skip
    """Taxable benefits of staff discounts per employee, from the recorded orders."""
    from inhouse.benefits import services as benefit_services
    from inhouse.benefits.schemas import BenefitsRead

    engine = _database()
    with _domain_errors():
        answer = benefit_services.benefit_statements_for(
            uow=UnitOfWork(engine), cache=services.RegisterCache(), actor=_operator(),
            year=year, month=month, person=person,
        )  # fmt: skip
    if payroll is not None:
        payroll.write_text(benefit_services.payroll_csv(answer.payroll), encoding="utf-8")
    if as_json:
        _print_json(BenefitsRead.of(answer).model_dump(mode="json"))
        return
    when = f"{year}" if month is None else f"{year}-{month:02d} (year to date)"
    table = Table(title=f"Benefits of staff discounts, {when}", title_justify="left")
    for column, justify in (("employee", "left"), ("employer", "left"), ("rule", "left"),
                            ("period", "left"), ("benefit", "right"), ("allowance used", "right"),
                            ("taxable", "right"), ("currency", "left")):  # fmt: skip
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for s in answer.statements:
        table.add_row(escape(f"{s.person} ({s.employee_number})"), escape(s.employer),
                      s.scheme.value, s.period.label, s.benefit.format(),
                      s.allowance_used.format(), s.taxable.format(), s.currency)  # fmt: skip
    out.print(table)
    if not answer.statements:
        out.print("No staff purchases recorded for this period.")
    for note in answer.not_valued:
        err.print(f"[yellow]not valued:[/] {escape(note)}")
    if payroll is not None:
        out.print(f"Payroll export: {len(answer.payroll)} rows written to {escape(str(payroll))}")


# --------------------------------------------------------------------------- users, tokens


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="The sign-in name.", show_default=False)],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.", show_default=False)],
    person: Annotated[
        str | None,
        typer.Option("--person", help="The person an employee user is.", show_default=False),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    no_password: Annotated[
        bool,
        typer.Option("--no-password", help="No password: the user signs in with API tokens only."),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Add a user; the password is asked for twice (or read from standard input)."""
    if password_stdin and no_password:
        raise typer.BadParameter("give either --password-stdin or --no-password")
    password: str | None = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise typer.BadParameter(
                "standard input holds no password", param_hint="--password-stdin"
            )
    elif not no_password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = _database()
    with _domain_errors():
        user = identity.add_user(
            uow=UnitOfWork(engine),
            actor=_operator(),
            clock=SystemClock(),
            username=username,
            password=password,
            role=role.value,
            person=person,
        )
    if as_json:
        _print_json(user)
        return
    linked = f", person {user['person']}" if user["person"] else ""
    out.print(
        f"Added user {user['username']} (id {user['id']}, role {user['role']}{linked}).",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@token_app.command("create")
def token_create(
    username: Annotated[str, typer.Argument(help="Whose token it is.", show_default=False)],
    name: Annotated[
        str, typer.Option("--name", help="What the token is for, e.g. 'shop checkout'.")
    ],
    as_json: JsonOption = False,
) -> None:
    """Make an API token for a user; the token is shown once and only its hash is kept."""
    engine = _database()
    with _domain_errors():
        made = identity.create_token(
            uow=UnitOfWork(engine),
            actor=_operator(),
            clock=SystemClock(),
            username=username,
            name=name,
        )
    if as_json:
        _print_json(
            {"id": made.id, "name": made.name, "username": made.username, "token": made.secret}
        )
        return
    err.print(
        f"API token {made.id} ({made.name}) for {made.username}. Store it now: it is shown "
        "only once, and inhouse keeps only its hash.",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    out.print(made.secret, markup=False, highlight=False, soft_wrap=True)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id.")],
    as_json: JsonOption = False,
) -> None:
    """Revoke an API token: it stops working at once."""
    engine = _database()
    with _domain_errors():
        row = identity.revoke_token(
            uow=UnitOfWork(engine), actor=_operator(), clock=SystemClock(), token_id=token_id
        )
    if as_json:
        _print_json({k: v for k, v in row.items() if k != "secret_hash"})
        return
    out.print(
        f"Revoked API token {token_id} ({row['name']}).",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


# --------------------------------------------------------------------------- incentives

incentives_app = typer.Typer(help="Incentive programmes and points.", no_args_is_help=True)
app.add_typer(incentives_app, name="incentives")


@app.command()
def points(
    person: Annotated[str, typer.Argument(help="The person's id.", show_default=False)],
    limit: Annotated[int, typer.Option("--limit", help="Entries to show, newest first.")] = 20,
    as_json: JsonOption = False,
) -> None:
    """A person's points: the balance, what is left of each credit and when it expires,
    and the newest ledger entries with their reasons."""
    from inhouse.incentives import services as incentives
    from inhouse.incentives.schemas import PointsRead

    engine = _database()
    with _domain_errors():
        statement = incentives.points_of(uow=UnitOfWork(engine), actor=_operator(),
                                         person=person, limit=limit)  # fmt: skip
    shown = PointsRead.of(statement)
    if as_json:
        _print_json(shown.model_dump(mode="json"))
        return
    out.print(f"{escape(person)}: [bold]{shown.balance:,}[/] points", highlight=False)
    if shown.open:
        lots = Table(title="Points not used yet (used in this order)", title_justify="left")
        for column in ("entry", "programme", "earned", "left", "expires on"):
            lots.add_column(column, justify="right" if column in ("earned", "left") else "left")
        for lot in shown.open:
            lots.add_row(str(lot.entry), lot.programme or "—", f"{lot.points:,}",
                         f"{lot.left:,}", str(lot.expires_on or "never"))  # fmt: skip
        out.print(lots)
    entries = Table(title="Ledger, newest first", title_justify="left")
    for column in ("entry", "day", "kind", "points", "reason"):
        entries.add_column(column, justify="right" if column == "points" else "left")
    for entry in shown.items:
        entries.add_row(str(entry.id), str(entry.booked_on), entry.kind, f"{entry.points:+,}",
                        escape(entry.reason))  # fmt: skip
    out.print(entries)


@app.command()
def participation(
    year: Annotated[int, typer.Option("--year", help="The year.", min=1, max=9998)],
    month: Annotated[
        int | None, typer.Option("--month", help="One month of the year.", min=1, max=12)
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Share of eligible employees who bought internally at least once, per month, entity
    and org unit; internal share of revenue and discount cost; the trend."""
    from inhouse.incentives import services as incentives
    from inhouse.incentives.domain import Month
    from inhouse.incentives.schemas import ParticipationRead

    first, last = (Month(year, month), Month(year, month)) if month else (
        Month(year, 1), Month(year, 12))  # fmt: skip
    engine = _database()
    with _domain_errors():
        answer = incentives.participation_report(uow=UnitOfWork(engine), actor=_operator(),
                                                 first=first, last=last)  # fmt: skip
    shown = ParticipationRead.of(answer)
    if as_json:
        _print_json(shown.model_dump(mode="json"))
        return
    table = Table(title="Participation", title_justify="left")
    for column in ("month", "eligible", "bought", "share", "change", "internal revenue",
                   "discount cost"):  # fmt: skip
        table.add_column(column, justify="left" if column == "month" else "right")
    for m in shown.months:
        revenue = ", ".join(f"{r.internal:,} {r.currency} ({r.internal_pct or 0}%)"
                            for r in m.revenue)  # fmt: skip
        discounts = ", ".join(f"{r.discount_cost:,} {r.currency}" for r in m.revenue)
        table.add_row(m.month, f"{m.eligible:,}", f"{m.participants:,}",
                      "—" if m.pct is None else f"{m.pct}%",
                      "" if m.change_pts is None else f"{m.change_pts:+} pts",
                      revenue or "—", discounts or "—")  # fmt: skip
    out.print(table)
    out.print(shown.trend[:1].upper() + shown.trend[1:] + ".", markup=False, highlight=False)


@incentives_app.command("expire")
def incentives_expire(
    on: Annotated[
        date,
        typer.Option(
            "--on",
            help="Expire what is due on this day (YYYY-MM-DD).",
            parser=_day,
            metavar="DATE",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Book the expiry of every point due on a day; running it again books nothing more."""
    from inhouse.incentives import services as incentives

    engine = _database()
    with _domain_errors():
        run = incentives.expire_points(uow=UnitOfWork(engine), actor=_operator(),
                                       clock=SystemClock(), on=on)  # fmt: skip
    if as_json:
        _print_json({"on": run.on.isoformat(), "points": run.points,
                     "entries": [{"id": e["id"], "person": e["person"],
                                  "programme": e["programme"], "points": e["points"],
                                  "reason": e["reason"]} for e in run.entries]})  # fmt: skip
        return
    persons = len({e["person"] for e in run.entries})
    out.print(f"Expired {run.points:,} points of {persons:,} persons due on {on}.",
              highlight=False)  # fmt: skip
    for entry in run.entries:
        out.print(f"  • {entry['person']}: {entry['reason']}", markup=False, highlight=False)


# --------------------------------------------------------------------------- care


def _care_json(row: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(row, default=json_default))  # type: ignore[no-any-return]


@tickets_app.command("list")
def tickets_list(
    status: Annotated[str | None, typer.Option(help="Only tickets in this status.")] = None,
    serving: Annotated[str | None, typer.Option(help="Only this serving entity's.")] = None,
    requester: Annotated[str | None, typer.Option(help="Only this requester's.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (1 to 1000).")] = 50,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the previous page.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Tickets in id order with relation, status and SLA figures."""
    from inhouse.care import services as care
    from inhouse.care.schemas import TicketSummary

    engine = _database()
    with _domain_errors():
        page = care.list_tickets(uow=UnitOfWork(engine), actor=_operator(), limit=limit,
                                 cursor=cursor, requester=requester, serving_entity=serving,
                                 status=status)  # fmt: skip
    rows = [TicketSummary.model_validate(r) for r in page.items]
    if as_json:
        _print_json({"items": [r.model_dump(mode="json") for r in rows],
                     "next_cursor": page.next_cursor})  # fmt: skip
        return
    table = Table("id", "created (UTC)", "requester", "serving", "relation", "priority",
                  "status", "policy", "first resp.", "resolution", "breached")  # fmt: skip
    for r in rows:
        table.add_row(r.id, f"{r.created_at:%Y-%m-%d %H:%M}", escape(r.requester),
                      r.serving_entity, r.relation, r.priority, r.status, r.policy or "",
                      _minutes(r.first_response_minutes), _minutes(r.resolution_minutes),
                      {True: "[red]yes[/red]", False: "no", None: ""}[r.breached])  # fmt: skip
    out.print(table)
    if page.next_cursor:
        out.print(f"more: --cursor {page.next_cursor}", markup=False, highlight=False)


def _minutes(value: int | None) -> str:
    return "" if value is None else f"{value} min"


@tickets_app.command("show")
def tickets_show(
    ticket: Annotated[str, typer.Argument(help="The ticket id.", show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """One ticket: relation with evidence, history, and each SLA clock explained."""
    from inhouse.care import services as care
    from inhouse.care.schemas import TicketRead

    engine = _database()
    with _domain_errors():
        view = care.get_ticket(uow=UnitOfWork(engine), actor=_operator(), clock=SystemClock(),
                               ticket=ticket)  # fmt: skip
    read = TicketRead.of(view)
    if as_json:
        _print_json(read.model_dump(mode="json"))
        return
    say = partial(out.print, markup=False, highlight=False, soft_wrap=True)
    say(f"{read.id}: {read.subject}")
    say(f"{read.requester} ({read.requester_kind}) → {read.serving_entity}: {read.relation}, "
        f"{read.channel}, {read.priority}, {read.status}")  # fmt: skip
    for line in read.relation_evidence + read.policy_evidence:
        say(f"  · {line}")
    out.rule("history")
    for event in read.events:
        what = event.status if event.kind == "status" else (
            f"{event.author} {'message' if event.public else 'internal note'}")  # fmt: skip
        say(f"  {event.at:%Y-%m-%d %H:%M} UTC  {what}")
    for clock in read.sla:
        out.rule(clock.name)
        for line in clock.explanation:
            say(f"  {line}")
        if clock.overdue:
            out.print("  [red]overdue now[/red]")


def _hours(text: str) -> dict[str, list[list[str]]]:
    """``mon-fri=09:00-12:00,13:00-17:00;sat=10:00-14:00`` → the calendar's hours."""
    hours: dict[str, list[list[str]]] = {}
    try:
        for part in filter(None, (p.strip() for p in text.split(";"))):
            days, ranges = part.split("=")
            hours[days.strip()] = [r.strip().split("-") for r in ranges.split(",")]
    except ValueError:
        raise typer.BadParameter(f'"{text}" is not like mon-fri=09:00-12:00,13:00-17:00') from None
    return hours


@calendars_app.command("list")
def calendars_list(as_json: JsonOption = False) -> None:
    """Every business calendar."""
    from inhouse.care import services as care

    engine = _database()
    with _domain_errors():
        rows = care.list_calendars(uow=UnitOfWork(engine), actor=_operator())
    if as_json:
        _print_json([_care_json(r) for r in rows])
        return
    table = Table("id", "name", "time zone", "hours", "holidays")
    for r in rows:
        hours = "; ".join(
            f"{d} " + ", ".join("–".join(x) for x in v) for d, v in r["hours"].items()
        )
        table.add_row(r["id"], escape(r["name"]), r["tz"], hours, str(len(r["holidays"])))
    out.print(table)


@calendars_app.command("set")
def calendars_set(
    calendar: Annotated[str, typer.Argument(help="The calendar id.", show_default=False)],
    tz: Annotated[str, typer.Option("--tz", help="IANA time zone, e.g. Europe/Berlin.")],
    hours: Annotated[
        str, typer.Option(help="e.g. mon-fri=09:00-12:00,13:00-17:00;sat=10:00-14:00")
    ],
    name: Annotated[str | None, typer.Option(help="A name (default: the id).")] = None,
    holiday: Annotated[
        list[str] | None, typer.Option(help="A holiday (YYYY-MM-DD); repeat.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Create a calendar, or replace one (its tickets are measured again)."""
    from inhouse.care import services as care

    engine = _database()
    fields: dict[str, Any] = {"name": name or calendar, "tz": tz, "hours": _hours(hours),
              "holidays": [_day(d) for d in holiday or []]}  # fmt: skip
    with _domain_errors():
        known = {c["id"] for c in care.list_calendars(uow=UnitOfWork(engine), actor=_operator())}
        if calendar in known:
            row = care.change_calendar(uow=UnitOfWork(engine), actor=_operator(),
                                       clock=SystemClock(), calendar=calendar, **fields)  # fmt: skip
        else:
            row = care.define_calendar(uow=UnitOfWork(engine), actor=_operator(),
                                       clock=SystemClock(), id=calendar, **fields)  # fmt: skip
    if as_json:
        _print_json(_care_json(row))
        return
    out.print(f"Calendar {calendar} saved.", markup=False, highlight=False)


@policies_app.command("list")
def policies_list(as_json: JsonOption = False) -> None:
    """Every SLA policy, in the order they are tried."""
    from inhouse.care import services as care

    engine = _database()
    with _domain_errors():
        rows = care.list_policies(uow=UnitOfWork(engine), actor=_operator())
    if as_json:
        _print_json([_care_json(r) for r in rows])
        return
    table = Table("position", "id", "segments", "priorities", "calendar", "first response",
                  "resolution", "next response")  # fmt: skip
    for r in rows:
        table.add_row(str(r["position"]), r["id"], ", ".join(r["segments"]) or "any",
                      ", ".join(r["priorities"]) or "any", r["calendar"],
                      _minutes(r["first_response"]), _minutes(r["resolution"]),
                      _minutes(r["next_response"]))  # fmt: skip
    out.print(table)


@policies_app.command("set")
def policies_set(
    policy: Annotated[str, typer.Argument(help="The policy id.", show_default=False)],
    position: Annotated[int, typer.Option(help="Policies are tried by position.")],
    calendar: Annotated[str, typer.Option(help="The calendar id.")],
    first_response: Annotated[int, typer.Option(help="Target in business minutes.")],
    resolution: Annotated[int, typer.Option(help="Target in business minutes.")],
    next_response: Annotated[int | None, typer.Option(help="Target in business minutes.")] = None,
    segment: Annotated[
        list[str] | None, typer.Option(help="internal, external or a relation; repeat.")
    ] = None,
    priority: Annotated[
        list[str] | None, typer.Option(help="low, normal, high, urgent; repeat.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A name (default: the id).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Create or replace an SLA policy; every ticket is matched and measured again."""
    from inhouse.care import services as care

    engine = _database()
    fields: dict[str, Any] = {"name": name or policy, "position": position, "calendar": calendar,
              "first_response": first_response, "resolution": resolution,
              "next_response": next_response, "segments": segment or [],
              "priorities": priority or []}  # fmt: skip
    with _domain_errors():
        known = {p["id"] for p in care.list_policies(uow=UnitOfWork(engine), actor=_operator())}
        if policy in known:
            row = care.change_policy(uow=UnitOfWork(engine), actor=_operator(),
                                     clock=SystemClock(), policy=policy, **fields)  # fmt: skip
        else:
            row = care.define_policy(uow=UnitOfWork(engine), actor=_operator(),
                                     clock=SystemClock(), id=policy, **fields)  # fmt: skip
    if as_json:
        _print_json(_care_json(row))
        return
    out.print(f"SLA policy {policy} saved; {row['tickets_recomputed']} tickets measured again.",
              markup=False, highlight=False)  # fmt: skip


@app.command()
def parity(
    period: Annotated[str, typer.Option(help="2026, 2026-Q1 or 2026-03.")],
    entity: Annotated[str | None, typer.Option(help="One serving entity.")] = None,
    group: Annotated[str | None, typer.Option(help="Every member of a group.")] = None,
    attainment_pct: Annotated[float, typer.Option(help="Tolerance, relative %.")] = 10,
    median_pct: Annotated[float, typer.Option(help="Tolerance, relative %.")] = 10,
    csat_points: Annotated[float, typer.Option(help="Tolerance, points.")] = 0.3,
    min_tickets: Annotated[int, typer.Option(help="Minimum tickets on each side.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Are internal customers served as well as external ones? Figures and alerts."""
    from decimal import Decimal

    from inhouse.care import services as care
    from inhouse.care.domain import Tolerances
    from inhouse.care.schemas import ParityRead

    engine = _database()
    limits = Tolerances(Decimal(str(attainment_pct)), Decimal(str(median_pct)),
                        Decimal(str(csat_points)), min_tickets)  # fmt: skip
    with _domain_errors():
        report = care.parity(uow=UnitOfWork(engine), actor=_operator(), clock=SystemClock(),
                             cache=services.RegisterCache(), period=period, entity=entity,
                             group=group, tolerances=limits)  # fmt: skip
    read = ParityRead.of(report)
    if as_json:
        _print_json(read.model_dump(mode="json"))
        return
    say = partial(out.print, markup=False, highlight=False, soft_wrap=True)
    say(f"Service parity {read.period} ({read.start} to {read.end}, exclusive), {read.scope}")
    table = Table("segment", "tickets", "1st resp. median", "p90", "resolution median", "p90",
                  "SLA met", "CSAT", "n", "NPS")  # fmt: skip
    for s in read.segments:
        if not s.tickets and s.name not in ("internal", "external"):
            continue
        table.add_row(s.name, str(s.tickets), _minutes(s.first_response_median),
                      _minutes(s.first_response_p90), _minutes(s.resolution_median),
                      _minutes(s.resolution_p90),
                      "" if s.attainment_pct is None else f"{s.attainment_pct}%",
                      "" if s.csat_mean is None else str(s.csat_mean), str(s.csat_count),
                      "" if s.nps is None else str(s.nps))  # fmt: skip
    out.print(table)
    for alert in read.alerts:
        out.print("[red]ALERT[/red] ", end="")
        shown = ", ".join(alert.tickets[:10]) + (" …" if alert.ticket_count > 10 else "")
        say(f"{alert.message}: {shown}")
    for note in read.notes:
        say(f"note: {note}")
    if not read.alerts:
        say("No alerts: internal customers fare no worse than external ones beyond the tolerances.")


# --------------------------------------------------------------------------- serve


@app.command()
def serve(
    host: Annotated[
        str | None,
        typer.Option(
            help="Address to listen on (default INHOUSE_HOST or 127.0.0.1).", show_default=False
        ),
    ] = None,
    port: Annotated[
        int | None,
        typer.Option(help="Port (default INHOUSE_PORT or 8000).", show_default=False),
    ] = None,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="A throw-away SQLite database with the demo data and one user per role.",
        ),
    ] = False,
) -> None:
    """Run the web app and the API (docs at /docs) with uvicorn until interrupted."""
    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    if demo:
        _serve_demo(settings, host, port)
        return
    if not settings.secret_key:
        _fail(
            "set INHOUSE_SECRET_KEY (a long random string) before serving; "
            "only `inhouse serve --demo` makes one up"
        )
    engine = _database(settings)
    from inhouse.web.app import create_app

    with _domain_errors():
        api = create_app(settings, engine=engine)
    out.print(
        f"Serving {_shown(settings.database_url)}: web app at http://{host}:{port}/, "
        f"API docs at http://{host}:{port}/docs",
        highlight=False,
        soft_wrap=True,
    )
    _run(api, host, port)


def _serve_demo(settings: Settings, host: str, port: int) -> None:
    from inhouse.demo.users import database_is_empty, set_up_demo
    from inhouse.web.app import create_app

    folder: Path | None = None
    if "database_url" in settings.model_fields_set:
        engine = _engine(settings.database_url)
        with _domain_errors():
            empty = database_is_empty(engine)
        if not empty:
            _fail(
                f"the database at {_shown(settings.database_url)} (INHOUSE_DATABASE_URL) is "
                "not empty; demo mode fills only an empty database: unset INHOUSE_DATABASE_URL "
                "to use a temporary one"
            )
    else:
        folder = Path(tempfile.mkdtemp(prefix="inhouse-demo-"))
        settings = settings.model_copy(
            update={"database_url": f"sqlite:///{folder / 'inhouse-demo.db'}"}
        )
        engine = _engine(settings.database_url)
    try:
        with _domain_errors():
            upgrade(engine)
            setup = set_up_demo(uow=UnitOfWork(engine), actor=_operator(), clock=SystemClock())
            api = create_app(settings, engine=engine, demo=True)
        where = "a temporary database, deleted on exit" if folder else "INHOUSE_DATABASE_URL"
        out.print(
            f"Demo data loaded into {_shown(settings.database_url)} ({where}): {setup.summary()}.",
            highlight=False,
            soft_wrap=True,
        )
        if setup.incentives is not None:
            made = setup.incentives
            out.print(
                f"Incentives: {made.programmes} programmes and {made.referrals} referrals; the "
                "demo's sales earned their points as they were imported.",
                highlight=False,
                soft_wrap=True,
            )
        out.print(f"Web app: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)",
                  highlight=False, soft_wrap=True)  # fmt: skip
        sign_ins = Table(title="Demo sign-ins (web app, or Authorize in the API docs)",
                         title_justify="left")  # fmt: skip
        for column in ("username", "password", "role", "person"):
            sign_ins.add_column(column)
        for user in setup.users:
            sign_ins.add_row(user.username, user.password, user.role.value, user.person or "")
        out.print(sign_ins)
        _unwind_on_sigterm()
        _run(api, host, port)
    finally:
        engine.dispose()
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _unwind_on_sigterm() -> None:
    """Make SIGTERM run the ``finally`` blocks (uvicorn re-raises it after shutting down)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)


def _terminated(number: int, _frame: Any) -> None:
    raise SystemExit(128 + number)


def _run(api: Any, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(api, host=host, port=port)


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
