"""The work of ``spend_report`` (its signature, contract and decisions: ``tools.spend_report``).

Imported by the tool's body on its first call, so it imports the core at the top.
"""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from mcp.types import CallToolResult

from ...core.errors import ForbiddenError, PricingError
from ...core.ledger import LedgerDB, SpendRow, key_hash
from ...core.ledger.ledger import total as exact_sum
from ...core.money import display_usd, exactly
from ...state import AppState
from ..common import AppContext, fail, load_catalog, result, table, usd
from ..ledger_calls import checked_tags, key_in_use, on_ledger
from ..outputs import GroupOut, SpendReportOutput
from ..spend_savings import savings_review

DEFAULT_DAYS = 7
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)  # beyond them, a typo
MAX_DAYS = 3660
GROUP = re.compile(r"day|model|provider|tag:[A-Za-z0-9_.-]{1,40}")


def _window(since: date | None, until: date | None) -> tuple[date, date]:
    for name, day in (("since", since), ("until", until)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            fail(f"{name} must be a day from {FIRST_DAY} to {LAST_DAY}, got {day}.")
    today = datetime.now(UTC).date()
    until = until or today
    since = since or (until - timedelta(days=DEFAULT_DAYS - 1))
    if since > until:
        fail(f"since ({since}) is after until ({until}); give since <= until.")
    if (until - since).days >= MAX_DAYS:
        fail(f"A report covers at most {MAX_DAYS} days; narrow since and until.")
    return since, until


def _groups(group_by: list[str]) -> list[str]:
    if not 1 <= len(group_by) <= 2 or len(set(group_by)) != len(group_by):
        fail("group_by takes one or two different entries of day, model, provider, tag:NAME.")
    for entry in group_by:
        if not GROUP.fullmatch(entry):
            fail(
                f"group_by entry {entry[:50]!r} is not one of day, model, provider or tag:NAME "
                "(NAME: letters, digits, '_', '.', '-')."
            )
    return group_by


def _key(row: SpendRow, entry: str) -> str | None:
    if entry == "day":
        return row.ran_at[:10]
    if entry == "model":
        return row.model
    if entry == "provider":
        return row.provider
    return row.tags.get(entry[4:])


def _grouped(rows: list[SpendRow], group_by: list[str]) -> list[GroupOut]:
    sums: dict[tuple[str | None, ...], list[Any]] = {}
    for row in rows:
        keys = tuple(_key(row, entry) for entry in group_by)
        held = sums.setdefault(keys, [Decimal(0), 0])
        with exactly():
            held[0] += row.cost
        held[1] += 1
    ordered = sorted(sums.items(), key=lambda item: (-item[1][0], [k or "" for k in item[0]]))
    return [GroupOut(keys=list(k), spend_usd=usd(v[0]), generations=v[1]) for k, v in ordered]


async def _activity(  # noqa: PLR0917
    state: AppState, key: Any, since: date, until: date, rows: list[SpendRow], notes: list[str]
) -> tuple[str | None, str | None]:
    if key is None or state.settings.offline:
        why = "the server runs offline" if state.settings.offline else "no OpenRouter key is in use"
        notes.append(f"OpenRouter's activity was not compared: {why}.")
        return None, None
    try:
        items = await state.client.get_activity(key)
    except ForbiddenError:
        notes.append(
            "OpenRouter's activity (GET /activity) needs a management key; with one, the report "
            "adds activity_total_usd and unrecorded_usd."
        )
        return None, None
    except PricingError as exc:
        notes.append(f"OpenRouter's activity could not be read: {exc}")
        return None, None

    first, last = since.isoformat(), until.isoformat()
    activity = exact_sum(i.usage or Decimal(0) for i in items if first <= i.date[:10] <= last)
    today = datetime.now(UTC).date().isoformat()
    recorded = exact_sum(r.cost for r in rows if r.ran_at[:10] < today)
    if (datetime.now(UTC).date() - since).days > 30:
        notes.append("OpenRouter's activity covers only the last 30 completed UTC days.")
    with exactly():
        return usd(activity), usd(activity - recorded)


def _summary(out: SpendReportOutput) -> str:
    head = (
        f"Spend {out['since']} to {out['until']}: {display_usd(Decimal(out['total_usd']))} over "
        f"{out['generations']} generations."
    )
    parts = [head]
    if out["groups"]:
        parts.append(
            table(
                [*out["group_by"], "spend", "generations"],
                [
                    [
                        *(k or "-" for k in g["keys"]),
                        display_usd(Decimal(g["spend_usd"])),
                        str(g["generations"]),
                    ]
                    for g in out["groups"][:30]
                ],
            )
        )
    if out["activity_total_usd"] is not None:
        parts.append(
            f"OpenRouter activity: {display_usd(Decimal(out['activity_total_usd']))}; unrecorded "
            f"{display_usd(Decimal(out['unrecorded_usd'] or '0'))}."
        )
    for s in out["savings"]:
        line = f"Savings on {s['model']} ({display_usd(Decimal(s['spend_usd']))}):"
        if s["floor_usd"] is not None:
            line += (
                f" :floor at {s['floor_endpoint']} {display_usd(Decimal(s['floor_usd']))}"
                f" ({s['floor_saving_percent']}%)"
            )
        if s["alternative_usd"] is not None:
            line += (
                f"; {s['alternative_model']} {display_usd(Decimal(s['alternative_usd']))}"
                f" ({s['alternative_saving_percent']}%)"
            )
        parts.append(line + ".")
    parts.extend(f"Note: {n}" for n in out["notes"])
    return "\n".join(parts)


async def answer(
    ctx: AppContext,
    *,
    since: date | None,
    until: date | None,
    group_by: list[str],
    tags: dict[str, str] | None,
) -> CallToolResult:
    """``spend_report``'s answer, for the arguments its signature validated."""
    first, last = _window(since, until)
    entries = _groups(list(group_by))
    wanted = checked_tags(tags)
    state, snapshot, _ = await load_catalog(ctx)
    key = key_in_use(ctx, state)
    digest = key_hash(key)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    all_keys = state.settings.ledger_all_keys

    def read(db: LedgerDB) -> list[SpendRow]:
        return db.spend_rows(start, end, wanted, digest, all_keys=all_keys)

    rows = await on_ledger(state, read)
    notes: list[str] = []
    if not all_keys:
        notes.append("Only spend recorded under the key in use is shown.")
    activity_total, unrecorded = await _activity(state, key, first, last, rows, notes)
    total = exact_sum(r.cost for r in rows)
    out = SpendReportOutput(
        since=first.isoformat(),
        until=last.isoformat(),
        group_by=entries,
        total_usd=usd(total),
        generations=len(rows),
        groups=_grouped(rows, entries),
        activity_total_usd=activity_total,
        unrecorded_usd=unrecorded,
        savings=await savings_review(state, snapshot.catalog, rows),
        notes=notes,
    )
    return result(out, _summary(out))
