"""The owner side's pages, under /projects/: a project's prime contract, its change orders (PCCOs) and the
owner invoices with their pay applications."""

from __future__ import annotations

from django.urls import path

from procore_sync import owner_views as views

app_name = "owner"

urlpatterns = [
    path("<int:project_pk>/prime-contract/", views.prime_contract_detail, name="prime-contract"),
    path("<int:project_pk>/prime-contract/new/", views.prime_contract_form, name="prime-contract-new"),
    path(
        "<int:project_pk>/prime-contract/schedule-of-values.csv",
        views.schedule_of_values_csv,
        name="schedule-of-values-csv",
    ),
    path("prime-contracts/<int:pk>/edit/", views.prime_contract_form, name="prime-contract-edit"),
    path("prime-contracts/<int:contract_pk>/change-orders/new/", views.prime_change_order_form, name="pcco-new"),
    path("prime-change-orders/<int:pk>/edit/", views.prime_change_order_form, name="pcco-edit"),
    path("prime-contracts/<int:contract_pk>/invoices/new/", views.owner_invoice_form, name="invoice-new"),
    path("owner-invoices/<int:pk>/edit/", views.owner_invoice_form, name="invoice-edit"),
    path("owner-invoices/<int:pk>/pay-application/", views.pay_application, name="pay-application"),
    path("owner-invoices/<int:pk>/pay-application.pdf", views.pay_application_pdf, name="pay-application-pdf"),
]
