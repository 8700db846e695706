"""The demo company: a general contractor with three projects, its vendors, cost codes, budgets,
commitments, change orders and subcontractor invoices, and on the owner side a prime contract per project
with its change orders and monthly owner invoices, in every state of the accounting workflow.

Records are found by their natural keys (project numbers, company names, cost codes, commitment numbers,
...) and created only when missing, through `procore_sync.services.save_record` as the demo project
manager. Workflow states are reached through the real steps (`item_send`, `item_accept`, `item_reject`)
with the demo users as actors, and only for items that have no history yet, so loading twice changes
nothing and the history reads like a real one.
"""

from __future__ import annotations

import datetime
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model
from guardian.models import UserObjectPermission

from access import services as access_services
from access.tools import CAN_PUSH_TO_ACCOUNTING, PROJECT_TOOLS, Level, Tool, level_codename
from erp_integrations import services as erp
from erp_integrations.exportables import EXPORTABLE_TYPES
from erp_integrations.models import ErpEvent, ErpItem, ErpState
from procore_sync import models as ps
from procore_sync.money import money
from procore_sync.services import save_record
from qbxml import imports
from qbxml import services as qb_services
from qbxml.models import QbConnection

GENERAL_CONTRACTOR = "Sierra Ridge Constructors"

D = Decimal
date = datetime.date

DRAFT, PENDING, QUEUED, REJECTED = ErpState.DRAFT, ErpState.PENDING, ErpState.QUEUED, ErpState.REJECTED


# --- users -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    first_name: str
    last_name: str
    role: str
    superuser: bool = False
    levels: dict[Tool, Level] = field(default_factory=dict)
    push: bool = False


USERS = [
    DemoUser(
        "admin",
        "demo-admin-2026",
        "Alex",
        "Morgan",
        "Superuser: everything, and the admin site",
        superuser=True,
    ),
    DemoUser(
        "approver",
        "demo-approver-2026",
        "Priya",
        "Shah",
        "Accounting approver: Standard on ERP Integrations + Can Push to Accounting",
        levels={Tool.ERP_INTEGRATIONS: Level.STANDARD},
        push=True,
    ),
    DemoUser(
        "pm",
        "demo-pm-2026",
        "Marco",
        "Delgado",
        "Project manager: Admin on every project tool, company-wide",
        levels=dict.fromkeys(PROJECT_TOOLS, Level.ADMIN),
    ),
    DemoUser(
        "viewer",
        "demo-viewer-2026",
        "Jordan",
        "Lee",
        "Read Only on every project tool and on ERP Integrations",
        levels={**dict.fromkeys(PROJECT_TOOLS, Level.READ_ONLY), Tool.ERP_INTEGRATIONS: Level.READ_ONLY},
    ),
]


# --- the company list: CSI MasterFormat divisions and cost codes -------------------------------------

DIVISIONS: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "01",
        "General Requirements",
        [
            ("01-310", "Project Management and Coordination"),
            ("01-450", "Quality Control and Testing"),
            ("01-500", "Temporary Facilities and Controls"),
            ("01-740", "Cleaning and Waste Management"),
            ("01-910", "Contractor Contingency"),
        ],
    ),
    (
        "02",
        "Existing Conditions",
        [
            ("02-320", "Geotechnical Investigations"),
            ("02-410", "Demolition"),
            ("02-820", "Asbestos Remediation"),
        ],
    ),
    (
        "03",
        "Concrete",
        [
            ("03-100", "Concrete Forming and Accessories"),
            ("03-200", "Concrete Reinforcing"),
            ("03-300", "Cast-in-Place Concrete"),
            ("03-350", "Concrete Finishing"),
            ("03-400", "Precast Concrete"),
        ],
    ),
    (
        "04",
        "Masonry",
        [
            ("04-050", "Common Work Results for Masonry"),
            ("04-200", "Unit Masonry"),
            ("04-400", "Stone Assemblies"),
        ],
    ),
    (
        "05",
        "Metals",
        [
            ("05-120", "Structural Steel Framing"),
            ("05-310", "Steel Decking"),
            ("05-400", "Cold-Formed Metal Framing"),
            ("05-500", "Metal Fabrications"),
        ],
    ),
    (
        "06",
        "Wood, Plastics, and Composites",
        [
            ("06-100", "Rough Carpentry"),
            ("06-170", "Shop-Fabricated Structural Wood"),
            ("06-200", "Finish Carpentry"),
            ("06-400", "Architectural Woodwork"),
        ],
    ),
    (
        "07",
        "Thermal and Moisture Protection",
        [
            ("07-100", "Dampproofing and Waterproofing"),
            ("07-210", "Thermal Insulation"),
            ("07-500", "Membrane Roofing"),
            ("07-620", "Sheet Metal Flashing and Trim"),
            ("07-920", "Joint Sealants"),
        ],
    ),
    (
        "08",
        "Openings",
        [
            ("08-110", "Hollow Metal Doors and Frames"),
            ("08-140", "Wood Doors"),
            ("08-410", "Entrances and Storefronts"),
            ("08-510", "Metal Windows"),
            ("08-710", "Door Hardware"),
        ],
    ),
    (
        "09",
        "Finishes",
        [
            ("09-290", "Gypsum Board"),
            ("09-300", "Tiling"),
            ("09-510", "Acoustical Ceilings"),
            ("09-650", "Resilient Flooring"),
            ("09-680", "Carpeting"),
            ("09-910", "Painting"),
        ],
    ),
    (
        "10",
        "Specialties",
        [
            ("10-140", "Signage"),
            ("10-210", "Toilet Compartments"),
            ("10-280", "Toilet and Bath Accessories"),
            ("10-440", "Fire Protection Specialties"),
        ],
    ),
    (
        "14",
        "Conveying Equipment",
        [
            ("14-240", "Hydraulic Elevators"),
        ],
    ),
    (
        "21",
        "Fire Suppression",
        [
            ("21-130", "Fire-Suppression Sprinkler Systems"),
            ("21-300", "Fire Pumps"),
        ],
    ),
    (
        "22",
        "Plumbing",
        [
            ("22-110", "Facility Water Distribution"),
            ("22-130", "Facility Sanitary Sewerage"),
            ("22-340", "Fuel-Fired Domestic Water Heaters"),
            ("22-400", "Plumbing Fixtures"),
        ],
    ),
    (
        "23",
        "Heating, Ventilating, and Air Conditioning",
        [
            ("23-090", "Instrumentation and Control for HVAC"),
            ("23-310", "HVAC Ducts and Casings"),
            ("23-370", "Air Outlets and Inlets"),
            ("23-740", "Packaged Outdoor HVAC Equipment"),
        ],
    ),
    (
        "26",
        "Electrical",
        [
            ("26-050", "Common Work Results for Electrical"),
            ("26-240", "Switchboards and Panelboards"),
            ("26-320", "Packaged Generator Assemblies"),
            ("26-510", "Interior Lighting"),
            ("26-560", "Exterior Lighting"),
        ],
    ),
    (
        "31",
        "Earthwork",
        [
            ("31-100", "Site Clearing"),
            ("31-200", "Earth Moving"),
            ("31-230", "Excavation and Fill"),
            ("31-500", "Excavation Support and Protection"),
        ],
    ),
    (
        "32",
        "Exterior Improvements",
        [
            ("32-120", "Flexible Paving"),
            ("32-130", "Rigid Paving"),
            ("32-310", "Fences and Gates"),
            ("32-900", "Planting"),
        ],
    ),
    (
        "33",
        "Utilities",
        [
            ("33-100", "Water Utilities"),
            ("33-300", "Sanitary Sewerage Utilities"),
            ("33-400", "Storm Drainage Utilities"),
        ],
    ),
]

