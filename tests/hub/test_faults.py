"""What goes wrong between tablets and the hub: each fault gets a sentence for staff, loses
nothing, and the tablets catch up by themselves. (A sync killed with SIGKILL, pushing or
pulling: tests/reliability/test_hub_kills.py. Wrong addresses, passwords, databases and
schemas at the command line: test_cli_hub.py.)"""

from __future__ import annotations

import random
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from mesocheck.forms.registry import default_form
from mesocheck.hub.errors import HubError, HubLost
from mesocheck.hub.store import HubStore
from mesocheck.store import Store
from mesocheck.sync import SyncWorker, Tablet, waiting_intakes
from tests.support.intakes import cheap_pins, fill_intake
from tests.support.postgres import HUB_PASSWORD, HUB_USER
from tests.support.store_rows import FLAGS, signature, start, submitted
from tests.support.tcp_proxy import Proxy
from tests.support import at_rest
from tests.support.hub import hub_count, wait_for


def tablet_store(path, clock=None) -> Store:
    path.parent.mkdir(parents=True, exist_ok=True)
    return Store.open(at_rest.ready(path), **({"clock": clock} if clock else {}))


def test_the_hub_stopped_in_the_middle_of_a_push(own_hub, tmp_path):
    cluster, url = own_hub
    store = tablet_store(tmp_path / "a.sqlite3")
    ids = [submitted(store, name=f"Patient {n}") for n in range(12)]
    tablet = Tablet(store, url, name="a")
    batches = []

    def stop_after_two(head_id: int, waiting: int) -> None:
        batches.append(head_id)
        if len(batches) == 2:
            cluster.stop("immediate")

    with pytest.raises(HubError) as caught:
        tablet.push(batch_entries=8, progress=stop_after_two)
    assert "nothing was lost" in caught.value.message or "cannot be reached" in \
        caught.value.message
    tablet.close()
    assert store.verify() == []  # the tablet's record is whole
    cluster.start()
    assert hub_count(url, "SELECT head_id FROM devices WHERE name = 'a'") == batches[1]
    report = tablet.push(batch_entries=8)
    assert report.entries > 0
    with HubStore.open(url) as hub:
        assert sorted(r.intake_id for r in hub.queue(limit=100)) == sorted(ids)
        assert hub.verify() == []
    tablet.close()
    store.close()


def test_the_network_cut_while_two_tablets_keep_taking_intakes(own_hub, tmp_path):
    cluster, url = own_hub
    proxy = Proxy(cluster.port)
    via = proxy.url("clinic", HUB_USER, HUB_PASSWORD)
    form = default_form()
    stores, workers = [], []
    try:
        for name in ("a", "b"):
            path = tmp_path / name / "tablet.sqlite3"
            store = tablet_store(path)
            worker = SyncWorker(lambda p=path: Store.open(p, create=False), via, name=name,
                                pull_every_s=0.3, poll_s=0.05)
            worker.BACKOFF = (0.2, 0.5)  # the clinic's would be seconds
            worker.start()
            stores.append(store)
            workers.append(worker)
        rng = random.Random(4)
        fill_intake(stores[0], form, rng, name="Before Cut")
        # (the hub's count too: a worker may not have seen the new intake yet, and say 0)
        wait_for(lambda: all(w.status().connected and w.status().waiting == 0
                             for w in workers) and hub_count(
            url, "SELECT count(*) FROM intakes WHERE status = 'submitted'") == 1,
            30, "both tablets to have sent all")
        proxy.cut()
        cut_at = datetime.now(timezone.utc)
        taken = [fill_intake(s, form, rng, name=f"During Cut {n}").intake_id
                 for n in range(3) for s in stores]
        wait_for(lambda: all(w.status().problem and w.status().waiting == 3 for w in workers),
                 30, lambda: f"the cut to be noticed: {[w.status() for w in workers]}")
        for worker, store in zip(workers, stores):
            status = worker.status()
            assert status.failing_since >= cut_at - timedelta(seconds=1)
            assert status.waiting == 3 and not status.connected
            assert "hub" in status.problem and HUB_PASSWORD not in status.problem
        assert hub_count(url, "SELECT count(*) FROM intakes") == 1
        proxy.restore()
        wait_for(lambda: all(w.status().waiting == 0 and w.status().connected
                             for w in workers), 60, "the tablets to catch up")
        with HubStore.open(url) as hub:
            on_hub = {r.intake_id for r in hub.queue(limit=100)}
            assert set(taken) <= on_hub and len(on_hub) == 7
            assert hub.verify() == []
        for store in stores:
            assert store.verify() == []
    finally:
        for worker in workers:
            worker.stop()
        for store in stores:
            store.close()
        proxy.close()


