"""The OpenRouter HTTP client: the one module that talks to OpenRouter.

Decisions:
- One ``httpx2.AsyncClient`` per instance, created on first use, so building the server never
  waits on the network. It owns the connection pool and the connect/read timeouts; every call also
  has an overall bound (``request_timeout_seconds`` over all its attempts and waits, the catalog
  ``catalog_fetch_timeout_seconds``), so a server that drips bytes or hangs cannot hold a tool call
  longer than that.
- Every failure becomes one ``errors.OpenRouterError`` subclass whose message is one actionable
  sentence quoting OpenRouter's own message (clipped to 200 characters). The API key is scrubbed
  from every message, and errors are raised outside ``except`` blocks so that no httpx exception
  (whose request carries the Authorization header) hangs off them as ``__context__``.
- Transient failures (408, 429, 500, 502, 503, 524, 529, network errors, timeouts, cut-off bodies)
  are retried with jittered exponential backoff, at most ``max_retries`` times and
  ``max_retry_wait_seconds`` of sleep in all. ``Retry-After`` or ``X-RateLimit-Reset`` replace
  the backoff; a wait longer than what is left of the budget gives up at once.
- Bodies are streamed and capped (32 MiB for the catalog and the ZDR list, 4 MiB for the rest): a
  runaway answer costs bounded memory and ends as ``InvalidResponseError``.
- /key, /credits and /generation bodies are decoded with ``parse_float=Decimal``, so USD amounts
  keep the digits OpenRouter wrote. The catalog stays plain JSON (its prices are strings), so the
  store can write it back to disk as it came.
- /generation answers 404 for a few seconds after a request ends. ``get_generation`` treats a 404
  as "not yet" until ``wait_seconds`` have passed, counting both the sleeps it asked for and the
  wall clock, so a fake ``sleep`` makes tests fast without loosening the real bound.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import quote

import anyio
import httpx2
from pydantic import BaseModel, ValidationError

from . import errors
from .settings import Secret, Settings, scrub_secrets
from .text import plural
from .upstream import (
    KIND_ERRORS,
    MANAGEMENT_ADVICE,
    STATUS_ERRORS,
    clip,
    describe,
    other_status,
    retry_after_seconds,
    upstream_detail,
    user_agent,
)
from .upstream_budget import take_request

if TYPE_CHECKING:  # the schema is imported on the first answer parsed, not at start-up
    from .activity import ActivityItem
    from .schema import Credits, Endpoint, Generation, KeyInfo

logger = logging.getLogger(__name__)

MAX_CATALOG_BYTES = 32 * 1024 * 1024
MAX_RESPONSE_BYTES = 4 * 1024 * 1024
MAX_ERROR_BODY_BYTES = 64 * 1024
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 524, 529})
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
GENERATION_POLL_SECONDS = (0.5, 1.0, 2.0)  # then the last one again, until the wait is over
MAX_GENERATION_WAIT_SECONDS = 60.0
KEY_HELP = "set OPENROUTER_API_KEY (or send X-OpenRouter-Key over HTTP)"

_KEY_HEADER_SAFE = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces
_GENERATION_ID = re.compile(r"[^\s\x00-\x1f\x7f]{1,200}")
_MODEL_ID = re.compile(r"(?!\.\.?/)[\w.~-]+/(?!\.\.?$)[\w.~-]+", re.ASCII)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class _Call:
    """One logical GET: where, with which key, its bounds, and how to name it in a message."""

    path: str
    what: str
    params: dict[str, str] | None = None
    key: Secret | None = None
    max_bytes: int = MAX_RESPONSE_BYTES
    overall_timeout: float | None = None  # None: derived from the per-attempt bound and budget
    exact_amounts: bool = True
    not_found_advice: str = "check the id"


@dataclass(frozen=True)
class _Failure:
    """Why an attempt failed; becomes an exception only once retrying is over."""

    kind: str  # status | connect | timeout | disconnected | invalid
    reason: str = ""
    status: int | None = None
    wait_hint: float | None = None
    retry: bool = True  # for a status, RETRY_STATUSES decides

    @property
    def retryable(self) -> bool:
        if self.kind == "status":
            return self.status in RETRY_STATUSES
        return self.retry and self.kind in {"connect", "timeout", "disconnected"}


class OpenRouterClient:
    """Async client for the OpenRouter endpoints this package reads; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx2.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self._settings = settings
        self._transport = transport
        self._sleep = sleep
        self._client: httpx2.AsyncClient | None = None
        self._closed = False
        self._in_progress: anyio.CapacityLimiter | None = None  # made in the event loop
        self.requests_made = 0  # HTTP attempts so far (for tests and benchmarks)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def sleep(self, seconds: float) -> None:
        """Wait as this client waits between attempts (a fake in tests)."""
        await self._sleep(seconds)

    async def fetch_models_json(self) -> Any:
        """The whole catalog, ``/models?output_modalities=all``, as decoded JSON (a dict)."""
        call = _Call(
            "/models",
            "the model catalog",
            params={"output_modalities": "all"},
            max_bytes=MAX_CATALOG_BYTES,
            overall_timeout=self._settings.catalog_fetch_timeout_seconds,
            exact_amounts=False,
        )
        body = await self._get_json(call)
        if not (isinstance(body, dict) and isinstance(body.get("data"), list)):
            raise self._error(call, _Failure("invalid", "no 'data' list of models"))
        return body

    async def fetch_video_models_json(self) -> Any:
        """The video models and their ``pricing_skus`` (``/videos/models``), as decoded JSON."""
        call = _Call(
            "/videos/models",
            "the video model listing",
            max_bytes=MAX_CATALOG_BYTES,
            overall_timeout=self._settings.catalog_fetch_timeout_seconds,
            exact_amounts=False,
        )
        body = await self._get_json(call)
        if not (isinstance(body, dict) and isinstance(body.get("data"), list)):
            raise self._error(call, _Failure("invalid", "no 'data' list of video models"))
        return body

    async def fetch_endpoints(self, model_id: str) -> list[Endpoint]:
        """Every provider endpoint of a model, with its prices; a ``:variant`` suffix is ignored."""
        base = model_id.split(":", 1)[0].strip()
        if not _MODEL_ID.fullmatch(base):
            message = (
                f"The model id {model_id[:120]!r} is not of the form 'author/slug'; pass an id "
                "as list_models shows it, such as 'openai/gpt-4o-mini'."
            )
            raise errors.BadRequestError(self._scrub(message, None), 400)
        author, slug = base.split("/")
        call = _Call(
            f"/models/{quote(author, safe='')}/{quote(slug, safe='')}/endpoints",
            f"the endpoints of model {base!r}",
            not_found_advice="check the model id with list_models",
        )
        body = await self._get_json(call)
        try:
            from .schema import parse_endpoints

            return parse_endpoints(body)
        except ValueError:
            pass
        raise self._error(call, _Failure("invalid", "no 'data.endpoints' list"))

    async def fetch_zdr_endpoints(self) -> list[Any]:
        """``GET /endpoints/zdr``: the endpoints with zero data retention, as decoded JSON objects
        (the store keeps only what identifies each one)."""
        call = _Call(
            "/endpoints/zdr", "the zero-data-retention endpoints", max_bytes=MAX_CATALOG_BYTES
        )
        body = await self._get_json(call)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise self._error(call, _Failure("invalid", "no 'data' list of endpoints"))
        return data

    async def get_key(self, api_key: Secret | None = None) -> KeyInfo:
        """``GET /key``: usage and limits of ``api_key``, else of the configured key."""
        what = "the key's usage and limits"
        call = _Call("/key", what, key=self._require_key(api_key, what))
        from .schema import KeyInfo

        return self._parse_data(call, KeyInfo, await self._get_json(call))

    async def get_credits(self, api_key: Secret | None = None) -> Credits:
        """``GET /credits``: the account's credits (OpenRouter allows it to management keys)."""
        what = "the account's credits"
        call = _Call("/credits", what, key=self._require_key(api_key, what))
        from .schema import Credits

        return self._parse_data(call, Credits, await self._get_json(call))

    async def get_activity(self, api_key: Secret | None = None) -> list[ActivityItem]:
        """``GET /activity`` (management keys): spend by day, model and endpoint, 30 UTC days."""
        what = "the account's activity"
        call = _Call("/activity", what, key=self._require_key(api_key, what))
        from .activity import parse_activity

        items = parse_activity(await self._get_json(call))
        if items is None:
            raise self._error(call, _Failure("invalid", "no 'data' list"))
        return items

    async def get_generation(
        self, generation_id: str, *, api_key: Secret | None = None, wait_seconds: float = 10.0
    ) -> Generation:
        """``GET /generation?id=``; a 404 means "not yet" until ``wait_seconds`` (<= 60) pass."""
        if not _GENERATION_ID.fullmatch(generation_id) or generation_id.startswith("sk-"):
            # An "sk-" id is a pasted API key: never put it in a URL (URLs get logged).
            message = (
                f"{generation_id[:60]!r} is not a generation id (1 to 200 characters, no spaces, "
                "not an API key); pass the id OpenRouter returned, such as 'gen-...'."
            )
            raise errors.BadRequestError(self._scrub(message, api_key), 400)
        what = f"generation {generation_id!r}"
        key = self._require_key(api_key, f"the cost of {what}")
        wait = wait_seconds if math.isfinite(wait_seconds) else 0.0
        wait = min(max(wait, 0.0), MAX_GENERATION_WAIT_SECONDS)
        call = _Call("/generation", what, params={"id": generation_id}, key=key)
        from .schema import Generation

        started, slept, tries = time.monotonic(), 0.0, 0
        while True:
            tries += 1
            body: Any = None
            with contextlib.suppress(errors.NotFoundError):
                body = await self._get_json(call)
            if body is not None:
                return self._parse_data(call, Generation, body)
            elapsed = max(time.monotonic() - started, slept)
            if elapsed >= wait:
                break
            step = GENERATION_POLL_SECONDS[min(tries, len(GENERATION_POLL_SECONDS)) - 1]
            delay = min(step, wait - elapsed)
            logger.debug("%s not found yet; asking again in %.2f s", what, delay)
            await self._sleep(delay)
            slept += delay
        message = (
            f"OpenRouter still had no {what} after {elapsed:.1f} seconds "
            f"({plural(tries, 'try')}); check "
            "the id, or ask again with a longer wait_seconds (up to 60) if the request finished "
            "only moments ago."
        )
        raise errors.NotFoundError(self._scrub(message, key), 404)

    def _require_key(self, api_key: Secret | None, what: str) -> Secret:
        key = api_key if api_key else self._settings.api_key
        if not key:
            raise errors.MissingKeyError(f"Reading {what} needs an OpenRouter API key; {KEY_HELP}.")
        if not _KEY_HEADER_SAFE.fullmatch(key.reveal()):
            raise errors.InvalidKeyError(
                "The OpenRouter API key holds spaces or characters that cannot go in an HTTP "
                "header; check OPENROUTER_API_KEY (or X-OpenRouter-Key) for stray characters."
            )
        return key

    def _http(self) -> httpx2.AsyncClient:
        if self._closed:
            raise RuntimeError("this OpenRouterClient is closed")
        if self._client is None:
            self._client = httpx2.AsyncClient(
                base_url=self._settings.base_url,
                timeout=httpx2.Timeout(
                    self._settings.read_timeout_seconds,
                    connect=self._settings.connect_timeout_seconds,
                ),
                headers={"User-Agent": user_agent(), "X-Title": "openrouter-pricing-mcp"},
                transport=self._transport,
            )
        return self._client

    async def _get_json(self, call: _Call) -> Any:
        """One GET with retries, within the call's overall bound: the decoded body, or raises."""
        settings = self._settings
        attempt_bound = settings.connect_timeout_seconds + settings.read_timeout_seconds
        overall = call.overall_timeout
        if overall is None:
            overall = attempt_bound * (settings.max_retries + 1) + settings.max_retry_wait_seconds
            overall = min(overall, settings.request_timeout_seconds)
        outcome: Any = None
        with anyio.move_on_after(overall) as scope:
            outcome = await self._with_retries(
                call, None if call.overall_timeout else attempt_bound
            )
        if scope.cancelled_caught:
            outcome = _Failure("timeout", f"no complete answer within {overall:g} s")
        if isinstance(outcome, _Failure):
            raise self._error(call, outcome)
        return outcome

    async def _with_retries(self, call: _Call, attempt_bound: float | None) -> Any:
        """The decoded body, or the ``_Failure`` of the last attempt."""
        slept, attempts = 0.0, 0
        while True:
            attempts += 1
            outcome: Any = None
            with anyio.move_on_after(attempt_bound) as scope:
                outcome = await self._attempt(call)
            if scope.cancelled_caught:
                outcome = _Failure("timeout", f"no answer within {attempt_bound:g} s")
            if not isinstance(outcome, _Failure):
                return outcome
            final = outcome
            if attempts > 1:
                gave_up = f"gave up after {plural(attempts, 'try')}"
                final = replace(outcome, reason=f"{outcome.reason}; {gave_up}")
            if not outcome.retryable or attempts > self._settings.max_retries:
                return final
            wait = outcome.wait_hint
            if wait is None:
                wait = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
                wait *= random.uniform(0.5, 1.0)
            deadline_left = anyio.current_effective_deadline() - anyio.current_time()
            if wait > min(self._settings.max_retry_wait_seconds - slept, deadline_left):
                return final
            logger.info(
                "OpenRouter %s failed (%s); retrying in %.2f s",
                call.path,
                outcome.status or outcome.kind,
                wait,
            )
            await self._sleep(wait)
            slept += wait

    async def _attempt(self, call: _Call) -> Any:
        """One HTTP exchange: the decoded JSON body, or a ``_Failure``."""
        spent = take_request()
        if spent is not None:
            reason = f"this call already made its limit of {spent.limit} requests"
            return _Failure("budget", reason, retry=False)
        if self._in_progress is None:
            self._in_progress = anyio.CapacityLimiter(self._settings.max_upstream_concurrency)
        async with self._in_progress:
            self.requests_made += 1
            return await self._exchange(call)

    async def _exchange(self, call: _Call) -> Any:
        headers = {"Authorization": f"Bearer {call.key.reveal()}"} if call.key else None
        started = time.monotonic()
        try:
            request = self._http().stream("GET", call.path, params=call.params, headers=headers)
            async with request as response:
                status = response.status_code
                elapsed_ms = (time.monotonic() - started) * 1000
                logger.debug("GET %s -> %d after %.0f ms", call.path, status, elapsed_ms)
                if not 200 <= status < 300:
                    error_body = await _read_capped(response, MAX_ERROR_BODY_BYTES) or bytearray()
                    wait_hint = retry_after_seconds(response.headers, time.time())
                    return _Failure("status", upstream_detail(error_body), status, wait_hint)
                declared = response.headers.get("content-length", "")
                too_big = declared.isdigit() and int(declared) > call.max_bytes
                body = None if too_big else await _read_capped(response, call.max_bytes)
        except (httpx2.ConnectTimeout, httpx2.ConnectError) as exc:
            return _Failure("connect", describe(exc))
        except httpx2.TimeoutException as exc:
            return _Failure("timeout", describe(exc))
        except (httpx2.UnsupportedProtocol, httpx2.LocalProtocolError) as exc:
            return _Failure("connect", describe(exc), retry=False)  # retrying cannot help
        except httpx2.TransportError as exc:  # cut off mid-answer, or closed without one
            return _Failure("disconnected", describe(exc))
        except httpx2.HTTPError as exc:  # e.g. a body that fails to decompress
            return _Failure("invalid", describe(exc))
        if body is None:
            return _Failure("invalid", f"the body is over {call.max_bytes // 2**20} MiB")
        try:
            number = Decimal if call.exact_amounts else float
            return json.loads(body, parse_float=number, parse_constant=_reject_constant)
        except (ValueError, RecursionError):
            pass
        return _Failure("invalid", "the body is not valid JSON")

    def _parse_data(self, call: _Call, model: type[M], body: Any) -> M:
        data = body.get("data") if isinstance(body, dict) else None
        problem = "no 'data' object"
        if isinstance(data, dict):
            try:
                return model.model_validate(data)
            except ValidationError as exc:
                first = exc.errors()[0]
                problem = f"{'.'.join(str(p) for p in first['loc']) or 'data'}: {first['msg']}"
        raise self._error(call, _Failure("invalid", clip(problem)))

    def _scrub(self, text: str, key: Secret | None) -> str:
        return scrub_secrets(text, (key, self._settings.api_key))

    def _error(self, call: _Call, failure: _Failure) -> errors.OpenRouterError:
        """The exception for a failure: one sentence, OpenRouter's words quoted, no key."""
        status, reason, what = failure.status, failure.reason, call.what
        if failure.kind != "status" or status is None:
            error_class, template = KIND_ERRORS[failure.kind]
            text = template.format(base_url=self._settings.base_url, what=what, reason=reason)
        else:
            error_class, advice = STATUS_ERRORS.get(status, other_status(status))
            if status == 403 and (
                call.path in ("/credits", "/activity") or "management key" in reason.lower()
            ):
                error_class, advice = errors.ManagementKeyRequiredError, MANAGEMENT_ADVICE
            if status == 404:
                advice = call.not_found_advice
            if status == 429 and failure.wait_hint is not None:
                advice = f"wait {plural(math.ceil(failure.wait_hint), 'second')} and try again"
            said = f" ({reason})" if reason else ""
            text = f"OpenRouter answered {status} for {what}{said}; {advice}."
        text = self._scrub(text, call.key)
        if error_class is errors.RateLimitedError:
            return errors.RateLimitedError(text, status, failure.wait_hint)
        return error_class(text, status)


async def _read_capped(response: httpx2.Response, cap: int) -> bytearray | None:
    """The body, or ``None`` as soon as it grows past ``cap`` bytes (the rest is never read)."""
    buffer = bytearray()
    async for chunk in response.aiter_bytes():
        buffer += chunk
        if len(buffer) > cap:
            return None
    return buffer


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
