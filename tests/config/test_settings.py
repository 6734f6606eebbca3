import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.env import env_bool, env_float, env_int, env_list


@pytest.mark.parametrize(("raw", "value"), [("1", True), ("yes", True), ("off", False), ("", False), (None, True)])
def test_env_bool(monkeypatch, raw, value):
    if raw is None:
        monkeypatch.delenv("FLAG", raising=False)
    else:
        monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", True) is value


@pytest.mark.parametrize(("reader", "raw"), [(env_bool, "maybe"), (env_int, "ten"), (env_float, "1,5")])
def test_bad_values_fail_loudly_naming_the_variable(monkeypatch, reader, raw):
    monkeypatch.setenv("KNOB", raw)
    with pytest.raises(ImproperlyConfigured, match="KNOB="):
        reader("KNOB", 0)


def test_env_list(monkeypatch):
    monkeypatch.setenv("HOSTS", "a.example, b.example ,")
    assert env_list("HOSTS") == ["a.example", "b.example"]


@pytest.mark.django_db
def test_database_is_postgresql_with_pgvector():
    with connection.cursor() as cursor:
        cursor.execute("SELECT '[1,2,3]'::vector <-> '[1,2,4]'::vector")
        (distance,) = cursor.fetchone()
    assert connection.vendor == "postgresql"
    assert distance == pytest.approx(1.0)


def test_redis_is_real(settings):
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.set("studio:test", "ok", ex=10)
    assert client.get("studio:test") == b"ok"
