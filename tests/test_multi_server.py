"""The hub on several app servers (README "Running at scale"), end to end: two gunicorn
servers behind the README's nginx block, sharing PostgreSQL, Redis, SeaweedFS and one
worker (tests/cluster.py), started once for the session.

Runs only when asked (`pytest -m multi_server`, as .ci/run does); skips when nginx,
redis-server or PostgreSQL 15 is not installed here.
"""

import re
import signal
import threading
import time
import uuid
from itertools import count
from urllib.parse import urlencode

import pytest

from tests.cluster import AXES_FAILURE_LIMIT, NEWSLETTER_RATE_PER_IP, Cluster, missing_binaries
from tests.s3 import fetch

pytestmark = pytest.mark.multi_server

_addresses = count(1)
WAIT_FOR_WORKER = 60  # seconds for the worker to send an email or make renditions, when busy


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    missing = missing_binaries()
    if missing:
        pytest.skip("the cluster needs " + "; ".join(missing))
    running = Cluster(tmp_path_factory.mktemp("cluster")).start()
    try:
        yield running
    finally:
        running.stop()


def client_address():
    """A documentation address (RFC 5737) of its own for each use, so that one test's
    rate-limit and lock-out counts never reach another's."""
    return f"203.0.113.{next(_addresses)}"


def as_client(address):
    # Straight to an app server this plays the part of a trusted proxy; through nginx,
    # nginx appends its own peer and the app reads the address to its left.
    return {"X-Forwarded-For": address}


def cookies_from(headers):
    """name -> value of the Set-Cookie headers (http.client joins several with ', ')."""
    found = dict(re.findall(r"(?:^|, )([\w-]+)=([^;,]*)", headers.get("set-cookie", "")))
    return {name: value for name, value in found.items() if value}


def sign_in(cluster, where, address, password=None):
    """(status, session cookie or None) of a staff sign-in on one server."""
    status, headers, body = cluster.request(
        where, "GET", "/admin/login/", headers=as_client(address)
    )
    assert status == 200
    csrf_cookie = cookies_from(headers)["csrftoken"]
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": cluster.staff_username,
            "password": password or cluster.staff_password,
            "next": "/admin/",
        }
    )
    status, headers, body = cluster.request(
        where, "POST", "/admin/login/", form,
        headers={**as_client(address), "Cookie": f"csrftoken={csrf_cookie}"},
    )  # fmt: skip
    return status, cookies_from(headers).get("sessionid"), body


def staff_session(cluster, where):
    status, session, _body = sign_in(cluster, where, client_address())
    assert status == 302 and session
    return session


def make_draft(cluster, title):
    """A draft post made in the shared database (as a writer would): its primary key."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    result = cluster.manage(
        "shell", "-c",
        "from posts.models import Post; "
        f"print(Post.objects.create(title={title!r}, slug={slug!r}, "
        f"standfirst='Written on one server.', body='<p>Seen on every one.</p>', "
        "status=Post.Status.DRAFT).pk)",
    )  # fmt: skip
    return int(result.stdout.strip().splitlines()[-1]), slug


def publish(cluster, where, session, post_pk):
    """The admin's "Publish selected posts now" on one app server."""
    cookie = f"sessionid={session}"
    status, headers, body = cluster.request(
        where, "GET", "/admin/posts/post/", headers={"Cookie": cookie}
    )
    assert status == 200
    csrf_cookie = cookies_from(headers).get("csrftoken")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"csrfmiddlewaretoken": token, "action": "publish_now",
                      "_selected_action": post_pk, "index": 0})  # fmt: skip
    status, headers, _body = cluster.request(
        where, "POST", "/admin/posts/post/", form,
        headers={"Cookie": f"{cookie}; csrftoken={csrf_cookie}"},
    )  # fmt: skip
    assert status == 302, "the publish action did not go through"


def signup(cluster, where, address, email):
    form = urlencode({"email": email, "name": "Reader"})
    status, headers, _body = cluster.request(
        where, "POST", "/newsletter/", form, headers=as_client(address)
    )
    return status, headers


def redis_sets(cluster):
    """How many SET commands Redis has run: a page answered from the shared cache adds
    none, a page rendered adds at least one (the page itself)."""
    import redis

    client = redis.Redis(port=cluster.redis_port)
    try:
        stats = client.info("commandstats")
    finally:
        client.close()
    return stats.get("cmdstat_set", {}).get("calls", 0)


