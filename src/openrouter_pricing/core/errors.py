"""Every exception this package raises on purpose, each carrying one actionable sentence.

    PricingError                       base: ``str(exc)`` is safe to show to an agent
    ├── UsageError                     a usage that cannot be priced (negative, subset > parent)
    ├── RecommendationError            no model meets the constraints, or an invalid request
    ├── DynamicPriceError              a router's "-1" price: no fixed price to estimate with
    ├── MediaPriceError                a media price this server cannot interpret (never a $0)
    ├── UnknownModelError              no such model id (carries close matches)
    ├── UnknownVariantError            a ":variant" this model does not have
    ├── CatalogUnavailableError        no catalog from any source
    ├── MissingKeyError                a call that needs an API key, and none is configured
    └── OpenRouterError                OpenRouter answered with an error, or not at all
        ├── BadRequestError            400
        ├── InvalidKeyError            401
        ├── InsufficientCreditsError   402
        ├── ForbiddenError             403
        │   └── ManagementKeyRequiredError   403 on a management-only route
        ├── NotFoundError              404
        ├── RateLimitedError           429 (``retry_after`` seconds when known)
        ├── RequestTimeoutError        408, or no answer within the timeout
        ├── UpstreamError              500, 502, 503, 524, 529 and other 5xx
        ├── ConnectionFailedError      could not connect
        └── InvalidResponseError       an answer that is not the JSON we expect

    PriceFormatError (a ValueError)    a price string that is not a usable price: raised while
                                       parsing, where a bad model is skipped, never shown as is

No message, ``repr`` or attribute ever holds the API key: the client builds these from the status
and OpenRouter's error message, and scrubs the key from the message in case upstream echoes it.
"""

from __future__ import annotations

from collections.abc import Sequence


class PricingError(Exception):
    """Base of this package's errors; the message is one sentence an agent can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class UsageError(PricingError, ValueError):
    """A usage that cannot be priced: a negative or absurd count, or a subset above its parent."""


class RecommendationError(PricingError):
    """No model meets the constraints, or the request itself is invalid."""


class PriceFormatError(ValueError):
    """A value that is not a usable price (not a number, NaN, infinite, or negative)."""


class DynamicPriceError(PricingError):
    """The model's price is decided per request (OpenRouter lists "-1")."""


class MissingPriceError(PricingError):
    """The usage needs a price the listing leaves out (no ``completion``): never priced as $0."""


class MediaPriceError(PricingError):
    """A model billed in a unit whose price the listing does not give, or gives in a form this
    server cannot interpret (an unknown SKU, rerank): an error, never a number that looks right."""


class UnknownModelError(PricingError, LookupError):
    def __init__(self, model: str, suggestions: Sequence[str] = ()) -> None:
        self.model = model
        self.suggestions = tuple(suggestions)
        hint = (
            f"; close matches: {', '.join(self.suggestions)}"
            if self.suggestions
            else "; use list_models to find model ids"
        )
        super().__init__(f"Unknown model {model[:120]!r}{hint}.")


class UnknownVariantError(PricingError, LookupError):
    """A variant suffix the model does not have (e.g. ``:free`` on a paid-only model)."""


class CatalogUnavailableError(PricingError):
    """No catalog could be loaded from memory, disk, OpenRouter or the built-in file."""


class MissingKeyError(PricingError):
    """An OpenRouter API key is needed and none is configured."""


class OpenRouterError(PricingError):
    """OpenRouter answered with an error status, or not in a usable way."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class BadRequestError(OpenRouterError):
    pass


class InvalidKeyError(OpenRouterError):
    pass


class InsufficientCreditsError(OpenRouterError):
    pass


class ForbiddenError(OpenRouterError):
    pass


class ManagementKeyRequiredError(ForbiddenError):
    pass


class NotFoundError(OpenRouterError):
    pass


class RateLimitedError(OpenRouterError):
    def __init__(
        self, message: str, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


class RequestTimeoutError(OpenRouterError):
    pass


class UpstreamError(OpenRouterError):
    pass


class ConnectionFailedError(OpenRouterError):
    pass


class InvalidResponseError(OpenRouterError):
    pass
