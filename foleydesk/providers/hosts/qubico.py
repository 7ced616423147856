"""Qubico: MMAudio with the video inline as a base64 data URI, in either of its two APIs.

Qubico's two official doc sites disagree and no public client confirms either (PROVIDERS.md):
- "inference" (qubico.ai/docs): POST /v1/inference -> 202 {task_id, status}; GET
  /v1/tasks/{id} -> {status, results[{url, format}]}; errors {error{code, message, details}};
- "task" (doc.qubico.ai): PiAPI's shape, POST /api/v1/task {model, task_type, input}, GET
  /api/v1/task/{id}, envelope {code, message, data}.
`foleydesk keys test qubico` (or Test connection in Settings) asks both and remembers the one
that answers (settings: providers.qubico.api_style); until then "inference" is tried. 5 tasks
at once, 20 submits a minute, 500 a day: the engine keeps under them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import httpx

from foleydesk.core.model import CueKind
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    Pricing,
    ProviderError,
    UnknownTask,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.hosted import (
    PROBE_TASK_ID,
    HostedProvider,
    StatusWords,
    json_or_none,
    offering_input,
)
from foleydesk.providers.hosts.piapi import STATES, envelope_data
from foleydesk.settings import Settings, load_settings, save_settings

STYLES = {  # style -> (create path, task path)
    "inference": ("/v1/inference", "/v1/tasks/{task_id}"),
    "task": ("/api/v1/task", "/api/v1/task/{task_id}"),
}
DEFAULT_STYLE = "inference"
CREATE_PATH, TASK_PATH = STYLES[DEFAULT_STYLE]
TASK_ID = (("task_id",),)
WORDS = StatusWords(
    STATES,
    url_paths=(("results", "0", "url"), ("output", "audio_url"), ("output", "url")),
    error_paths=(("error", "message"), ("error",), ("message",)),
)


def remember_style(settings: Settings, style: str) -> None:
    """Keep the style in the settings in use and in the settings file (read afresh, so only
    this one field of the file changes)."""
    settings.provider("qubico").api_style = style
    on_disk = load_settings()
    if on_disk.provider("qubico").api_style != style:
        on_disk.provider("qubico").api_style = style
        save_settings(on_disk)


OFFERINGS = (
    Offering(
        "mmaudio",
        "qubico",
        "Qubico/mmaudio",
        {
            "video": "video",
            "prompt": "prompt",
            "negative_prompt": "negative_prompt",
            "steps": "steps",
            "seed": "seeds",
        },
        pricing=Pricing(per_second=0.05, text="$0.05/s"),
        max_seconds=Fraction(60),
    ),
)


class QubicoProvider(HostedProvider):
    id = "qubico"
    name = "Qubico (MMAudio)"
    host_name = "Qubico"
    default_base_url = "https://api.qubico.ai"
    create_path, task_path, task_id_paths, status_words = CREATE_PATH, TASK_PATH, TASK_ID, WORDS
    offerings = OFFERINGS
    capabilities = Capabilities(
        kinds=(CueKind.FOLEY,),
        max_duration=Fraction(60),
        max_prompt=500,
        max_negative=200,
        steps_range=(20, 50),
        default_steps=25,
        max_upload_bytes=20 * 1024 * 1024,  # inline base64 in one JSON body: keep it modest
        concurrency=5,
        per_minute=20,
        per_day=500,
        pricing=Pricing(per_second=0.05, text="$0.05/s"),
        needs_upload=True,  # "upload" = inline data URI
        segment_short_side=384,
        terms_url="https://qubico.ai/terms",
    )

    def __init__(
        self,
        settings: Settings,
        client: httpx.AsyncClient | None,
        offering: Offering | None = None,
    ) -> None:
        super().__init__(settings, client, offering)
        self.use_style(settings.provider(self.id).api_style or DEFAULT_STYLE)

    def use_style(self, style: str) -> None:
        self.style = style if style in STYLES else DEFAULT_STYLE
        self.create_path, self.task_path = STYLES[self.style]

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        inputs = offering_input(request, self.capabilities, self.offering)
        if self.style == "task":
            return {"model": self.offering.endpoint, "task_type": "video2audio", "input": inputs}
        return {"model": self.offering.endpoint, "input": inputs}

    async def submit(self, request: GenerationRequest) -> str:
        try:
            return await super().submit(request)
        except UnknownTask as exc:  # a 404 on the create path: the other API style?
            raise self.wrong_style(self.create_path, str(exc)) from None

    def wrong_style(self, path: str, detail: str) -> ProviderError:
        other = next(s for s in STYLES if s != self.style)
        return ProviderError(
            f"Qubico has no {path} at {self.base_url} (the '{self.style}' API style was tried; "
            f"{detail}).",
            "Qubico documents two APIs: run 'foleydesk keys test qubico' to find the one that "
            f"answers (it is remembered), or set providers.qubico.api_style to '{other}' in "
            "the settings file.",
        )

    async def test_connection(self, client: httpx.AsyncClient) -> str:
        """Ask both API styles about a task no one made; remember the one that answers."""
        for style in (self.style, *(s for s in STYLES if s != self.style)):
            response = await self.probe(client, STYLES[style][1].format(task_id=PROBE_TASK_ID))
            if json_or_none(response) is None:  # a web server's page: no API at this path
                continue
            self.use_style(style)
            remember_style(self.settings, style)
            return (
                f"answers at {self.base_url} with its '{style}' API (remembered) and "
                "accepts the key."
            )
        raise ProviderError(
            f"Qubico answered at {self.base_url} but neither of its documented APIs "
            f"({', '.join(STYLES)}) is there.",
            "Check the address in Settings (or FOLEYDESK_QUBICO_BASE_URL).",
        )

    def unwrap(self, answer: Any) -> Any:
        return envelope_data(answer, self.name)


make = QubicoProvider
