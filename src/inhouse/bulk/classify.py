"""Bulk classification of a sales file, streamed through DuckDB.

The sales never become Python objects: Python computes the group structure as interval
tables (see ``timeline``), DuckDB joins every sale to them and writes the answers. The
evidence is assembled from the same sentences that ``Snapshot.classify`` uses, in the
same order, so a row of the output equals the single answer for that sale.
"""

from __future__ import annotations

import csv
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb

from inhouse.bulk.timeline import (
    EVIDENCE_SEPARATOR,
    SENTENCE_SEPARATOR,
    RelatedRow,
    build_timeline,
)
from inhouse.dataset.errors import DatasetError, Problem
from inhouse.groups.domain import Register

SALES_COLUMNS = (
    "id",
    "date",
    "seller",
    "buyer",
    "amount",
    "currency",
    "product",
    "quantity",
    "price_paid",
    "market_price",
)
SALES_REQUIRED = ("id", "date", "seller", "buyer")
OUTPUT_COLUMNS = (
    "id",
    "relation",
    "internal",
    "seller_entity",
    "buyer_entity",
    "group",
    "uncertain",
    "evidence",
)
MAX_PROBLEMS = 100


class Reporter(Protocol):
    """Where the engine tells how far it got (a Rich progress bar on a terminal)."""

    def phase(self, description: str, total: float | None = None) -> None: ...

    def update(self, completed: float) -> None: ...


class SilentReporter:
    def phase(self, description: str, total: float | None = None) -> None:
        pass

    def update(self, completed: float) -> None:
        pass


@dataclass(frozen=True, slots=True)
class BulkResult:
    rows: int
    seconds: float
    counts: dict[str, int]


def classify_sales(
    *,
    register: Register | Callable[[], Register],
    sales: Path,
    out: Path,
    reporter: Reporter | None = None,
    memory_limit: str = "2GB",
    threads: int | None = None,
) -> BulkResult:
    """Classify every row of ``sales`` (CSV) and write the answers to ``out`` (CSV).

    Nothing is written when the sales file has any problem; every problem found is
    reported at once (up to ``MAX_PROBLEMS``), naming file, row, column and reason.
    ``register`` may be a function that reads it: the sales file is then read by DuckDB
    at the same time, on the other cores.
    """
    report = reporter or SilentReporter()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="inhouse-bulk-") as work:
        workdir = Path(work)
        con = duckdb.connect(config={"memory_limit": memory_limit})
        try:
            con.execute(f"SET temp_directory = '{_sql_path(workdir / 'spill')}'")
            con.execute("SET preserve_insertion_order = true")
            if threads:
                con.execute(f"SET threads = {int(threads)}")
            report.phase("Reading the dataset and the sales")
            register = _read_inputs(con, register, sales)
            _load_parties(con, register, workdir)
            _check_sales(con, sales.name)
            report.phase("Computing the group structure", total=len(register.entities) or 1)
            done = 0

            def advance(n: int) -> None:
                nonlocal done
                done += n
                report.update(done)

            timeline = build_timeline(register, advance)
            report.phase("Loading the structure")
            _load_table(
                con,
                workdir / "membership.csv",
                "membership",
                ("entity", "vf", "vt", "grp", "uncertain", "chain", "doubts"),
                (
                    (m.entity, m.valid_from, m.valid_to, m.group, m.uncertain, m.chain, m.doubts)
                    for m in timeline.memberships
                ),
                "entity VARCHAR, vf DATE, vt DATE, grp VARCHAR, uncertain BOOLEAN, "
                "chain VARCHAR, doubts VARCHAR",
            )
            _load_related(con, workdir, "person_control", timeline.person_control)
            _load_related(con, workdir, "group_influence", timeline.group_influence)
            _load_related(con, workdir, "related_person", timeline.related_persons)
            _load_employments(con, register, workdir)
            report.phase("Classifying", total=100)
            con.execute(_MACROS)
            for stage in _CLASSIFY_STAGES:
                _run(con, stage, report)
            counts = dict(
                con.execute(
                    "SELECT relation, count(*) FROM answers GROUP BY relation ORDER BY relation"
                ).fetchall()
            )
            report.phase("Writing answers")
            _run(
                con,
                f"COPY (SELECT {', '.join(_quoted(c) for c in OUTPUT_COLUMNS)} FROM answers "
                f"ORDER BY rn) TO '{_sql_path(out)}' (HEADER, DELIMITER ',')",
                report,
            )
        finally:
            con.close()
    rows = sum(counts.values())
    return BulkResult(rows, time.perf_counter() - started, counts)