# Cost types by code (the company list the first migration loads).
LABOR, MATERIAL, SUBCONTRACT, OTHER = "L", "M", "S", "O"


# --- the directory ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCompany:
    name: str
    vendor_type: str
    contact_name: str
    phone: str
    email: str
    address_line1: str
    city: str
    postal_code: str
    state: str = "CA"
    country: str = "US"
    erp: str = DRAFT


SUB, SUPPLIER, OWNER = (
    ps.Company.VendorType.SUBCONTRACTOR,
    ps.Company.VendorType.SUPPLIER,
    ps.Company.VendorType.OWNER,
)

OWNERS = [
    DemoCompany(
        "Riverside Health Partners",
        OWNER,
        "Elaine Foster",
        "(916) 555-0101",
        "facilities@riversidehealth.example",
        "3100 Capitol Mall, Suite 400",
        "Sacramento",
        "95814",
    ),
    DemoCompany(
        "Putah Creek Unified School District",
        OWNER,
        "Raymond Ortiz",
        "(530) 555-0102",
        "construction@putahcreekusd.example",
        "600 Russell Boulevard",
        "Davis",
        "95616",
    ),
    DemoCompany(
        "Harbor View Residential LLC",
        OWNER,
        "Naomi Brandt",
        "(916) 555-0103",
        "nbrandt@harborviewres.example",
        "1215 K Street, Floor 17",
        "Sacramento",
        "95814",
    ),
]

VENDORS = [
    DemoCompany(
        "Bedrock Excavation & Grading",
        SUB,
        "Tom Hadley",
        "(916) 555-0111",
        "estimating@bedrockgrading.example",
        "4820 Power Inn Road",
        "Sacramento",
        "95826",
        erp=QUEUED,
    ),
    DemoCompany(
        "Keystone Concrete Contractors",
        SUB,
        "Luis Mendoza",
        "(916) 555-0112",
        "lmendoza@keystoneconcrete.example",
        "11290 Pyramid Place",
        "Rancho Cordova",
        "95670",
        erp=QUEUED,
    ),
    DemoCompany(
        "Summit Masonry Inc.",
        SUB,
        "Gail Pritchard",
        "(916) 555-0113",
        "office@summitmasonry.example",
        "2735 Ramco Street",
        "West Sacramento",
        "95691",
        erp=QUEUED,
    ),
    DemoCompany(
        "Ironclad Steel Erectors",
        SUB,
        "Dwayne Keller",
        "(209) 555-0114",
        "dkeller@ironcladsteel.example",
        "1650 Industrial Drive",
        "Stockton",
        "95206",
        erp=QUEUED,
    ),
    DemoCompany(
        "Apex Roofing & Waterproofing",
        SUB,
        "Kim Nguyen",
        "(916) 555-0115",
        "bids@apexroofing.example",
        "8521 Fruitridge Road",
        "Sacramento",
        "95826",
        erp=PENDING,
    ),
    DemoCompany(
        "Clearwater Plumbing",
        SUB,
        "Rob Castellano",
        "(916) 555-0116",
        "rob@clearwaterplumbing.example",
        "930 Galaxy Way",
        "Roseville",
        "95678",
    ),
    DemoCompany(
        "Cascade Mechanical Services",
        SUB,
        "Heather Lund",
        "(916) 555-0117",
        "hlund@cascademech.example",
        "3380 Swetzer Road",
        "Loomis",
        "95650",
        erp=QUEUED,
    ),
    DemoCompany(
        "Brightline Electric Co.",
        SUB,
        "Samir Haddad",
        "(916) 555-0118",
        "shaddad@brightlineelectric.example",
        "2101 Cemo Circle",
        "Gold River",
        "95670",
        erp=QUEUED,
    ),
    DemoCompany(
        "Precision Drywall & Acoustics",
        SUB,
        "Angela Rossi",
        "(916) 555-0119",
        "arossi@precisiondrywall.example",
        "7400 Roseville Road",
        "Sacramento",
        "95842",
    ),
    DemoCompany(
        "Valley Ready-Mix Supply",
        SUPPLIER,
        "Dispatch Desk",
        "(530) 555-0120",
        "dispatch@valleyreadymix.example",
        "18200 County Road 94B",
        "Woodland",
        "95695",
        erp=QUEUED,
    ),
    DemoCompany(
        "Northwest Lumber & Building Supply",
        SUPPLIER,
        "Carl Jensen",
        "(916) 555-0121",
        "contractor.sales@nwlumber.example",
        "5101 Florin Perkins Road",
        "Sacramento",
        "95826",
        erp=QUEUED,
    ),
    DemoCompany(
        "Metro Door & Hardware",
        SUPPLIER,
        "Felicia Grant",
        "(916) 555-0122",
        "quotes@metrodoor.example",
        "1440 Vanguard Drive",
        "Sacramento",
        "95815",
        erp=PENDING,
    ),
]


# --- projects, budgets, commitments ------------------------------------------------------------------

# A budget line: (cost code, cost type code, amount).
BudgetLine = tuple[str, str, str]
# A commitment line: (cost code, cost type code, description, amount); numbered 1, 2, ... in order.
SovLine = tuple[str, str, str, str]


@dataclass(frozen=True)
class DemoChangeOrder:
    number: str
    title: str
    date: datetime.date
    # ("line", n, description, amount) changes line n; ("new", code, type, description, amount) adds a line.
    lines: list[tuple[Any, ...]]
    erp: str = DRAFT


