"""The ledger's operations, written once against ``backend.Tx``: record generations, budget
figures, holds (reservations), spend rows for reports, and price history.

Decisions:
- Recording is idempotent by generation id (``ON CONFLICT DO NOTHING``); recording with a
  ``reservation_id`` releases that hold, so the real cost replaces it.
- A budget's spend is the sum of the generations that ran in its current period and carry all its
  tags; its holds are the unexpired ones whose tags cover it. Both are summed in Python with
  ``Decimal`` (amounts are stored as exact strings).
- ``reserve`` reads the figures and inserts the hold inside one exclusive transaction, so
  concurrent reservations (any process) are decided one after the other.
- Every value reaches SQL as a parameter; only fixed fragments (and ``?`` placeholders) are joined.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..money import exactly, format_usd
from .schema import stamp

if TYPE_CHECKING:
    from .backend import Backend, Tx
    from .budgets import Budget

ZERO = Decimal(0)
RUNWAY_WINDOW_DAYS = 7
MAX_REPORT_ROWS = 500_000


@dataclass(frozen=True)
class GenerationRecord:
    id: str
    model: str | None
    provider: str | None
    cost_usd: Decimal
    ran_at: datetime
    key_label: str | None
    key_hash: str | None
    prompt_tokens: int | None
    completion_tokens: int | None
    reasoning_tokens: int | None
    cached_tokens: int | None
    media_units: int | None
    is_byok: bool | None
    tags: Mapping[str, str]
    reservation_id: str | None = None


@dataclass(frozen=True)
class BudgetFigures:
    budget: Budget
    spent: Decimal
    held: Decimal
    period_start: datetime
    resets_at: datetime | None
    recent_spend: Decimal  # over the last RUNWAY_WINDOW_DAYS, for the runway

    @property
    def remaining(self) -> Decimal:
        with exactly():
            return self.budget.limit_usd - self.spent - self.held


@dataclass(frozen=True)
class SpendRow:
    id: str
    model: str | None
    provider: str | None
    cost: Decimal
    ran_at: str
    tags: dict[str, str]
    prompt_tokens: int
    completion_tokens: int
    reasoning_tokens: int
    cached_tokens: int


@dataclass(frozen=True)
class PriceChange:
    model: str
    price_key: str
    old: str | None
    new: str | None
    first_seen: str


def total(amounts: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``amounts`` (``money.exactly``: never rounded)."""
    with exactly():
        return sum(amounts, ZERO)


def tags_json(tags: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(tags.items())), separators=(",", ":"), ensure_ascii=False)


def _tag_filter(tags: Mapping[str, str]) -> tuple[str, list[Any]]:
    """SQL requiring generation ``g`` to carry every tag, and its parameters."""
    sql = ""
    params: list[Any] = []
    for name, value in sorted(tags.items()):
        sql += (
            " AND EXISTS (SELECT 1 FROM generation_tags t WHERE t.generation_id = g.id"
            " AND t.name = ? AND t.value = ?)"
        )
        params += [name, value]
    return sql, params


def _covers(wanted: Mapping[str, str], carried: Mapping[str, str]) -> bool:
    return all(carried.get(name) == value for name, value in wanted.items())


