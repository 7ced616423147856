"""Replicate's prediction objects, kept apart from any one model: status words, the output (one
URI, a list of them, or an object of them) and the reason a prediction failed (`error`, with
the tail of `logs` where the model printed its traceback).

Facts (replicate-python's prediction.py and its HTTP API; docs/providers.md): statuses starting,
processing, succeeded, failed, canceled; `urls.get` and `urls.cancel`; outputs are deleted an
hour after the prediction, so they are downloaded as soon as it succeeds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from foleydesk.providers.base import Output, TaskState, TaskStatus, TransientError

STATES = {
    "starting": TaskState.PENDING,
    "processing": TaskState.RUNNING,
    "succeeded": TaskState.COMPLETED,
    "failed": TaskState.FAILED,
    "canceled": TaskState.CANCELLED,
    "cancelled": TaskState.CANCELLED,
    "aborted": TaskState.FAILED,
}
LOG_LINES = 3  # of a failed prediction's logs, shown with its error


def prediction_id(answer: Any) -> str | None:
    value = answer.get("id") if isinstance(answer, dict) else None
    return value if isinstance(value, str) and value else None


def output_urls(output: Any) -> list[str]:
    """Every URI in an output, in order (a model may answer one, a list, or named files)."""
    if isinstance(output, str):
        return [output] if output.startswith(("http://", "https://", "data:")) else []
    if isinstance(output, list):
        return [url for item in output for url in output_urls(item)]
    if isinstance(output, dict):
        return [url for item in output.values() for url in output_urls(item)]
    return []


def failure_reason(answer: dict[str, Any]) -> str:
    """The model's own words: `error`, and the last lines of its logs when they add to it."""
    error = str(answer.get("error") or "").strip()
    logs = answer.get("logs")
    tail: list[str] = []
    if isinstance(logs, str):
        lines = [line.strip() for line in logs.splitlines() if line.strip()]
        tail = [line for line in lines[-LOG_LINES:] if line not in error]
    if error and tail:
        return f"{error} (log: {' / '.join(tail)})"
    return error or " / ".join(tail) or "The prediction failed without a reason."


def read_prediction(answer: Any, make_output: Callable[[str], Output]) -> TaskStatus:
    """One prediction as the engine sees it."""
    if not isinstance(answer, dict) or not isinstance(answer.get("status"), str):
        raise TransientError("Replicate answered with something that is not a prediction")
    raw = answer["status"].lower()
    state = STATES.get(raw, TaskState.RUNNING)
    if state is TaskState.COMPLETED:
        urls = output_urls(answer.get("output"))
        if not urls:
            return TaskStatus(
                TaskState.FAILED, raw, error="Replicate finished the prediction with no output."
            )
        return TaskStatus(state, raw, 1.0, [make_output(url) for url in urls])
    if state is TaskState.FAILED:
        return TaskStatus(state, raw, error=f"Replicate: {failure_reason(answer)}")
    text = raw
    logs = answer.get("logs")
    if state is TaskState.RUNNING and isinstance(logs, str) and logs.strip():
        text = logs.strip().splitlines()[-1][:120]
    return TaskStatus(state, text)
