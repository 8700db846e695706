"""An owner invoice's pay application as a PDF: the summary (G702) and the continuation sheet (G703), from the
figures `owner_selectors.pay_application` reads, which the HTML page prints too. Drawing only: no query."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from procore_sync.models import Company
from procore_sync.owner_selectors import PayApplication


def money_text(value: Decimal) -> str:
    return f"{value:,.2f}"


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


def _date(value: datetime.date | None) -> str:
    return f"{value:%b} {value.day}, {value.year}" if value is not None else ""


GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
        ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#9aa5b4")),
        ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def pay_application_pdf(app: PayApplication, *, compress: bool = True) -> bytes:
    """The PDF's bytes. `compress=False` leaves its text readable in the file (for a test to find it)."""
    invoice, contract = app.invoice, app.contract
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(letter),
        leftMargin=0.5 * inch,
        rightMargin=0.5 * inch,
        topMargin=0.5 * inch,
        bottomMargin=0.5 * inch,
        title=f"Pay application {invoice.number}",
        author=str(app.owner),
        subject=f"Prime contract {contract.number}, {app.project}",
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["Normal"], fontSize=8.5, leading=11)
    cell = ParagraphStyle("cell", parent=styles["Normal"], fontSize=8, leading=9.5)
    heading = styles["Heading2"]

    facts = Table(
        [
            [
                Paragraph(f"<b>To owner</b><br/>{escape_text(_address(app.owner))}", small),
                Paragraph(f"<b>Project</b><br/>{escape_text(str(app.project))}", small),
                Paragraph(
                    f"<b>Application No.</b> {app.application_number}<br/>"
                    f"<b>Invoice</b> {escape_text(invoice.number)}<br/>"
                    f"<b>Period</b> {_date(invoice.billing_period_start)} – {_date(invoice.billing_period_end)}<br/>"
                    f"<b>Invoice date</b> {_date(invoice.invoice_date)}",
                    small,
                ),
                Paragraph(
                    f"<b>Contract</b> {escape_text(contract.number)}<br/>{escape_text(contract.title)}<br/>"
                    f"<b>Contract date</b> {_date(contract.contract_date) or '—'}",
                    small,
                ),
            ]
        ],
        colWidths=[2.5 * inch] * 4,
    )
    facts.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))

    summary_rows = [
        ["1. Original contract sum", money_text(app.original_contract_sum)],
        ["2. Net change by change orders", money_text(app.net_change_by_change_orders)],
        ["3. Contract sum to date (line 1 ± 2)", money_text(app.contract_sum_to_date)],
        ["4. Total completed and stored to date (column G)", money_text(app.completed_and_stored_to_date)],
        ["5. Retention: held to date", money_text(app.retention_held_to_date)],
        ["    less released to date", money_text(app.retention_released_to_date)],
        ["    total retention (column I)", money_text(app.retention)],
        ["6. Total earned less retention (line 4 less line 5)", money_text(app.earned_less_retention)],
        ["7. Less previous certificates for payment", money_text(app.previous_payments)],
        ["8. Current payment due", money_text(app.current_payment_due)],
        [
            "9. Balance to finish, including retention (line 3 less line 6)",
            money_text(app.balance_to_finish_including_retention),
        ],
    ]
    summary = Table(summary_rows, colWidths=[4.4 * inch, 1.6 * inch])
    summary.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (0, 9), (-1, 9), "Helvetica-Bold", 10),
                ("BACKGROUND", (0, 9), (-1, 9), colors.HexColor("#eef1f5")),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c5ccd6")),
            ]
        )
    )
    changes = Table(
        [
            ["Change order summary", ""],
            ["Additions by approved change orders", money_text(app.change_orders.additions)],
            ["Deductions by approved change orders", money_text(app.change_orders.deductions)],
            ["Net change by change orders", money_text(app.change_orders.net)],
        ],
        colWidths=[2.6 * inch, 1.3 * inch],
    )
    changes.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 9),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c5ccd6")),
            ]
        )
    )
    side_by_side = Table([[summary, changes]], colWidths=[6.2 * inch, 3.8 * inch])
    side_by_side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))

    header = [
        "A\nItem",
        "B\nDescription of work",
        "C\nScheduled\nvalue",
        "D\nFrom previous\napplications",
        "E\nThis period",
        "F\nMaterials\npresently stored",
        "G\nCompleted and\nstored to date",
        "G ÷ C\n%",
        "H\nBalance\nto finish",
        "I\nRetention",
    ]
    body = [
        [
            row.item,
            Paragraph(escape_text(f"{row.cost_code} {row.description}".strip()), cell),
            money_text(row.scheduled),
            money_text(row.previous),
            money_text(row.this_period),
            money_text(row.materials_stored),
            money_text(row.completed_and_stored),
            _percent(row.percent_complete),
            money_text(row.balance_to_finish),
            money_text(row.retention),
        ]
        for row in app.rows
    ]
    totals = app.totals
    total_row = [
        "",
        "Grand total",
        money_text(totals.scheduled),
        money_text(totals.previous),
        money_text(totals.this_period),
        money_text(totals.materials_stored),
        money_text(totals.completed_and_stored),
        _percent(totals.percent_complete),
        money_text(totals.balance_to_finish),
        money_text(totals.retention),
    ]
    sheet = Table(
        [header, *body, total_row],
        colWidths=[0.7 * inch, 2.3 * inch] + [0.875 * inch] * 8,
        repeatRows=1,
    )
    sheet.setStyle(GRID)

    story = [
        Paragraph("Application and certificate for payment", styles["Title"]),
        facts,
        Spacer(1, 0.15 * inch),
        KeepTogether([Paragraph("Summary (G702)", heading), side_by_side]),
        PageBreak(),
        Paragraph(
            f"Continuation sheet (G703): application No. {app.application_number}, "
            f"invoice {escape_text(invoice.number)}",
            heading,
        ),
        sheet,
    ]
    document.build(story)
    return buffer.getvalue()


def _address(company: Company) -> str:
    place = " ".join(part for part in [company.city and f"{company.city},", company.state, company.postal_code] if part)
    return "\n".join(part for part in [company.name, company.address_line1, company.address_line2, place] if part)


def escape_text(text: str) -> str:
    """Reportlab's paragraphs read a little markup: the text is shown as it is."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")