class LedgerDB:
    """The ledger on one backend; every method is one transaction."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend

    # -- generations ------------------------------------------------------------------------

    def record(self, records: Iterable[GenerationRecord], now: datetime) -> int:
        """Record generations (once each); release the holds they name. How many were new."""
        added = 0
        with self.backend.transaction() as tx:
            for r in records:
                inserted = tx.run(
                    "INSERT INTO generations (id, model, provider, cost_usd, ran_at, recorded_at,"
                    " key_label, key_hash, prompt_tokens, completion_tokens, reasoning_tokens,"
                    " cached_tokens, media_units, is_byok, tags, reservation_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (id) DO NOTHING RETURNING id",
                    (
                        r.id,
                        r.model,
                        r.provider,
                        format_usd(r.cost_usd),
                        stamp(r.ran_at),
                        stamp(now),
                        r.key_label,
                        r.key_hash,
                        r.prompt_tokens,
                        r.completion_tokens,
                        r.reasoning_tokens,
                        r.cached_tokens,
                        r.media_units,
                        None if r.is_byok is None else int(r.is_byok),
                        tags_json(r.tags),
                        r.reservation_id,
                    ),
                )
                if inserted:
                    added += 1
                    for name, value in r.tags.items():
                        tx.run(
                            "INSERT INTO generation_tags (generation_id, name, value)"
                            " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                            (r.id, name, value),
                        )
                if r.reservation_id:
                    tx.run("DELETE FROM holds WHERE id = ?", (r.reservation_id,))
        return added

    # -- budgets and holds ------------------------------------------------------------------

    def _spent(
        self, tx: Tx, tags: Mapping[str, str], start: datetime, end: datetime | None
    ) -> Decimal:
        tag_sql, tag_params = _tag_filter(tags)
        sql = "SELECT g.cost_usd FROM generations g WHERE g.ran_at >= ?"
        params: list[Any] = [stamp(start)]
        if end is not None:
            sql += " AND g.ran_at < ?"
            params.append(stamp(end))
        return total(Decimal(row[0]) for row in tx.run(sql + tag_sql, params + tag_params))

    def _holds(self, tx: Tx, now: datetime) -> list[tuple[Decimal, dict[str, str]]]:
        rows = tx.run("SELECT amount_usd, tags FROM holds WHERE expires_at > ?", (stamp(now),))
        return [(Decimal(amount), json.loads(tags)) for amount, tags in rows]

    def _figures(self, tx: Tx, budgets: Sequence[Budget], now: datetime) -> list[BudgetFigures]:
        holds = self._holds(tx, now)
        figures = []
        for budget in budgets:
            start, resets = budget.window(now)
            recent_start = max(start, now - timedelta(days=RUNWAY_WINDOW_DAYS))
            figures.append(
                BudgetFigures(
                    budget=budget,
                    spent=self._spent(tx, budget.tags, start, resets),
                    held=total(a for a, t in holds if _covers(budget.tags, t)),
                    period_start=start,
                    resets_at=resets,
                    recent_spend=self._spent(tx, budget.tags, recent_start, None),
                )
            )
        return figures

    def figures(self, budgets: Sequence[Budget], now: datetime) -> list[BudgetFigures]:
        with self.backend.transaction() as tx:
            return self._figures(tx, budgets, now)

    def held_total(self, now: datetime, key_hash: str | None = None) -> Decimal:
        """The unexpired holds (of one key, when given), for the key and account figures."""
        sql, params = "SELECT amount_usd FROM holds WHERE expires_at > ?", [stamp(now)]
        if key_hash is not None:
            sql += " AND key_hash = ?"
            params.append(key_hash)
        with self.backend.transaction() as tx:
            return total(Decimal(row[0]) for row in tx.run(sql, params))

    def reserve(  # noqa: PLR0917 - one call site, each argument distinct
        self,
        budgets: Sequence[Budget],
        tags: Mapping[str, str],
        amount: Decimal,
        now: datetime,
        ttl: timedelta,
        key_hash: str | None,
    ) -> tuple[list[BudgetFigures], str | None]:
        """Hold ``amount`` against every budget in ``budgets`` if each has that much left, in
        one serialized transaction; the figures before the hold and the hold's id (``None``:
        refused)."""
        with self.backend.transaction(exclusive=True) as tx:
            tx.run("DELETE FROM holds WHERE expires_at <= ?", (stamp(now),))
            figures = self._figures(tx, budgets, now)
            if any(f.remaining < amount for f in figures):
                return figures, None
            hold_id = f"hold-{secrets.token_hex(16)}"
            tx.run(
                "INSERT INTO holds (id, amount_usd, tags, key_hash, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    hold_id,
                    format_usd(amount),
                    tags_json(tags),
                    key_hash,
                    stamp(now),
                    stamp(now + ttl),
                ),
            )
            return figures, hold_id

    # -- reports ----------------------------------------------------------------------------

    def spend_rows(
        self,
        start: datetime,
        end: datetime,
        tags: Mapping[str, str],
        key_hash: str | None,
        *,
        all_keys: bool = False,
    ) -> list[SpendRow]:
        """The generations that ran in [start, end) carrying ``tags``; of one key unless
        ``all_keys``."""
        tag_sql, tag_params = _tag_filter(tags)
        sql = (
            "SELECT g.id, g.model, g.provider, g.cost_usd, g.ran_at, g.tags, g.prompt_tokens,"
            " g.completion_tokens, g.reasoning_tokens, g.cached_tokens FROM generations g"
            " WHERE g.ran_at >= ? AND g.ran_at < ?"
        )
        params: list[Any] = [stamp(start), stamp(end)]
        if not all_keys:
            sql += " AND g.key_hash = ?"
            params.append(key_hash or "")
        sql += tag_sql + " ORDER BY g.ran_at, g.id LIMIT ?"
        rows = self._read(sql, [*params, *tag_params, MAX_REPORT_ROWS])
        return [
            SpendRow(
                id=r[0],
                model=r[1],
                provider=r[2],
                cost=Decimal(r[3]),
                ran_at=r[4],
                tags=json.loads(r[5]),
                prompt_tokens=r[6] or 0,
                completion_tokens=r[7] or 0,
                reasoning_tokens=r[8] or 0,
                cached_tokens=r[9] or 0,
            )
            for r in rows
        ]

    def _read(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self.backend.transaction() as tx:
            return tx.run(sql, params)

    # -- price history ----------------------------------------------------------------------

    def record_prices(
        self, source: str, fetched_at: datetime, prices: Mapping[str, Mapping[str, str]]
    ) -> int:
        """Compare ``prices`` (model -> price key -> decimal string) with the last catalog stored
        for ``source``; keep every price that changed (models in both), store this one. How many
        changes were new."""
        body = json.dumps(prices, separators=(",", ":"), sort_keys=True)
        seen = stamp(fetched_at)
        with self.backend.transaction(exclusive=True) as tx:
            rows = tx.run("SELECT prices FROM catalog_prices WHERE source = ?", (source,))
            changes = 0
            if rows:
                if rows[0][0] == body:
                    return 0
                old_prices: dict[str, dict[str, str]] = json.loads(rows[0][0])
                for model, new in prices.items():
                    old = old_prices.get(model)
                    if old is None:
                        continue
                    for key in sorted(set(old) | set(new)):
                        if old.get(key) != new.get(key):
                            tx.run(
                                "INSERT INTO price_changes (model, price_key, old_price, new_price,"
                                " first_seen, source) VALUES (?, ?, ?, ?, ?, ?)"
                                " ON CONFLICT DO NOTHING",
                                (model, key, old.get(key), new.get(key), seen, source),
                            )
                            changes += 1
                tx.run(
                    "UPDATE catalog_prices SET fetched_at = ?, prices = ? WHERE source = ?",
                    (seen, body, source),
                )
            else:
                tx.run(
                    "INSERT INTO catalog_prices (source, fetched_at, prices) VALUES (?, ?, ?)"
                    " ON CONFLICT (source) DO UPDATE SET fetched_at = ?, prices = ?",
                    (source, seen, body, seen, body),
                )
        return changes

    def price_changes(
        self,
        since: datetime,
        models: Sequence[str],
        authors: Sequence[str],
        limit: int,
    ) -> tuple[list[PriceChange], int]:
        """Distinct price changes first seen at or after ``since``, newest first; their count."""
        where = " WHERE first_seen >= ?"
        params: list[Any] = [stamp(since)]
        if models:
            where += f" AND lower(model) IN ({', '.join('?' for _ in models)})"
            params += [m.lower() for m in models]
        if authors:
            prefixes = [f"{a.lower()}/" for a in authors]
            where += (
                " AND (" + " OR ".join("substr(lower(model), 1, ?) = ?" for _ in prefixes) + ")"
            )
            for prefix in prefixes:
                params += [len(prefix), prefix]
        grouped = (
            "SELECT model, price_key, old_price, new_price, MIN(first_seen) AS first_seen"
            " FROM price_changes" + where + " GROUP BY model, price_key, old_price, new_price"
        )
        with self.backend.transaction() as tx:
            total = int(tx.run(f"SELECT COUNT(*) FROM ({grouped}) s", params)[0][0])
            rows = tx.run(
                f"SELECT * FROM ({grouped}) s ORDER BY first_seen DESC, model, price_key LIMIT ?",
                [*params, limit],
            )
        return [PriceChange(*row) for row in rows], total

    def prices_in_force(self, model: str, at: datetime) -> dict[str, str | None]:
        """For each price key of ``model`` that changed after ``at``: the price before the first
        such change (``None``: not listed then)."""
        rows = self._read(
            "SELECT price_key, old_price FROM price_changes WHERE lower(model) = ?"
            " AND first_seen > ? ORDER BY first_seen",
            (model.lower(), stamp(at)),
        )
        found: dict[str, str | None] = {}
        for key, old in rows:
            found.setdefault(key, old)
        return found
