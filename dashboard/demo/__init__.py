"""Deterministic demo data: a believable Rotterdam-area mbo school with Entree and level-2 students.

`generate(store, user, students, seed, today)` fills an EMPTY store in two write transactions:
the school, marked as a demo store in that same transaction (what `store.set_demo(True)` does,
without another write), then the checklists and meetings recorded on it (see SCHOOL). The same (students, seed, today) always gives the same rows (for the pinned DuckDB and
the installed Faker version). Faker ('nl_NL', seeded) only builds small pools of names; every
row is made set-based in SQL (dashboard/queries/demo_*.sql) with hash(key, salt, seed) as the
random source, so half a million students take the same SQL as three hundred. Dates are
relative to `today`: the data looks alike whatever the day (only weekdays shift).

The school mostly works: students have a mentor, placements have their start, mid and final
moments with all three parties, agreements are made and contacts are regular. Into that the
generator plants the situations of docs/flags.md at believable rates (a start conversation
never held, direction never agreed, a mentor who left, an unexcused absence streak nobody
followed up, a stop the workplace was not told about, ...), so every signal occurs. For the
default 300 students and seed 1 each code of docs/flags.md occurs at least three times; with
other seeds and small numbers of students a rare one may now and then be missing.

One location (the first, Rotterdam Zuid) gets better, so the trends page has a trend to show:
until 150 days before `today` its start moments were often skipped or held late and half of
its students got a direction agreement only after that day; since then it works like the rest.

Ids: students S100001.., staff P0001.. (zero-padded to the number of people, ordered: care
coordinators, care workers, mentors, former mentors, BPV coordinators, class counsellors,
peer coaches, externals, workplace supervisors, parents), placements PL<student number>-<n>,
contacts C<student number>-<slot>, agreements A<student number>-<slot>.

Good demo sign-in accounts are picked by query with `demo_people(store, today)`, which returns
a person_id per kind: care_coordinator (see `person_locations` for the locations to give the
account), care_worker, guide (a mentor with 10-30 students), class_counsellor, workplace
(a supervisor of an active placement whose student shares with the workplace and has
`care`-visibility contacts) and workplace_no_consent (the same, but the student said no).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
from faker import Faker

from dashboard import queries
from dashboard.codes import TABLES
from dashboard.errors import Invalid
from dashboard.problem import Problem
from dashboard.security import access, audit
from dashboard.security.access import User
from dashboard.store import Store
from dashboard.store.tx import Tx

log = logging.getLogger(__name__)

MAX_STUDENTS = 899_999  # student numbers S100001..S999999
POOL_FIRST = 200  # names per first-name pool (mixed, female, male: equal sizes)
POOL_LAST = 300
POOL_COMPANY = 120
POOL_STREET = 150
# The generator writes in two transactions, each running its queries between demo_macros and
# demo_cleanup on its own cursor: first the school (the interchange tables), then the follow-up
# recorded on it, the checklists filled in (their items come with migration 006) and the past
# caseload meetings. At sector scale the two together are some 35 million rows, and DuckDB
# needs more than the store's memory limit to commit them at once (500,000 students: failed at
# 3 GB, 4.2 GiB peak at 4 GB); two commits need about what the larger one needs.
SCHOOL = ("demo_plan", "demo_fill_people", "demo_fill_agreements", "demo_fill_contacts")
FOLLOW_UP = ("demo_fill_checklists", "demo_fill_meetings")
FOLLOW_UP_TABLES = (
    "checklists",
    "checklist_answers",
    "meetings",
    "meeting_attendees",
    "meeting_items",
    "meeting_decisions",
    "meeting_actions",
    "meeting_action_status",
)

# Short Dutch texts, four variants each (the SQL picks one by hash). They are demo data,
# not interface text, so they live here and not in i18n.
TEXTS: dict[str, tuple[str, str, str, str]] = {
    "sum_progress": (
        "Voortgang besproken: werkt goed mee en haalt de afgesproken uren.",
        "Stand van zaken leerdoelen doorgenomen; volgende stap afgesproken.",
        "Student vertelt enthousiast over het werk; aandachtspunt is zelfstandig werken.",
        "Portfolio en BPV-opdrachten bekeken; loopt op schema.",
    ),
    "sum_absence": (
        "Ziekmelding doorgegeven; afgesproken dat student zich ook bij de werkplek afmeldt.",
        "Gesproken over te laat komen; afspraak gemaakt over op tijd vertrekken.",
        "Verzuim van deze week besproken; student had een afspraak bij de huisarts.",
        "Afwezigheid nagebeld; student komt morgen weer.",
    ),
    "sum_behaviour": (
        "Gesprek over omgangsvormen op de werkvloer; afspraken herhaald.",
        "Conflict met een collega besproken; student gaat het zelf uitpraten.",
        "Waarschuwing gegeven na herhaald telefoongebruik onder werktijd.",
        "Huisregels nog eens doorgenomen; bij herhaling volgt een gesprek op school.",
    ),
    "sum_personal": (
        "Student vertelt over spanningen thuis; doorverwezen naar de zorgcoördinator.",
        "Zorgen over de woonsituatie besproken; contact met het wijkteam voorgesteld.",
        "Geldzorgen besproken; student wil hulp bij het ordenen van de post.",
        "Student voelt zich somber; vervolggesprek volgende week gepland.",
    ),
    "sum_care": (
        "Afstemming in het zorgteam; begeleiding blijft bij de mentor, zorg sluit aan.",
        "Overleg met externe hulpverlening over de voortgang van het traject.",
        "Zorgoverleg: afgesproken wie contact houdt met de werkplek.",
        "Intake schoolmaatschappelijk werk gepland.",
    ),
    "sum_question": (
        "Vraag over het rooster en de BPV-uren beantwoord.",
        "Vraag over de beoordelingsformulieren van de BPV beantwoord.",
        "Vraag over reiskosten doorgezet naar de administratie.",
        "Student vroeg hulp bij het schrijven van het stageverslag.",
    ),
    "sum_other": (
        "Administratieve zaken afgehandeld.",
        "Kort contact om de planning voor de komende weken door te nemen.",
        "Even bijgepraat; geen bijzonderheden.",
        "Afspraak voor het volgende gesprek ingepland.",
    ),
    "sum_stop": (
        "Praktijkbegeleider geïnformeerd dat de BPV stopt; afronding van uren en beoordeling afgesproken.",
        "Werkplek gebeld over het stoppen van de plaatsing; laatste werkdag geregeld.",
        "Stoppen van de stage besproken met de praktijkbegeleider; evaluatie volgt.",
        "Bedrijf op de hoogte gebracht dat de student stopt.",
    ),
    "sum_absfu": (
        "Nagebeld over ongeoorloofd verzuim; student komt weer en heeft een gesprek met de mentor.",
        "Verzuim besproken; melding bij Leerplicht overwogen, eerst een afspraak met de student.",
        "Student thuis bereikt na verzuim; oorzaak besproken en afspraken gemaakt.",
        "Contact over het verzuim van deze week; vervolgafspraak gemaakt.",
    ),
    "sum_start": (
        "Startgesprek: kennismaking, werktijden en taken afgesproken, contactpersonen uitgewisseld.",
        "Startgesprek op de werkplek; leerdoelen en huisregels doorgenomen.",
        "Driegesprek bij de start: afgesproken wie wie belt bij ziekte of problemen.",
        "Start BPV: rondleiding gehad, begeleiding en contactfrequentie afgesproken.",
    ),
    "sum_mid": (
        "Tussenevaluatie: student groeit in zelfstandigheid; aandachtspunt is op tijd komen.",
        "Tussenevaluatie: werkhouding goed, plannen van het werk nog oefenen.",
        "Halverwege de BPV: leerdoelen bijgesteld, uren liggen op schema.",
        "Tussenevaluatie besproken; praktijkbegeleider tevreden over de inzet.",
    ),
    "sum_final": (
        "Eindevaluatie: BPV afgerond, beoordeling besproken en ondertekend.",
        "Eindgesprek: voldoende beoordeling, student mag terugkomen.",
        "Eindevaluatie: ontwikkelpunten meegegeven voor de volgende stage.",
        "Afronding BPV met praktijkbegeleider en student; uren compleet.",
    ),
    "note_checklist": (
        "Nog niet duidelijk wie wat doet; volgende keer samen op papier zetten.",
        "Werkplek hoort het te laat als er iets speelt; terugbelafspraak maken.",
        "Student vindt dat er over hem gepraat wordt in plaats van met hem.",
        "Afspraak staat, maar wordt niet nagekomen; bespreken in het volgende driegesprek.",
    ),
    "det_direction": (
        "Regiehouder stemt de begeleiding af en neemt het initiatief als het stokt.",
        "Eén aanspreekpunt voor student, werkplek en zorg; overleg loopt via de regiehouder.",
        "Regiehouder bewaakt de afspraken en plant het volgende overleg.",
        "Regie ligt bij één persoon; anderen melden zich bij de regiehouder.",
    ),
    "det_final_responsibility": (
        "Eindverantwoordelijk voor het begeleidingsplan en de beslissingen daarin.",
        "Neemt besluiten over vervolgstappen na overleg met de betrokkenen.",
        "Eindverantwoordelijk; legt besluiten vast in het studentdossier.",
        "Beslist bij verschil van inzicht tussen school en werkplek.",
    ),
    "det_task_division": (
        "Mentor: voortgang en BPV-bezoeken; zorgteam: thuissituatie; werkplek: dagelijkse begeleiding.",
        "Taken verdeeld: wie belt de werkplek, wie houdt contact met thuis.",
        "BPV-begeleider doet de bezoeken, mentor de loopbaangesprekken.",
        "Rolverdeling besproken in het driegesprek.",
    ),
    "det_information": (
        "Werkplek belt bij ziekte of problemen direct de mentor; mentor belt binnen een dag terug.",
        "Afgesproken wat de werkplek mag weten en wie te bellen als het stokt.",
        "Maandelijks kort contact tussen school en praktijkbegeleider; bij stoppen direct melden.",
        "Praktijkbegeleider meldt verzuim dezelfde dag aan school.",
    ),
    "det_contact_frequency": (
        "Vaste contactmomenten tussen mentor en student.",
        "Regelmatig contact, ook tijdens de BPV.",
        "Korte check-in via WhatsApp tussen de gesprekken door.",
        "Contact volgens de afgesproken frequentie; bij uitval eerder.",
    ),
    "det_pedagogy": (
        "Huisregels: op tijd komen, ziekmelden voor 8 uur; bij herhaling eerst een gesprek, dan een officiële waarschuwing.",
        "Twee kansen bij afspraken die niet worden nagekomen; daarna een gesprek op school.",
        "Zelfde aanpak op school en werkplek: duidelijk, positief, consequent.",
        "Bij conflicten eerst afkoelen, daarna een gesprek met de mentor erbij.",
    ),
    "det_expertise": (
        "Verwezen via de zorgcoördinator; de externe hulpverlener sluit aan bij het zorgoverleg.",
        "Inzet van externe hulpverlening afgestemd met het zorgteam.",
        "Deskundige denkt mee over passende begeleiding op de werkplek.",
        "Doorverwijzing besproken met de student; toestemming voor informatie-uitwisseling gevraagd.",
    ),
    "cons_workplace_yes": (
        "Werkplek mag weten dat de student extra begeleiding krijgt; geen details over thuis.",
        "Student deelt de eigen 'handleiding' met de praktijkbegeleider.",
        "Mag gedeeld worden: aandachtspunten bij werkhouding en planning.",
        "Student vindt het goed dat de mentor de werkplek informeert.",
    ),
    "cons_workplace_no": (
        "Student wil niet dat de werkplek iets over de thuissituatie hoort.",
        "Alleen afspraken over het werk delen, niets persoonlijks.",
        "Student vertelt het liever zelf als het nodig is.",
        "Geen persoonlijke informatie naar de werkplek.",
    ),
    "cons_external_yes": (
        "Zorgcoördinator mag informatie uitwisselen met de betrokken hulpverlening.",
        "Toestemming voor overleg met de externe hulpverlener.",
        "Alleen wat nodig is voor de hulpverlening mag gedeeld worden.",
        "Student is bij het overleg met de hulpverlening zelf aanwezig.",
    ),
    "cons_external_no": (
        "Student wil geen contact tussen school en de hulpverlening.",
        "Geen informatie uitwisselen zonder dat de student erbij is.",
        "Student regelt het contact met de hulpverlening zelf.",
        "Voorlopig geen toestemming; over een maand opnieuw bespreken.",
    ),
    "cons_parents_yes": (
        "Ouders mogen op de hoogte worden gehouden van voortgang en verzuim.",
        "Mentor mag ouders bellen bij verzuim.",
        "Ouders worden uitgenodigd voor de voortgangsgesprekken.",
        "Alleen over school en stage, niet over persoonlijke gesprekken.",
    ),
    "cons_parents_no": (
        "Student wil niet dat ouders over persoonlijke zaken worden geïnformeerd.",
        "Contact met ouders alleen na overleg met de student.",
        "Alleen verzuim melden, verder niets.",
        "Student woont zelfstandig; geen contact met ouders gewenst.",
    ),
    "reason_graduated": (
        "Diploma behaald",
        "Diploma behaald, BPV afgerond",
        "Geslaagd",
        "Diploma behaald na herkansing",
    ),
    "reason_employed": (
        "Aan het werk gegaan",
        "Baan gevonden via een uitzendbureau",
        "Vaste baan bij het leerbedrijf",
        "Aan het werk met een jobcoach",
    ),
    "reason_transferred": (
        "Overgestapt naar een andere opleiding",
        "Verhuisd; ingeschreven bij een andere school",
        "Overstap naar een BBL-traject",
        "Overgestapt naar een andere mbo-school",
    ),
    "reason_dropped_out": (
        "Gestopt zonder diploma; persoonlijke omstandigheden",
        "Uitgeschreven na langdurig verzuim",
        "Gestopt om te gaan werken zonder diploma",
        "Gestopt; motivatie ontbrak",
    ),
    # Company names per sector: {last}, {street} and {company} come from the Faker pools.
    "tpl_logistiek": (
        "{company}",
        "Distributiecentrum {street}",
        "Transportbedrijf {last}",
        "{last} Logistiek",
    ),
    "tpl_zorg": (
        "Zorgcentrum {street}",
        "Kinderdagverblijf {street}",
        "Woonzorg {last}",
        "Thuiszorg {last}",
    ),
    "tpl_horeca": (
        "Restaurant {street}",
        "Hotel {last}",
        "Eetcafé {last}",
        "Lunchroom {street}",
    ),
    "tpl_retail": (
        "Supermarkt {last}",
        "{company}",
        "Bouwmarkt {street}",
        "Drogisterij {last}",
    ),
    "tpl_dienst": (
        "Schoonmaakbedrijf {last}",
        "Facilitair bedrijf {company}",
        "Kringloopwinkel {street}",
        "Groenvoorziening {last}",
    ),
    "tpl_techniek": (
        "Installatiebedrijf {last}",
        "{last} Bouw",
        "Autobedrijf {last}",
        "{company}",
    ),
}


def _unique(make, count: int, keep=lambda x: True) -> list[str]:
    """`count` distinct values from `make()` in generation order (deterministic for a seeded Faker)."""
    seen: dict[str, None] = {}
    for _ in range(count * 50):
        value = make()
        if keep(value):
            seen.setdefault(value, None)
        if len(seen) == count:
            break
    return list(seen)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _is_made_up_company(name: str) -> bool:
    # Faker's nl_NL list also holds real brands; keep the ones built from family names.
    return name.endswith((" BV", " NV", " Groep")) or " & " in name or name.startswith("Stichting ")


def _is_plain_last_name(name: str) -> bool:
    # Faker's list holds some historic names ("Aelftrud van Wessex"); keep "Jansen", "van Vliet".
    *prefixes, last = name.split(" ")
    return last[:1].isupper() and all(p.islower() for p in prefixes)


def name_pools(seed: int) -> dict[str, list[str]]:
    """Small seeded pools of Dutch first names, last names, company and street names."""
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    return {
        "first": _unique(fake.first_name, POOL_FIRST),
        "first_f": _unique(fake.first_name_female, POOL_FIRST),
        "first_m": _unique(fake.first_name_male, POOL_FIRST),
        "last": _unique(fake.last_name, POOL_LAST, _is_plain_last_name),
        "company": [
            _capitalised(c) for c in _unique(fake.company, POOL_COMPANY, _is_made_up_company)
        ],
        "street": _unique(fake.street_name, POOL_STREET),
    }


def _load_pools(cur: duckdb.DuckDBPyConnection, pools: dict[str, list[str]]) -> None:
    rows = [(pool, k, text) for pool, values in pools.items() for k, text in enumerate(values)]
    rows += [(pool, k, text) for pool, values in TEXTS.items() for k, text in enumerate(values)]
    pool, k, text = (list(column) for column in zip(*rows))
    # one statement with three lists: executemany would prepare a statement per row
    cur.execute(
        "CREATE OR REPLACE TEMP TABLE demo_pool AS "
        "SELECT unnest($pool) AS pool, unnest($k)::INTEGER AS k, unnest($text) AS text",
        {"pool": pool, "k": k, "text": text},
    )


def _refuse_filled(tx: Tx) -> None:
    filled = [
        Problem("demo.table_rows", {"table": table, "rows": n})
        for table in TABLES
        if (n := tx.scalar(f"SELECT count(*) FROM {table}"))
    ]
    if filled:
        raise Invalid(
            [Problem("demo.store_not_empty", {"filled": filled})], Problem("demo.not_empty")
        )


@contextmanager
def _bulk_settings(cur: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Not preserving insertion order halves the cost of the big inserts (rows are sets:
    exports sort by key). The setting is global, so it is put back afterwards. Memory stays
    within the store's memory_limit (store.py), spilling to disk for very large demos."""
    row = cur.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    cur.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        cur.execute(f"SET preserve_insertion_order = {bool(row and row[0])}")