def test_a_signup_on_one_server_and_a_publish_on_the_other_are_seen_through_the_proxy(cluster):
    email = f"reader-{uuid.uuid4().hex[:8]}@example.org"
    post_pk, slug = make_draft(cluster, f"Shared learning {uuid.uuid4().hex[:6]}")
    status, headers = signup(cluster, "a", client_address(), email)
    assert status == 302 and headers["location"].endswith("/newsletter/check-your-email/")
    publish(cluster, "b", staff_session(cluster, "b"), post_pk)

    status, _headers, home = cluster.request("proxy", "GET", "/")
    assert status == 200 and f"/posts/{slug}/".encode() in home
    status, _headers, _body = cluster.request("proxy", "GET", f"/posts/{slug}/")
    assert status == 200
    # The subscriber is in the one database, whichever server staff ask.
    status, _headers, subscribers = cluster.request(
        "proxy", "GET", f"/admin/people/subscriber/?q={email}",
        headers={"Cookie": f"sessionid={staff_session(cluster, 'a')}"},
    )  # fmt: skip
    assert status == 200 and email.encode() in subscribers
    # And the worker, beside neither server, sends the confirmation.
    deadline = time.monotonic() + WAIT_FOR_WORKER
    while not any(email in path.read_text(errors="replace") for path in cluster.mail.glob("*")):
        assert time.monotonic() < deadline, "the worker sent no confirmation email"
        time.sleep(0.2)


def test_newsletter_rate_limit_counts_requests_to_both_servers(cluster):
    address = client_address()
    for index in range(NEWSLETTER_RATE_PER_IP):
        status, _headers = signup(cluster, "ab"[index % 2], address, f"r{index}@example.org")
        assert status == 302, f"signup {index + 1} of {NEWSLETTER_RATE_PER_IP} was refused"
    for where in ("a", "b", "proxy"):
        status, _headers = signup(cluster, where, address, f"more-{where}@example.org")
        assert status == 429, f"{where} did not count the signups made on the other server"
    # Another client is not held back by this one.
    status, _headers = signup(cluster, "proxy", client_address(), "someone@example.org")
    assert status == 302


def test_sign_in_lock_out_counts_failures_on_both_servers(cluster):
    address = client_address()
    for index in range(AXES_FAILURE_LIMIT - 1):
        status, session, _body = sign_in(cluster, "ab"[index % 2], address, password="wrong")
        assert status == 200 and session is None
    # The last allowed failure, on the server that saw fewer of them, locks the pair out.
    status, _session, _body = sign_in(cluster, "b", address, password="wrong")
    assert status == 429
    for where in ("a", "b", "proxy"):
        status, session, body = sign_in(cluster, where, address)  # the right password
        assert status == 429 and session is None and b"Sign-in temporarily locked" in body
    # The same account from another address still signs in.
    status, session, _body = sign_in(cluster, "a", client_address())
    assert status == 302 and session


def test_a_page_kept_by_one_server_is_answered_by_the_other_and_fresh_after_a_publish(cluster):
    # An address no test asked for yet (its query is part of the page's key).
    path = f"/?from={uuid.uuid4().hex[:8]}"
    sets = redis_sets(cluster)
    status, _headers, rendered_by_b = cluster.request("b", "GET", path)
    assert status == 200
    assert redis_sets(cluster) > sets, "server b did not keep the page in the shared cache"
    sets = redis_sets(cluster)
    status, _headers, from_a = cluster.request("a", "GET", path)
    assert status == 200 and from_a == rendered_by_b
    assert redis_sets(cluster) == sets, "server a rendered the page b had kept"

    post_pk, slug = make_draft(cluster, f"Fresh everywhere {uuid.uuid4().hex[:6]}")
    publish(cluster, "a", staff_session(cluster, "a"), post_pk)
    for where in ("b", "proxy", "a"):
        status, _headers, page = cluster.request(where, "GET", path)
        assert status == 200 and f"/posts/{slug}/".encode() in page, where