# --------------------------------------------------------------------------- loading


class _Background:
    """Work on another thread; ``wait`` hands its exception to the caller."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._failure: list[BaseException] = []

        def run() -> None:
            try:
                work()
            except BaseException as error:  # re-raised in the waiting thread
                self._failure.append(error)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        return self._thread.is_alive()

    def wait(self, seconds: float | None = None) -> None:
        self._thread.join(seconds)
        if not self._thread.is_alive() and self._failure:
            raise self._failure[0]

    def stop(self, interrupt: Callable[[], None]) -> None:
        """Interrupt the work until it has ended (at once if it has); its outcome is dropped.

        DuckDB must not be closed while a statement runs on another thread: ``close``
        refuses, and a thread still in DuckDB when Python exits aborts the process.
        """
        while self._thread.is_alive():
            interrupt()  # a no-op between two statements: hence again until it ends
            self._thread.join(0.05)


def _read_inputs(
    con: duckdb.DuckDBPyConnection, register: Register | Callable[[], Register], sales: Path
) -> Register:
    """Read the register while DuckDB reads the sales on its own cursor (table ``sales``).

    The sales file's header is checked first, here, so that its problems are listed
    together with the dataset's. When either side fails, the other is stopped and waited
    for before the error leaves: every path out leaves the connection free to close.
    """
    try:
        header = _sales_header(sales)
        sales_problems: list[Problem] = []
    except DatasetError as error:
        header, sales_problems = None, error.problems
    cursor = con.cursor()
    loading = None if header is None else _Background(lambda: _load_sales(cursor, sales, header))
    try:
        read = register() if callable(register) else register
        if loading is not None:
            loading.wait()
    except DatasetError as error:
        raise DatasetError([*error.problems, *sales_problems]) from None
    finally:
        if loading is not None:
            loading.stop(cursor.interrupt)
        cursor.close()
    if sales_problems:
        raise DatasetError(sales_problems)
    return read


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sales_header(sales: Path) -> list[str]:
    name = sales.name
    if not sales.is_file():
        raise DatasetError([Problem(name, None, None, f"no such file: {sales}")])
    try:
        with sales.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader(handle), [])
    except UnicodeDecodeError:
        raise DatasetError([Problem(name, 1, None, "not UTF-8 text")]) from None
    problems = [
        Problem(name, 1, column, "required column is missing")
        for column in SALES_REQUIRED
        if column not in header
    ]
    problems += [
        Problem(name, 1, column, f"unknown column (expected one of {', '.join(SALES_COLUMNS)})")
        for column in header
        if column not in SALES_COLUMNS
    ]
    if problems:
        raise DatasetError(problems)
    return header


def _load_sales(con: duckdb.DuckDBPyConnection, sales: Path, header: Sequence[str]) -> None:
    name = sales.name
    try:
        con.execute(
            f"""
            CREATE TABLE raw_sales AS
            SELECT trim(id) AS id, trim(date) AS date, trim(seller) AS seller,
                   trim(buyer) AS buyer
            FROM read_csv('{_sql_path(sales)}', header = true, all_varchar = true,
                          auto_detect = false, delim = ',', quote = '"', escape = '"',
                          columns = {{{", ".join(f"'{c}': 'VARCHAR'" for c in header)}}})
            """
        )
    except duckdb.InterruptException:
        raise
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise DatasetError(
            [Problem(name, None, None, f"cannot be read as CSV: {message}")]
        ) from None
    con.execute(
        """
        CREATE TABLE sales AS
        SELECT rowid + 2 AS rn, id, date AS raw_date, seller, buyer,
               CASE WHEN regexp_full_match(date, '\\d{4}-\\d{2}-\\d{2}')
                    THEN TRY_CAST(date AS DATE) END AS d
        FROM raw_sales
        """
    )
    con.execute("DROP TABLE raw_sales")


def _load_parties(con: duckdb.DuckDBPyConnection, register: Register, workdir: Path) -> None:
    """Only the parties that occur in the sales file: a person table can be very large."""
    ids = {
        party
        for (party,) in con.execute(
            "SELECT DISTINCT seller FROM sales UNION SELECT DISTINCT buyer FROM sales"
        ).fetchall()
        if party
    }

    def rows() -> Iterable[Sequence[object]]:
        for party in ids:
            if party in register.entities:
                yield (party, "entity", party)
            elif party in register.units:
                yield (party, "unit", register.units[party].entity)
            elif party in register.persons:
                yield (party, "person", None)

    _load_table(
        con,
        workdir / "party.csv",
        "party",
        ("id", "kind", "entity"),
        rows(),
        "id VARCHAR, kind VARCHAR, entity VARCHAR",
    )


def _check_sales(con: duckdb.DuckDBPyConnection, name: str) -> None:
    found = con.execute(
        f"""
        SELECT rn, col, reason FROM (
          SELECT rn, 'id' AS col, 'a value is required' AS reason, 1 AS o
            FROM sales WHERE id IS NULL OR id = ''
          UNION ALL
          SELECT rn, 'date', 'a value is required', 2 FROM sales
            WHERE raw_date IS NULL OR raw_date = ''
          UNION ALL
          SELECT rn, 'date', '"' || raw_date || '" is not a date (YYYY-MM-DD)', 2 FROM sales
            WHERE raw_date <> '' AND d IS NULL
          UNION ALL
          SELECT rn, 'seller', 'a value is required', 3 FROM sales
            WHERE seller IS NULL OR seller = ''
          UNION ALL
          SELECT s.rn, 'seller', '"' || s.seller || '" is not a known legal entity or org unit', 3
            FROM sales s LEFT JOIN party p ON p.id = s.seller
            WHERE s.seller <> '' AND (p.kind IS NULL OR p.kind = 'person')
          UNION ALL
          SELECT rn, 'buyer', 'a value is required', 4 FROM sales
            WHERE buyer IS NULL OR buyer = ''
          UNION ALL
          SELECT s.rn, 'buyer', s.buyer || ' cannot buy from itself (' || s.seller || ')', 4
            FROM sales s LEFT JOIN party sp ON sp.id = s.seller
                         LEFT JOIN party bp ON bp.id = s.buyer
            WHERE s.buyer = s.seller OR (bp.kind = 'entity' AND bp.id = sp.entity)
        ) ORDER BY rn, o LIMIT {MAX_PROBLEMS + 1}
        """
    ).fetchall()
    if not found:
        return
    problems = [Problem(name, int(rn), str(col), str(reason)) for rn, col, reason in found]
    if len(problems) > MAX_PROBLEMS:
        counted = con.execute("SELECT count(*) FROM sales").fetchone()
        total = int(counted[0]) if counted else 0
        problems = problems[:MAX_PROBLEMS]
        problems.append(
            Problem(name, None, None, f"more problems not listed (the file has {total:,} rows)")
        )
    raise DatasetError(problems)


def _load_table(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    columns: str,
) -> None:
    """Write rows to a CSV file and load it with declared types (fast for millions of rows)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(
            [
                "" if v is None else ("true" if v is True else "false" if v is False else v)
                for v in row
            ]
            for row in rows
        )
    types = ", ".join(
        f"'{name}': '{kind}'"
        for name, kind in (part.strip().split(" ", 1) for part in columns.split(","))
    )
    con.execute(
        f"CREATE TABLE {table} AS SELECT * FROM read_csv('{_sql_path(path)}', header = true, "
        f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"nullstr = '', columns = {{{types}}})"
    )


