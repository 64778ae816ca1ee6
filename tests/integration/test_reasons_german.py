"""The problem reasons on the pages: German on German pages, as the code wrote them on
English pages (see ``inhouse.web.reasons``)."""

from __future__ import annotations

import html

from conftest import NOW, SECRET_KEY, Accounts
from fastapi.testclient import TestClient
from pages import post_form, post_zip, sign_in_as

from inhouse.web.pages.core import LANG_COOKIE

BAD = {
    "entities.csv": "id,name,colour\nA1,Alpha GmbH,red\nB1,,blue\n",
    "stakes.csv": "holder,entity,voting,valid_from\nA1,NOPE,100,2026-13-01\n",
}


def _problems(client: TestClient, language: str) -> str:
    client.cookies.set(LANG_COOKIE, language)
    answer = post_zip(client, BAD)
    assert answer.status_code == 422, answer.text
    return html.unescape(answer.text.split('id="import-problems"')[1])


def test_the_import_page_gives_the_reasons_in_the_page_language(
    client: TestClient, accounts: Accounts
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    german = _problems(client, "de")
    assert "<td>ein Wert ist erforderlich</td>" in german
    assert '<td>"NOPE" ist keine bekannte Gesellschaft</td>' in german
    assert '<td>"2026-13-01" ist kein Datum (JJJJ-MM-TT)</td>' in german
    assert "<td>unbekannte Spalte (erwartet: id, name, country," in german
    assert "<td>colour</td>" in german  # the column's name stays as it is
    assert "is not a known entity" not in german
    english = _problems(client, "en")
    assert "<td>a value is required</td>" in english
    assert '<td>"NOPE" is not a known entity</td>' in english
    assert '<td>"2026-13-01" is not a date (YYYY-MM-DD)</td>' in english
    assert "<td>unknown column (expected one of id, name, country," in english


def test_a_form_error_is_given_in_the_page_language(client: TestClient, accounts: Accounts) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    form = {"username": "bob", "password": "short", "role": "hr"}
    for language, expected in (("de", "ein Passwort braucht mindestens"),
                               ("en", "a password needs at least")):  # fmt: skip
        client.cookies.set(LANG_COOKIE, language)
        answer = post_form(client, "/users", form, token_from="/users")
        assert answer.status_code == 422
        assert expected in answer.text


def test_the_classify_tool_and_the_error_page_give_the_reasons_in_the_page_language(
    client: TestClient, accounts: Accounts
) -> None:
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    client.cookies.set(LANG_COOKIE, "de")

    unknown = client.get("/classify?seller=NOBODY-HERE&buyer=ORG&on=2026-03-02")
    missing = client.get("/orders/NO-SUCH-ORDER")
    crooked = client.get("/audit/not-a-number")
    no_page = client.get("/no-such-page")

    assert unknown.status_code == 422
    assert "NOBODY-HERE ist weder eine bekannte Gesellschaft noch eine bekannte " in unknown.text
    assert missing.status_code == 404
    assert '<p class="detail">Bestellung NO-SUCH-ORDER gibt es nicht</p>' in missing.text
    assert crooked.status_code == 422
    assert "die Adresse enthält einen Wert, der nicht passt" in crooked.text
    # the bare status phrase ("Not Found") is not repeated under the heading
    assert no_page.status_code == 404 and 'class="detail"' not in no_page.text


def test_the_import_page_names_the_kept_files_in_the_page_language(
    client: TestClient, accounts: Accounts
) -> None:
    # given the two entities imported, then a ZIP with entities.csv holding only its header
    sign_in_as(client, accounts.actor("admin"), SECRET_KEY, NOW)
    assert (
        post_zip(client, {"entities.csv": "id,name\nA1,Alpha GmbH\nB1,Beta AG\n"}).status_code
        == 200
    )
    for language, expected in (
        ("de", "entities.csv: keine Zeilen: die Datensätze der Datenbank bleiben erhalten "
               "(2 Gesellschaften)"),
        ("en", "entities.csv: no rows: the database's records are kept (2 entities)"),
    ):  # fmt: skip
        client.cookies.set(LANG_COOKIE, language)
        # when
        answer = post_zip(client, {"entities.csv": "id,name\n"})
        # then
        assert answer.status_code == 200, answer.text
        assert f'<p class="kept-file">{expected}</p>' in html.unescape(answer.text)
