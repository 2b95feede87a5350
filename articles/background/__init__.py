"""The task queue: workers that survive a lost database, the reaper, recurring jobs, health.

`worker` (the loop `manage.py run_worker` runs), `heartbeat` (a row per live worker),
`reaper` (tasks left running by a dead worker go back to the queue, at most a few times),
`recurring` (jobs run once per period across every worker; `jobs` holds ours), `mail` (a
notification reaches each recipient at most once), `health` (`/healthz` and the dashboard's
queue figures) and `conf` (the settings, with their defaults). docs/background-work.md is the
operators' guide.
"""
