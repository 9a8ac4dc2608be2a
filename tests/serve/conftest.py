"""Fixtures: real servers (subprocesses) on free localhost ports, with the tiny models."""

from __future__ import annotations

import pytest

from .server import Server

# Short articles keep the tests quick; the seed article goes through the browser test.
SHORT_EN = (
    "Rebels say they cut ties with Kyiv\n\n"
    "The rebel coalition in northern Mali said on Monday that it had ended all contact with Ukraine. "
    "Its spokesman said the decision was final.\n\n"
    "Diplomats in Bamako declined to comment on the statement."
)
SHORT_UK = (
    "Уряд ухвалив нову програму\n\n"
    "Кабінет міністрів у вівторок ухвалив програму підтримки місцевих громад. "
    "Прем'єр-міністр сказав, що гроші надійдуть до кінця року."
)


@pytest.fixture(scope="session")
def serve_overrides(tiny_overrides) -> list[str]:
    return list(tiny_overrides)


@pytest.fixture(scope="module")
def server(tmp_path_factory, serve_overrides):
    srv = Server(tmp_path_factory.mktemp("serve") / "data", serve_overrides).start()
    yield srv
    srv.stop()
    srv.kill()


@pytest.fixture
def client(server):
    with server.client() as c:
        yield c
