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

Use with `"BACKEND": "articles.cache_backend.RedisCache"` (the settings do, with `REDIS_URL`).
"""

import pickle

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

    def make_and_validate_key(self, key, version=None):
        return self.make_key(key, version=version)

    def set_page(self, key, entry, marks, timeout) -> None:
        """Keep a page-cache `entry` under `key` with the cache keys of its purge `marks`."""
        value = " ".join(self.make_key(mark) for mark in marks).encode() + b"\n"
        value += pickle.dumps(entry, pickle.HIGHEST_PROTOCOL)
        self._cache.get_client(write=True).set(self.make_key(key), value, ex=timeout)

    def get_page(self, key):
        """(entry, the latest of its purge marks in microseconds), or (None, 0)."""
        client = self._cache.get_client()
        if self._cache._get_page is None:
            self._cache._get_page = client.register_script(GET_PAGE)
        found = self._cache._get_page(keys=[self.make_key(key)], client=client)
        if not found:
            return None, 0
        return pickle.loads(found[0]), int(found[1])  # noqa: S301 (our own entries)
