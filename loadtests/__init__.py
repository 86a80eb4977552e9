"""Go-live load tests: locust on an open arrival-rate schedule, SLO gates, rate-limit conformance.

`agent_workflows.py` is the locustfile (it imports locust, and with it gevent's monkey-patching, so
only locust processes import it); `stats.py` and `gates.py` are plain functions the CLI uses.
"""