@dataclass(frozen=True)
class DemoInvoice:
    number: str
    period: tuple[datetime.date, datetime.date]
    invoice_date: datetime.date
    # (target, work completed, retainage held): target is a line number, or ("co", number, index) for a
    # new line added by a change order.
    lines: list[tuple[Any, str, str]]
    erp: str = DRAFT
    status: str = ps.SubcontractorInvoice.Status.APPROVED


@dataclass(frozen=True)
class DemoCommitment:
    number: str
    kind: str
    title: str
    vendor: str
    contract_date: datetime.date
    lines: list[SovLine]
    retainage: str = "10.00"
    status: str = ps.Commitment.Status.APPROVED
    description: str = ""
    change_orders: list[DemoChangeOrder] = field(default_factory=list)
    invoices: list[DemoInvoice] = field(default_factory=list)
    erp: str = DRAFT
    reject_reason: str = ""


@dataclass(frozen=True)
class DemoModification:
    number: int
    reason: str
    date: datetime.date
    # (cost code, cost type code, amount): the line of the budget it changes.
    lines: list[BudgetLine]
    erp: str = DRAFT


@dataclass(frozen=True)
class DemoProject:
    number: str
    name: str
    owner: str
    address_line1: str
    city: str
    postal_code: str
    start_date: datetime.date
    description: str
    budget: list[BudgetLine]
    commitments: list[DemoCommitment]
    modifications: list[DemoModification] = field(default_factory=list)
    state: str = "CA"
    country: str = "US"
    erp: str = DRAFT
    budget_erp: str = DRAFT
    owner_side: DemoOwnerSide | None = None


@dataclass(frozen=True)
class DemoOwnerInvoice:
    number: str
    month: tuple[int, int]  # (year, month) billed
    percent: str  # of each line's scheduled value billed this month
    erp: str = DRAFT
    release: bool = False  # the last billing: every retention held is released


@dataclass(frozen=True)
class DemoOwnerSide:
    """The prime contract of a project: its schedule of values is the budget with the contractor's fee, a
    change order raises the first line, and the owner is billed monthly."""

    number: str
    fee_percent: str
    erp: str
    change_order_erp: str
    invoices: list[DemoOwnerInvoice] = field(default_factory=list)


SC, PO = ps.Commitment.Kind.SUBCONTRACT, ps.Commitment.Kind.PURCHASE_ORDER

