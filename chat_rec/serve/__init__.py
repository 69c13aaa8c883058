"""``chat-rec serve``: the HTTP API (FastAPI + uvicorn) over the same ``Agent`` as the UI.

Modules: :mod:`app` builds the FastAPI app; :mod:`routes` (user routes), :mod:`admin`
(admin routes) and :mod:`health` hold the routes; :mod:`auth` checks tokens and rate
limits; :mod:`turns` runs a turn and turns its events into SSE or JSON; :mod:`metrics`
holds the Prometheus counters; :mod:`schemas` the request and response models.
"""
