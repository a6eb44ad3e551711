"""PINs that resist guessing: length from config, a costly hash re-made at the next use, and a
lock-out that counts every wrong PIN even when they arrive at once."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import CHEAP_PIN_COST, TEST_PIN
from dutydesk.domain import signing, supervisors
from dutydesk.errors import UserError
from dutydesk.store.tables import PinGuard, SigningKey, Supervisor


def test_the_minimum_length_comes_from_the_config(db, config) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UserError, match="a PIN is 6 to 12 digits"):
        supervisors.add_supervisor(db, "li", "李娜", "13579")
    with pytest.raises(UserError, match="a PIN is 8 to 12 digits"):
        supervisors.add_supervisor(db, "li", "李娜", "1357913", min_length=8)
    with pytest.raises(UserError, match="6 to 12 digits"):
        supervisors.add_supervisor(db, "li", "李娜", "１２３４５６")  # full-width digits are no PIN digits
    assert config.handover.pin_min_length == 6
    supervisors.add_supervisor(db, "li", "李娜", "13579135", min_length=8)


def test_the_shipped_cost_is_the_expensive_one() -> None:
    assert supervisors.ScryptCost(2**16, 8, 1) != CHEAP_PIN_COST  # the suite runs cheap on purpose
    assert supervisors.stored_cost("scrypt$65536$8$1$00$00") == supervisors.ScryptCost(2**16, 8, 1)


def test_old_cheap_hashes_are_made_again_at_the_next_signing(db, config, supervisor, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    signing.unlock_signer(db, config, "wang", TEST_PIN)  # hash and key made at the cheap cost
    stronger = supervisors.ScryptCost(2**11, 8, 1)
    monkeypatch.setattr(supervisors, "PIN_COST", stronger)
    signer = signing.unlock_signer(db, config, "wang", TEST_PIN)
    with db.engine.connect() as connection:
        pin_hash = connection.execute(select(Supervisor.pin_hash)).scalar_one()
        sealed = connection.execute(select(SigningKey.sealed_private_key)).scalar_one()
    assert supervisors.stored_cost(pin_hash) == stronger and supervisors.stored_cost(sealed) == stronger
    again = signing.unlock_signer(db, config, "wang", TEST_PIN)  # the same key, opened at the new cost
    assert again.key_fingerprint == signer.key_fingerprint


def test_sixteen_wrong_pins_at_once_all_count_and_lock(db, config, supervisor, frozen_clock) -> None:  # type: ignore[no-untyped-def]
    attempts = config.handover.pin_attempts
    start = threading.Barrier(16)
    answers: list[str] = []

    def guess(n: int) -> None:
        start.wait()
        try:
            signing.unlock_signer(db, config, "wang", f"{900000 + n}", frozen_clock.now)
        except UserError as error:
            answers.append(str(error))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with db.engine.connect() as connection:
        failures, locked_until = connection.execute(select(PinGuard.failures, PinGuard.locked_until)).one()
    # Every PIN that was tried is counted (none lost to a read-then-write race): exactly
    # attempts - 1 are merely wrong, the rest lock or meet the lock before they are tried.
    tried = [answer for answer in answers if answer.startswith("wrong PIN for 王伟")]
    assert len(answers) == 16 and failures == len(tried) >= attempts
    assert answers.count("wrong PIN for 王伟") == attempts - 1
    assert all("signing is locked" in answer for answer in answers if answer != "wrong PIN for 王伟")
    assert locked_until == frozen_clock.now + timedelta(seconds=config.handover.pin_lockout_s)
    with pytest.raises(UserError, match="signing is locked"):  # even the right PIN waits now
        signing.unlock_signer(db, config, "wang", TEST_PIN, frozen_clock.now)
    later = frozen_clock.now + timedelta(seconds=config.handover.pin_lockout_s + 1)
    with pytest.raises(UserError, match="signing is locked"):  # one more wrong guess locks again at once
        signing.unlock_signer(db, config, "wang", "000000", later)
    later += timedelta(seconds=config.handover.pin_lockout_s + 1)
    signing.unlock_signer(db, config, "wang", TEST_PIN, later)
    with db.engine.connect() as connection:
        assert connection.execute(select(PinGuard.failures)).scalar_one() == 0
