"""The models loaded once per process, as the extraction workers' fork server does (pipeline.workers.PRELOAD)."""
import parsers.preload  # noqa: F401
