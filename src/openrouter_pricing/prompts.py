"""The MCP prompt: a step-by-step, cost-aware model choice that uses this server's tools."""

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from pydantic import Field

from .core.text import description_of, plural
from .state import AppState


def choose_model_by_cost(
    task: Annotated[str, Field(description="What the model must do.")],
    budget_usd: Annotated[str, Field(description="Most to spend in all, in USD (optional).")] = "",
    requests: Annotated[str, Field(description="How many requests the job makes (optional).")] = "",
) -> str:
    """Walk through choosing an OpenRouter model for a task by cost: recommend, estimate, check
    the balance, then verify the real cost."""
    budget = f" The budget is ${budget_usd.strip()} in all." if budget_usd.strip() else ""
    volume = f" The job makes about {_requests(requests.strip())}." if requests.strip() else ""
    return f"""Choose an OpenRouter model for this task, keeping cost in view.

Task: {_sentence(task)}{budget}{volume}

1. Estimate the tokens of one request: the prompt (instructions, context, examples) and the
   expected answer. If you have the prompt text, estimate_cost can count it (prompt_text).
2. Call recommend_model with the task, prompt_tokens, completion_tokens, requests, any
   required_capabilities (tools, structured_outputs, image_input, ...) and budget_usd or
   max_cost_per_request_usd. Read each pick's "why" and the assumptions.
3. For the top two or three picks, call estimate_cost with the same token counts (add
   cached_prompt_tokens if a long prefix repeats, reasoning_tokens for reasoning models) to see
   the exact line items and any warning (context too small, stale prices).
4. Call check_balance to see what the key may still spend (spendable_usd) and compare it with the
   estimated total; a negative balance blocks even free models.
5. Pick the model, say why in one sentence (cost per request, total, quality), and mention the
   price source and its age from the "catalog" block.
6. After the first real requests, call get_generation_cost with their generation ids to compare the
   real cost with the estimate, and adjust the plan if they differ.

All amounts are exact USD decimal strings; per-token prices are per million tokens (*_per_m)."""


def _sentence(text: str) -> str:
    """``text`` ending as a sentence, so what follows it starts a new one."""
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _requests(count: str) -> str:
    try:
        return plural(int(count.replace(",", "").replace("_", "")), "request")
    except ValueError:
        return f"{count} requests"


def register_prompts(server: MCPServer[AppState]) -> None:
    server.prompt(
        name="choose_model_by_cost",
        title="Choose a model by cost",
        description=description_of(choose_model_by_cost.__doc__),
    )(choose_model_by_cost)
