from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import commitment_with_lines

pytestmark = pytest.mark.django_db


def test_commitment_goes_from_draft_to_queued_through_the_api(pm, approver):
    commitment = commitment_with_lines()
    client = APIClient()
    client.force_authenticate(pm)
    url = f"/api/v1/commitments/{commitment.pk}/"
    assert client.get(url).json()["erp_status"] == "draft"
    for dependency in (commitment.project, commitment.vendor, *[line.cost_code for line in commitment.lines.all()]):
        from erp_integrations import services

        services.item_send(dependency, pm)
        services.item_accept(dependency, approver)
    response = client.post(url + "send/")
    assert response.status_code == 200, response.json()
    assert response.json()["erp_status"] == "pending"
    client.force_authenticate(approver)
    response = client.post(url + "accept/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["erp_status"] == "queued"
    assert [event["action"] for event in body["erp_history"]] == ["send", "accept"]