@pytest.mark.parametrize("path", ["/", "/posts/", "/sitemap.xml", "/feeds/atom/"])
def test_both_servers_send_the_same_validators_and_honour_each_others(cluster, path):
    answers = {where: cluster.request(where, "GET", path) for where in ("a", "b")}
    validators = {
        where: (headers.get("etag"), headers.get("last-modified"))
        for where, (_status, headers, _body) in answers.items()
    }
    assert all(status == 200 for status, _headers, _body in answers.values())
    assert validators["a"] == validators["b"] and all(validators["a"])
    etag, last_modified = validators["a"]
    for where in ("b", "a", "proxy"):
        status, _headers, body = cluster.request(
            where, "GET", path, headers={"If-None-Match": etag}
        )
        assert status == 304 and body == b"", where
        status, _headers, _body = cluster.request(
            where, "GET", path, headers={"If-Modified-Since": last_modified}
        )
        assert status == 304, where


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_stopping_one_app_server_loses_no_request_the_proxy_can_retry(cluster, how):
    app = cluster.apps["a"]
    answers, problems = [], []
    lock = threading.Lock()
    enough_before, enough_after = 20, 40
    stopped = threading.Event()
    served_after_stop = threading.Semaphore(0)
    done = threading.Event()

    def reader(number):
        # Search results for a new query each time are rendered, so some requests are
        # inside a gunicorn worker when it is stopped.
        for index in count():
            if done.is_set():
                return
            path = "/" if index % 3 == 0 else f"/search/?q=learning+{number}x{index}"
            try:
                status, _headers, _body = cluster.request("proxy", "GET", path, timeout=60)
            except OSError as error:
                status = repr(error)
            with lock:
                answers.append(status)
                if status != 200:
                    problems.append((path, status))
            if stopped.is_set():
                served_after_stop.release()

    readers = [threading.Thread(target=reader, args=(number,)) for number in range(4)]
    for thread in readers:
        thread.start()
    try:
        while len(answers) < enough_before:
            assert not problems, problems
            time.sleep(0.05)
        app.stop(how)
        stopped.set()
        for _ in range(enough_after):
            assert served_after_stop.acquire(timeout=60), "the proxy stopped answering"
    finally:
        done.set()
        for thread in readers:
            thread.join()
        app.start()  # on its port again, for the tests that follow
    assert problems == [], f"{len(problems)} of {len(answers)} requests failed: {problems[:5]}"


def test_an_upload_saved_by_one_process_is_served_from_object_storage_to_every_server(cluster):
    """No server keeps files of its own: a photo saved by another process (here a
    manage.py shell, as another machine) is shown by both servers from SeaweedFS."""
    name = f"Photographed {uuid.uuid4().hex[:6]}"
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower())
    cluster.manage(
        "shell", "-c",
        "import io; from PIL import Image; from django.core.files.base import ContentFile; "
        "from django.utils import timezone; from people.models import Person; "
        "from posts.models import Credit, Post; "
        "data = io.BytesIO(); Image.new('RGB', (600, 400), 'teal').save(data, 'JPEG'); "
        f"person = Person(name={name!r}, slug={slug!r}, photo_alt='A teal square'); "
        "person.photo.save('photo.jpg', ContentFile(data.getvalue()), save=False); "
        "person.save(); "
        f"post = Post.objects.create(title='By ' + {name!r}, slug={slug!r} + '-post', "
        "standfirst='S.', body='<p>B.</p>', status=Post.Status.PUBLISHED, "
        "published_at=timezone.now()); "
        "Credit.objects.create(post=post, person=person, role=Credit.Role.AUTHOR, order=0)",
    )  # fmt: skip
    storage = cluster.seaweedfs[1]
    # The worker makes the photo's renditions after the save, and their arrival is a
    # content change (the page then offers them): wait for it, so that both servers are
    # asked about the same content.
    deadline = time.monotonic() + WAIT_FOR_WORKER
    while b"/renditions/" not in cluster.request("proxy", "GET", f"/people/{slug}/")[2]:
        assert time.monotonic() < deadline, "the worker made no renditions of the photo"
        time.sleep(0.2)
    pages = {}
    for where in ("a", "b"):
        status, _headers, pages[where] = cluster.request(where, "GET", f"/people/{slug}/")
        assert status == 200, where
    assert pages["a"] == pages["b"]
    sources = re.findall(rf'(?:src|srcset)="({re.escape(storage)}/[^" ,]+)', pages["a"].decode())
    assert sources, "the photo is not served from object storage"
    status, headers, body = fetch(sources[0])
    assert status == 200 and headers["Content-Type"].startswith("image/") and body
