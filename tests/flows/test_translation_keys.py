"""Every language has exactly the strings of en.json, with the same placeholders.

Home Assistant falls back to English for a key a language lacks, silently: a homeowner reading
German then meets an English repair issue. A key only a translation has is dead text that hides a
renamed key. A placeholder missing from a translation drops the charger's name or the error from
the message; one the English string lacks is never filled in. The frontend renders the strings
(tests/flows/test_translations_render.py); this test needs no node and names what is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
import json
from pathlib import Path
import re

import pytest

TRANSLATIONS = Path(__file__).parents[2] / "custom_components/ocpp_central/translations"
REQUIRED = {"en", "sv", "de", "nl", "nb", "da", "fi", "fr"}
LANGUAGES = tuple(sorted(file.stem for file in TRANSLATIONS.glob("*.json") if file.stem != "en"))
PLACEHOLDER = re.compile(r"\{\s*(\w+)\s*[,}]")
WORD = re.compile(r"[A-Za-z]{2,}")

type Strings = dict[tuple[str, ...], str]


def flatten(node: object, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(key path, string) for every string of a translation file; a non-string leaf is an error."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from flatten(value, (*path, key))
        return
    assert isinstance(node, str), f"{'.'.join(path)} is {node!r}, not a string"
    yield path, node


def load(language: str) -> Strings:
    return dict(flatten(json.loads((TRANSLATIONS / f"{language}.json").read_text("utf-8"))))


def key_differences(english: Strings, other: Strings) -> tuple[list[str], list[str]]:
    """(keys missing from the translation, keys only the translation has), dotted and sorted."""
    missing = sorted(".".join(key) for key in english.keys() - other.keys())
    extra = sorted(".".join(key) for key in other.keys() - english.keys())
    return missing, extra


def placeholder_differences(english: Strings, other: Strings) -> list[str]:
    """Strings whose translation lacks a placeholder of the English, or has one it lacks."""
    problems = []
    for key in sorted(english.keys() & other.keys()):
        wanted = set(PLACEHOLDER.findall(english[key]))
        found = set(PLACEHOLDER.findall(other[key]))
        if wanted != found:
            problems.append(
                f"{'.'.join(key)}: missing {sorted(wanted - found)}, unknown {sorted(found - wanted)}"
            )
    return problems


def syntax_problems(strings: Strings) -> list[str]:
    """Strings the frontend's ICU parser refuses or misreads.

    Unbalanced braces and `<tag>`s fail to parse; an apostrophe right before a brace (French
    "l'{x}") quotes it, so the placeholder is shown as written instead of filled in.
    """
    problems = []
    for key, text in strings.items():
        depth = 0
        for char in text:
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth < 0:
                break
        if depth != 0:
            problems.append(f"{'.'.join(key)}: unbalanced braces")
        if "<" in text or ">" in text:
            problems.append(f"{'.'.join(key)}: contains < or >")
        if "'{" in text or "'}" in text:
            problems.append(f"{'.'.join(key)}: an apostrophe quotes a brace")
    return problems


def untranslated(english: Strings, other: Strings) -> list[str]:
    """Sentences left in English (three or more words, word for word the English string)."""
    return sorted(
        ".".join(key)
        for key in english.keys() & other.keys()
        if other[key] == english[key] and len(WORD.findall(english[key])) >= 3
    )


def test_every_language_is_shipped() -> None:
    assert {"en", *LANGUAGES} >= REQUIRED


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_has_exactly_the_keys_of_english(language: str) -> None:
    missing, extra = key_differences(load("en"), load(language))
    assert (missing, extra) == ([], []), (
        f"{language}.json: {len(missing)} keys missing {missing}, {len(extra)} extra {extra}"
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translation_keeps_every_placeholder(language: str) -> None:
    assert placeholder_differences(load("en"), load(language)) == []


@pytest.mark.parametrize("language", ("en", *LANGUAGES))
def test_every_string_parses(language: str) -> None:
    assert syntax_problems(load(language)) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_sentence_is_left_in_english(language: str) -> None:
    assert untranslated(load("en"), load(language)) == []


def test_the_checks_see_what_they_are_for() -> None:
    """The checks can fail: a missing key, an extra key, a lost placeholder, a tag, a brace."""
    english: Strings = {
        ("a",): "{charger} is not connected.",
        ("b",): "Port {port} is in use: {error}",
        ("c",): "Charger",
        ("d",): "Add a charger now",
    }
    other: Strings = {
        ("a",): "Laddboxen är inte ansluten.",
        ("b",): "Port {port} används: {error} {detail}",
        ("c",): "Laddbox <x>",
        ("d",): "Add a charger now",
        ("e",): "Port {port",
        ("f",): "Supprimer l'{id_tag}",
    }
    assert key_differences(english, other) == ([], ["e", "f"])
    assert key_differences(other, english) == (["e", "f"], [])
    assert placeholder_differences(english, other) == [
        "a: missing ['charger'], unknown []",
        "b: missing [], unknown ['detail']",
    ]
    assert syntax_problems(other) == [
        "c: contains < or >",
        "e: unbalanced braces",
        "f: an apostrophe quotes a brace",
    ]
    assert untranslated(english, other) == ["d"]
    assert untranslated(english, {("c",): "Charger"}) == []
    with pytest.raises(AssertionError, match="not a string"):
        dict(flatten({"a": {"b": 1}}))
