"""Pipeline logic: discovery, extraction orchestration, loading and checks, free of Prefect."""

CODE_VERSION = "0.1.0"
