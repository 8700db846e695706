"""The .qwc file the Web Connector imports to know this server and which company file it serves."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from lxml import etree

APP_NAME = "QuickBooks Desktop bridge"


@dataclass(frozen=True)
class QwcApp:
    """What the file says of one connection. There is no password field: the accountant types it into the
    Web Connector, so a .qwc file passed around by e-mail gives nobody access."""

    name: str
    username: str
    owner_id: UUID
    file_id: UUID
    run_every_minutes: int
    endpoint: str
    support: str


def qwc_document(app: QwcApp) -> bytes:
    """The Web Connector refuses an AppURL that is not https, except for localhost, and an AppSupport on
    another host than AppURL's: the caller passes addresses of this server."""
    root = etree.Element("QBWCXML")
    fields = [
        ("AppName", f"{APP_NAME} - {app.name}"),
        ("AppID", ""),
        ("AppURL", app.endpoint),
        ("AppDescription", f"Sends accepted project records to the company file {app.name}."),
        ("AppSupport", app.support),
        ("UserName", app.username),
        ("OwnerID", "{" + str(app.owner_id).upper() + "}"),
        ("FileID", "{" + str(app.file_id).upper() + "}"),
        ("QBType", "QBFS"),
    ]
    for tag, text in fields:
        etree.SubElement(root, tag).text = text
    scheduler = etree.SubElement(root, "Scheduler")
    etree.SubElement(scheduler, "RunEveryNMinutes").text = str(app.run_every_minutes)
    etree.SubElement(root, "IsReadOnly").text = "false"
    etree.SubElement(root, "PersonalDataPref").text = "pdpOptional"
    etree.SubElement(root, "UnattendedModePref").text = "umpOptional"
    etree.SubElement(root, "AuthFlags").text = "0xF"
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