PROJECTS = [
    DemoProject(
        number="2025-014",
        name="Riverside Medical Office",
        owner="Riverside Health Partners",
        address_line1="1450 River Park Drive",
        city="Sacramento",
        postal_code="95815",
        start_date=date(2025, 9, 8),
        description="Three-storey, 48,000 sq ft medical office building on a steel frame, with an elevator "
        "and rooftop mechanical units.",
        erp=QUEUED,
        budget_erp=QUEUED,
        owner_side=DemoOwnerSide(
            "PC-14",
            "12.00",
            QUEUED,
            QUEUED,
            [
                DemoOwnerInvoice("PA-14-01", (2025, 11), "8.00", QUEUED),
                DemoOwnerInvoice("PA-14-02", (2025, 12), "12.00", PENDING),
                DemoOwnerInvoice("PA-14-03", (2026, 1), "15.00"),
            ],
        ),
        budget=[
            ("01-310", LABOR, "285000.00"),
            ("01-500", OTHER, "96000.00"),
            ("01-910", OTHER, "150000.00"),
            ("03-100", SUBCONTRACT, "190000.00"),
            ("03-200", SUBCONTRACT, "145000.00"),
            ("03-300", SUBCONTRACT, "480000.00"),
            ("03-300", MATERIAL, "100000.00"),
            ("03-350", SUBCONTRACT, "66000.00"),
            ("05-120", SUBCONTRACT, "625000.00"),
            ("05-310", SUBCONTRACT, "150000.00"),
            ("05-500", SUBCONTRACT, "80000.00"),
            ("07-500", SUBCONTRACT, "310000.00"),
            ("09-290", SUBCONTRACT, "420000.00"),
            ("14-240", SUBCONTRACT, "165000.00"),
            ("22-110", SUBCONTRACT, "265000.00"),
            ("23-090", SUBCONTRACT, "100000.00"),
            ("23-310", SUBCONTRACT, "430000.00"),
            ("23-740", SUBCONTRACT, "370000.00"),
            ("26-050", SUBCONTRACT, "540000.00"),
            ("31-230", SUBCONTRACT, "120000.00"),
        ],
        modifications=[
            DemoModification(
                1,
                "Rock at the elevator pit, per geotechnical report addendum 2; funded from contingency",
                date(2026, 1, 20),
                [("01-910", OTHER, "-18500.00"), ("31-230", SUBCONTRACT, "18500.00")],
                erp=PENDING,
            ),
        ],
        commitments=[
            DemoCommitment(
                "SC-14-001",
                SC,
                "Cast-in-place concrete",
                "Keystone Concrete Contractors",
                date(2025, 9, 22),
                [
                    ("03-100", SUBCONTRACT, "Formwork for footings, walls and slabs", "185000.00"),
                    ("03-200", SUBCONTRACT, "Reinforcing steel, furnish and install", "142000.00"),
                    ("03-300", SUBCONTRACT, "Place concrete, footings through slab on grade", "468000.00"),
                    ("03-350", SUBCONTRACT, "Slab finishing and curing", "64500.00"),
                ],
                erp=QUEUED,
                change_orders=[
                    DemoChangeOrder(
                        "001",
                        "Deepened footings at grid C-4",
                        date(2025, 11, 14),
                        [
                            ("line", 3, "Deepened footings at grid C-4 per RFI 012", "18750.00"),
                            ("line", 2, "Added dowels at deepened footings", "6200.00"),
                        ],
                        erp=QUEUED,
                    ),
                ],
                invoices=[
                    DemoInvoice(
                        "KCC-2041",
                        (date(2025, 11, 1), date(2025, 11, 30)),
                        date(2025, 12, 1),
                        [(1, "96000.00", "9600.00"), (2, "72000.00", "7200.00"), (3, "118000.00", "11800.00")],
                        erp=QUEUED,
                    ),
                    DemoInvoice(
                        "KCC-2067",
                        (date(2025, 12, 1), date(2025, 12, 31)),
                        date(2026, 1, 2),
                        [
                            (1, "62000.00", "6200.00"),
                            (2, "58000.00", "5800.00"),
                            (3, "205000.00", "20500.00"),
                            (4, "18000.00", "1800.00"),
                        ],
                        erp=PENDING,
                    ),
                    DemoInvoice(
                        "KCC-2090",
                        (date(2026, 1, 1), date(2026, 1, 31)),
                        date(2026, 2, 2),
                        [(3, "150000.00", "15000.00"), (4, "30000.00", "3000.00")],
                        status=ps.SubcontractorInvoice.Status.UNDER_REVIEW,
                    ),
                ],
            ),
            DemoCommitment(
                "SC-14-002",
                SC,
                "Structural steel and metal deck",
                "Ironclad Steel Erectors",
                date(2025, 10, 6),
                [
                    ("05-120", SUBCONTRACT, "Structural steel framing, furnish and erect", "612000.00"),
                    ("05-310", SUBCONTRACT, "Composite floor and roof deck", "148000.00"),
                    ("05-500", SUBCONTRACT, "Miscellaneous metals, stairs and rails", "56000.00"),
                ],
                erp=QUEUED,
                change_orders=[
                    DemoChangeOrder(
                        "001",
                        "Rooftop unit dunnage and screen",
                        date(2026, 1, 9),
                        [("new", "05-500", SUBCONTRACT, "Rooftop mechanical dunnage and screen framing", "23400.00")],
                        erp=PENDING,
                    ),
                ],
                invoices=[
                    DemoInvoice(
                        "ISE-1183",
                        (date(2026, 1, 1), date(2026, 1, 31)),
                        date(2026, 2, 3),
                        [
                            (1, "240000.00", "24000.00"),
                            (2, "36000.00", "3600.00"),
                            (("co", "001", 1), "11700.00", "1170.00"),
                        ],
                        erp=PENDING,
                    ),
                ],
            ),
            DemoCommitment(
                "SC-14-003",
                SC,
                "HVAC systems",
                "Cascade Mechanical Services",
                date(2025, 10, 20),
                [
                    ("23-310", SUBCONTRACT, "Ductwork, furnish and install", "420000.00"),
                    ("23-740", SUBCONTRACT, "Packaged rooftop units", "365000.00"),
                    ("23-090", SUBCONTRACT, "Building automation controls", "98000.00"),
                ],
                erp=REJECTED,
                reject_reason="Retainage on this subcontract is 5% (article 7 of the signed agreement), not 10%. "
                "Please correct the retainage and send it again.",
            ),
            DemoCommitment(
                "PO-14-001",
                PO,
                "Ready-mix concrete",
                "Valley Ready-Mix Supply",
                date(2025, 10, 1),
                [("03-300", MATERIAL, "4000 psi ready-mix, approx. 520 CY, delivered", "96500.00")],
                retainage="0.00",
                erp=QUEUED,
                invoices=[
                    DemoInvoice(
                        "VRM-55012",
                        (date(2025, 11, 1), date(2025, 11, 30)),
                        date(2025, 12, 5),
                        [(1, "38400.00", "0.00")],
                        erp=QUEUED,
                    ),
                ],
            ),
        ],
    ),
    DemoProject(
        number="2025-027",
        name="Oak Street Elementary Addition",
        owner="Putah Creek Unified School District",
        address_line1="2200 Oak Street",
        city="Davis",
        postal_code="95616",
        start_date=date(2025, 8, 11),
        description="Single-storey classroom wing of 14,500 sq ft in reinforced masonry, with site work and "
        "storm drainage, built while the school stays open.",
        erp=QUEUED,
        budget_erp=PENDING,
        owner_side=DemoOwnerSide(
            "PC-09",
            "10.00",
            QUEUED,
            PENDING,
            [
                DemoOwnerInvoice("PA-09-01", (2025, 9), "20.00", QUEUED),
                DemoOwnerInvoice("PA-09-02", (2025, 10), "25.00", REJECTED),
            ],
        ),
        budget=[
            ("01-310", LABOR, "180000.00"),
            ("01-500", OTHER, "64000.00"),
            ("01-910", OTHER, "90000.00"),
            ("03-300", SUBCONTRACT, "310000.00"),
            ("04-200", SUBCONTRACT, "395000.00"),
            ("06-100", LABOR, "62000.00"),
            ("06-100", MATERIAL, "45000.00"),
            ("08-110", SUBCONTRACT, "88000.00"),
            ("09-510", SUBCONTRACT, "74000.00"),
            ("09-650", SUBCONTRACT, "96000.00"),
            ("10-210", SUBCONTRACT, "28000.00"),
            ("21-130", SUBCONTRACT, "118000.00"),
            ("26-050", SUBCONTRACT, "210000.00"),
            ("26-240", SUBCONTRACT, "64000.00"),
            ("26-510", SUBCONTRACT, "142000.00"),
            ("31-100", SUBCONTRACT, "40000.00"),
            ("31-230", SUBCONTRACT, "220000.00"),
            ("32-120", SUBCONTRACT, "35000.00"),
            ("33-400", SUBCONTRACT, "78000.00"),
        ],
        modifications=[
            DemoModification(
                1,
                "LED fixture upgrade in classrooms requested by the district; funded from contingency",
                date(2026, 2, 4),
                [("01-910", OTHER, "-12400.00"), ("26-510", SUBCONTRACT, "12400.00")],
            ),
        ],
        commitments=[
            DemoCommitment(
                "SC-27-001",
                SC,
                "Earthwork and site utilities",
                "Bedrock Excavation & Grading",
                date(2025, 8, 18),
                [
                    ("31-100", SUBCONTRACT, "Clearing and grubbing", "38000.00"),
                    ("31-230", SUBCONTRACT, "Mass excavation, fill and compaction", "212000.00"),
                    ("33-400", SUBCONTRACT, "Storm drain piping and inlets", "74000.00"),
                ],
                erp=QUEUED,
                change_orders=[
                    DemoChangeOrder(
                        "001",
                        "Unsuitable soil and street patch",
                        date(2025, 10, 30),
                        [
                            ("line", 2, "Over-excavate and replace unsuitable soil, 370 CY", "14800.00"),
                            ("new", "32-120", SUBCONTRACT, "Asphalt patch at Oak Street utility trench", "6250.00"),
                        ],
                    ),
                ],
                invoices=[
                    DemoInvoice(
                        "BEG-0398",
                        (date(2025, 9, 1), date(2025, 9, 30)),
                        date(2025, 10, 2),
                        [(1, "38000.00", "3800.00"), (2, "96000.00", "9600.00")],
                        erp=QUEUED,
                    ),
                    DemoInvoice(
                        "BEG-0412",
                        (date(2025, 10, 1), date(2025, 10, 31)),
                        date(2025, 11, 3),
                        [(2, "88000.00", "8800.00"), (3, "30000.00", "3000.00")],
                        erp=PENDING,
                    ),
                ],
            ),
            DemoCommitment(
                "SC-27-002",
                SC,
                "CMU walls and brick veneer",
                "Summit Masonry Inc.",
                date(2025, 9, 29),
                [
                    ("04-200", SUBCONTRACT, "Reinforced CMU walls, grouted solid", "318000.00"),
                    ("04-200", SUBCONTRACT, "Brick veneer at the main entry", "68500.00"),
                ],
                erp=PENDING,
            ),
            DemoCommitment(
                "SC-27-003",
                SC,
                "Electrical",
                "Brightline Electric Co.",
                date(2025, 10, 13),
                [
                    ("26-050", SUBCONTRACT, "Power distribution and branch wiring", "198000.00"),
                    ("26-240", SUBCONTRACT, "Switchboard and panelboards", "61500.00"),
                    ("26-510", SUBCONTRACT, "Interior lighting, furnish and install", "136000.00"),
                ],
                status=ps.Commitment.Status.OUT_FOR_SIGNATURE,
            ),
            DemoCommitment(
                "PO-27-001",
                PO,
                "Framing lumber and sheathing",
                "Northwest Lumber & Building Supply",
                date(2025, 10, 27),
                [
                    ("06-100", MATERIAL, "Framing lumber package", "31600.00"),
                    ("06-100", MATERIAL, "Roof sheathing, 5/8 in. CDX plywood", "9850.00"),
                ],
                retainage="0.00",
                erp=QUEUED,
                invoices=[
                    DemoInvoice(
                        "NWL-88231",
                        (date(2025, 11, 1), date(2025, 11, 30)),
                        date(2025, 12, 1),
                        [(1, "31600.00", "0.00")],
                        status=ps.SubcontractorInvoice.Status.UNDER_REVIEW,
                    ),
                ],
            ),
        ],
    ),
    DemoProject(
        number="2026-003",
        name="Harbor View Apartments",
        owner="Harbor View Residential LLC",
        address_line1="800 Harbor Boulevard",
        city="West Sacramento",
        postal_code="95691",
        start_date=date(2026, 3, 2),
        description="Four-storey, 96-unit wood-frame apartment building over a concrete podium, with surface parking.",
        erp=PENDING,
        owner_side=DemoOwnerSide("PC-22", "9.50", PENDING, DRAFT),
        budget=[
            ("01-310", LABOR, "320000.00"),
            ("01-910", OTHER, "250000.00"),
            ("03-300", SUBCONTRACT, "720000.00"),
            ("06-100", SUBCONTRACT, "1150000.00"),
            ("07-100", SUBCONTRACT, "36000.00"),
            ("07-210", SUBCONTRACT, "140000.00"),
            ("07-500", SUBCONTRACT, "285000.00"),
            ("08-140", MATERIAL, "96000.00"),
            ("08-710", MATERIAL, "48000.00"),
            ("09-290", SUBCONTRACT, "610000.00"),
            ("09-910", SUBCONTRACT, "230000.00"),
            ("22-400", SUBCONTRACT, "410000.00"),
            ("23-740", SUBCONTRACT, "520000.00"),
            ("26-050", SUBCONTRACT, "680000.00"),
            ("31-230", SUBCONTRACT, "260000.00"),
            ("32-120", SUBCONTRACT, "190000.00"),
        ],
        commitments=[
            DemoCommitment(
                "SC-03-001",
                SC,
                "Roofing and waterproofing",
                "Apex Roofing & Waterproofing",
                date(2026, 2, 16),
                [
                    ("07-500", SUBCONTRACT, "TPO membrane roofing with tapered insulation", "248000.00"),
                    ("07-100", SUBCONTRACT, "Below-grade waterproofing at the podium", "34500.00"),
                ],
                erp=PENDING,
            ),
            DemoCommitment(
                "PO-03-001",
                PO,
                "Doors, frames and hardware",
                "Metro Door & Hardware",
                date(2026, 3, 2),
                [
                    ("08-140", MATERIAL, "Unit entry doors, solid core, 20-minute rated", "61200.00"),
                    ("08-710", MATERIAL, "Door hardware sets", "44750.00"),
                ],
                retainage="0.00",
                status=ps.Commitment.Status.DRAFT,
            ),
        ],
    ),
]


