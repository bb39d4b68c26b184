"""The per-child facts the figures read from every record (care span, status, mentor, class...),
as one list per fact in id order, and how they are kept in the cache.

A check of a large repository keeps them (keep_facts), so that a report in JSON or a due list
after it need not read the records; the figures (metrics.py) turn the lists into arrays.
Nothing here imports numpy or pandas: a check of a county's records alone needs neither.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from liushou.load.model import Child, LazyChildren, Repository, Settings, sorted_ids

IN_SCHOOL = "在校"
FOREVER = 10**9  # an ordinal beyond any date: "no end" of a care span
NEVER = (FOREVER, -FOREVER)  # an empty care span

# Boolean fields whose absence means false (data-format §3), so applies_to: {care.focus: [false]}
# also matches children whose record does not mention focus.
FIELD_DEFAULTS: dict[str, Any] = {"boarding": False, "care.focus": False}

_INT_FACTS = ("first", "stop", "status_day", "until_day", "notice_day")
FACTS = (
    "first",
    "stop",
    "status",
    "status_day",
    "until_day",
    "archived",
    "vaccinated",
    "name",
    "mentor",
    "guardianship",
    "type",
    "gender",
    "grade",
    "boarding",
    "class",
    "notice_day",
    "grade_number",
    "class_number",
    "risk",
    "agreement",
)
# What each fact holds, as the facts cache checks it (see load.cache.FactsStore)
_FACT_KINDS = {
    key: "int"
    if key in _INT_FACTS
    else "int_or_none"
    if key in ("grade_number", "class_number")
    else "bool"
    if key in ("archived", "vaccinated", "agreement")
    else "text"
    for key in FACTS
}


# ---------------------------------------------------------------------------- one child
# These read `child.record` directly rather than through Child.get: at county scale they run
# for 50,000 children and the dotted lookup would dominate the whole computation.


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


_NOTHING: dict[str, Any] = {}  # a record's absent (or not a mapping) care, guardian, left_behind


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def whole_number(value: Any) -> int | None:
    """`value` if it is an int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _care_span(record: dict[str, Any], left: dict[str, Any]) -> tuple[int, int]:
    """The child's care as a half-open ordinal range [first, stop): in_care's rule as a range
    (`left`: the record's left_behind mapping, or an empty one)."""
    enrolled = _date(record.get("enrolled_on"))
    if enrolled is None:
        return NEVER
    first, stop = enrolled.toordinal(), FOREVER
    if record.get("status") != IN_SCHOOL:
        status_date = _date(record.get("status_date"))
        if status_date is None:
            return NEVER
        stop = status_date.toordinal()
    since = _date(left.get("since"))
    if since is not None:
        first = max(first, since.toordinal())
    until = _date(left.get("until"))
    if until is not None:
        stop = min(stop, until.toordinal())
    return first, stop


def _child_facts(child: Child) -> tuple:
    """One child's facts, in FACTS order; each nested mapping looked up once."""
    record = child.record
    care, left, guardian = (
        value if isinstance(value, dict) else _NOTHING
        for value in (record.get("care"), record.get("left_behind"), record.get("guardian"))
    )
    first, stop = _care_span(record, left)
    grade, klass = whole_number(record.get("grade")), whole_number(record.get("class"))
    status_date = _date(record.get("status_date"))
    until = _date(left.get("until"))
    notice = _date(guardian.get("notice_on"))
    return (
        first,
        stop,
        record.get("status"),
        status_date.toordinal() if status_date else -FOREVER,
        until.toordinal() if until else -FOREVER,
        not child.missing_archive(),
        care.get("vaccinated") is True,
        record.get("name"),
        _text(care.get("mentor")),
        _text(record.get("guardianship")),
        _text(left.get("type")),
        _text(record.get("gender")),
        None if grade is None else str(grade),
        "true" if record.get("boarding") is True else "false",
        None if grade is None or klass is None else f"{grade}-{klass}",
        notice.toordinal() if notice else FOREVER,
        grade,
        klass,
        care.get("risk"),
        guardian.get("agreement") is True,
    )


