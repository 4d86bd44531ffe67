"""``list_models``: filter, sort and page the model catalog.

Decisions:
- Filtering, sorting and paging are the catalog's (``Catalog.search``); every sort breaks ties on
  the id, so paging with ``next_offset`` never repeats or skips a model.
- Per-token prices are shown per million tokens (``*_per_m``), per-unit prices as they are
  (``*_usd``); a price that is not listed is ``null``. A dynamic ("-1") price is ``null`` too, with
  ``is_dynamic: true``: it is never shown as a negative number.
- ``output_modalities`` defaults to ``["text"]`` like OpenRouter's own listing; ``[]`` lists every
  model (image, audio and embedding models too).
- ``created`` is the model's publication date (UTC, ``YYYY-MM-DD``), easier to read than unix time.
- A model's row (and its text-table cells) depends only on the model, so each is built once per
  catalog and kept with it (``_ROWS``, weakly keyed by the catalog, so it goes with the catalog): a
  page costs dict lookups. Rows are ``ModelRow``s (``tools.outputs``): plain JSON-ready dicts whose
  keys and types the type checker verifies, so they are not validated per call.
"""

from decimal import Decimal
from typing import Annotated

from mcp.types import CallToolResult
from pydantic import Field

from .common import AppContext
from .limits import SortKey
from .outputs import ListModelsOutput

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


async def list_models(
    ctx: AppContext,
    *,
    query: Annotated[
        str | None,
        Field(
            max_length=200,
            description="Text to find in the id, name or description; id and name matches "
            "come first.",
        ),
    ] = None,
    author: Annotated[
        str | None, Field(max_length=100, description="Only this author, e.g. 'openai'.")
    ] = None,
    input_modalities: Annotated[
        list[str],
        Field(max_length=10, description="Inputs every result must accept: text, image, file..."),
    ] = [],  # noqa: B006 - pydantic copies defaults
    output_modalities: Annotated[
        list[str],
        Field(max_length=10, description="Outputs every result must produce; [] lists all models."),
    ] = ["text"],  # noqa: B006
    supports: Annotated[
        list[str],
        Field(
            max_length=20,
            description="Supported parameters every result must have: tools, "
            "structured_outputs, reasoning, response_format, web_search_options...",
        ),
    ] = [],  # noqa: B006
    min_context: Annotated[
        int | None, Field(ge=0, le=100_000_000, description="Smallest context window, in tokens.")
    ] = None,
    max_prompt_per_m: Annotated[
        Decimal | None, Field(ge=0, description="Highest prompt price, USD per 1M tokens.")
    ] = None,
    max_completion_per_m: Annotated[
        Decimal | None, Field(ge=0, description="Highest completion price, USD per 1M tokens.")
    ] = None,
    free_only: Annotated[bool, Field(description="Only models that cost nothing.")] = False,
    exclude_free: Annotated[
        bool, Field(description="Leave out models that cost nothing (the ':free' ones and others).")
    ] = False,
    sort: Annotated[
        SortKey,
        Field(
            description="Order of the results. blended_price is (3 x prompt + 1 x completion) / 4 "
            "per 1M tokens, the usual 3:1 input/output mix of chat; dynamic prices sort last."
        ),
    ] = "name",
    descending: bool = False,
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT, description="Page size.")] = 20,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET, description="Models to skip.")] = 0,
) -> Annotated[CallToolResult, ListModelsOutput]:
    """Find OpenRouter models and their exact prices: filter by text, author, modality, supported
    parameters, context size and price; sort; page. Use it to discover model ids before
    estimate_cost, or to compare prices. Prices per token are in USD per 1M tokens (fields ending
    _per_m), per-unit prices in USD (request_usd, image_usd, web_search_usd), as exact decimal
    strings; null means not listed (or dynamic, with is_dynamic true). An author, modality or
    supported parameter that no model has is an error naming close matches. Example: {"supports":
    ["tools"], "min_context": 100000, "sort": "prompt_price", "limit": 5} gives the five cheapest
    tool-capable models with a 100k+ context; call again with offset=next_offset for more."""
    from ._impl.list_models import answer  # deferred: the core loads on the first call

    return await answer(
        ctx,
        query=query,
        author=author,
        input_modalities=input_modalities,
        output_modalities=output_modalities,
        supports=supports,
        min_context=min_context,
        max_prompt_per_m=max_prompt_per_m,
        max_completion_per_m=max_completion_per_m,
        free_only=free_only,
        exclude_free=exclude_free,
        sort=sort,
        descending=descending,
        limit=limit,
        offset=offset,
    )
