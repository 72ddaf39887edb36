"""The house's floors (docs/architecture.md, "Layers"): a package imports only the
floors below it, so the ledger knows no domain above it and nothing creeps back up.

Read from the source with ``ast``, imports inside functions included: a lazy import is
still a dependency, and hiding one in a function is how a circle usually sneaks in.
"""

import ast
from collections import defaultdict
from pathlib import Path

import jifen

SOURCE = Path(jifen.__file__).parent

# The foundation: the tenancy tree, people and who may do what, and the two records every
# domain writes about a person (the audit trail, the stored notices). They refer to each
# other — a region's services check authz, authz reads regions, every write is audited,
# a password reset is a notice — and to nothing above.
FOUNDATION = frozenset({"lib", "regions", "people", "audit", "notices"})
DOMAINS = frozenset(
    {
        "points",
        "claims",
        "activities",
        "shop",
        "publicity",
        "requests",
        "incidents",
        "disclosure",
        "messages",
        "deliberation",
        "imports",
        "inbox",
        "inspection",
        "witness",
        "units",
        "projects",
        "party",
        "contests",
        "property_review",
    }
)
EDGES = frozenset({"api", "web"})  # the shared HTTP edges: routers and pages of every domain
TOP = frozenset({"demo", "bench", "ops"})  # seeding, benchmarks, orchestration: above all
EVERYTHING = FOUNDATION | DOMAINS | EDGES | TOP

# Each package and the packages it may import, bottom up. The direction of the house:
# service → hours → claims → review → ledger; shop and publicity read what is below.
ALLOWED: dict[str, frozenset[str]] = {
    # lib.commands tags a command's audit rows with its channel (audit.context): lib's one
    # look upward, a context variable that belongs in lib.
    # lib.workdays: only a top-level administrator corrects the calendar (people.authz).
    "lib": frozenset({"audit", "people"}),
    "regions": FOUNDATION,
    "people": FOUNDATION,
    "audit": FOUNDATION,
    "notices": FOUNDATION,
    # Checkpoints chain the seals every domain publishes; they know no domain, the domains
    # that seal record their seals in them.
    "witness": FOUNDATION,
    # The ledger: claims, orders and activities reference transfers, never the reverse.
    "points": FOUNDATION,
    "claims": FOUNDATION | {"points"},
    # An activity closes into claims; its hours are the claims' hours.
    "activities": FOUNDATION | {"points", "claims"},
    # The shop reads the volunteer card (activities) and re-encodes photos (claims).
    "shop": FOUNDATION | {"points", "claims", "activities"},
    # 公示, rankings, certificates and selection read what was earned and served.
    # Every seal is witnessed above its community (witness).
    "publicity": FOUNDATION | {"points", "claims", "activities", "requests", "witness"},
    # 点单: a completed request becomes the helper's claim; the public wall and the
    # kiosk's wishes panel (publicity) read it.
    "requests": FOUNDATION | {"points", "claims"},
    # 网格事件: grid workers' points are claims.
    "incidents": FOUNDATION | {"points", "claims"},
    # 村务公开: the PDF of a disclosure uses publicity's embedded CJK font and page helpers.
    # A disclosure's seal is witnessed like a month's.
    "disclosure": FOUNDATION | {"publicity", "witness"},
    # 留言: staff turn a message into an incident or a service request (linked both ways).
    "messages": FOUNDATION | {"points", "claims", "requests", "incidents"},
    # 议事协商: a matter comes from a message, an incident or a request.
    "deliberation": FOUNDATION | {"points", "claims", "requests", "incidents", "messages"},
    # 驻区单位: unit points are claims posted to the unit's account.
    "units": FOUNDATION | {"points", "claims"},
    # 三单 · 微实事: needs come from requests and messages; a finished project earns its
    # lead unit points through a claim.
    "projects": FOUNDATION | {"points", "claims", "units", "requests", "messages"},
    # 在职党员回家报到: members serve through claims and activities; the quarterly statement
    # is sealed as a 公示 month is (publicity.seal) and witnessed.
    "party": FOUNDATION
    | {"points", "claims", "activities", "publicity", "units", "projects", "witness"},
    # 项目大赛: winners' projects become 微实事.
    "contests": FOUNDATION | {"units", "projects"},
    # 物业互评: findings become grid incidents or tracked items.
    "property_review": FOUNDATION | {"points", "claims", "units", "incidents"},
    # Paper history enters as people, claims and ledger transfers.
    "imports": FOUNDATION | {"points", "claims", "activities"},
    # The to-do list counts what waits in every domain.
    "inbox": FOUNDATION
    | {
        "points",
        "claims",
        "activities",
        "shop",
        "publicity",
        "requests",
        "incidents",
        "disclosure",
        "messages",
        "deliberation",
        "imports",
        "units",
        "projects",
        "party",
        "contests",
        "property_review",
    },
    # 巡察: the inspectors' summary reads messages, disclosures, incidents and matters.
    "inspection": FOUNDATION
    | {"points", "claims", "requests", "incidents", "disclosure", "messages", "deliberation"},
    "api": FOUNDATION | DOMAINS | EDGES,
    "web": FOUNDATION | DOMAINS | EDGES,
    "demo": FOUNDATION | DOMAINS | EDGES,
    "bench": FOUNDATION | DOMAINS | EDGES | {"demo"},
    "ops": EVERYTHING,
}