def _load_related(
    con: duckdb.DuckDBPyConnection, workdir: Path, table: str, rows: list[RelatedRow]
) -> None:
    _load_table(
        con,
        workdir / f"{table}.csv",
        table,
        ("party", "other", "vf", "vt", "evidence"),
        ((r.party, r.other, r.valid_from, r.valid_to, r.evidence) for r in rows),
        "party VARCHAR, other VARCHAR, vf DATE, vt DATE, evidence VARCHAR",
    )


def _load_employments(con: duckdb.DuckDBPyConnection, register: Register, workdir: Path) -> None:
    """Employments of the persons who buy, ranked as ``Register.employments_of`` orders them."""
    buyers = {
        person for (person,) in con.execute("SELECT id FROM party WHERE kind = 'person'").fetchall()
    }

    def rows() -> Iterable[Sequence[object]]:
        for person in buyers:
            for rank, employment in enumerate(register.employments_for(person)):
                yield (
                    person,
                    employment.entity,
                    employment.period.valid_from,
                    employment.period.valid_to,
                    rank,
                    employment.describe(),
                )

    _load_table(
        con,
        workdir / "employment.csv",
        "employment",
        ("person", "entity", "vf", "vt", "rank", "sentence"),
        rows(),
        "person VARCHAR, entity VARCHAR, vf DATE, vt DATE, rank INTEGER, sentence VARCHAR",
    )


