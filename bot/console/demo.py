"""`techcommit demo`: sample data for a throwaway database, so a newcomer can try everything."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from handlers.calendar import WorkingDays
from storage import cpd
from storage.cpd import CpdFields
from storage.events import EventFields
from storage.people import PersonId
from storage.uow import UnitOfWorkFactory

DEMO_USER = PersonId("slack", "T0DEMO", "U0DEMO")
DEMO_NAME = "Demo Technician"
ALICE = PersonId("slack", "T0DEMO", "U0ALICE")
ORGANISER = PersonId("slack", "T0DEMO", "U0ORGANISER")
# Who the console's `as` offers in the demo, each with what they can try.
DEMO_PEOPLE = (
    (DEMO_USER, DEMO_NAME, "admin; a CPD record; owns most of the action plan"),
    (ALICE, "Alice Hughes", "technician; owns Y1-01 and Y2-02; answer an event once it is full to join its waitlist"),
    (ORGANISER, "Olu Adeyemi", "Tech Net organiser of both events (`/event attendees 1`)"),
)
ALICE_ACTIONS = ("Y1-01", "Y2-02")

# (days ago, minutes, type, title, what I learned, how it helps, tags)
SAMPLE_CPD = (
    (
        300,
        180,
        "formal",
        "Fume cupboard testing course (BS EN 14175)",
        "How face-velocity tests are run and recorded.",
        "I can now check our cupboards between contractor visits, so students are safer.",
        ("health-and-safety",),
    ),
    (
        240,
        90,
        "work",
        "Commissioned the new rotary evaporator",
        "Vacuum control settings for low-boiling solvents.",
        "Researchers get faster, more repeatable runs.",
        (),
    ),
    (
        190,
        60,
        "professional",
        "Tech Net: lightning talk on 3D-printed jigs",
        "Presenting to 40 peers; good questions on PETG.",
        "Two other labs now use our jigs.",
        ("visibility", "recognition"),
    ),
    (120, 120, "self", "Read: Good Laboratory Practice handbook, ch. 3–5", "", "", ("quality",)),
    (
        75,
        45,
        "work",
        "Trained two new PhD students on the autoclave",
        "Breaking the SOP into a checklist made training quicker.",
        "Students work independently sooner.",
        ("career-development",),
    ),
    (
        30,
        150,
        "professional",
        "IST webinar: routes to RSciTech",
        "What evidence the competences need.",
        "I can mentor colleagues starting registration.",
        ("career-development",),
    ),
    (6, 60, "other", "Green lab audit walk-round", "Where our freezers waste energy.", "", ("sustainability",)),
)


def seed_demo(open_uow: UnitOfWorkFactory, *, today: date, now: datetime) -> None:
    """Load the sample CPD record for the demo user."""
    with open_uow(write=True) as uow:
        for days_ago, minutes, kind, title, learned, helps, tags in SAMPLE_CPD:
            fields = CpdFields(
                occurred_on=today - timedelta(days=days_ago),
                minutes=minutes,
                activity_type=kind,
                title=title,
                reflection=learned,
                benefit=helps,
                tags=tags,
            )
            cpd.add_entry(uow, person=DEMO_USER, fields=fields, now=now)
        uow.commit()


# A small plan in the plan document's own text form (written for the demo), for the plan year in progress.
SAMPLE_PLAN = """Demo University — Technician Commitment action plan (sample)

year 1
{month} {year} - {month} {next_year}

We will run a monthly Tech Net lunch where technicians present their work to colleagues.\t✓\t✓\t✓\t✓
We will fund professional registration fees for technicians applying for RSciTech or EngTech.\t✓\t✓\t\t
We will publish a technician profile in the staff newsletter every term to raise visibility.\t✓\t✓\t✓\t
We will map technical skills across all departments and agree a training plan for the gaps.\t✓\t✓\t\t
We will recruit two technical apprentices where the workforce is nearing retirement.\t\t\t✓\t✓
We will ask the research committee to include a technical staff representative.\t✓\t\t\t

year 2
{month} {next_year} - {month} {year_after}

We will hold a Technical Services conference with awards that recognise outstanding technicians.\t\t✓\t\t
We will offer every technician a career conversation and a personal training budget.\t✓\t✓\t✓\t✓
"""


def seed_demo_plan(open_uow: UnitOfWorkFactory, *, today: date, now: datetime, start_month: int) -> None:
    """Import the sample plan for the plan year in progress; Alice owns two actions, one is unassigned,
    the demo user owns the rest."""
    from handlers.plan.importer import parse_plan
    from handlers.plan.importing import OwnerResolver, import_plan
    from handlers.plan.quarters import quarter_of
    from storage import plan as plan_repo

    year = quarter_of(today, start_month).year
    text = SAMPLE_PLAN.format(
        month=date(2000, start_month, 1).strftime("%B"), year=year, next_year=year + 1, year_after=year + 2
    )
    parsed = parse_plan(text.encode(), plan_start_month=start_month)
    with open_uow(write=True) as uow:
        import_plan(uow, parsed, resolve=OwnerResolver("slack", None), default_owner=DEMO_USER.user_id, now=now)
        action = plan_repo.get_action(uow, ref="Y1-06")
        assert action is not None
        plan_repo.assign(uow, action=action, owner=None, now=now)
        for ref in ALICE_ACTIONS:
            action = plan_repo.get_action(uow, ref=ref)
            assert action is not None
            plan_repo.assign(uow, action=action, owner=(ALICE.platform, ALICE.user_id), now=now)
        uow.commit()


def seed_demo_events(open_uow: UnitOfWorkFactory, *, now: datetime, zone: ZoneInfo) -> None:
    """Two upcoming Tech Net events, one nearly full, with a few answers from colleagues."""
    from storage import events

    today = now.astimezone(zone).date()
    samples = (
        ("3D printing for labs", "Bring a part you designed; we'll print and compare settings.", 6, 12, 30, 90, 5),
        ("Glassblowing safety refresher", "Annealing, eye protection and first aid for burns.", 13, 10, 0, 120, None),
    )
    with open_uow(write=True) as uow:
        for title, description, days, hour, minute, minutes, capacity in samples:
            day = WorkingDays().first_on_or_after(today + timedelta(days=days))
            start = datetime.combine(day, time(hour, minute), tzinfo=zone)
            fields = EventFields(
                title=title,
                description=description,
                starts_at=start,
                ends_at=start + timedelta(minutes=minutes),
                location="Technical Services hub",
                capacity=capacity,
                cpd_minutes=minutes,
                cpd_type="professional",
                channel_id="C0TECHNET",
            )
            event = events.add_event(uow, fields=fields, organiser=(ORGANISER.platform, ORGANISER.user_id), now=now)
            for n in range(4 if capacity else 2):
                colleague = PersonId("slack", DEMO_USER.team_id, f"U0COLLEAGUE{n}")
                events.set_response(uow, event=event, person=colleague, response="going", now=now)
        uow.commit()