def generate(
    store: Store, user: User, students: int = 300, seed: int = 1, today: dt.date | None = None
) -> dict[str, int]:
    """Fill an empty store with demo data around `today`; return the row count per table.

    Admins only (the command line, and the app's first start, act as access.CLI_USER): it
    writes a whole school, as an import does. Raises Invalid when the store already holds
    data or `students` is out of range.
    """
    access.ensure(user, "import_export")
    if not 1 <= students <= MAX_STUDENTS:
        raise Invalid(
            [Problem("demo.students_out_of_range", {"max": MAX_STUDENTS, "students": students})]
        )
    today = today or dt.date.today()
    pools = name_pools(seed)
    if {len(pools[k]) for k in ("first", "first_f", "first_m")} != {POOL_FIRST}:
        raise RuntimeError("Faker gave too few distinct first names for the demo pools")
    with store.write() as tx:
        tx.touch_all()
        _refuse_filled(tx)
        # The generator is DuckDB SQL on a DuckDB cursor (on PostgreSQL its rows are copied
        # in when the bulk block ends: Tx.bulk).
        with tx.bulk(TABLES) as cur, _bulk_settings(cur):
            _fill(cur, SCHOOL, pools, seed, students, today)
        counts = {t: tx.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}
        tx.execute("UPDATE store_info SET is_demo = true")
        audit.record(tx, audit.DemoGenerated("demo", students, seed, today, counts))
    with store.write() as tx:
        tx.touch_all()
        with tx.bulk(FOLLOW_UP_TABLES) as cur, _bulk_settings(cur):
            _fill(cur, FOLLOW_UP, pools, seed, students, today)
    return counts


