"""Locust users for the load benchmark (`benchmarks/bench_load.py` starts locust with this file).

Three kinds of simulated people, each logged in as her own demo account (read from the JSON file
named by KRING_LOAD_ACCOUNTS), and the bare hello-world app's visitor:

- Studente: start page, circles list, join a circle and leave it again (htmx), her speeddates,
  the sign-up page, register (htmx), pick two tables (htmx), unregister (htmx); every third round
  she logs out and in again.
- Coordinator: start page, students list, an active search in it (htmx partial, two keystrokes),
  an alumnae search (htmx partial), the school dashboard and its five panels (htmx, loaded at
  once as the page's hx-trigger="load" does, on up to six connections like a browser).
- Admin: start page, the network dashboard and its panel (htmx).
- Hello: GET / of benchmarks/hello_app.py.

Settings (environment):
    KRING_LOAD_ACCOUNTS   JSON file: {"students": [...], "coordinators": [...], "admins": [...], "password": "..."}
    KRING_LOAD_THINK      "min,max" seconds a person waits between two actions (default "1,3"); "0,0" for none
    KRING_LOAD_USERS      "hello" for the bare app; else the app's people (default)
    KRING_LOAD_TARGET     capacity mode: one of the TARGETS below, repeated without thinking
    KRING_LOAD_RAW        file to which every request is written as a JSON line (name, ms, ok, time)
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from urllib.parse import quote

import gevent
from gevent.pool import Pool
from locust import FastHttpUser, events, task

THINK = tuple(float(x) for x in os.environ.get("KRING_LOAD_THINK", "1,3").split(","))
KIND = os.environ.get("KRING_LOAD_USERS", "app")
TARGET = os.environ.get("KRING_LOAD_TARGET", "")
HTMX = {"HX-Request": "true"}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
JOIN = re.compile(r'hx-post="(/kringen/(\d+)/aanmelden)"')
LEAVE = re.compile(r'hx-post="(/kringen/(\d+)/afmelden)"')
EVENT = re.compile(r'href="/speeddates/(\d+)/aanmelden"')
PICK = re.compile(r'hx-post="(/speeddates/\d+/voorkeuren/\d+/kiezen)"')
PANEL = re.compile(r'hx-get="([^"]+)" hx-trigger="load"')
SEARCHES = ["sa", "san", "ya", "yas", "de", "de v", "ko", "kos", "me", "mey", "em", "emm"]
ALUMNA_SEARCHES = ["ict", "stedin", "monteur", "asml", "bouw", "robot"]


def _accounts() -> dict:
    path = os.environ.get("KRING_LOAD_ACCOUNTS")
    if not path:
        return {"students": [], "coordinators": [], "admins": [], "password": ""}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


ACCOUNTS = _accounts()
_next = {kind: itertools.count() for kind in ("students", "coordinators", "admins")}

# --- the raw log: every request with its exact time, for percentiles finer than locust's ------------
_raw: list[str] = []


@events.request.add_listener
def _log(request_type, name, response_time, response_length, exception=None, **_kwargs):
    _raw.append(json.dumps({"name": name, "ms": round(response_time, 3), "ok": exception is None, "t": round(time.time(), 3)}))


@events.quitting.add_listener
def _write_raw(**_kwargs):
    path = os.environ.get("KRING_LOAD_RAW")
    if path:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("\n".join(_raw) + ("\n" if _raw else ""))


def _think() -> None:
    low, high = THINK
    if high > 0:
        gevent.sleep(random.uniform(low, high))


class _Person(FastHttpUser):
    """A logged-in person of the app; subclasses say which accounts and what she does."""

    abstract = True
    concurrency = 6  # connections per person, as a browser opens
    kind = "students"
    role = "studente"
    csrf = ""

    def on_start(self) -> None:
        accounts = ACCOUNTS[self.kind]
        if not accounts:
            raise RuntimeError(f"no {self.kind} in KRING_LOAD_ACCOUNTS")
        self.email = accounts[next(_next[self.kind]) % len(accounts)]
        self.rounds = 0
        self.login("POST /login (first)", first=True)

    def login(self, name: str = "POST /login", first: bool = False) -> None:
        with self.client.get("/login", name="GET /login", catch_response=True) as page:
            token = CSRF.search(page.text or "")
            if page.status_code != 200 or token is None:
                page.failure(f"login page: {page.status_code}")
                return
        with self.client.post(
            "/login", data={"email": self.email, "password": ACCOUNTS["password"], "csrf_token": token.group(1)},
            name=name, allow_redirects=False, catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"login as {self.email}: {answer.status_code}")
                return
        self.start_page("GET /start (first)" if first else None)

    def logout(self) -> None:
        with self.client.post("/logout", data={"csrf_token": self.csrf}, name="POST /logout", allow_redirects=False, catch_response=True) as answer:
            if answer.status_code != 302:
                answer.failure(f"logout: {answer.status_code}")

    def start_page(self, name: str | None = None) -> None:
        with self.client.get("/start", name=name or f"GET /start ({self.role})", catch_response=True) as page:
            token = CSRF.search(page.text or "")
            if page.status_code != 200 or token is None:
                page.failure(f"start: {page.status_code}")
                return
            self.csrf = token.group(1)

    def get(self, url: str, name: str, htmx: bool = False, expect: str | None = None) -> str:
        with self.client.get(url, name=name, headers=HTMX if htmx else None, catch_response=True) as page:
            text = page.text or ""
            if page.status_code != 200:
                page.failure(f"{url}: {page.status_code}")
            elif expect is not None and expect not in text:
                page.failure(f"{url}: {expect!r} missing")
            return text

    def post(self, url: str, name: str, status: int = 200, expect: str | None = None) -> str:
        headers = {**HTMX, "X-CSRFToken": self.csrf}
        with self.client.post(url, data={"csrf_token": self.csrf}, name=name, headers=headers, catch_response=True, allow_redirects=False) as answer:
            text = answer.text or ""
            if answer.status_code != status:
                answer.failure(f"{url}: {answer.status_code}")
            elif expect is not None and expect not in text:
                answer.failure(f"{url}: {expect!r} missing")
            return text

    def think(self) -> None:
        _think()

    def wait_time(self) -> float:
        return 0


class Studente(_Person):
    fixed_count = 14
    kind = "students"

    @task
    def round_trip(self) -> None:
        if TARGET:
            return self.capacity()
        self.start_page()
        self.think()
        self.circles()
        self.think()
        self.speeddate()
        self.think()
        self.rounds += 1
        if self.rounds % 3 == 0:
            self.logout()
            self.think()
            self.login()
            self.think()

    def circles(self) -> None:
        page = self.get("/kringen/", "GET /kringen/ (circles)", expect="Mentorkringen")
        for url, _id in LEAVE.findall(page):  # left over from an interrupted run
            self.post(url, "POST /kringen/[id]/afmelden (htmx)", expect="circle-")
        joins = JOIN.findall(page)
        if not joins:
            return
        url, circle_id = random.choice(joins)
        self.think()
        card = self.post(url, "POST /kringen/[id]/aanmelden (htmx)", expect=f'id="circle-{circle_id}"')
        self.think()
        if f"/kringen/{circle_id}/afmelden" in card:
            self.post(f"/kringen/{circle_id}/afmelden", "POST /kringen/[id]/afmelden (htmx)", expect=f'id="circle-{circle_id}"')

    def speeddate(self) -> None:
        mine = self.get("/speeddates/mijn", "GET /speeddates/mijn", expect="Mijn speeddates")
        found = EVENT.search(mine)
        if found is None:
            return
        event = found.group(1)
        self.think()
        signup = self.get(f"/speeddates/{event}/aanmelden", "GET /speeddates/[id]/aanmelden (sign-up page)")
        if f'hx-post="/speeddates/{event}/aanmelden"' in signup:
            self.think()
            self.post(f"/speeddates/{event}/aanmelden", "POST /speeddates/[id]/aanmelden (htmx, register)", status=204)
            signup = self.get(f"/speeddates/{event}/aanmelden", "GET /speeddates/[id]/aanmelden (sign-up page)", expect='id="ranking"')
        for url in PICK.findall(signup)[:2]:
            self.think()
            signup = self.post(url, "POST /speeddates/[id]/voorkeuren/[host]/kiezen (htmx)", expect='id="ranking"')
        self.think()
        self.post(f"/speeddates/{event}/afmelden", "POST /speeddates/[id]/afmelden (htmx)", status=204)

    def capacity(self) -> None:
        """One request (or one join-and-leave pair) again and again, without thinking."""
        if TARGET == "circles":
            self.get("/kringen/", "GET /kringen/ (circles)", expect="Mentorkringen")
        elif TARGET == "join-leave":
            if not hasattr(self, "circle"):
                page = self.get("/kringen/", "setup")
                self.circle = random.choice(JOIN.findall(page))[1]
            self.post(f"/kringen/{self.circle}/aanmelden", "POST /kringen/[id]/aanmelden (htmx)", expect=f'id="circle-{self.circle}"')
            self.post(f"/kringen/{self.circle}/afmelden", "POST /kringen/[id]/afmelden (htmx)", expect=f'id="circle-{self.circle}"')
        elif TARGET == "speeddate":
            if not hasattr(self, "event"):
                self.event = EVENT.search(self.get("/speeddates/mijn", "setup")).group(1)
            self.get(f"/speeddates/{self.event}/aanmelden", "GET /speeddates/[id]/aanmelden (sign-up page)")
        elif TARGET == "register":
            if not hasattr(self, "event"):
                self.event = EVENT.search(self.get("/speeddates/mijn", "setup")).group(1)
            self.post(f"/speeddates/{self.event}/aanmelden", "POST /speeddates/[id]/aanmelden (htmx, register)", status=204)
            self.post(f"/speeddates/{self.event}/afmelden", "POST /speeddates/[id]/afmelden (htmx)", status=204)
        elif TARGET == "start":
            self.start_page()
        elif TARGET == "login":
            self.login()
        else:
            gevent.sleep(1)


class Coordinator(_Person):
    fixed_count = 5
    kind = "coordinators"
    role = "coordinator"

    @task
    def round_trip(self) -> None:
        if TARGET:
            return self.capacity()
        self.start_page()
        self.think()
        self.get("/school/studenten", "GET /school/studenten (students)", expect="results")
        self.think()
        word = random.choice(SEARCHES[::2])
        self.search(word[:2])
        self.search(word + random.choice("nm"))
        self.think()
        self.get(f"/school/alumnae?q={random.choice(ALUMNA_SEARCHES)}", "GET /school/alumnae?q= (htmx search)", htmx=True)
        self.think()
        self.dashboard()
        self.think()

    def search(self, term: str) -> None:
        self.get(f"/school/studenten?q={quote(term)}", "GET /school/studenten?q= (htmx search)", htmx=True)

    def dashboard(self) -> None:
        page = self.get("/dashboard/", "GET /dashboard/ (school)", expect="hx-trigger")
        panels = PANEL.findall(page)
        pool = Pool(6)
        for url in panels:
            name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
            pool.spawn(self.get, url, f"GET /dashboard/paneel/{name} (htmx)", True)
        pool.join()

    def capacity(self) -> None:
        if TARGET == "students":
            self.get("/school/studenten", "GET /school/studenten (students)", expect="results")
        elif TARGET == "search":
            self.search(random.choice(SEARCHES))
        elif TARGET == "alumnae":
            self.get(f"/school/alumnae?q={random.choice(ALUMNA_SEARCHES)}", "GET /school/alumnae?q= (htmx search)", htmx=True)
        elif TARGET == "dashboard":
            self.dashboard()
        else:
            gevent.sleep(1)


class Admin(_Person):
    fixed_count = 1
    kind = "admins"
    role = "admin"

    @task
    def round_trip(self) -> None:
        if TARGET:
            if TARGET == "network":
                self.network()
            else:
                gevent.sleep(1)
            return
        self.start_page()
        self.think()
        self.network()
        self.think()

    def network(self) -> None:
        page = self.get("/dashboard/netwerk", "GET /dashboard/netwerk (network)", expect="hx-trigger")
        for url in PANEL.findall(page):
            self.get(url, "GET /dashboard/netwerk/paneel (htmx)", htmx=True)


class Hello(FastHttpUser):
    """The bare app: the same number of visitors, the same thinking."""

    concurrency = 6

    def wait_time(self) -> float:
        return 0

    @task
    def hello(self) -> None:
        with self.client.get("/", name="GET / (hello world)", catch_response=True) as page:
            if page.status_code != 200 or "Hello" not in (page.text or ""):
                page.failure(f"hello: {page.status_code}")
        _think()


# Capacity mode: which kind of person repeats the target (all the users are of that kind).
TARGETS = {
    "start": "Studente", "circles": "Studente", "join-leave": "Studente", "speeddate": "Studente", "register": "Studente",
    "login": "Studente", "students": "Coordinator", "search": "Coordinator", "alumnae": "Coordinator",
    "dashboard": "Coordinator", "network": "Admin",
}

# Locust runs every user class this module defines: keep only the wanted ones.
if KIND == "hello":
    _keep = {"Hello"}
elif TARGET:
    _keep = {TARGETS[TARGET]}
    globals()[TARGETS[TARGET]].fixed_count = 0
else:
    _keep = {"Studente", "Coordinator", "Admin"}
for _name in ("Studente", "Coordinator", "Admin", "Hello"):
    if _name not in _keep:
        del globals()[_name]
