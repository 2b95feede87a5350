"""Django's Redis cache backend, without two per-call costs that dominate a page-cache hit.

- Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` object on every cache
  call; building one fills its table of ~170 response callbacks (about half the CPU of a
  page-cache hit). Here each connection pool gets one client, made once and reused: redis-py
  clients are safe to share (each command borrows a connection from the pool) and the pool
  reconnects after a fork.
- Every key of `get_many` went through the memcached key-portability check (a loop over its
  characters, warnings only); Redis takes any key, so keys are only made, not checked.

It also keeps page-cache entries its own way (`set_page` / `get_page`): the entry's purge-mark
keys are stored in front of its bytes, and a Lua script returns the entry and the latest of its
marks in one round trip, so a hit costs the same whatever the number of keys a page shows
(a listing names every article on it). Single Redis server (or primary); not Redis Cluster,
whose scripts may only touch keys they are given.

Entries a process has fetched are also kept in its own memory (`PageMemo`, up to
`NEWSROOM_PAGE_CACHE_LOCAL` of them) while Redis says nothing they depend on changed: a
connection per process has Redis client-side tracking on in broadcast mode for the page-entry
and purge-mark prefixes, so every write to an entry and every purge mark, by any server,
reaches each process as an invalidation message. A hit from memory costs one non-blocking
read of that connection instead of a round trip. Any purge mark clears the whole memory (purges
are rare next to hits); an entry rewritten is dropped; the connection failing or Redis being
flushed clears it all and the next request asks Redis again.

Use with `"BACKEND": "articles.delivery.backend.RedisCache"` (the settings do, with `REDIS_URL`).
"""

import logging
import os
import pickle
import threading
import time
from collections import OrderedDict

from django.core.cache.backends import redis as django_redis

# KEYS[1]: the entry, stored as "<mark key> <mark key> …\n<pickled entry>". Returns false, or
# {pickled entry, the latest mark (a decimal string of microseconds; "0" when none)}.
GET_PAGE = """
local value = redis.call('GET', KEYS[1])
if not value then return false end
local newline = string.find(value, '\\n', 1, true)
local latest, latest_text = 0, '0'
if newline > 1 then
  local marks = {}
  for mark in string.gmatch(string.sub(value, 1, newline - 1), '%S+') do
    marks[#marks + 1] = mark
  end
  for _, text in ipairs(redis.call('MGET', unpack(marks))) do
    local number = tonumber(text)
    if number and number > latest then latest, latest_text = number, text end
  end
end
return {string.sub(value, newline + 1), latest_text}
"""


logger = logging.getLogger(__name__)


RETRY_SECONDS = 5


