"""Qubico's inference API: MMAudio with the video inline as a base64 data URI.

Facts (PROVIDERS.md, "Qubico"): POST /v1/inference -> 202 {task_id, status}; GET
/v1/tasks/{id} -> {status, results[{url, format}]} (PiAPI's envelope also accepted); errors
{error{code, message, details}}. 5 tasks at once, 20 submits a minute, 500 a day: the engine
keeps under them.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from foleydesk.core.model import CueKind
from foleydesk.providers.base import (
    Capabilities,
    GenerationRequest,
    Pricing,
)
from foleydesk.providers.catalog import Offering
from foleydesk.providers.hosted import (
    HostedProvider,
    StatusWords,
    offering_input,
)
from foleydesk.providers.hosts.piapi import STATES, envelope_data

CREATE_PATH = "/v1/inference"
TASK_PATH = "/v1/tasks/{task_id}"
TASK_ID = (("task_id",),)
WORDS = StatusWords(
    STATES,
    url_paths=(("results", "0", "url"), ("output", "audio_url"), ("output", "url")),
    error_paths=(("error", "message"), ("error",), ("message",)),
)


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

    def body(self, request: GenerationRequest) -> dict[str, Any]:
        inputs = offering_input(request, self.capabilities, self.offering)
        return {"model": self.offering.endpoint, "input": inputs}

    def unwrap(self, answer: Any) -> Any:
        return envelope_data(answer, self.name)


make = QubicoProvider
