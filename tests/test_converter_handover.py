"""The wait before a chunk is handed to the LibreOffice started ahead, against stand-ins for its pipe.

LibreOffice's side of the pipe is played by a socket in a thread: it greets, drops or stays silent
the way LibreOffice does while it starts up (the real thing: tests/test_converter_waiting.py).
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agreement_gen.build.libreoffice import SEND_ARGUMENTS, _until_ready, _Waiting, listening_pipe

Answer = Callable[[socket.socket], None]


@pytest.fixture
def alive() -> Iterator[subprocess.Popen[bytes]]:
    """The process that waits (a stand-in: it only has to be running)."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    proc.kill()
    proc.wait()


class Office:
    """A listener on the pipe of `profile` that answers each connection with the next of `answers`."""

    def __init__(self, profile: Path):
        self.pipe = listening_pipe(profile)
        self.pipe.unlink(missing_ok=True)
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(self.pipe))
        self.server.listen()
        self.received: list[bytes] = []
        self.answered = threading.Event()  # set once a greeted connection has answered

    def serve(self, *answers: Answer) -> None:
        def run() -> None:
            for answer in answers:
                try:
                    connection, _ = self.server.accept()
                except OSError:
                    return  # closed: the test is over, the answers left were not asked for
                with connection:
                    answer(connection)

        threading.Thread(target=run, daemon=True).start()

    def close(self) -> None:
        self.server.close()
        self.pipe.unlink(missing_ok=True)


def drop(connection: socket.socket) -> None:
    """What the pipe that appears first does."""


def greet(office: Office) -> Answer:
    def answer(connection: socket.socket) -> None:
        connection.sendall(SEND_ARGUMENTS)
        office.received.append(connection.recv(100))
        office.answered.set()

    return answer


def wait(waiting: _Waiting, deadline_in: float = 60.0) -> None:
    """Run the wait; it must come back on its own, long before `deadline_in` when it has no reason to wait."""
    thread = threading.Thread(target=_until_ready, args=(waiting, time.monotonic() + deadline_in), daemon=True)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "still waiting"


def test_ready_when_the_office_greets_and_is_told_it_was_a_lookup(tmp_path, alive):
    profile = tmp_path / "profile"
    office = Office(profile)
    office.serve(greet(office), greet(office))
    try:
        wait(_Waiting(alive, profile, tmp_path / "log"))
        assert office.answered.wait(10)
        assert office.received == [b"\0"]  # one connection, answered empty: LibreOffice ignores it as a lookup
    finally:
        office.close()


def test_a_dropped_connection_is_tried_again_until_the_office_greets(tmp_path, alive):
    profile = tmp_path / "profile"
    office = Office(profile)
    office.serve(drop, drop, greet(office), greet(office))
    try:
        wait(_Waiting(alive, profile, tmp_path / "log"))
        assert office.answered.wait(10)
        assert office.received == [b"\0"]  # the third connection was greeted, and there was no fourth
    finally:
        office.close()


def test_an_office_that_greets_otherwise_is_handed_the_files_without_another_try(tmp_path, alive):
    profile = tmp_path / "profile"
    office = Office(profile)
    office.serve(lambda connection: connection.sendall(b"Something::Else\0"), greet(office))
    try:
        wait(_Waiting(alive, profile, tmp_path / "log"))
        assert office.received == []  # the greeting it did not know ended the wait
    finally:
        office.close()


def test_without_a_pipe_there_is_no_office_to_wait_for(tmp_path, alive):
    wait(_Waiting(alive, tmp_path / "profile", tmp_path / "log"))  # gives up after two seconds, not sixty


def test_a_process_that_ended_is_not_waited_for(tmp_path):
    ended = subprocess.Popen(["true"])
    ended.wait()
    wait(_Waiting(ended, tmp_path / "profile", tmp_path / "log"))


def test_the_deadline_ends_the_wait_for_an_office_that_never_listens(tmp_path, alive):
    profile = tmp_path / "profile"
    pipe = listening_pipe(profile)
    pipe.unlink(missing_ok=True)
    bound = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    bound.bind(str(pipe))  # created, never listened on: every connection is refused
    try:
        wait(_Waiting(alive, profile, tmp_path / "log"), deadline_in=1.0)
    finally:
        bound.close()
        pipe.unlink(missing_ok=True)
