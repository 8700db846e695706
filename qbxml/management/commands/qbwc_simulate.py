"""python manage.py qbwc_simulate --connection NAME --password P [--url URL] [--company-file PATH]

Plays the QuickBooks Web Connector over real HTTP against the endpoint, with the simulated QuickBooks
company file answering, and prints the session's progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from qbxml.lib.webconnector import WebConnector
from qbxml.models import QbConnection


class Command(BaseCommand):
    help = "Run one Web Connector session against this server with a simulated QuickBooks company file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", required=True, help="the connection's name")
        parser.add_argument("--url", default="http://127.0.0.1:8000/qbwc/")
        parser.add_argument("--password", required=True, help="the connection's Web Connector password")
        parser.add_argument(
            "--company-file",
            default=str(Path(settings.BASE_DIR) / "var" / "simulated-company.json"),
            help="where the simulated company file is kept between runs",
        )
        parser.add_argument("--sessions", type=int, default=1, help="run this many sessions one after another")
        parser.add_argument(
            "--empty-file",
            action="store_true",
            help="start a new company file empty, rather than with the records a file in use has",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from qbxml.simulator import QuickBooksCompany

        try:
            connection = QbConnection.objects.get(name=options["connection"])
        except QbConnection.DoesNotExist:
            raise CommandError(f"No connection named {options['connection']!r}: see qbwc_connection list.") from None
        path = Path(options["company_file"])
        if path.exists():
            company = QuickBooksCompany.load(path)
        else:
            company = QuickBooksCompany(company_name="Demo Construction")
            if not options["empty_file"]:
                in_use_for_years(company)
        connector = WebConnector(
            options["url"],
            connection.username,
            options["password"],
            company,
            log=lambda line: self.stdout.write(f"  {line}"),
        )
        for number in range(1, options["sessions"] + 1):
            self.stdout.write(f"Session {number} with {options['url']} as {connection.username}:")
            try:
                report = connector.run_session()
            except OSError as exc:
                raise CommandError(f"Cannot reach {options['url']}: {exc}. Is the server running (make run)?") from None
            if report.authenticated == "nvu":
                raise CommandError("The server refused the user name or password.")
            if report.authenticated == "none":
                self.stdout.write("  Nothing to send: accept an item in ERP Integrations first.")
            self.stdout.write(f"  {report.messages} message(s), {report.requests} request(s) in {report.seconds:.2f} s")
        path.parent.mkdir(parents=True, exist_ok=True)
        company.save(path)
        self.stdout.write(
            f"QuickBooks now holds {len(company.vendors())} vendor(s), {len(company.customers())} customer(s) and "
            f"job(s), {len(company.items())} item(s), {len(company.purchase_orders())} purchase order(s), "
            f"{len(company.bills())} bill(s). Company file: {path}"
        )


def in_use_for_years(company: Any) -> None:
    """What a company file that has been in use holds before the product is connected to it: vendors the
    accountant has paid for years (one the directory has under another spelling) and a customer's job, for
    Ready to Import to offer once the lists are read."""
    company.add_vendor(
        "Sierra Pacific Power",
        Phone="(800) 555-0150",
        Email="billing@sierrapacificpower.example",
        VendorAddress={"Addr1": "PO Box 1000", "City": "Sacramento", "State": "CA", "PostalCode": "95812"},
    )
    company.add_vendor(
        "Granite Bay Surveying, Inc.",
        Phone="(916) 555-0177",
        Email="office@granitebaysurvey.example",
        VendorTaxIdent="68-0412233",
        VendorAddress={"Addr1": "8400 Sierra College Blvd", "City": "Roseville", "State": "CA", "PostalCode": "95661"},
    )
    company.add_vendor("Metro Door and Hardware, LLC", Phone="(916) 555-0122")
    company.add_customer("Capitol Dental Group", BillAddress={"Addr1": "1500 J Street", "City": "Sacramento"})
    company.add_customer(
        "2040 Oak Park Dental Suite",
        "Capitol Dental Group",
        BillAddress={"Addr1": "3415 Broadway", "City": "Sacramento", "State": "CA", "PostalCode": "95817"},
    )