def _run(con: duckdb.DuckDBPyConnection, sql: str, report: Reporter) -> None:
    """Run a long statement while this thread keeps the progress bar moving."""

    def work() -> None:
        con.execute(sql)

    worker = _Background(work)
    try:
        while worker.alive():
            worker.wait(0.2)
            progress = con.query_progress()
            if progress >= 0:
                report.update(progress)
    finally:
        worker.stop(con.interrupt)  # at once when the statement has ended
    worker.wait()


# Sentence lists: ``opt`` is one sentence or none, ``sentences`` splits a stored list, and
# ``evidence`` keeps each sentence once, in order, as ``Classification.evidence`` does.
_MACROS = f"""
CREATE MACRO opt(x) AS CASE WHEN x IS NULL THEN []::VARCHAR[] ELSE [x] END;
CREATE MACRO sentences(t) AS
  CASE WHEN t IS NULL OR t = '' THEN []::VARCHAR[] ELSE string_split(t, chr({ord(SENTENCE_SEPARATOR)})) END;
CREATE MACRO evidence(l) AS
  array_to_string(list_filter(l, lambda x, i: list_position(l, x) = i), '{EVIDENCE_SEPARATOR}');
CREATE MACRO group_sentence(a, b, grp, day) AS
  CASE WHEN a = grp THEN b || ' is controlled by ' || grp || ' on ' || day
       WHEN b = grp THEN a || ' is controlled by ' || grp || ' on ' || day
       ELSE a || ' and ' || b || ' are both controlled by ' || grp || ' on ' || day END;
"""

