"""One word for where a cue stands, the same in the cue list, the timeline badge and the
spotting sheet (so a supervisor's printout says what the editor's screen says)."""

from __future__ import annotations

from foleydesk.core.model import Cue, JobState, TakeStatus
from foleydesk.core.project import Project

UNCERTAIN = "check submission"
CHOSEN = "chosen"
TAKES_READY = "takes ready"
FAILED = "failed"
NO_TAKES = "no takes"
NEEDS_PROMPT = "needs prompt"


def cue_status(project: Project, cue: Cue) -> str:
    jobs = project.jobs_for(cue.id)
    active = [j for j in jobs if not j.state.finished]
    if any(j.state is JobState.UNCERTAIN for j in active):
        return UNCERTAIN
    if active:
        return active[-1].state.value.replace("_", " ")
    if cue.chosen_take_id:
        return CHOSEN
    if any(t.status is TakeStatus.READY for t in project.takes_for(cue.id)):
        return TAKES_READY
    if jobs and jobs[-1].state is JobState.FAILED:
        return FAILED
    return NO_TAKES if cue.prompt else NEEDS_PROMPT