# --- loading ---------------------------------------------------------------------------------------

# A record, the workflow state the demo leaves it in, and the reason when that state is "rejected".
WorkflowEntry = tuple[Model, str, str]


# --- payroll time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoEmployee:
    name: str
    payroll_item: str


EMPLOYEES = [
    DemoEmployee("Marcus Reyes", "Hourly Rate"),
    DemoEmployee("Dana Whitfield", "Hourly Rate"),
    DemoEmployee("Luis Ortega", "Hourly Rate"),
]


@dataclass(frozen=True)
class DemoTimeEntry:
    employee: str
    project: str
    cost_code: str
    day: int  # 0 for the Monday of the demo week
    hours: str
    erp: ErpState = QUEUED
    payroll_item: str = ""  # "" for the employee's own
    billable: bool = False
    notes: str = ""


# The crews' week on the two projects in QuickBooks: accepted for the payroll file, but for the last two days
# of one employee, entered and not sent yet.
TIME_WEEK = date(2025, 12, 1)
TIME_ENTRIES = [
    *[
        DemoTimeEntry(
            "Marcus Reyes",
            "2025-014",
            "03-300",
            day,
            "8.00",
            notes="Slab on grade, level 1\npour 2 of 3" if day == 0 else "",
        )
        for day in range(5)
    ],
    *[
        DemoTimeEntry("Dana Whitfield", "2025-014", "01-310", day, "9.50" if day < 4 else "6.00", billable=True)
        for day in range(5)
    ],
    DemoTimeEntry("Dana Whitfield", "2025-014", "01-310", 1, "1.50", payroll_item="Overtime Rate", billable=True),
    *[
        DemoTimeEntry(
            "Luis Ortega",
            "2025-027",
            "03-300",
            day,
            "7.75",
            erp=QUEUED if day < 3 else DRAFT,
            notes='Set 3/4" anchor bolts\tgrid B' if day == 2 else "",
        )
        for day in range(5)
    ],
]


@dataclass
class LoadResult:
    created: Counter[str] = field(default_factory=Counter)
    steps: int = 0
    users_changed: list[str] = field(default_factory=list)


