"""Django's Redis cache backend, without two per-call costs that dominate a page-cache hit.

- Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` object on every cache
  call; building one fills its table of ~170 response callbacks (about half the CPU of a
  page-cache hit). Here each connection pool gets one client, made once and reused: redis-py
  clients are safe to share (each command borrows a connection from the pool) and the pool
  reconnects after a fork.
- Every key of `get_many` went through the memcached key-portability check (a loop over its
  characters, warnings only); Redis takes any key, so keys are only made, not checked.

Use with `"BACKEND": "articles.cache_backend.RedisCache"` (the settings do, with `REDIS_URL`).
"""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

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
