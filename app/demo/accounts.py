"""Demo sign-in accounts, one per role, so a fresh `make run` can be explored.

Their passwords (issue 20: five accounts whose password is in the README must
never be reachable from the network):

- ``make run`` on this machine only (HOST 127.0.0.1, the default) gives them
  the published password :data:`PASSWORD` (``--published-password``), which
  `make run` and README.md print;
- everywhere else (``make run HOST=0.0.0.0``, the Docker image with
  ``GRIDMAP_LOAD_DEMO=1``, a plain ``flask demo load``) each gets a random
  password, printed once; and before serving beyond this machine `make run`
  replaces the published password of any demo account that still has it
  (``flask demo new-passwords``).

They are for the demo data only: a real deployment creates its users with
`flask users create` and never loads the demo.
"""
from __future__ import annotations

import secrets

from sqlalchemy import select, text

from app.auth import users
from app.auth.passwords import verify_password
from app.extensions import db
from app.models import Grid, Staff, StaffAssignment

#: The password in README.md: only for an app nobody else can reach.
PASSWORD = "gridmap-demo"

#: (username, role, display name): of the deployment's default district (GRIDMAP_DISTRICT_CODE)
ACCOUNTS = (
    ("admin", "admin", "演示管理员"),
    ("planner", "planner", "演示规划员"),
    ("dispatcher", "dispatcher", "演示调度员"),
    ("worker", "worker", None),  # named after the grid worker it stands for
    ("viewer", "viewer", "演示只读用户"),
)
#: The city centre's dispatcher (市级调度员): no district, sees and hands out events of every district.
CITY_DISPATCHER = ("city-dispatcher", "dispatcher", "市级调度员")


def district_accounts() -> list[tuple[str, str, str, str]]:
    """(username, role, display name, district code) of each demo district's own dispatcher
    (``zhongyuan-dispatcher`` 中原区调度员, ``erqi-dispatcher`` 二七区调度员)."""
    from app.demo.names import DISTRICTS

    return [(f"{d.slug}-dispatcher", "dispatcher", f"{d.name}调度员", d.code) for d in DISTRICTS.values()]


def all_accounts() -> list[tuple[str, str, str | None, str | None]]:
    """Every demo sign-in account: (username, role, display name, district code; None = the city,
    "" = the default district)."""
    return ([(u, r, n, "") for u, r, n in ACCOUNTS] + [(*CITY_DISPATCHER, None)] + district_accounts())


def _first_staffed_grid() -> tuple[str, Staff | None] | None:
    """The lowest-coded current grid with a grid worker, and that worker; a grid holding
    household addresses first, so the demo worker has households to visit on the KPI page
    (the demo address library covers only some grids)."""
    # A hashed set of the grids above a household's grid: "grid.id = ANY(mg.lineage)" in a correlated
    # EXISTS tested every (grid, address) pair (half a minute of the first demo load).
    has_households = Grid.id.in_(select(text("unnest(mg.lineage)")).select_from(text(
        "grid mg JOIN household_address h ON h.grid_id = mg.id")))
    row = db.session.execute(
        select(Grid.code, Staff)
        .join(StaffAssignment, StaffAssignment.grid_code == Grid.code)
        .join(Staff, Staff.id == StaffAssignment.staff_id)
        .where(Grid.level == "grid", Grid.kind == "regular", Grid.generation_high.is_(None), Grid.draft_id.is_(None),
               StaffAssignment.role == "grid_worker")
        .order_by(has_households.desc(), Grid.code).limit(1)).first()
    return (row[0], row[1]) if row else None


def random_password() -> str:
    return secrets.token_urlsafe(12)


def create_demo_accounts(published: bool = False) -> dict[str, str]:
    """Create the accounts that do not exist yet; returns ``{username: password}`` of those made.

    Each gets a random password unless ``published`` (the README's, for an app on loopback only).
    Does not commit.
    """
    made = {}
    staffed = _first_staffed_grid()
    districts = set(db.session.execute(text("SELECT code FROM district")).scalars())
    for username, role, name, district in all_accounts():
        if district and district not in districts:
            continue  # that district is not loaded: its dispatcher would have nothing to see
        existing = users.by_username(username)
        if existing:
            # A reload (--force) made new staff records: the worker account is its grid's worker
            # again, so the demo does not give that person a second account (app.demo.patrols).
            if role == "worker" and existing.staff_id is None and staffed and staffed[1] \
                    and staffed[0] in existing.area_codes:
                existing.staff_id = staffed[1].id
            continue
        areas = []
        if role == "worker":
            if staffed is None:
                continue  # no grid worker in the data: nothing a worker account could see
            areas = [staffed[0]]
            name = staffed[1].name if staffed[1] else "演示网格员"
        password = PASSWORD if published else random_password()
        user = users.create(username, password, role, display_name=name or username, areas=areas)
        if district != "":
            user.district_code = district   # None: the city's
        if role == "worker" and staffed and staffed[1]:
            user.staff_id = staffed[1].id
        made[username] = password
    return made


def replace_published_passwords() -> dict[str, str]:
    """A random password for every demo account that still has the published one.

    Returns ``{username: new password}``. Does not commit.
    """
    replaced = {}
    for username, _role, _name, _district in all_accounts():
        user = users.by_username(username)
        if user is not None and verify_password(user.password_hash, PASSWORD):
            replaced[username] = random_password()
            users.set_password(user, replaced[username])
    return replaced
