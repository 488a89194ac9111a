# ruff: noqa: SIM905 — word lists read best as text; the corpus needs no crypto randomness
"""Search benchmark: latency of posts.search.search() and of the /search/ page at scale.

    make bench-search                       # SQLite and PostgreSQL, N = 1,000 / 10,000 / 100,000
    BENCH_SIZES=1000,10000 make bench-search

For each backend and N, a child process builds a corpus in a database of its
own (a temporary SQLite file, or a PostgreSQL database created for the run and
dropped afterwards — never the development database), times a full index build,
then runs a fixed set of queries through the search function and through the
page (Django's test client). The last line printed is one JSON object with
every figure.

Environment: BENCH_SIZES, BENCH_BACKENDS (sqlite,postgresql), BENCH_REPEAT
(timed runs per query, default 5), BENCH_DATABASE_URL (a PostgreSQL server
whose user may CREATE DATABASE; bench/run.sh starts a throwaway one if unset).
"""

import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SEED = 20261125

# ------------------------------------------------------------------------------ the queries

# At least ten words each matching more than 10 % of the corpus (checked and reported).
COMMON_WORDS = [
    "support", "people", "services", "work", "experience", "needs", "change",
    "team", "health", "practice", "staff", "working",
]  # fmt: skip
QUERIES = [
    # single words: rare, middling and names
    *[{"q": w} for w in COMMON_WORDS],
    {"q": "Hastings"}, {"q": "PIE"}, {"q": "MCN"}, {"q": "supervision"}, {"q": "journal"},
    {"q": "Brighton"}, {"q": "toolkit"}, {"q": "coproduction"}, {"q": "multiagency"},
    {"q": "protocol"}, {"q": "Harrison"}, {"q": "café"}, {"q": "Women’s"},
    # phrases
    {"q": '"clinical supervision"'}, {"q": '"lived experience"'}, {"q": '"trauma informed"'},
    {"q": '"systems change"'}, {"q": '"mental health"'}, {"q": '"mystery shop"'},
    {"q": '"domestic abuse plan"'}, {"q": '"women’s hub"'}, {"q": '"multiple and complex needs"'},
    # several words, OR, exclusion
    {"q": "trauma informed supervision"}, {"q": "women hub hastings"},
    {"q": "employing people with lived experience"}, {"q": "academic journal publication"},
    {"q": "multiagency meetings mental health"}, {"q": "co-production definition"},
    {"q": "Ian Harrison"}, {"q": "support services people"}, {"q": "PIE OR MCN"},
    {"q": "housing -women"}, {"q": "support OR staff OR team"}, {"q": "change -people"},
    # misspellings
    {"q": "supervison"}, {"q": "copruduction"}, {"q": "hastigns"}, {"q": "expereince"},
    {"q": "trauma infromed"}, {"q": "psychologicaly"}, {"q": "multiagncy meetings"},
    {"q": "emploment"},
    # with filters
    {"q": "support", "topic": "co-production"}, {"q": "people", "year": 2020},
    {"q": "services", "topic": "mental-health", "year": 2021},
    {"q": "supervision", "topic": "clinical-supervision"}, {"q": "Hastings", "year": 2022},
    {"q": '"lived experience"', "topic": "employment"}, {"q": "work", "year": 2016},
    {"q": "trauma informed", "topic": "trauma-informed-practice"},
    {"q": "health", "topic": "women", "year": 2019}, {"q": "team", "topic": "systems-change"},
]  # fmt: skip