def _fill(
    cur: duckdb.DuckDBPyConnection,
    names: tuple[str, ...],
    pools: dict[str, list[str]],
    seed: int,
    students: int,
    today: dt.date,
) -> None:
    """Run the generator's queries `names` (dashboard/queries/demo_*.sql) on `cur`, after its
    variables, name pools and macros, and drop those afterwards."""
    variables = {
        "demo_seed": seed,
        "demo_today": today.isoformat(),
        "demo_n": students,
        "demo_nfirst": POOL_FIRST,
        "demo_nlast": len(pools["last"]),
        "demo_ncompany": len(pools["company"]),
        "demo_nstreet": len(pools["street"]),
    }
    for name, value in variables.items():
        cur.execute(f"SET VARIABLE {name} = ?", [value])
    _load_pools(cur, pools)
    for name in ("demo_macros", *names, "demo_cleanup"):
        started = time.perf_counter()
        cur.execute(queries.load(name))
        log.info("demo: %s took %.2f s", name, time.perf_counter() - started)
    for name in (*variables, "demo_noffer", "demo_today_d", "demo_pwidth"):
        cur.execute(f"RESET VARIABLE {name}")


def demo_people(store: Store, today: dt.date | None = None) -> dict[str, str]:
    """A good person_id per kind of demo account (see the module docstring), chosen by query.

    Kinds without a fitting person are left out.
    """
    today = today or dt.date.today()
    with store.read() as cur:
        sql = queries.load("demo_people", active_role=access.ACTIVE_ROLE)
        rows = cur.execute(sql, {"today": today}).fetchall()
    return {kind: person_id for kind, person_id in rows if person_id is not None}


def person_locations(store: Store, person_id: str) -> list[str]:
    """The locations of the students this person holds a role for (e.g. a care coordinator's)."""
    with store.read() as cur:
        rows = cur.execute(
            "SELECT DISTINCT s.location FROM roles r JOIN students s USING (student_id) "
            "WHERE r.person_id = ? ORDER BY 1",
            [person_id],
        ).fetchall()
    return [r[0] for r in rows]
