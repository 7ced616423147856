"""A studio's GPU boxes: several Cog servers, each declaring its model, used round-robin and
never given more predictions at once than its concurrency."""

from __future__ import annotations

import pytest

from foleydesk.core.model import JobState
from foleydesk.core.project import Project
from foleydesk.jobs.engine import JobEngine
from tests.fakes.harness import fast_settings, run_engine
from tests.fakes.hosts import SelfhostedHost


def test_boxes_share_the_work_of_their_model_one_prediction_each(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    boxes = [SelfhostedHost(latency=0.3) for _ in range(3)]
    for box in boxes:
        box.start()
    first, second, hunyuan = boxes
    monkeypatch.setenv(
        "FOLEYDESK_SELFHOSTED_ENDPOINTS",
        f"{first.base_url}=mmaudio*1, {second.base_url}=mmaudio*1, "
        f"{hunyuan.base_url}=hunyuan-foley*1",
    )

    async def work(engine: JobEngine) -> list[int]:
        jobs = engine.enqueue([1], "selfhosted", 4, 1, model_id="mmaudio")
        jobs += engine.enqueue([1], "selfhosted", 1, 9, model_id="hunyuan-foley")
        assert engine.provider("selfhosted", "mmaudio").capabilities.concurrency == 2
        await engine.run_until_idle()
        return [j.id for j in jobs]

    try:
        ids = run_engine(project, fast_settings(), work)
    finally:
        for box in boxes:
            box.stop()
    assert all(project.job(i).state is JobState.DONE for i in ids), [
        project.job(i).error for i in ids
    ]
    assert sum(first.creates.values()) == 2 and sum(second.creates.values()) == 2
    assert first.max_in_flight == 1 and second.max_in_flight == 1
    assert sum(hunyuan.creates.values()) == 1  # only the model it declared
    models = sorted(t.model_id for t in project.takes.values())
    assert models == ["hunyuan-foley", "mmaudio", "mmaudio", "mmaudio", "mmaudio"]
