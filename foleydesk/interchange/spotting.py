"""The spotting sheet: every cue by timecode, as a CSV for a database or a PDF a supervisor prints.

One row per cue (number, lane and category, in and out timecode, duration, label, prompt,
negative prompt, model@host, chosen take and seed, status, notes), sorted by timecode, under a
header with the project, source, rate and start timecode. The PDF is a reportlab table that
paginates and repeats its column header; each page carries the sheet's header and page numbers.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from foleydesk.core.credits import model_at_host
from foleydesk.core.project import Project
from foleydesk.core.status import cue_status
from foleydesk.core.timebase import format_rate
from foleydesk.errors import UserError
from foleydesk.media.atomic import atomic_output

COLUMNS = (
    "#",
    "Lane",
    "Category",
    "In",
    "Out",
    "Duration",
    "Label",
    "Prompt",
    "Negative prompt",
    "Model@host",
    "Take / seed",
    "Status",
    "Notes",
)


@dataclass(frozen=True)
class SpottingSheet:
    project: str
    source: str
    rate: str
    start_timecode: str
    rows: list[tuple[str, ...]]

    def header_lines(self) -> list[tuple[str, str]]:
        return [
            ("Project", self.project),
            ("Source", self.source),
            ("Rate", self.rate),
            ("Start TC", self.start_timecode),
        ]


def _duration(frames: int, rate: Fraction) -> str:
    return f"{float(frames / rate):.2f} s ({frames} fr)"


def spotting_sheet(project: Project) -> SpottingSheet:
    source = project.source
    lanes = project.sorted_lanes()
    numbers = {lane.id: index for index, lane in enumerate(lanes, start=1)}
    cues = sorted(
        project.cues.values(), key=lambda c: (c.in_frame, numbers.get(c.lane_id, 0), c.id)
    )
    rows: list[tuple[str, ...]] = []
    for number, cue in enumerate(cues, start=1):
        lane = project.lanes.get(cue.lane_id)
        take = project.chosen_take(cue)
        if take is not None:
            takes = [t.id for t in project.takes_for(cue.id)]
            index = takes.index(take.id) + 1 if take.id in takes else take.id
            seed = f", seed {take.seed}" if take.seed is not None else ""
            chosen = f"take {index}{seed}"
        else:
            chosen = ""
        notes = cue.params.get("notes", "")
        rows.append(
            (
                str(number),
                lane.name if lane else "",
                lane.stem_category.value if lane else "",
                source.timecode_at(cue.in_frame),  # conformed where SMPTE has none
                source.timecode_at(cue.out_frame),
                _duration(cue.frame_count, source.frame_rate),
                cue.label,
                cue.prompt,
                cue.negative_prompt,
                model_at_host(take),
                chosen,
                cue_status(project, cue),
                notes if isinstance(notes, str) else "",
            )
        )
    path = project.source_path or Path(source.path)
    rate = format_rate(source.frame_rate) + (" DF" if source.drop_frame else "")
    return SpottingSheet(
        project.name, Path(path).name, f"{rate} fps", source.start_timecode(), rows
    )


def spotting_csv(sheet: SpottingSheet) -> str:
    """The header as `key,value` lines, a blank line, then the table (one row per cue)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for key, value in sheet.header_lines():
        writer.writerow([key, value])
    writer.writerow([])
    writer.writerow(COLUMNS)
    writer.writerows(sheet.rows)
    return out.getvalue()


def _pdf(sheet: SpottingSheet, path: Path) -> None:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_LEFT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, TableStyle
    from reportlab.platypus.doctemplate import Indenter

    page = landscape(A4)
    margin = 12 * mm
    cell = ParagraphStyle("cell", fontName="Helvetica", fontSize=7.5, leading=9, alignment=TA_LEFT)
    mono = ParagraphStyle("tc", parent=cell, fontName="Helvetica", fontSize=7.5)  # even digits
    head = ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold", textColor=colors.white)
    # Column widths (mm) sum to the printable width of landscape A4 (297 - 24 = 273 mm).
    widths_mm = (8, 16, 16, 19, 19, 20, 22, 52, 26, 23, 19, 21, 12)
    widths = [w * mm for w in widths_mm]
    mono_columns = {3, 4}

    def para(text: str, column: int) -> Paragraph:
        return Paragraph(escape(text), mono if column in mono_columns else cell)

    data = [[Paragraph(escape(c), head) for c in COLUMNS]]
    data += [[para(value, i) for i, value in enumerate(row)] for row in sheet.rows]
    if not sheet.rows:
        data.append([para("No cues yet.", 1)] + [para("", i) for i in range(1, len(COLUMNS))])
    table = LongTable(data, colWidths=widths, repeatRows=1)
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#2f3b4c")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8ccd2")),
        ("BOX", (0, 0), (-1, -1), 0.5, colors.HexColor("#7d8590")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for index in range(2, len(data), 2):
        style.append(("BACKGROUND", (0, index), (-1, index), colors.HexColor("#f1f3f6")))
    table.setStyle(TableStyle(style))
    printed = time.strftime("%Y-%m-%d %H:%M")

    def decorate(canvas: object, doc: object) -> None:
        from reportlab.pdfgen.canvas import Canvas

        assert isinstance(canvas, Canvas)
        width, height = page
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 13)
        canvas.drawString(margin, height - margin - 4 * mm, f"Spotting sheet: {sheet.project}")
        canvas.setFont("Helvetica", 8.5)
        info = "    ".join(f"{k}: {v}" for k, v in sheet.header_lines()[1:])
        canvas.drawString(margin, height - margin - 10 * mm, info)
        canvas.drawRightString(width - margin, height - margin - 4 * mm, f"{len(sheet.rows)} cues")
        canvas.setStrokeColor(colors.HexColor("#2f3b4c"))
        canvas.setLineWidth(0.8)
        canvas.line(margin, height - margin - 13 * mm, width - margin, height - margin - 13 * mm)
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.HexColor("#555b63"))
        canvas.drawString(margin, margin - 5 * mm, f"FoleyDesk  ·  printed {printed}")
        canvas.restoreState()

    with atomic_output(path) as tmp:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=page,
            leftMargin=margin,
            rightMargin=margin,
            topMargin=margin + 16 * mm,
            bottomMargin=margin,
            title=f"Spotting sheet: {sheet.project}",
            author="FoleyDesk",
        )
        doc.build(
            [Indenter(0, 0), table],
            onFirstPage=decorate,
            onLaterPages=decorate,
            canvasmaker=_numbered_canvas(page, margin),
        )


def _numbered_canvas(page: tuple[float, float], margin: float) -> type:
    """A canvas that holds its pages until the end, so each can say `page N of M`."""
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            self._pages: list[dict[str, object]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 7.5)
                self.setFillColor(colors.HexColor("#555b63"))
                self.drawRightString(
                    page[0] - margin, margin - 5 * 2.8346, f"page {self._pageNumber} of {total}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def write_spotting(project: Project, path: Path) -> Path:
    """`.csv` or `.pdf`, by the name's extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".pdf"):
        raise UserError(
            f"--spotting needs a file ending in .csv or .pdf, not {path.name}.",
            "For example --spotting spotting.pdf.",
        )
    sheet = spotting_sheet(project)
    if suffix == ".csv":
        with atomic_output(path) as tmp:
            tmp.write_text(spotting_csv(sheet), "utf-8")
    else:
        _pdf(sheet, path)
    return path