class _Loader:
    def __init__(self) -> None:
        self.result = LoadResult()
        self.users: dict[str, Any] = {}
        self.cost_codes: dict[str, ps.CostCode] = {}
        self.cost_types: dict[str, ps.CostType] = {}
        self.companies: dict[str, ps.Company] = {}
        # (record, target state, reject reason), in the order their dependencies need.
        self.workflow: list[WorkflowEntry] = []

    @property
    def pm(self) -> Any:
        return self.users["pm"]

    @property
    def approver(self) -> Any:
        return self.users["approver"]

    def _save(self, model: type[Model], fields: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> Any:
        record = save_record(self.pm, model, fields, lines)
        self.result.created[str(model._meta.verbose_name_plural)] += 1
        return record

    def quickbooks_connection(self) -> None:
        """The company file the simulated Web Connector syncs with (its password reset to the demo one)."""
        connection = QbConnection.objects.filter(name=DEMO_CONNECTION).first()
        if connection is None:
            connection = qb_services.connection_create(
                None,
                name=DEMO_CONNECTION,
                username=DEMO_CONNECTION_USER,
                password=DEMO_CONNECTION_PASSWORD,
                is_default=True,
            )
            # The first session reads what the company file already holds, for Ready to Import.
            imports.refresh(None, connection, imports.LISTS)
            self.result.created["QuickBooks connections"] += 1
        elif not connection.check_password(DEMO_CONNECTION_PASSWORD):
            qb_services.connection_set_password(None, connection, DEMO_CONNECTION_PASSWORD)

    # users

    def users_and_roles(self) -> None:
        user_model = get_user_model()
        existing = {user.username: user for user in user_model.objects.filter(username__in=[u.username for u in USERS])}
        new_passwords = _password_hashes(existing)
        for spec in USERS:
            user, created = user_model.objects.get_or_create(
                username=spec.username,
                defaults={
                    "first_name": spec.first_name,
                    "last_name": spec.last_name,
                    "email": f"{spec.username}@example.com",
                },
            )
            changed = created
            for name, value in (("is_superuser", spec.superuser), ("is_staff", spec.superuser), ("is_active", True)):
                if getattr(user, name) != value:
                    setattr(user, name, value)
                    changed = True
            if spec.username in new_passwords:
                user.password = new_passwords[spec.username]
                changed = True
            if changed:
                user.save()
            # Exactly the demo role: no group and no per-project grant may add to it.
            if user.groups.exists():
                user.groups.clear()
                changed = True
            if UserObjectPermission.objects.filter(user=user).exists():
                UserObjectPermission.objects.filter(user=user).delete()
                changed = True
            changed |= self._set_levels(user, spec)
            if changed:
                self.result.users_changed.append(spec.username)
            self.users[spec.username] = user_model.objects.get(pk=user.pk)

    def _set_levels(self, user: User, spec: DemoUser) -> bool:
        granted = set(user.user_permissions.values_list("codename", flat=True))
        changed = False
        for tool in Tool:
            level = spec.levels.get(tool, Level.NONE)
            held = {level_codename(tool, lvl) for lvl in Level if lvl is not Level.NONE} & granted
            wanted = set() if level is Level.NONE else {level_codename(tool, level)}
            if held != wanted:
                access_services.grant(user, tool, level)
                changed = True
        if (CAN_PUSH_TO_ACCOUNTING in granted) != spec.push:
            access_services.set_push_privilege(user, spec.push)
            changed = True
        return changed

    # company lists

    def cost_codes_and_types(self) -> None:
        self.cost_types = {cost_type.code: cost_type for cost_type in ps.CostType.objects.all()}
        for code, name in (
            (LABOR, "Labor"),
            (MATERIAL, "Material"),
            (SUBCONTRACT, "Subcontract"),
            (OTHER, "Other"),
        ):
            if code not in self.cost_types:
                self.cost_types[code] = self._save(ps.CostType, {"code": code, "name": name})
        existing = {cost_code.code: cost_code for cost_code in ps.CostCode.objects.all()}
        for division_code, division_name, codes in DIVISIONS:
            # Divisions are a plain list with no workflow: no service writes them.
            division, created = ps.Division.objects.get_or_create(code=division_code, defaults={"name": division_name})
            if created:
                self.result.created["divisions"] += 1
            for code, description in codes:
                if code not in existing:
                    existing[code] = self._save(
                        ps.CostCode, {"code": code, "description": description, "division": division}
                    )
                self.cost_codes[code] = existing[code]

    def directory(self) -> None:
        for spec in [*OWNERS, *VENDORS]:
            company = ps.Company.objects.filter(name__iexact=spec.name).first()
            if company is None:
                company = self._save(
                    ps.Company,
                    {
                        "name": spec.name,
                        "vendor_type": spec.vendor_type,
                        "contact_name": spec.contact_name,
                        "phone": spec.phone,
                        "email": spec.email,
                        "address_line1": spec.address_line1,
                        "city": spec.city,
                        "state": spec.state,
                        "postal_code": spec.postal_code,
                        "country": spec.country,
                    },
                )
            self.companies[spec.name] = company

    # project records

    def projects(self) -> None:
        project_items: list[WorkflowEntry] = []
        budget_items: list[WorkflowEntry] = []
        other_items: list[WorkflowEntry] = []
        for spec in PROJECTS:
            project = ps.Project.objects.filter(number=spec.number).first()
            if project is None:
                project = self._save(
                    ps.Project,
                    {
                        "number": spec.number,
                        "name": spec.name,
                        "owner": self.companies[spec.owner],
                        "address_line1": spec.address_line1,
                        "city": spec.city,
                        "state": spec.state,
                        "postal_code": spec.postal_code,
                        "country": spec.country,
                        "start_date": spec.start_date,
                        "description": spec.description,
                    },
                )
            project_items.append((project, spec.erp, ""))
            budget = self._budget(project, spec)
            budget_items.append((budget, spec.budget_erp, ""))
            for modification in spec.modifications:
                other_items.append((self._modification(budget, modification), modification.erp, ""))
            for commitment_spec in spec.commitments:
                commitment = self._commitment(project, commitment_spec)
                other_items.append((commitment, commitment_spec.erp, commitment_spec.reject_reason))
                for change_order_spec in commitment_spec.change_orders:
                    change_order = self._change_order(commitment, change_order_spec)
                    other_items.append((change_order, change_order_spec.erp, ""))
                for invoice_spec in commitment_spec.invoices:
                    invoice = self._invoice(commitment, invoice_spec)
                    other_items.append((invoice, invoice_spec.erp, ""))
            if spec.owner_side is not None:
                other_items.extend(self._owner_side(project, budget, spec.owner_side))
        # Budgets before modifications, commitments before their change orders and invoices.
        self.workflow.extend(project_items)
        self.workflow.extend(budget_items)
        self.workflow.extend(sorted(other_items, key=lambda entry: _WORKFLOW_ORDER[type(entry[0])]))

    def _budget(self, project: ps.Project, spec: DemoProject) -> ps.Budget:
        budget = ps.Budget.objects.filter(project=project).first()
        if budget is not None:
            return budget
        lines = [
            {"cost_code": self.cost_codes[code], "cost_type": self.cost_types[kind], "original_amount": D(amount)}
            for code, kind, amount in spec.budget
        ]
        return self._save(ps.Budget, {"project": project, "is_locked": True}, lines)

    def _modification(self, budget: ps.Budget, spec: DemoModification) -> ps.BudgetModification:
        modification = ps.BudgetModification.objects.filter(budget=budget, number=spec.number).first()
        if modification is not None:
            return modification
        lines = [
            {
                "budget_line": budget.lines.get(cost_code=self.cost_codes[code], cost_type=self.cost_types[kind]),
                "amount": D(amount),
            }
            for code, kind, amount in spec.lines
        ]
        fields = {"budget": budget, "number": spec.number, "reason": spec.reason, "date": spec.date}
        return self._save(ps.BudgetModification, fields, lines)

    def _commitment(self, project: ps.Project, spec: DemoCommitment) -> ps.Commitment:
        commitment = ps.Commitment.objects.filter(project=project, number=spec.number).first()
        if commitment is not None:
            return commitment
        lines = [
            {
                "line_number": number,
                "cost_code": self.cost_codes[code],
                "cost_type": self.cost_types[kind],
                "description": description,
                "amount": D(amount),
            }
            for number, (code, kind, description, amount) in enumerate(spec.lines, start=1)
        ]
        fields = {
            "project": project,
            "kind": spec.kind,
            "number": spec.number,
            "title": spec.title,
            "vendor": self.companies[spec.vendor],
            "status": spec.status,
            "default_retainage_percent": D(spec.retainage),
            "contract_date": spec.contract_date,
            "description": spec.description,
        }
        return self._save(ps.Commitment, fields, lines)

    def _change_order(self, commitment: ps.Commitment, spec: DemoChangeOrder) -> ps.CommitmentChangeOrder:
        change_order = ps.CommitmentChangeOrder.objects.filter(commitment=commitment, number=spec.number).first()
        if change_order is not None:
            return change_order
        lines: list[dict[str, Any]] = []
        for line in spec.lines:
            if line[0] == "line":
                _, number, description, amount = line
                target = commitment.lines.get(line_number=number)
                lines.append({"commitment_line": target, "description": description, "amount": D(amount)})
            else:
                _, code, kind, description, amount = line
                lines.append(
                    {
                        "cost_code": self.cost_codes[code],
                        "cost_type": self.cost_types[kind],
                        "description": description,
                        "amount": D(amount),
                    }
                )
        fields = {"commitment": commitment, "number": spec.number, "title": spec.title, "date": spec.date}
        return self._save(ps.CommitmentChangeOrder, fields, lines)

    def _invoice(self, commitment: ps.Commitment, spec: DemoInvoice) -> ps.SubcontractorInvoice:
        invoice = ps.SubcontractorInvoice.objects.filter(commitment=commitment, number=spec.number).first()
        if invoice is not None:
            return invoice
        lines: list[dict[str, Any]] = []
        for target, work, held in spec.lines:
            if isinstance(target, tuple):
                _, change_order_number, index = target
                change_order = commitment.change_orders.get(number=change_order_number)
                where: dict[str, Any] = {"change_order_line": list(change_order.lines.all())[index - 1]}
            else:
                where = {"commitment_line": commitment.lines.get(line_number=target)}
            lines.append({**where, "work_completed_this_period": D(work), "retainage_held": D(held)})
        fields = {
            "commitment": commitment,
            "number": spec.number,
            "billing_period_start": spec.period[0],
            "billing_period_end": spec.period[1],
            "invoice_date": spec.invoice_date,
            "status": spec.status,
        }
        return self._save(ps.SubcontractorInvoice, fields, lines)

    def _owner_side(self, project: ps.Project, budget: ps.Budget, spec: DemoOwnerSide) -> list[WorkflowEntry]:
        """The project's prime contract (its budget lines with the fee), a change order raising its first
        line, and its monthly invoices with the contract's retention held, all of it released on the last."""
        contract = ps.PrimeContract.objects.filter(project=project).first()
        if contract is None:
            fee = D(spec.fee_percent) / 100
            lines = [
                {
                    "line_number": number,
                    "cost_code": line.cost_code,
                    "cost_type": line.cost_type,
                    "description": line.cost_code.description,
                    "amount": money(line.original_amount * (1 + fee)),
                }
                for number, line in enumerate(budget.lines.order_by("id"), start=1)
            ]
            contract = self._save(
                ps.PrimeContract,
                {
                    "project": project,
                    "owner": project.owner,
                    "number": spec.number,
                    "title": project.name,
                    "status": ps.PrimeContract.Status.APPROVED,
                    "contract_date": project.start_date,
                    "start_date": project.start_date,
                },
                lines,
            )
        entries: list[WorkflowEntry] = [(contract, spec.erp, "")]
        change_order = contract.change_orders.filter(number="001").first()
        first = contract.lines.get(line_number=1)
        if change_order is None:
            change_order = self._save(
                ps.PrimeContractChangeOrder,
                {
                    "prime_contract": contract,
                    "number": "001",
                    "title": "Owner-requested upgrades",
                    "date": (project.start_date or date(2026, 1, 1)) + datetime.timedelta(days=45),
                },
                [{"contract_line": first, "amount": money(first.amount / 20), "description": "Upgraded finishes"}],
            )
        entries.append((change_order, spec.change_order_erp, ""))
        reasons: dict[str, str] = {
            REJECTED: "Billed the whole month's concrete: the pour at level 2 slipped into next month."
        }
        for invoice_spec in spec.invoices:
            invoice = contract.invoices.filter(number=invoice_spec.number).first()
            if invoice is None:
                invoice = self._owner_invoice(contract, invoice_spec)
            entries.append((invoice, invoice_spec.erp, reasons.get(invoice_spec.erp, "")))
        return entries

    def _owner_invoice(self, contract: ps.PrimeContract, spec: DemoOwnerInvoice) -> ps.OwnerInvoice:
        year, month = spec.month
        start = date(year, month, 1)
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        share = D(spec.percent) / 100
        lines = []
        for line in contract.lines.order_by("line_number"):
            work = money(line.amount * share)
            held_before = sum((held.retention_held for held in line.invoice_lines.all()), D("0.00"))
            held = money(work * line.effective_retention_percent / 100)
            lines.append(
                {
                    "contract_line": line,
                    "work_completed_this_period": work,
                    "retention_held": held,
                    "retention_released": held_before + held if spec.release else D("0.00"),
                }
            )
        return self._save(
            ps.OwnerInvoice,
            {
                "prime_contract": contract,
                "number": spec.number,
                "billing_period_start": start,
                "billing_period_end": end,
                "invoice_date": end,
                "status": ps.OwnerInvoice.Status.APPROVED,
            },
            lines,
        )

    # the workflow

    def payroll(self) -> list[WorkflowEntry]:
        """The employees (accepted: QuickBooks adds them) and their week of time entries."""
        employees: dict[str, ps.Employee] = {}
        entries: list[WorkflowEntry] = []
        for spec in EMPLOYEES:
            employee = ps.Employee.objects.filter(name__iexact=spec.name).first()
            if employee is None:
                employee = self._save(ps.Employee, {"name": spec.name, "default_payroll_item": spec.payroll_item})
            employees[spec.name] = employee
            entries.append((employee, QUEUED, ""))
        for entry_spec in TIME_ENTRIES:
            employee = employees[entry_spec.employee]
            project = ps.Project.objects.get(number=entry_spec.project)
            fields = {
                "employee": employee,
                "date": TIME_WEEK + datetime.timedelta(days=entry_spec.day),
                "project": project,
                "cost_code": self.cost_codes[entry_spec.cost_code],
                "cost_type": self.cost_types[LABOR],
                "payroll_item": entry_spec.payroll_item or employee.default_payroll_item,
            }
            entry = ps.TimeEntry.objects.filter(**fields).first()
            if entry is None:
                entry = self._save(
                    ps.TimeEntry,
                    {
                        **fields,
                        "hours": D(entry_spec.hours),
                        "billable": entry_spec.billable,
                        "notes": entry_spec.notes,
                    },
                )
            entries.append((entry, entry_spec.erp, ""))
        return entries

    def cost_code_workflow(self) -> list[WorkflowEntry]:
        """Cost codes on the lines of projects that go further are accepted; the newest project's are sent."""
        accepted: set[str] = set()
        sent: set[str] = set()
        for spec in PROJECTS:
            codes = {line[0] for line in spec.budget}
            for commitment in spec.commitments:
                codes |= {line[0] for line in commitment.lines}
                for change_order in commitment.change_orders:
                    codes |= {line[1] for line in change_order.lines if line[0] == "new"}
            (accepted if spec.erp == QUEUED else sent).update(codes)
        entries: list[WorkflowEntry] = []
        for code in sorted(accepted | sent):
            entries.append((self.cost_codes[code], QUEUED if code in accepted else PENDING, ""))
        return entries

    def vendor_workflow(self) -> list[WorkflowEntry]:
        return [(self.companies[spec.name], spec.erp, "") for spec in [*OWNERS, *VENDORS]]

    def drive(self, entries: list[WorkflowEntry]) -> None:
        """Take each item without history to its demo state, through the real steps and the demo users."""
        for record, target, reason in entries:
            if target == DRAFT or _has_history(record):
                continue
            erp.item_send(record, self.pm)
            self.result.steps += 1
            if target == QUEUED:
                erp.item_accept(record, self.approver)
                self.result.steps += 1
            elif target == REJECTED:
                erp.item_reject(record, self.approver, reason)
                self.result.steps += 1


_WORKFLOW_ORDER: dict[type[Model], int] = {
    ps.BudgetModification: 0,
    ps.Commitment: 1,
    ps.CommitmentChangeOrder: 2,
    ps.SubcontractorInvoice: 3,
    ps.PrimeContract: 4,
    ps.PrimeContractChangeOrder: 5,
    ps.OwnerInvoice: 6,
}


def _password_hashes(existing: dict[str, Any]) -> dict[str, str]:
    """The new password hash of each demo user whose password is not its demo password.

    A password hash is slow on purpose (about 0.4 s each). The hash functions release the GIL, so the
    checks and the new hashes run in threads; they touch no database.
    """

    def new_hash(spec: DemoUser) -> str | None:
        user = existing.get(spec.username)
        if user is not None and check_password(spec.password, user.password):
            return None
        return make_password(spec.password)

    with ThreadPoolExecutor(max_workers=len(USERS)) as pool:
        hashes = dict(zip([spec.username for spec in USERS], pool.map(new_hash, USERS), strict=True))
    return {username: encoded for username, encoded in hashes.items() if encoded is not None}


def _has_history(record: Model) -> bool:
    content_type = ContentType.objects.get_for_model(type(record))
    return ErpEvent.objects.filter(item__content_type=content_type, item__object_id=record.pk).exists()


def load() -> LoadResult:
    """Load the demo company, creating only what is missing. Safe to run any number of times."""
    loader = _Loader()
    with transaction.atomic():
        loader.users_and_roles()
        loader.cost_codes_and_types()
        loader.directory()
        loader.projects()
        loader.drive(loader.cost_code_workflow())
        loader.drive(loader.vendor_workflow())
        loader.drive(loader.workflow)
        # After the projects and cost codes their accepting waits for.
        loader.drive(loader.payroll())
        loader.quickbooks_connection()
    return loader.result


DEMO_CONNECTION = "Demo company file"
DEMO_CONNECTION_USER = "qbwc"
DEMO_CONNECTION_PASSWORD = "demo-qbwc-2026"  # noqa: S105 - public, like the demo users' passwords


def state_counts() -> dict[str, int]:
    """How many exportable records are in each workflow state, for the summary.

    A record that was never sent may have no workflow item at all: it counts as a draft.
    """
    counts = Counter(
        ErpItem.objects.filter(record_deleted_at__isnull=True)
        .exclude(state=ErpState.DRAFT)
        .values_list("state", flat=True)
    )
    records = sum(spec.model._default_manager.count() for spec in EXPORTABLE_TYPES.values())
    counts[ErpState.DRAFT.value] = records - sum(counts.values())
    return {state.value: counts.get(state.value, 0) for state in ErpState}
