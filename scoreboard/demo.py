"""Demo data and demo play, shared by `seed_demo` and `demo_feed`.

Everything is written through `scoreboard.services`, so the demo's change log is the
same as a real feed's. Randomness comes from a caller-supplied `random.Random`, so a
seeded run is reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from scoreboard import services
from scoreboard.models import Event, IncidentKind, Status
from scoreboard.rules import rules_for

SEED_ACTOR = services.Actor(source="system", detail="seed_demo")
FEED_ACTOR = services.Actor(source="feed", detail="demo")

# slug, name, kind, display order
SPORTS = [
    ("football", "Football", "football", 10),
    ("basketball", "Basketball", "basketball", 20),
    ("ice-hockey", "Ice hockey", "ice_hockey", 30),
    ("tennis", "Tennis", "tennis", 40),
]


@dataclass(frozen=True)
class CompetitionSpec:
    slug: str
    sport: str
    name: str
    season: str
    country: str
    order: int
    teams: tuple[tuple[str, str, str], ...]  # name, short name, country
    # Targets per day (-1 yesterday, 0 today, 1 tomorrow): "finished", "live:2H",
    # "break:1H", "scheduled", "postponed", "cancelled"; "finished:PEN" forces a shoot-out.
    plan: dict[int, tuple[str, ...]]
    venue_suffix: str = "Stadium"


def _teams(*rows: str) -> tuple[tuple[str, str, str], ...]:
    return tuple(tuple(row.split("|")) for row in rows)  # type: ignore[misc]


COMPETITIONS = [
    CompetitionSpec(
        "premier-league-2026-27",
        "football",
        "Premier League",
        "2026/27",
        "England",
        10,
        _teams(
            "Arsenal|ARS|England",
            "Aston Villa|AVL|England",
            "Brighton & Hove Albion|BHA|England",
            "Chelsea|CHE|England",
            "Liverpool|LIV|England",
            "Manchester City|MCI|England",
            "Newcastle United|NEW|England",
            "Tottenham Hotspur|TOT|England",
        ),
        {-1: ("finished", "finished"), 0: ("finished", "live:1H", "break:1H", "live:2H")}
        | {1: ("scheduled", "scheduled")},
    ),
    CompetitionSpec(
        "la-liga-2026-27",
        "football",
        "La Liga",
        "2026/27",
        "Spain",
        20,
        _teams(
            "Athletic Club|ATH|Spain",
            "Atlético Madrid|ATM|Spain",
            "FC Barcelona|BAR|Spain",
            "Real Betis|BET|Spain",
            "Real Madrid|RMA|Spain",
            "Real Sociedad|RSO|Spain",
            "Sevilla|SEV|Spain",
            "Valencia|VAL|Spain",
        ),
        {-1: ("finished",), 0: ("live:2H", "live:1H", "scheduled"), 1: ("scheduled", "postponed")},
    ),
    CompetitionSpec(
        "fa-cup-2026-27",
        "football",
        "FA Cup",
        "2026/27",
        "England",
        30,
        _teams(
            "Bristol City|BRC|England",
            "Ipswich Town|IPS|England",
            "Leeds United|LEE|England",
            "Norwich City|NOR|England",
            "Sheffield Wednesday|SHW|England",
            "Sunderland|SUN|England",
        ),
        {-1: ("finished:PEN",), 0: ("live:ET2", "scheduled")},
    ),
    CompetitionSpec(
        "nba-2026-27",
        "basketball",
        "NBA",
        "2026/27",
        "USA",
        10,
        _teams(
            "Boston Celtics|BOS|USA",
            "Denver Nuggets|DEN|USA",
            "Golden State Warriors|GSW|USA",
            "Los Angeles Lakers|LAL|USA",
            "Miami Heat|MIA|USA",
            "Milwaukee Bucks|MIL|USA",
            "New York Knicks|NYK|USA",
            "Phoenix Suns|PHX|USA",
        ),
        {-1: ("finished",), 0: ("live:Q3", "break:Q2"), 1: ("scheduled", "scheduled")},
        "Arena",
    ),
    CompetitionSpec(
        "euroleague-2026-27",
        "basketball",
        "EuroLeague",
        "2026/27",
        "Europe",
        20,
        _teams(
            "Anadolu Efes|EFS|Turkey",
            "Fenerbahçe|FEN|Turkey",
            "Olympiacos|OLY|Greece",
            "Panathinaikos|PAO|Greece",
            "Real Madrid|RMB|Spain",
            "Žalgiris Kaunas|ZAL|Lithuania",
        ),
        {0: ("live:Q4", "scheduled", "cancelled"), 1: ("scheduled",)},
        "Arena",
    ),
    CompetitionSpec(
        "nhl-2026-27",
        "ice_hockey",
        "NHL",
        "2026/27",
        "USA / Canada",
        10,
        _teams(
            "Boston Bruins|BOS|USA",
            "Colorado Avalanche|COL|USA",
            "Edmonton Oilers|EDM|Canada",
            "Montréal Canadiens|MTL|Canada",
            "New York Rangers|NYR|USA",
            "Tampa Bay Lightning|TBL|USA",
            "Toronto Maple Leafs|TOR|Canada",
            "Vegas Golden Knights|VGK|USA",
        ),
        {
            -1: ("finished", "finished:SO"),
            0: ("live:P2", "live:P1", "scheduled"),
            1: ("scheduled",),
        },
        "Arena",
    ),
    CompetitionSpec(
        "shl-2026-27",
        "ice_hockey",
        "SHL",
        "2026/27",
        "Sweden",
        20,
        _teams(
            "Frölunda HC|FHC|Sweden",
            "Färjestad BK|FBK|Sweden",
            "Luleå HF|LHF|Sweden",
            "Skellefteå AIK|SKE|Sweden",
            "Växjö Lakers|VLH|Sweden",
            "Djurgården IF|DIF|Sweden",
        ),
        {0: ("live:P3", "break:P1"), 1: ("scheduled",)},
        "Arena",
    ),
    CompetitionSpec(
        "atp-vienna-2026",
        "tennis",
        "ATP 500 Vienna",
        "2026",
        "Austria",
        10,
        _teams(
            "Lukas Brandner|BRANDNER|Austria",
            "Mateo Ruiz Vidal|RUIZ VIDAL|Spain",
            "Tomás Kovařík|KOVARIK|Czechia",
            "Henrik Lindqvist|LINDQVIST|Sweden",
            "Julien Moreau|MOREAU|France",
            "Daniel Okafor|OKAFOR|Great Britain",
            "Kenji Arakawa|ARAKAWA|Japan",
            "Felipe Duarte|DUARTE|Brazil",
        ),
        {-1: ("finished",), 0: ("live:S2", "scheduled"), 1: ("scheduled", "scheduled")},
        "Centre Court",
    ),
    CompetitionSpec(
        "wta-linz-2026",
        "tennis",
        "WTA 500 Linz",
        "2026",
        "Austria",
        20,
        _teams(
            "Anna Hofbauer|HOFBAUER|Austria",
            "Chloé Marchand|MARCHAND|France",
            "Elena Vasquez|VASQUEZ|Argentina",
            "Maja Novak|NOVAK|Slovenia",
            "Sofia Ricci|RICCI|Italy",
            "Hannah Whitfield|WHITFIELD|USA",
        ),
        {0: ("live:S1", "scheduled"), 1: ("scheduled", "scheduled")},
        "Centre Court",
    ),
]

_FIRST = [
    "Adam",
    "Ben",
    "Carlos",
    "Daniel",
    "Elias",
    "Felix",
    "Gabriel",
    "Hugo",
    "Ivan",
    "Jonas",
    "Kai",
    "Leon",
    "Marco",
    "Nico",
    "Oscar",
    "Pablo",
    "Rafael",
    "Samuel",
    "Theo",
    "Victor",
    "Wilhelm",
    "Yusuf",
    "Zeno",
    "Anton",
    "Bruno",
    "Emil",
    "Luca",
    "Mads",
    "Rui",
    "Tiago",
]
_LAST = [
    "Almeida",
    "Bauer",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hansen",
    "Iversen",
    "Jansen",
    "Keller",
    "Lambert",
    "Moreno",
    "Nielsen",
    "Ortega",
    "Petersen",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Torres",
    "Urban",
    "Varga",
    "Weber",
    "Young",
    "Zimmer",
    "Kovač",
    "Silva",
    "Novak",
    "Holm",
    "Brennan",
]


def squad(team_name: str, size: int = 14) -> list[str]:
    """A stable, plausible squad for a team (same names every run)."""
    rng = random.Random(f"squad:{team_name}")
    names: list[str] = []
    while len(names) < size:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if name not in names:
            names.append(name)
    return names


def _side_team(event: Event, side: str) -> str:
    return event.home.name if side == "home" else event.away.name


def _scorer(event: Event, side: str, rng: random.Random) -> str:
    # Forwards (the front of the squad list) score more often.
    players = squad(_side_team(event, side))
    return players[min(int(rng.expovariate(0.35)), len(players) - 1)]


# --- One plausible change each (used by both the seed and the feed) -------------------


def goal(event: Event, rng: random.Random, *, minute: int | None, actor: services.Actor) -> Event:
    side = rng.choice(("home", "away"))
    kind = rng.choices(
        (IncidentKind.GOAL, IncidentKind.PENALTY_GOAL, IncidentKind.OWN_GOAL), (85, 10, 5)
    )[0]
    player = _scorer(event, "away" if kind == IncidentKind.OWN_GOAL else side, rng)
    return services.record_score(
        event=event, side=side, kind=kind, player=player, minute=minute, actor=actor
    )


def basket(event: Event, rng: random.Random, *, minute: int | None, actor: services.Actor):
    side = rng.choice(("home", "away"))
    points = rng.choices((1, 2, 3), (18, 55, 27))[0]
    return services.record_score(
        event=event,
        side=side,
        points=points,
        player=_scorer(event, side, rng),
        minute=minute,
        detail={1: "free throw", 2: "", 3: "three-pointer"}[points],
        actor=actor,
    )


def card(event: Event, rng: random.Random, *, minute: int | None, actor: services.Actor):
    side = rng.choice(("home", "away"))
    kind = IncidentKind.RED_CARD if rng.random() < 0.08 else IncidentKind.YELLOW_CARD
    return services.add_incident(
        event=event, kind=kind, side=side, player=_scorer(event, side, rng), minute=minute,
        actor=actor,
    )  # fmt: skip


def substitution(event: Event, rng: random.Random, *, minute: int | None, actor: services.Actor):
    side = rng.choice(("home", "away"))
    players = squad(_side_team(event, side))
    return services.add_incident(
        event=event,
        kind=IncidentKind.SUBSTITUTION,
        side=side,
        player=rng.choice(players[11:]),
        detail=f"replaces {rng.choice(players[1:11])}",
        minute=minute,
        actor=actor,
    )


def hockey_penalty(event: Event, rng: random.Random, *, minute: int | None, actor):
    side = rng.choice(("home", "away"))
    offence = rng.choice(("tripping", "hooking", "slashing", "interference", "holding"))
    return services.add_incident(
        event=event,
        kind=IncidentKind.PENALTY,
        side=side,
        player=_scorer(event, side, rng),
        detail=f"2 min · {offence}",
        minute=minute,
        actor=actor,
    )


def tennis_point(event: Event, rng: random.Random, *, favour: str = "", actor) -> Event:
    """One point; the server wins ~62% of points, `favour` tilts it further."""
    server = event.state.get("server", "home")
    p_home = 0.62 if server == "home" else 0.38
    if favour:
        p_home += 0.2 if favour == "home" else -0.2
    side = "home" if rng.random() < p_home else "away"
    return services.record_score(event=event, side=side, actor=actor)


# --- Seeding a whole event up to its planned state -------------------------------------


def play_to(event: Event, target: str, rng: random.Random, actor: services.Actor) -> Event:
    """Advance a new (scheduled) event to `target` ("finished", "live:2H", "break:1H"...)."""
    status, _, period = target.partition(":")
    if status in (Status.POSTPONED, Status.CANCELLED):
        return services.change_status(event=event, status=status, actor=actor)
    if status == Status.SCHEDULED:
        return event
    if event.sport_kind == "tennis":
        return _play_tennis(event, status, period, rng, actor)
    return _play_team_sport(event, status, period, rng, actor)


def _period_incidents(event: Event, code: str, rng: random.Random) -> list[tuple[int, str]]:
    """(minute, what) for one period of a team sport, in minute order."""
    rules = rules_for(event.sport_kind)
    period = rules.period(code)
    base, length = rules.minute_base(code), period.minutes
    kinds: list[str]
    if event.sport_kind == "football":
        kinds = ["goal"] * rng.choice((0, 1, 1, 2, 3)) + ["card"] * rng.randint(0, 2)
        if code in ("2H", "ET1"):
            kinds += ["sub"] * rng.randint(2, 4)
    elif event.sport_kind == "ice_hockey":
        kinds = ["goal"] * rng.choice((0, 1, 1, 2, 2, 3)) + ["penalty"] * rng.randint(0, 2)
        if code == "OT":
            kinds = ["goal"] if rng.random() < 0.5 else []
    else:  # basketball: ~24 points a side a quarter, ~10 a side in overtime
        kinds = ["basket"] * (rng.randint(8, 11) if length >= 12 else rng.randint(3, 5)) * 2
    rows = [(base + rng.randint(1, length), kind) for kind in kinds]
    return sorted(rows)


_DO = {"goal": goal, "card": card, "sub": substitution, "penalty": hockey_penalty, "basket": basket}


def _play_period(event: Event, code: str, rng: random.Random, actor, *, upto: int | None) -> Event:
    for minute, kind in _period_incidents(event, code, rng):
        if upto is not None and minute > upto:
            break
        result = _DO[kind](event, rng, minute=minute, actor=actor)
        event = result if isinstance(result, Event) else result.event
        if event.status == Status.FINISHED:  # a sudden-death overtime goal
            break
    return event


def _level(event: Event, code: str, minute: int, rng: random.Random, actor) -> Event:
    """Force a draw (for cup ties that must reach extra time / a shoot-out)."""
    while event.home_score != event.away_score:
        trailing = "home" if event.home_score < event.away_score else "away"
        event = services.record_score(
            event=event, side=trailing, player=_scorer(event, trailing, rng), minute=minute,
            actor=actor,
        )  # fmt: skip
    return event


def _shootout(event: Event, rng: random.Random, actor) -> Event:
    """Alternate kicks until one side cannot be caught (5 rounds football, 3 hockey)."""
    rounds = 5 if event.sport_kind == "football" else 3
    scored = {"home": 0, "away": 0}
    taken = {"home": 0, "away": 0}
    while True:
        side = "home" if taken["home"] == taken["away"] else "away"
        taker = _scorer(event, side, rng)
        taken[side] += 1
        if rng.random() < 0.72:
            scored[side] += 1
            kind = IncidentKind.PENALTY_GOAL if event.sport_kind == "football" else "goal"
            event = services.record_score(
                event=event, side=side, kind=kind, player=taker, actor=actor
            )
        else:
            services.add_incident(
                event=event, kind=IncidentKind.PENALTY_MISSED, side=side, player=taker,
                actor=actor,
            )  # fmt: skip
        left = {s: max(0, rounds - taken[s]) for s in scored}
        if taken["home"] <= rounds:
            if scored["home"] > scored["away"] + left["away"]:
                break
            if scored["away"] > scored["home"] + left["home"]:
                break
        elif taken["home"] == taken["away"] and scored["home"] != scored["away"]:
            break  # sudden death
    event.refresh_from_db()
    return event


# Plans that need a drawn match level the score at the end of these periods.
_FORCE_DRAW = {"PEN": ("2H", "ET2"), "ET1": ("2H",), "ET2": ("2H",), "SO": ("P3", "OT")}


def _play_team_sport(event: Event, status: str, target: str, rng, actor) -> Event:
    rules = rules_for(event.sport_kind)
    force_draw = _FORCE_DRAW.get(target, ())
    code = rules.first_period()
    event = services.change_status(event=event, status=Status.LIVE, actor=actor)
    while True:
        period = rules.period(code)
        if status == Status.LIVE and code == target:
            into = rng.randint(3, max(4, period.minutes - 2)) if period.minutes else 0
            event = _play_period(event, code, rng, actor, upto=rules.minute_base(code) + into)
            if rules.has_clock and not period.shootout:
                event = services.set_clock(
                    event=event, running=True, elapsed=into * 60 + rng.randint(0, 59), actor=actor
                )
            return event
        if period.shootout:
            event = _shootout(event, rng, actor)
        elif not (code == "OT" and target == "SO"):  # a shoot-out plan: goalless overtime
            event = _play_period(event, code, rng, actor, upto=None)
        if code in force_draw:
            end = rules.minute_base(code) + period.minutes
            event = _level(event, code, end, rng, actor)
        if status == Status.BREAK and code == target:
            return services.change_status(event=event, status=Status.BREAK, actor=actor)
        following = rules.next_periods(services.events.score_of(event))
        if event.sport_kind == "football" and code == "2H" and not force_draw:
            following = []  # a league match: a draw stands
        if not following:
            return services.change_status(event=event, status=Status.FINISHED, actor=actor)
        event = services.change_status(event=event, status=Status.BREAK, actor=actor)
        code = following[0]
        event = services.change_status(event=event, status=Status.LIVE, period=code, actor=actor)


def _play_tennis(event: Event, status: str, target: str, rng, actor) -> Event:
    event = services.change_status(event=event, status=Status.LIVE, actor=actor)
    games_wanted = rng.randint(2, 5)  # below 6, so the set is still on when reached
    for _ in range(600):  # a safety bound; a best-of-3 match is ~150 points
        if event.status == Status.FINISHED:
            return event
        if status == Status.LIVE and event.period == target:
            home, away = next(
                (r["home"], r["away"]) for r in event.period_scores if r["period"] == target
            )
            if home + away >= games_wanted:
                for _ in range(rng.randint(0, 3)):
                    event = tennis_point(event, rng, actor=actor)
                return event
        favour = ""
        if target == "S3" and event.period == "S2":
            # Make the decider happen: whoever leads in sets loses the second.
            favour = "away" if event.home_score > event.away_score else "home"
        event = tennis_point(event, rng, favour=favour, actor=actor)
    return event