FIRST_NAMES = (
    "Alex Sam Jo Chris Priya Amara Tom Ruth Kofi Lena Dev Ana Ben Cara Ellis Fatima Grace Hugo "
    "Isla Jamal Kerry Alan Emily Andree Ian Katie David Michaela Aditi Rebecca Vikki"
).split()
LAST_NAMES = (
    "Smith Jones Patel Okafor Nowak Harrison Wallace Page Ralph Lowe Garret Rossmann Rieley "
    "Dowding Bhonagiri Evans Hughes Khan Murphy Taylor Walker Wright Green Hall Wood Clarke"
).split()
GENERAL_ENGLISH = """
time year people way day man thing woman life child world school state family student group
country problem hand part place case week company system program question work government
number night point home water room mother area money story fact month lot right study book
eye job word business issue side kind head house service friend father power hour game line
end member law car city community name president team minute idea kid body information back
parent face others level office door health person art war history party result change
morning reason research girl guy moment air teacher force education foot boy age policy
process music market sense nation plan college interest death experience effect use class
control care field development role effort rate heart drug show leader light voice wife
police mind price report decision son view relationship town road arm difference value
building action model season society tax director position player record paper space ground
form event official matter center couple site project activity star table need court oil
situation cost industry figure street image phone data picture practice piece land product
doctor wall patient worker news test movie north love support technology step baby computer
type attention film tree source organization hair window evidence population site training
say get make go know take see come think look want give use find tell ask seem feel try leave
call keep let begin help talk turn start show hear play run move like live believe hold bring
happen write provide sit stand lose pay meet include continue set learn lead understand watch
follow stop create speak read allow add spend grow open walk win offer remember consider
appear buy wait serve die send expect build stay fall cut reach kill remain suggest raise pass
sell require decide return explain hope develop carry break receive agree support hit produce
eat cover catch draw choose cause point listen realize place close involve increase
good new first last long great little own other old right big high different small large next
early young important few public bad same able local sure free better best low late hard
major strong possible whole clear recent certain personal open red difficult available likely
short single medical current wrong private past foreign fine common poor natural significant
similar hot dead central happy serious ready simple left physical general environmental
financial blue democratic dark various entire close legal religious cold final main green
nice huge popular traditional cultural often also well still even back really just ever
never always sometimes together usually already almost enough quite rather perhaps maybe
""".split()
SYLLABLES = (
    "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo ga ge gi go la le li lo lu ma me "
    "mi mo mu na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve "
    "vi vo za ze zi zo ster lin mar den ton ward ley ham ford wick shaw ing tion ment ness able"
).split()


def _demo_words():
    content = json.loads((ROOT / "posts/demo_content/content.json").read_text("utf-8"))
    text = " ".join(
        p["title"] + " " + p["standfirst"] + " " + re.sub(r"<[^>]+>", " ", p["body"])
        for p in content["posts"]
    )
    return re.findall(r"[A-Za-z’'][A-Za-z’'-]*", text), content