class PageMemo:
    """Page entries this process fetched from Redis, kept until Redis reports a change."""

    def __init__(self, cache, size):
        self.cache = cache
        self.size = size
        self.entries = OrderedDict()  # raw Redis key → (entry, expires at)
        self.generation = 0  # moves on every clear: a fetch that straddles one is not kept
        self.connection = None
        self.pid = None
        self.lock = threading.RLock()  # gthread workers share the process
        self.prefixes = ()
        self.retry_at = 0.0  # after a failed connect, pages do not each wait for another

    def _clear(self):
        self.entries.clear()
        self.generation += 1

    def forget(self):
        with self.lock:
            self._clear()

    def _lose(self):
        """The tracking connection is gone: nothing kept can be trusted any more."""
        connection, self.connection = self.connection, None
        self._clear()
        if connection is not None:
            try:
                connection.disconnect()
            except Exception:  # noqa: S110 (already broken)
                pass

    def _on_invalidate(self, message):
        keys = message[1] if len(message) > 1 else None
        if keys is None:  # FLUSHDB / FLUSHALL
            self._clear()
            return
        marks = self.prefixes[1]
        for key in keys:
            if key.startswith(marks):
                self._clear()
                return
            self.entries.pop(key, None)

    def watching(self) -> bool:
        """Tracking is on and every change until now has been applied."""
        if self.connection is None or self.pid != os.getpid():
            self.connection = None
            self._clear()
            if time.monotonic() < self.retry_at:
                return False
            try:
                self._connect()
            except Exception:
                logger.warning("Page cache: no Redis tracking; memory copies off", exc_info=True)
                self._lose()
                self.retry_at = time.monotonic() + RETRY_SECONDS
                return False
        try:
            while self.connection.can_read(timeout=0):
                self.connection.read_response(
                    push_request=True, timeout=0, disconnect_on_error=False
                )
        except Exception:  # Redis stopped or restarted: forget everything
            self._lose()
            return False
        return True

    def _connect(self):
        from articles.delivery.cache import PURGED_PREFIX
        from articles.delivery.middleware import ENTRY_PREFIX

        pool = self.cache._cache._get_connection_pool(False)
        connection = pool.connection_class(**{**pool.connection_kwargs, "protocol": 3})
        connection.connect()
        self.prefixes = (
            self.cache.make_key(ENTRY_PREFIX).encode(),
            self.cache.make_key(PURGED_PREFIX).encode(),
        )
        connection.send_command(
            "CLIENT", "TRACKING", "ON", "BCAST",
            "PREFIX", self.prefixes[0], "PREFIX", self.prefixes[1],
        )  # fmt: skip
        if connection.read_response() != b"OK":
            raise ConnectionError("CLIENT TRACKING refused")
        connection._parser.set_invalidation_push_handler(self._on_invalidate)
        self.connection, self.pid = connection, os.getpid()

    def get(self, key):
        """(entry or None, the generation to keep a fetched entry under, or None: do not)."""
        with self.lock:
            if not self.watching():
                return None, None
            found = self.entries.get(key)
            if found is not None:
                if found[1] > time.time():
                    self.entries.move_to_end(key)
                    return found[0], None
                del self.entries[key]
            return None, self.generation

    def keep(self, key, entry, generation, timeout):
        """Keep `entry`, fetched or stored while `generation` held, unless a change since."""
        with self.lock:
            if generation is None or not self.watching() or generation != self.generation:
                return
            self.entries[key] = (entry, min(entry[0] + timeout, entry[5]))
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._get_page = None

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
        self._memo = None

    @property
    def memo(self):
        """This process's `PageMemo`, or None when `NEWSROOM_PAGE_CACHE_LOCAL` is 0."""
        from django.conf import settings

        size = settings.NEWSROOM_PAGE_CACHE_LOCAL
        if not size:
            return None
        if self._memo is None or self._memo.size != size:
            self._memo = PageMemo(self, size)
        return self._memo

    def make_and_validate_key(self, key, version=None):
        return self.make_key(key, version=version)

    def forget_pages(self) -> None:
        """This process just wrote purge marks: drop its copies now, without waiting for
        Redis's message about them."""
        if self._memo is not None:
            self._memo.forget()

    def set_page(self, key, entry, marks, timeout) -> None:
        """Keep a page-cache `entry` under `key` with the cache keys of its purge `marks`."""
        value = " ".join(self.make_key(mark) for mark in marks).encode() + b"\n"
        value += pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)
        self._cache.get_client(write=True).set(self.make_key(key), value, ex=timeout)

    def get_page(self, key, timeout):
        """(entry, the latest of its purge marks in microseconds), or (None, 0). `timeout`:
        the entries' lifetime, which bounds a copy kept in memory too."""
        raw_key = self.make_key(key)
        memo = self.memo
        generation = None
        if memo is not None:
            entry, generation = memo.get(raw_key.encode())
            if entry is not None:  # no purge mark and no rewrite since it was fetched valid
                return entry, 0
        client = self._cache.get_client()
        if self._cache._get_page is None:
            self._cache._get_page = client.register_script(GET_PAGE)
        found = self._cache._get_page(keys=[raw_key], client=client)
        if not found:
            return None, 0
        entry, latest = pickle.loads(found[0]), int(found[1])  # noqa: S301 (our own entries)
        from articles.delivery.cache import microseconds

        if memo is not None and latest < microseconds(entry[0]):  # not purged since it started
            memo.keep(raw_key.encode(), entry, generation, timeout)
        return entry, latest
