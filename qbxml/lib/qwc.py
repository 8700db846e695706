"""The .qwc file the Web Connector imports to know this server (reads a connection, imports no Django)."""

from __future__ import annotations

from lxml import etree

APP_NAME = "QuickBooks Desktop bridge"


def qwc_document(connection, endpoint: str, support: str) -> bytes:  # type: ignore[no-untyped-def]
    """AppURL must be https except for localhost; AppSupport on the same host. The password never goes here."""
    root = etree.Element("QBWCXML")
    fields = [
        ("AppName", f"{APP_NAME} - {connection.name}"),
        ("AppID", ""),
        ("AppURL", endpoint),
        ("AppDescription", f"Sends accepted project records to the company file {connection.name}."),
        ("AppSupport", support),
        ("UserName", connection.username),
        ("OwnerID", "{" + str(connection.owner_id).upper() + "}"),
        ("FileID", "{" + str(connection.file_id).upper() + "}"),
        ("QBType", "QBFS"),
    ]
    for tag, text in fields:
        etree.SubElement(root, tag).text = text
    scheduler = etree.SubElement(root, "Scheduler")
    etree.SubElement(scheduler, "RunEveryNMinutes").text = str(connection.run_every_minutes)
    etree.SubElement(root, "IsReadOnly").text = "false"
    etree.SubElement(root, "PersonalDataPref").text = "pdpOptional"
    etree.SubElement(root, "UnattendedModePref").text = "umpOptional"
    etree.SubElement(root, "AuthFlags").text = "0xF"
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