# The relation rules of ``Snapshot.classify`` in SQL, in the same order of evidence. Each
# stage is materialised once: every later stage reads it, and DuckDB would otherwise
# compute a shared CTE again for each reader.
_CLASSIFY_STAGES = (
    """
CREATE TEMP TABLE ms AS
SELECT s.rn, s.id, s.d, s.seller, s.buyer,
       strftime(s.d, '%Y-%m-%d') AS day,
       sp.entity AS se, bp.kind AS buyer_kind, bp.entity AS be,
       CASE WHEN sp.kind = 'unit' THEN s.seller || ' is an org unit of ' || sp.entity END
         AS intro,
       m.grp AS sg, m.uncertain AS s_unc, m.chain AS s_chain, m.doubts AS s_doubts
FROM sales s
JOIN party sp ON sp.id = s.seller
LEFT JOIN party bp ON bp.id = s.buyer
JOIN membership m
  ON m.entity = sp.entity AND (m.vf IS NULL OR s.d >= m.vf) AND (m.vt IS NULL OR s.d < m.vt)
""",
    """
CREATE TEMP TABLE common AS
SELECT x.rn,
       list(x.se || ' and ' || x.be || ' are both controlled by ' || a.party
            || ', a natural person' ORDER BY a.party) AS lines
FROM ms x
JOIN person_control a
  ON a.other = x.se AND (a.vf IS NULL OR x.d >= a.vf) AND (a.vt IS NULL OR x.d < a.vt)
JOIN person_control b
  ON b.other = x.be AND b.party = a.party
 AND (b.vf IS NULL OR x.d >= b.vf) AND (b.vt IS NULL OR x.d < b.vt)
WHERE x.buyer_kind IN ('entity', 'unit') AND x.be <> x.se
GROUP BY x.rn
""",
    """
CREATE TEMP TABLE jobs AS
SELECT x.rn, x.se, x.sg, e.rank, e.entity, e.sentence, m.grp, m.uncertain, m.chain, m.doubts
FROM ms x
JOIN employment e
  ON e.person = x.buyer AND (e.vf IS NULL OR x.d >= e.vf) AND (e.vt IS NULL OR x.d < e.vt)
JOIN membership m
  ON m.entity = e.entity AND (m.vf IS NULL OR x.d >= m.vf) AND (m.vt IS NULL OR x.d < m.vt)
WHERE x.buyer_kind = 'person'
""",
    """
CREATE TEMP TABLE job AS
SELECT rn,
       arg_min(sentence, rank) FILTER (WHERE entity = se) AS own,
       arg_min(rank, rank) FILTER (WHERE entity <> se AND grp = sg) AS sister_rank,
       flatten(list(sentences(doubts) ORDER BY rank)
               FILTER (WHERE doubts IS NOT NULL AND doubts <> '')) AS employer_doubts
FROM jobs GROUP BY rn
""",
    """
CREATE TABLE answers AS
SELECT rn, id, 'external' AS relation, false AS internal, se AS seller_entity,
       NULL AS buyer_entity, sg AS "group", false AS uncertain,
       concat_ws('; ', intro, buyer || ' is not a known party') AS evidence
FROM ms WHERE buyer_kind IS NULL
UNION ALL
SELECT rn, id, 'same_entity', true, se, be, sg, false,
       concat_ws('; ', intro,
                 buyer || ' is an org unit of ' || be || ', the seller''s own legal entity')
FROM ms WHERE buyer_kind = 'unit' AND be = se
UNION ALL
SELECT rn, id,
       CASE WHEN bg = sg THEN 'intercompany'
            WHEN related IS NOT NULL THEN 'related_party' ELSE 'external' END,
       bg = sg, se, be, sg, s_unc OR b_unc, evidence(parts)
FROM (
  SELECT *,
         opt(intro)
         || opt(CASE WHEN buyer_kind = 'unit' THEN buyer || ' is an org unit of ' || be END)
         || sentences(s_chain) || sentences(b_chain)
         || CASE WHEN bg = sg THEN [group_sentence(se, be, sg, day)]
                 ELSE [se || ' belongs to the ' || sg || ' group and ' || be || ' to the '
                       || bg || ' group on ' || day] || coalesce(related, []::VARCHAR[]) END
           AS parts
  FROM (
    SELECT x.*, m.grp AS bg, m.uncertain AS b_unc, m.chain AS b_chain,
           CASE WHEN c.lines IS NOT NULL OR g.evidence IS NOT NULL
                THEN coalesce(c.lines, []::VARCHAR[]) || sentences(g.evidence) END AS related
    FROM ms x
    JOIN membership m
      ON m.entity = x.be AND (m.vf IS NULL OR x.d >= m.vf) AND (m.vt IS NULL OR x.d < m.vt)
    LEFT JOIN common c USING (rn)
    LEFT JOIN group_influence g
      ON g.party = x.sg AND g.other = m.grp AND m.grp <> x.sg
     AND (g.vf IS NULL OR x.d >= g.vf) AND (g.vt IS NULL OR x.d < g.vt)
    WHERE x.buyer_kind IN ('entity', 'unit') AND NOT (x.buyer_kind = 'unit' AND x.be = x.se)
  )
)
UNION ALL
SELECT rn, id,
       CASE WHEN own IS NOT NULL THEN 'employee'
            WHEN employer IS NOT NULL THEN 'group_employee'
            WHEN related IS NOT NULL THEN 'related_party' ELSE 'external' END,
       own IS NOT NULL OR employer IS NOT NULL,
       se,
       CASE WHEN own IS NOT NULL THEN se ELSE employer END,
       sg,
       CASE WHEN own IS NOT NULL THEN false
            WHEN employer IS NOT NULL THEN s_unc OR employer_unc
            ELSE len(doubts) > 0 END,
       CASE WHEN own IS NOT NULL THEN concat_ws('; ', intro, own) ELSE evidence(parts) END
FROM (
  SELECT *,
         CASE
           WHEN own IS NOT NULL THEN []::VARCHAR[]
           WHEN employer IS NOT NULL THEN opt(intro) || [job_sentence]
             || sentences(s_chain) || sentences(employer_chain)
             || [group_sentence(se, employer, sg, day)]
           WHEN related IS NOT NULL THEN opt(intro) || sentences(related) || doubts
           ELSE opt(intro)
             || [buyer || ' has no employment in the ' || sg || ' group on ' || day] || doubts
         END AS parts
  FROM (
    SELECT x.*, j.own, sj.entity AS employer, sj.sentence AS job_sentence,
           sj.chain AS employer_chain, sj.uncertain AS employer_unc, pr.evidence AS related,
           sentences(x.s_doubts) || coalesce(j.employer_doubts, []::VARCHAR[]) AS doubts
    FROM ms x
    LEFT JOIN job j USING (rn)
    LEFT JOIN jobs sj ON sj.rn = x.rn AND sj.rank = j.sister_rank
    LEFT JOIN related_person pr
      ON pr.party = x.buyer AND pr.other = x.sg
     AND (pr.vf IS NULL OR x.d >= pr.vf) AND (pr.vt IS NULL OR x.d < pr.vt)
    WHERE x.buyer_kind = 'person'
  )
)
""",
)
