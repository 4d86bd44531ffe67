"""The ledger side of ``get_generation_cost`` (kept apart from its lookup): recording what it
returns, and the prices in force when a generation ran, from the price history.

Decisions:
- Every generation returned is recorded once (by id) with its model, provider, native tokens,
  media inputs, exact cost, when it ran, the key's label and short hash (never the key) and the
  caller's tags. A ``reservation_id`` releases that hold: the real cost replaces it.
- The key's label comes from ``GET /key``, asked once per key per process; when that fails the
  entry is recorded without a label.
- The estimate uses the prices in force when the generation ran where the history has them: for
  each price key that changed after that moment, the price before the first such change.
- The ledger never stands in the way of the answer: when it is unavailable, the cost is still
  returned, with a note saying it was not recorded and why.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from ..core.catalog import Catalog
from ..core.errors import PricingError
from ..core.ledger import GenerationRecord, LedgerDB, key_hash
from ..core.schema import Generation, Pricing
from ..core.settings import Secret
from ..state import AppState


def ran_at(gen: Generation) -> datetime:
    """When the generation ran (UTC); when OpenRouter gives no usable time, now."""
    if gen.created_at:
        try:
            moment = datetime.fromisoformat(gen.created_at.replace("Z", "+00:00"))
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        except (ValueError, OverflowError):
            pass
    return datetime.now(UTC)


def _media_units(gen: Generation) -> int | None:
    """Media inputs plus media outputs (images, clips...), or ``None`` when none were reported."""
    counts = [n for n in (gen.num_media_prompt, gen.num_media_completion) if n is not None]
    return sum(counts) if counts else None


async def _label(state: AppState, key: Secret | None, digest: str | None) -> str | None:
    if key is None or digest is None:
        return None
    if digest not in state.ledger.labels:
        try:
            state.ledger.labels[digest] = (await state.client.get_key(key)).label
        except PricingError:
            return None
    return state.ledger.labels[digest]


async def record_generations(
    state: AppState,
    key: Secret | None,
    generations: Sequence[Generation],
    tags: Mapping[str, str],
    reservation_id: str | None,
) -> str:
    """Record ``generations``; a one-line note of what happened, for the result."""
    if not generations:
        return "Nothing to record."
    digest = key_hash(key)
    label = await _label(state, key, digest)
    records = [
        GenerationRecord(
            id=gen.id,
            model=gen.model,
            provider=gen.provider_name,
            cost_usd=gen.total_cost if gen.total_cost is not None else (gen.usage or Decimal(0)),
            ran_at=ran_at(gen),
            key_label=label,
            key_hash=digest,
            prompt_tokens=gen.native_tokens_prompt or gen.tokens_prompt,
            completion_tokens=gen.native_tokens_completion or gen.tokens_completion,
            reasoning_tokens=gen.native_tokens_reasoning,
            cached_tokens=gen.native_tokens_cached,
            media_units=_media_units(gen),
            is_byok=gen.is_byok,
            tags=dict(tags),
            reservation_id=reservation_id,
        )
        for gen in generations
    ]
    now = datetime.now(UTC)

    def work(db: LedgerDB) -> int:
        return db.record(records, now)

    try:
        added = await state.ledger.run(work)
    except PricingError as exc:
        return f"Not recorded in the ledger: {exc}"
    held = f"; hold {reservation_id} released" if reservation_id else ""
    return f"Ledger: {added} new of {len(records)} recorded{held}."


async def prices_then(
    state: AppState, catalog: Catalog, generations: Sequence[Generation]
) -> dict[str, dict[str, str | None]]:
    """For each generation (by id) whose model's prices changed after it ran, according to the
    price history: the prices then in force of the keys that changed. Empty when the ledger has
    no history or is unavailable (the estimate then uses today's prices, as before)."""
    wanted = []
    for gen in generations:
        try:
            model_id = catalog.resolve(gen.model).model.id if gen.model else None
        except PricingError:
            model_id = None
        if model_id and gen.created_at:
            wanted.append((gen.id, model_id, ran_at(gen)))
    if not wanted:
        return {}

    def work(db: LedgerDB) -> dict[str, dict[str, str | None]]:
        return {gid: found for gid, mid, at in wanted if (found := db.prices_in_force(mid, at))}

    try:
        return await state.ledger.run(work)
    except PricingError:
        return {}


def pricing_then(pricing: Pricing, past: Mapping[str, str | None] | None) -> Pricing:
    """``pricing`` with the prices in force back then (``prices_then``) in place of today's."""
    if not past:
        return pricing
    return pricing.model_copy(
        update={k: None if v is None else Decimal(v) for k, v in past.items()}
    )
