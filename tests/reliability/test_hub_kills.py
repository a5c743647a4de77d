"""Promise 9: killing a tablet's sync at any moment loses nothing and doubles nothing.

A tablet's sync runs as a process of its own, pushing or pulling (or both) in small
batches, and is killed with SIGKILL at a random moment once connected, over and over. In
between, the tablet keeps taking intakes (answers rewritten before signing, as patients
do) and the practitioner keeps reviewing on the hub (decisions, countersignatures,
documents), so there is always something to send and to fetch. Afterwards one clean sync,
then: the hub holds the tablet's whole audit chain as the tablet has it; every row the
tablet wrote is on the hub once, and everything the hub wrote about the tablet's intakes
is in the tablet's file once; ``verify`` passes on the tablet, on the hub, and for the
tablet against the hub.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mesocheck import cli
from mesocheck import ids
from mesocheck.hub.store import HubStore
from mesocheck.store import Store
from mesocheck.sync import Tablet, read_state
from tests.reliability.harness import record_figures
from tests.support.intakes import cheap_pins
from tests.support.store_rows import FLAGS, signature, start
from tests.support import at_rest

REPO = Path(__file__).resolve().parents[2]
DIRECTIONS = ("push", "pull", "both")


def grow(store: Store, count: int, rng: random.Random) -> None:
    """Intakes as a patient makes them: answers changed before signing, then signed."""
    for _ in range(count):
        intake_id = start(store, name=f"Kill Test {rng.randrange(10**6)}")
        for step in range(rng.randint(1, 4)):
            store.save_answers(intake_id, {"pregnant": rng.random() < 0.5,
                                           f"q{step}": rng.randrange(5)})
        store.acknowledge(intake_id, "bruising", "a" * 64)
        store.submit(intake_id, signature=signature(), flags=rng.sample(FLAGS, 2))
        store.add_document(intake_id, "consent", os.urandom(rng.randint(2000, 20000)))


def review_on_hub(url: str, rng: random.Random, count: int) -> int:
    """The practitioner decides and countersigns a few intakes that reached the hub."""
    done = 0
    with HubStore.open(url) as hub:
        doctor = next((m for m in hub.staff_members() if m.role == "practitioner"), None)
        if doctor is None:  # the first pushes were all killed before the staff list went
            return 0
        for row in hub.queue(statuses=["submitted"], limit=count):
            record = hub.intake(row.intake_id)
            for flag in record.flags:
                if flag.severity != "info":
                    hub.decide(flag.id, "proceed", f"Checked ({rng.randrange(1000)})",
                               doctor.id)
            hub.add_signature(row.intake_id, signature(
                role="practitioner", printed_name="Dr Rowan Hale", meaning="Reviewed",
                staff_id=doctor.id))
            hub.add_document(row.intake_id, "reviewed_consent", os.urandom(5000))
            done += 1
    return done


def kill_one(db: Path, url: str, direction: str, rng: random.Random) -> tuple[bool, list[str]]:
    """Start a sync process, kill it at a random moment once connected; whether it had
    got that far, and the exchanges it finished before."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.support.sync_child", str(db), url, direction,
         "--batch", str(rng.randint(1, 4))],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready = child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0, 0.08))
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        finished = child.stdout.read().split("\n")
        child.stdout.close()
    return ready, [line for line in finished if line]


def count_on_hub(hub: HubStore, table: str, device: int) -> int:
    if table == "intakes":
        return hub.connection.execute("SELECT count(*) FROM intakes WHERE origin = ?",
                                      (device,)).fetchone()[0]
    low, high = device << ids.LOCAL_BITS, (device + 1) << ids.LOCAL_BITS
    return hub.connection.execute(f"SELECT count(*) FROM {table} WHERE id >= ? AND id < ?",
                                  (low, high)).fetchone()[0]


