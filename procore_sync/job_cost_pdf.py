"""A project's ERP job costs as a PDF: the summary per cost code, cost type and sub job with the cost codes'
subtotals and the project's total, the figures `selectors.job_cost_summary` reads, which the page shows too.
Drawing only: no query."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from procore_sync import models as ps
from procore_sync.owner_pdf import GRID, escape_text, money_text
from procore_sync.selectors import JobCostRow, JobCostSummary


def job_costs_pdf(
    project: ps.Project,
    summary: JobCostSummary,
    figures: Sequence[Any],
    filters: str = "",
    *,
    compress: bool = True,
    today: datetime.date | None = None,
) -> bytes:
    """The PDF's bytes: `figures` are the report's columns (an attribute name and a label each). `compress=False`
    leaves its text readable in the file (for a test to find it)."""
    shown = [figure for figure in figures if summary.has_budget or not figure.budget_only]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(letter),
        leftMargin=0.4 * inch,
        rightMargin=0.4 * inch,
        topMargin=0.5 * inch,
        bottomMargin=0.5 * inch,
        title=f"Job costs of {project}",
        subject=f"Project {project.number}",
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8.5, leading=11)
    cell = ParagraphStyle("cell", parent=styles["Normal"], fontSize=7, leading=8.5)
    day = today or timezone.localdate()
    story: list[Any] = [
        Paragraph(f"Job costs · {escape_text(str(project))}", styles["Heading2"]),
        Paragraph(
            f"As of {day:%b} {day.day}, {day.year}. Budget and commitments as they stand; invoices, payments and "
            "QuickBooks' costs" + (f" for {escape_text(filters)}" if filters else "") + ".",
            small,
        ),
        Spacer(1, 0.12 * inch),
    ]

    def figures_of(row: JobCostRow) -> list[str]:
        percent = "" if row.percent_used is None else f"{row.percent_used}%"
        return [money_text(getattr(row, figure.name)) for figure in shown] + ([percent] if summary.has_budget else [])

    header = ["Cost code", "Cost type", "Sub job", *(figure.label for figure in shown)]
    if summary.has_budget:
        header.append("Spent")
    rows: list[list[Any]] = [header]
    subtotals: list[int] = []
    for group in summary.cost_codes:
        for row in group.rows or []:
            code = "No cost code"
            if row.cost_code:
                code = f"<b>{escape_text(row.cost_code)}</b> {escape_text(row.description)}"
            rows.append([Paragraph(code, cell), row.cost_type or "—", row.sub_job or "—", *figures_of(row)])
        if len(group.rows or []) > 1:
            subtotals.append(len(rows))
            rows.append([f"{group.cost_code or 'No cost code'} total", "", "", *figures_of(group)])
    rows.append(["Total", "", "", *figures_of(summary.total)])
    number_width = (10.2 - 3.4) / (len(header) - 3)
    table = Table(
        rows, colWidths=[1.9 * inch, 0.8 * inch, 0.7 * inch] + [number_width * inch] * (len(header) - 3), repeatRows=1
    )
    style = TableStyle(GRID.getCommands())
    style.add("FONT", (0, 0), (-1, -1), "Helvetica", 7)
    style.add("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 6.5)
    style.add("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 7)
    style.add("ALIGN", (3, 0), (-1, -1), "RIGHT")
    style.add("ALIGN", (1, 0), (2, -1), "LEFT")
    for index in subtotals:
        style.add("FONT", (0, index), (-1, index), "Helvetica-Bold", 7)
        style.add("BACKGROUND", (0, index), (-1, index), colors.HexColor("#f5f7fa"))
    table.setStyle(style)
    story.append(table)
    document.build(story)
    return buffer.getvalue()
