"""The .qwc file, byte for byte: the Web Connector reads it once, when the accountant adds the application,
so a change in it is only seen on a new install."""

from __future__ import annotations

import dataclasses
from uuid import UUID

from qbxml.lib.qwc import QwcApp, qwc_document

APP = QwcApp(
    name="Smith & Sons <Main> \u2013 \u00dcnit",
    username="qbwc-main",
    owner_id=UUID("6f1d2c3a-8b4e-4f5a-9c7d-0e1f2a3b4c5d"),
    file_id=UUID("a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d"),
    run_every_minutes=15,
    endpoint="https://bridge.example.com/qbwc/",
    support="https://bridge.example.com/",
)

EXPECTED = (
    b"<?xml version='1.0' encoding='utf-8'?>\n"
    b"<QBWCXML>\n"
    b"  <AppName>QuickBooks Desktop bridge - Smith &amp; Sons &lt;Main&gt; \xe2\x80\x93 \xc3\x9cnit</AppName>\n"
    b"  <AppID></AppID>\n"
    b"  <AppURL>https://bridge.example.com/qbwc/</AppURL>\n"
    b"  <AppDescription>Sends accepted project records to the company file "
    b"Smith &amp; Sons &lt;Main&gt; \xe2\x80\x93 \xc3\x9cnit.</AppDescription>\n"
    b"  <AppSupport>https://bridge.example.com/</AppSupport>\n"
    b"  <UserName>qbwc-main</UserName>\n"
    b"  <OwnerID>{6F1D2C3A-8B4E-4F5A-9C7D-0E1F2A3B4C5D}</OwnerID>\n"
    b"  <FileID>{A0B1C2D3-E4F5-4A6B-8C7D-9E0F1A2B3C4D}</FileID>\n"
    b"  <QBType>QBFS</QBType>\n"
    b"  <Scheduler>\n"
    b"    <RunEveryNMinutes>15</RunEveryNMinutes>\n"
    b"  </Scheduler>\n"
    b"  <IsReadOnly>false</IsReadOnly>\n"
    b"  <PersonalDataPref>pdpOptional</PersonalDataPref>\n"
    b"  <UnattendedModePref>umpOptional</UnattendedModePref>\n"
    b"  <AuthFlags>0xF</AuthFlags>\n"
    b"</QBWCXML>\n"
)


def test_the_qwc_document_is_exactly_the_file_the_web_connector_imports():
    assert qwc_document(APP) == EXPECTED


def test_the_qwc_data_has_no_place_for_a_password():
    assert not [field.name for field in dataclasses.fields(QwcApp) if "pass" in field.name.lower()]
