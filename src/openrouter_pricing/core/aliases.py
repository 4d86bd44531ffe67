"""Aliases: ``~author/name-latest`` ids that OpenRouter points at another model (``alias_target``).

Decisions:
- An alias is shown as one, with its target, wherever a model is shown (``alias_of``): its listed
  prices may differ from its target's (``~deepseek/deepseek-v4-flash-latest`` was listed at about
  half of ``deepseek/deepseek-v4-flash-0731``'s), and OpenRouter does not document which of the
  two a request to the alias is billed at.
- An estimate of an alias whose prices differ from its listed target's is made at the alias's own
  listing (what was asked), with a warning that gives the target's price for the same usage.
"""

from __future__ import annotations

from datetime import datetime

from .catalog import Catalog
from .errors import PricingError
from .money import format_usd
from .pricing import Usage, price_usage
from .schema import Model


def alias_of(model: Model) -> str | None:
    """The id an alias points at (listed in the catalog or not); None for a model that is not
    an alias."""
    target = model.alias_target
    return (target.slug or target.name or "an unnamed model") if target else None


def alias_target(catalog: Catalog, model: Model) -> Model | None:
    """The model an alias points at, when the catalog lists it (and it is another model)."""
    slug = model.alias_target.slug if model.alias_target else None
    target = catalog.get(slug) if slug else None
    return target if target is not None and target.id != model.id else None


def prices_differ(model: Model, target: Model) -> bool:
    """True when the two listings would price some usage differently."""
    mine, theirs = model.pricing, target.pricing
    return (
        dict(mine.listed_rates) != dict(theirs.listed_rates) or mine.overrides != theirs.overrides
    )


def alias_warning(catalog: Catalog, model: Model, usage: Usage, at: datetime) -> str | None:
    """A warning for an estimate of ``model`` when it is an alias listed at other prices than its
    target; None otherwise."""
    target = alias_target(catalog, model)
    if target is None or not prices_differ(model, target):
        return None
    warning = (
        f"{model.id} is an alias of {target.id} but is listed at different prices; OpenRouter "
        f"does not say which it bills, so estimate {target.id} too"
    )
    try:
        there = price_usage(target.pricing, usage, at=at, model_hint=target.id).total
    except PricingError:
        return warning + "."
    return warning + f" (at its prices this usage costs ${format_usd(there)})."