def norm(value: Any) -> str | None:
    """A comparable form of a YAML or CSV value, so that true, "true", 3 and "3" compare equal."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text.lower() if text.lower() in ("true", "false") else text


def field_value(child: Child, dotted: str) -> str | None:
    """The comparable value of a field a standard's applies_to reads (absent: its default)."""
    return norm(child.get(dotted, FIELD_DEFAULTS.get(dotted)))


# ---------------------------------------------------------------------------- all children


def field_column(dotted: str) -> str:
    """The name of the facts column holding an applies_to field's values."""
    return f"field:{dotted}"


def applies_fields(settings: Settings) -> list[str]:
    """The dotted fields the standards' applies_to read, kept with the facts."""
    return sorted({dotted for s in settings.standards for dotted in s.applies_to or {}})


def fact_columns(children: list[Child], fields: Sequence[str] = ()) -> dict[str, list]:
    """Every fact of `children`, a list per fact (FACTS, then the `fields` columns).

    Record by record (each record's values lie near each other in memory), then turned into
    columns: plain lists keep None as None (a DataFrame would not).
    """
    rows = [
        (*_child_facts(child), *(field_value(child, dotted) for dotted in fields))
        for child in children
    ]
    keys = [*FACTS, *(field_column(dotted) for dotted in fields)]
    if not rows:
        return {key: [] for key in keys}
    return dict(zip(keys, map(list, zip(*rows))))


@functools.cache
def _facts_version() -> str:
    """A digest of this module's source: facts stored by other code are void."""
    from liushou.load.cache import digest

    return digest(Path(__file__).read_bytes())


def _kinds(fields: Sequence[str]) -> dict[str, str]:
    return {**_FACT_KINDS, **{field_column(dotted): "text" for dotted in fields}}


def facts_of(
    children: Mapping[str, Child], store: Any = None, fields: Sequence[str] = ()
) -> tuple[list[str], dict[str, list]]:
    """The children's ids in order and their facts, a list each in that order: from `store`
    (a load.cache.FactsStore, or None) when it keeps them for these files, else worked out
    from the records and kept there; a child whose file is the one its stored row came from
    keeps that row (after one record changed, one row is worked out)."""
    kinds = _kinds(fields)
    ids = sorted_ids(children)
    facts = store.get(_facts_version(), ids, kinds) if store else None
    if facts is None:
        if isinstance(children, LazyChildren):  # its ids came from a store that did not answer
            children = children.records()
            ids = sorted(children)
        records = [children[cid] for cid in ids]
        if not store:
            return ids, fact_columns(records, fields)
        sources = [store.source(child.path) for child in records]
        earlier = store.earlier(_facts_version(), kinds)
        if earlier is None:
            facts = fact_columns(records, fields)
        else:
            facts = _reusing(ids, records, sources, fields, earlier)
        store.put(_facts_version(), ids, facts, kinds, sources)
    return ids, facts


def _reusing(
    ids: list[str],
    records: list[Child],
    sources: list[str | None],
    fields: Sequence[str],
    earlier: tuple[list, dict, list],
) -> dict[str, list]:
    """The facts of `records`, each child's row taken from `earlier` (ids, columns, sources)
    when it is there with the same source (the digest of the same bytes), else worked out."""
    old_ids, old_columns, old_sources = earlier
    at = {cid: i for i, cid in enumerate(old_ids)}
    taken = []
    for cid, source in zip(ids, sources):
        i = at.get(cid)
        taken.append(
            i if i is not None and source is not None and old_sources[i] == source else None
        )
    missing = [k for k, i in enumerate(taken) if i is None]
    fresh = fact_columns([records[k] for k in missing], fields)
    columns = {}
    for key, values in fresh.items():
        old = old_columns[key]
        column = [None if i is None else old[i] for i in taken]
        for k, value in zip(missing, values):
            column[k] = value
        columns[key] = column
    return columns


def keep_facts(repo: Repository, store: Any) -> None:
    """Work out and keep in `store` the facts the figures of `repo` read (a check of a large
    repository does, so that a report or due list after it need not read the records)."""
    facts_of(repo.children, store, applies_fields(repo.settings))


def stored_ids(store: Any, settings: Settings) -> list[str] | None:
    """The ids of the children whose facts `store` keeps for exactly its files, with every
    fact the figures of `settings` read; None if it keeps no such facts."""
    current = store.current(_facts_version(), _kinds(applies_fields(settings)))
    return None if current is None else current[0]
