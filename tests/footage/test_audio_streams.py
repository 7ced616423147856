"""A recorder's eight mono tracks: each one listed, the production ones chosen, the waveform
of one or their sum, and the timeline carrying one mono track per production stream."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import opentimelineio as otio
import pytest

from foleydesk.cli import main
from foleydesk.core.project import Project
from foleydesk.media.peaks import source_waveform_peaks
from foleydesk.media.takes import read_wav
from tests.footage.conftest import FootageMaker


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture()
def recorder(footage: FootageMaker, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    project = tmp_path / "rec.foleydesk"
    code, _, err = _cli(capsys, "new", str(footage("8 mono")), "-o", str(project))
    assert code == 0, err
    return project


def test_streams_listed_and_production_chosen(
    recorder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(capsys, "audio", str(recorder))
    assert code == 0
    assert "8 streams, 8 channels in all" in out
    assert out.count("1 ch (mono), pcm_s24le at 48000 Hz, production") == 8
    assert "waveform: production streams summed" in out

    code, out, _ = _cli(capsys, "audio", str(recorder), "--production", "2,5", "--json")
    assert code == 0 and json.loads(out)["production_streams"] == [1, 4]
    code, _, err = _cli(capsys, "audio", str(recorder), "--production", "9")
    assert code == 2 and "1 to 8" in err

    xml = tmp_path / "cut.xml"
    otio_file = tmp_path / "cut.otio"
    code, _, err = _cli(
        capsys, "export", str(recorder), "--xml", str(xml), "--otio", str(otio_file)
    )
    assert code == 0, err
    root = ElementTree.parse(xml).getroot()
    tracks = root.findall("./project/children/sequence/media/audio/track")
    source_items = [t.find("clipitem") for t in tracks[:2]]
    assert [i.findtext("sourcetrack/trackindex") for i in source_items if i is not None] == [
        "2",
        "5",
    ]
    assert all(i is not None and i.get("premiereChannelType") == "mono" for i in source_items)
    timeline = otio.adapters.read_from_file(str(otio_file))
    names = [t.name for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
    assert names[:2] == ["A1 Source", "A2 Source"] and "A3 Source" not in names


def test_waveform_of_one_stream_or_their_sum(
    recorder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with Project.open(recorder) as project:
        summed = source_waveform_peaks(project)
    assert summed is not None
    code, _, _ = _cli(capsys, "audio", str(recorder), "--waveform", "3")
    assert code == 0
    with Project.open(recorder) as project:
        assert project.source.waveform_stream == 2
        one = source_waveform_peaks(project)
    assert one is not None
    # Each track is a full-length tone at 1/8 of full scale (ffmpeg's sine); eight of them
    # played together reach about full scale.
    assert 0.1 < float(np.max(one.maxs[0])) < 0.15
    assert float(np.max(summed.maxs[0])) > 0.8


def test_the_mix_carries_every_production_stream(
    recorder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def mix_peak(folder: Path) -> float:
        code, _, err = _cli(capsys, "export", str(recorder), "--stems", str(folder))
        assert code == 0, err
        samples, _rate = read_wav(folder / "Mix.wav")
        return float(np.max(np.abs(samples)))

    every = mix_peak(tmp_path / "all")
    _cli(capsys, "audio", str(recorder), "--production", "1")
    one = mix_peak(tmp_path / "one")
    # Eight tones at 1/8 of full scale played together, against one of them.
    assert 0.1 < one < 0.15
    assert every > 0.8


def test_playback_plays_every_production_stream(
    recorder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from foleydesk.playback import PlaybackEngine

    def heard_peak() -> float:
        with Project.open(recorder) as project:
            engine = PlaybackEngine(project, use_device=False, video=False)
            try:
                out = np.zeros((4800, 2), np.float32)
                engine.mixer.render(4800, out)
            finally:
                engine.close()
        return float(np.max(np.abs(out)))

    every = heard_peak()
    _cli(capsys, "audio", str(recorder), "--production", "4")
    assert 0.1 < heard_peak() < 0.15
    assert every > 0.8