def build_word_pool(rng, size=3_000_000):
    """A long stream of words with a Zipf-like spread: demo text, general English, a long tail."""
    demo_words, _ = _demo_words()
    tail = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(30_000)}
    vocab = list(dict.fromkeys([*GENERAL_ENGLISH, *sorted(tail)]))
    weights = [1 / (rank + 1) ** 1.05 for rank in range(len(vocab))]
    general = rng.choices(vocab, weights=weights, k=size // 2)
    pool = []
    # Alternate short runs of the demo posts' own sentences (about a fifth of the text)
    # with longer runs of general English, so domain words are common but not universal.
    while len(pool) < size:
        start = rng.randrange(len(demo_words) - 40)
        pool.extend(demo_words[start : start + rng.randint(4, 16)])
        g = rng.randrange(len(general) - 80)
        pool.extend(general[g : g + rng.randint(20, 60)])
    return pool[:size]


def words_from(pool, rng, n):
    start = rng.randrange(len(pool) - n)
    return pool[start : start + n]


# ------------------------------------------------------------------------ the child process


def setup_django():
    """Django with production settings, except that static files are served unhashed."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flse_hub.settings")
    sys.path.insert(0, str(ROOT))
    import warnings

    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import override_settings

    # Production settings, except that static files are served unhashed (no collectstatic).
    warnings.filterwarnings("ignore", message="No directory at")
    override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()


def build_corpus(n, log):
    """Migrate the (empty) database and fill it with n posts; return the seconds taken."""
    from django.core.management import call_command
    from django.db import transaction
    from django.utils.text import slugify

    from people.models import Person
    from posts.models import Credit, Post, TaggedPost, Topic

    call_command("migrate", verbosity=0)
    rng = random.Random(SEED)
    started = time.perf_counter()
    pool = build_word_pool(rng)
    _, content = _demo_words()
    topics = [Topic.objects.create(name=t["name"], slug=t["slug"]) for t in content["topics"]]
    topics += [
        Topic.objects.create(name=f"Subject {w.title()}", slug=f"subject-{w}")
        for w in rng.sample(GENERAL_ENGLISH, 20)
    ]
    people = Person.objects.bulk_create(
        Person(name=f"{first} {last}", slug=slugify(f"{first} {last} {i}"))
        for i, (first, last) in enumerate(
            (rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)) for _ in range(300)
        )
    )
    epoch = datetime(2012, 1, 1, 9, tzinfo=UTC)
    now = datetime.now(UTC)
    span = (now - epoch).total_seconds()
    batch = 2000
    with transaction.atomic():
        for first in range(0, n, batch):
            posts = []
            for i in range(first, min(n, first + batch)):
                title = " ".join(words_from(pool, rng, rng.randint(4, 10))).capitalize()
                paragraphs, remaining = [], rng.randint(600, 1500)
                while remaining > 0:
                    size = min(remaining, rng.randint(60, 140))
                    paragraphs.append("<p>" + " ".join(words_from(pool, rng, size)) + ".</p>")
                    remaining -= size
                draft = rng.random() < 0.01
                posts.append(
                    Post(
                        title=title,
                        slug=f"{slugify(title)[:200]}-{i}",
                        standfirst=" ".join(words_from(pool, rng, rng.randint(20, 45))) + ".",
                        body="".join(paragraphs),
                        status=Post.Status.DRAFT if draft else Post.Status.PUBLISHED,
                        published_at=epoch + timedelta(seconds=rng.random() * span),
                    )
                )
            # bulk_create skips save() and signals: the index is built afterwards, timed.
            posts = Post.objects.bulk_create(posts)
            credits, taggings = [], []
            for post in posts:
                for order, person in enumerate(rng.sample(people, rng.randint(1, 3))):
                    anonymous = rng.random() < 0.05
                    credits.append(
                        Credit(post=post, person=person, order=order, anonymous=anonymous)
                    )
                taggings += [
                    TaggedPost(content_object=post, tag=t)
                    for t in rng.sample(topics, rng.randint(1, 4))
                ]
            Credit.objects.bulk_create(credits)
            TaggedPost.objects.bulk_create(taggings)
            log(f"loaded {min(n, first + batch)} posts")
    return round(time.perf_counter() - started, 1)


def index_corpus(log):
    """Build the search index from scratch; return (posts indexed, seconds taken)."""
    from django.db import connection

    from posts.search.indexing import rebuild_index

    started = time.perf_counter()
    indexed = rebuild_index()
    seconds = round(time.perf_counter() - started, 1)
    log(f"indexed {indexed} posts in {seconds} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return indexed, seconds


def measure(indexed, log):
    """Time every query through search() and through the page; return the figures."""
    from django.test import Client

    from posts.models import Topic
    from posts.search import backend, parse, search

    topic_by_slug = {t.slug: t for t in Topic.objects.all()}
    engine = backend()
    client = Client()
    repeat = int(os.environ.get("BENCH_REPEAT", "5"))
    fn_times, page_times, per_query, common = [], [], [], {}
    for spec in QUERIES:
        kwargs = {}
        if "topic" in spec:
            kwargs["topic"] = topic_by_slug[spec["topic"]]
        if "year" in spec:
            kwargs["year"] = spec["year"]
        url = "/search/?" + urlencode(spec)
        results = search(spec["q"], **kwargs)  # warm-up (and the figures we report)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        f_samples, p_samples = [], []
        for _ in range(repeat):
            t0 = time.perf_counter()
            search(spec["q"], **kwargs)
            f_samples.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            client.get(url)
            p_samples.append((time.perf_counter() - t0) * 1000)
        fn_times += f_samples
        page_times += p_samples
        per_query.append(
            {
                **spec,
                "total": f"{results.total}+" if results.more else results.total,
                "suggestion": results.suggestion,
                "fn_ms": round(statistics.median(f_samples), 1),
                "page_ms": round(statistics.median(p_samples), 1),
            }
        )
        if spec["q"] in COMMON_WORDS and len(spec) == 1:
            # The page caps its count (posts.search.WINDOW); count exactly, untimed.
            with engine.session():
                common[spec["q"]] = round(engine.total(parse(spec["q"])) / indexed, 3)

    def pct(samples, p):
        return round(statistics.quantiles(samples, n=100, method="inclusive")[p - 1], 1)

    from posts.search import PHRASE_WINDOW, WINDOW

    summary = {
        "window": WINDOW,
        "phrase_window": PHRASE_WINDOW,
        "queries": len(QUERIES),
        "samples_per_query": repeat,
        "search_ms": {"median": pct(fn_times, 50), "p95": pct(fn_times, 95)},
        "page_ms": {"median": pct(page_times, 50), "p95": pct(page_times, 95)},
        "common_word_match_share": common,
        "slowest": sorted(per_query, key=lambda r: -r["fn_ms"])[:5],
    }
    log(
        f"search median {summary['search_ms']['median']} ms p95 {summary['search_ms']['p95']} ms; "
        f"page median {summary['page_ms']['median']} ms p95 {summary['page_ms']['p95']} ms"
    )
    return summary


def child(n, label):
    import logging

    setup_django()
    logging.basicConfig(level=logging.WARNING, format=f"[{label} N={n}] %(message)s")
    logging.getLogger("posts.search").setLevel(logging.INFO)
    log = lambda *a: print(f"[{label} N={n}]", *a, file=sys.stderr, flush=True)  # noqa: E731
    corpus_seconds = build_corpus(n, log)
    indexed, index_seconds = index_corpus(log)
    summary = {
        "backend": label,
        "n": n,
        "indexed": indexed,
        "corpus_seconds": corpus_seconds,
        "index_seconds": index_seconds,
        **measure(indexed, log),
    }
    print("RESULT " + json.dumps(summary), flush=True)


# ----------------------------------------------------------------------------- the parent


def run_child(n, backend, database_url, var_dir):
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FLSE_VAR_DIR": var_dir,
        "DJANGO_DEBUG": "false",
        "DJANGO_HTTPS": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DJANGO_SECRET_KEY": "benchmark-only-not-secret",
    }
    proc = subprocess.run(
        [sys.executable, __file__, "--child", str(n), backend],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    line = next(li for li in proc.stdout.splitlines() if li.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def pg_admin(url, sql):
    import psycopg2

    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql)
    conn.close()


def main():
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "1000,10000,100000").split(",")]
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
    pg_url = os.environ.get("BENCH_DATABASE_URL", "")
    runs = []
    for backend in backends:
        if backend == "postgresql" and not pg_url:
            print("PostgreSQL skipped: set BENCH_DATABASE_URL (bench/run.sh starts a server).")
            continue
        for n in sizes:
            with tempfile.TemporaryDirectory(prefix="flse-bench-") as var_dir:
                if backend == "sqlite":
                    url = f"sqlite:///{var_dir}/bench.sqlite3"
                else:
                    name = f"flse_bench_{n}_{os.getpid()}"
                    parts = urlsplit(pg_url)
                    pg_admin(pg_url, f'CREATE DATABASE "{name}"')
                    url = urlunsplit(parts._replace(path=f"/{name}"))
                try:
                    result = run_child(n, backend, url, var_dir)
                finally:
                    if backend == "postgresql":
                        pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}"')
            runs.append(result)
            print(
                f"{backend:10} N={n:>7}: index {result['index_seconds']:>6} s | "
                f"search median {result['search_ms']['median']:>6} ms p95 "
                f"{result['search_ms']['p95']:>6} ms | page median "
                f"{result['page_ms']['median']:>6} ms p95 {result['page_ms']['p95']:>6} ms | "
                f"corpus {result['corpus_seconds']} s",
                flush=True,
            )
    print(json.dumps({"runs": runs}))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), sys.argv[3])
    else:
        main()