def test_two_tablets_pushing_at_once_and_one_tablet_twice_at_once(hub_url, tmp_path):
    paths = {name: tmp_path / f"{name}.sqlite3" for name in "ab"}
    for path in paths.values():
        with tablet_store(path) as store:
            for n in range(15):
                submitted(store, name=f"Crowd {n}")
            Tablet(store, hub_url, name=path.stem).connection()  # registered
    failures, devices = [], {}

    def push(name: str) -> None:  # a thread with its own connections, as a program has
        try:
            with Store.open(at_rest.ready(paths[name]), create=False) as store:
                link = Tablet(store, hub_url, name=name)
                link.push(batch_entries=5)
                devices[name] = link.device
                link.close()
        except Exception as exc:  # reported below
            failures.append(exc)

    # a's file is sent by two programs at once (as if the app and `mesocheck sync` ran)
    threads = [threading.Thread(target=push, args=(name,)) for name in "aab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []
    with HubStore.open(hub_url) as hub:
        assert hub.queue_count() == 30
        for name, path in paths.items():
            ours = hub.connection.execute(
                "SELECT count(*), max(id) FROM audit WHERE device = ?",
                (devices[name],)).fetchone()
            with Store.open(at_rest.ready(path), create=False) as store:
                top = store.connection.execute("SELECT count(*), max(id) FROM audit").fetchone()
            assert tuple(ours) == tuple(top)  # the whole chain, each row once
        assert hub.verify() == []


def test_a_tablet_clock_five_minutes_ahead(hub_url, tmp_path, capsys):
    from mesocheck import cli

    skew = timedelta(minutes=5)
    store = tablet_store(tmp_path / "fast.sqlite3",
                         clock=lambda: datetime.now(timezone.utc) + skew)
    with cheap_pins():
        desk = store.add_staff("Sam Desk", "front-desk", "517394", "system")
    intake_id = submitted(store)
    for _ in range(5):
        assert not store.check_pin(desk, "0000").ok  # locked here until its clock + 15 min
    tablet = Tablet(store, hub_url, name="fast clock")
    tablet.sync_once()
    with HubStore.open(hub_url) as hub:
        assert hub.intake(intake_id).status == "submitted"
        member = next(m for m in hub.staff_members() if m.name == "Sam Desk")
        hub_now = datetime.now(timezone.utc)
        # the hub's own clock decides how long a lock-out lasts: 15 minutes, not 20
        assert timedelta(minutes=14) < member.locked_until - hub_now <= timedelta(minutes=15)
        assert hub.verify() == []
    assert cli.main(["hub", "status", "--hub", hub_url]) == 0
    assert "its clock is 5 min ahead of the hub's" in capsys.readouterr().out
    tablet.close()
    store.close()


def test_an_unreachable_hub_never_keeps_the_tablet_waiting(tmp_path):
    """A hub that accepts the connection and never answers (the worst kind): the tablet's
    saves go on at their usual speed while its sync waits out its time-out."""
    silent = socket.create_server(("127.0.0.1", 0))  # listens, never speaks
    url = f"postgresql://mesocheck:pw@127.0.0.1:{silent.getsockname()[1]}/clinic"
    path = tmp_path / "tablet.sqlite3"
    store = tablet_store(path)
    worker = SyncWorker(lambda: Store.open(path, create=False), url, name="patient's tablet")
    worker.start()
    try:
        intake_id = start(store)
        slowest = 0.0
        for n in range(60):
            began = time.perf_counter()
            store.save_answer(intake_id, f"q{n}", n)
            slowest = max(slowest, time.perf_counter() - began)
            time.sleep(0.05)
        assert slowest < 0.25
        wait_for(lambda: worker.status().problem is not None, 30, "the sync to give up")
        assert worker.status().waiting == 0  # nothing signed yet
    finally:
        worker.stop()
        store.close()
        silent.close()
