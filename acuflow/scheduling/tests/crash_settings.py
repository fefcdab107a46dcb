"""Settings for the worker subprocess of the crash test: mail goes to a file."""

from acuflow.settings import *  # noqa: F403

MAILERS = {"default": {"BACKEND": "acuflow.scheduling.tests.crash_backend.FileBackend"}}