@pytest.mark.parametrize("kills", [pytest.param(100, id="100-kills"),
                                   pytest.param(1000, id="1000-kills", marks=pytest.mark.long)])
def test_killed_syncs_lose_and_double_nothing(own_hub, tmp_path, kills):
    cluster, url = own_hub
    rng = random.Random(kills)
    db = tmp_path / "tablet.sqlite3"
    with Store.open(at_rest.ready(db)) as store:
        with cheap_pins():
            store.add_staff("Dr Rowan Hale", "practitioner", "482913", "system")
        grow(store, 10, rng)
        Tablet(store, url, name="killed tablet").connection()  # registered

    landed = {d: 0 for d in DIRECTIONS}
    mid_work = 0  # kills before the exchange in progress had sent or fetched all there was
    reviewed = written = 0
    started = time.monotonic()
    for n in range(kills):
        direction = DIRECTIONS[n % 3]
        if direction != "pull":  # something to send
            with Store.open(at_rest.ready(db), create=False) as store:
                grow(store, 2, rng)
                written += 2
        if direction != "push":  # something to fetch
            reviewed += review_on_hub(url, rng, 2)
        ready, finished = kill_one(db, url, direction, rng)
        if ready:
            landed[direction] += 1
            if not finished or any(line.split()[-1] != "0" for line in finished[-2:]):
                mid_work += 1

    with Store.open(at_rest.ready(db), create=False) as store:
        tablet = Tablet(store, url, name="killed tablet")
        for _ in range(3):  # until nothing is left either way
            tablet.sync_once()
        device = tablet.device
        local_audit = store.connection.execute("SELECT id, hash FROM audit ORDER BY id").fetchall()
        local = {t: store.connection.execute(
            f"SELECT count(*) FROM {t} WHERE {'1' if t == 'intakes' else 'id < ?'}",
            () if t == "intakes" else (ids.LOCAL_ID_LIMIT,)).fetchone()[0]
            for t in ("patients", "intakes", "answers", "acknowledgements", "flags",
                      "signatures", "documents")}
        pulled = {t: store.connection.execute(
            f"SELECT count(*) FROM {t} WHERE id >= ?", (ids.LOCAL_ID_LIMIT,)).fetchone()[0]
            for t in ("decisions", "signatures", "documents")}
        tablet.close()
        assert store.verify() == []
        assert read_state(store)["device_number"] == str(device)
    with HubStore.open(url) as hub:
        hub_audit = hub.connection.execute(
            "SELECT id, hash FROM audit WHERE device = ? ORDER BY id", (device,)).fetchall()
        assert [(i, bytes(h)) for i, h in hub_audit] == [(i, bytes(h)) for i, h in local_audit]
        for table, count in local.items():
            assert count_on_hub(hub, table, device) == count, table  # none lost, none twice
        hub_made = {t: hub.connection.execute(
            f"SELECT count(*) FROM {t} x JOIN intakes i ON i.id = x.intake_id "
            f"WHERE i.origin = ? AND x.written_by = ?", (device, hub.device)).fetchone()[0]
            for t in ("signatures", "documents")}
        hub_made["decisions"] = hub.connection.execute(
            "SELECT count(*) FROM decisions d JOIN flags f ON f.id = d.flag_id "
            "JOIN intakes i ON i.id = f.intake_id WHERE i.origin = ?", (device,)).fetchone()[0]
        assert hub_made == pulled  # everything the hub wrote about them, once
        assert hub.verify() == []
    assert cli.main(["verify", "--hub", url]) == 0
    assert cli.main(["verify", "--hub", url, "--db", str(db)]) == 0
    assert sum(landed.values()) >= kills * 0.9
    record_figures("hub_kills", kills=kills, landed=landed, with_work_in_hand=mid_work,
                   intakes_written=written + 10,
                   intakes_reviewed_on_hub=reviewed, audit_rows=len(local_audit),
                   rows_pulled=sum(pulled.values()), seconds=round(time.monotonic() - started))
