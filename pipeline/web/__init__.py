"""The stewards' review page served by `muni serve` (FastAPI + Jinja2, no assets from the internet)."""