# A domain's own edge modules (its router, pages, URLs, forms, template tags, commands)
# may use the shared edges' helpers (jifen.api.fields, jifen.web.forms...); its services,
# selectors and models never do.
EDGE_PARTS = frozenset({"api", "views", "urls", "forms", "templatetags", "management"})

# Known crossings, each with its reason; the test fails when one disappears too, so this
# list only shrinks.
EXCEPTIONS: dict[tuple[str, str], str] = {
    ("jifen.people.api", "jifen.points.selectors"): (
        "GET /people/{id} shows the person's balance; belongs in points/api.py"
    ),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Every jifen module and the jifen modules (or packages) it imports, anywhere in it."""
    found: dict[str, set[str]] = defaultdict(set)
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        module = _module_name(path)
        found[module]  # a module importing nothing is still a module
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            else:
                continue
            found[module].update(n for n in names if n == "jifen" or n.startswith("jifen."))
    return found


def _package(module: str) -> str | None:
    """The package a module belongs to; None for the project's root modules (settings...)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (SOURCE / parts[1]).is_dir() else None


def _resolve(name: str, modules: set[str]) -> str | None:
    """The module an imported name lives in (``jifen.a.b.func`` → ``jifen.a.b``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def test_every_package_has_a_floor():
    packages = {p.name for p in SOURCE.iterdir() if (p / "__init__.py").exists()}
    assert packages - {"locale", "fonts"} == set(ALLOWED), "add the new package to ALLOWED"


def test_no_package_imports_a_floor_above_it():
    imports = _imports()
    crossings = set()
    wrong = []
    for module, names in imports.items():
        source = _package(module)
        if source is None:  # settings, urls, cli, wsgi: the project's root sees everything
            continue
        edge_module = bool(EDGE_PARTS & set(module.split(".")[2:]))
        for name in names:
            target = _package(name) if name != "jifen" else None
            if target is None or target == source:
                continue
            allowed = ALLOWED[source] | (EDGES if edge_module else frozenset())
            if target in allowed:
                continue
            where = _resolve(name, set(imports))
            if (module, where) in EXCEPTIONS:
                crossings.add((module, where))
                continue
            wrong.append(f"{module} imports {name} ({source} may not import {target})")
    assert not wrong, "\n".join(sorted(wrong))
    assert crossings == set(EXCEPTIONS), "an exception is gone: remove it from EXCEPTIONS"


def test_the_ledger_and_the_foundation_import_no_domain():
    """The issue's own words, kept apart from the table so a loosened table can't hide it."""
    above = {"activities", "claims", "shop", "publicity", "inbox", "imports", "ops"}
    for module, names in _imports().items():
        if _package(module) in {"points", "people", "regions", "lib"}:
            assert not {_package(n) for n in names} & above, module


def test_no_module_imports_itself_round_a_circle():
    """No circle of imports between modules, counting those inside functions. (The
    benchmark runner loads each benchmark when it is chosen, and each benchmark names
    the runner's types: one circle, inside jifen.bench, by design.)"""
    imports = _imports()
    modules = set(imports)
    graph = {
        m: {r for n in names if (r := _resolve(n, modules)) and r != m and r != "jifen"}
        for m, names in imports.items()
    }
    # Tarjan's strongly connected components, iteratively.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    circles.append(sorted(component))
    outside_bench = [c for c in circles if not all(m.startswith("jifen.bench.") for m in c)]
    assert not outside_bench, outside_bench


def test_publicity_reads_sit_below_its_writes():
    """seal < selectors < rankings < services: the circle the issue found stays broken."""
    imports = _imports()
    assert not {
        n for n in imports["jifen.publicity.selectors"] if "rankings" in n or "services" in n
    }
    assert not {n for n in imports["jifen.publicity.rankings"] if "publicity.services" in n}
    assert not {n for n in imports["jifen.publicity.seal"] if n.startswith("jifen.")}
