"""The `acuflow` command: manage.py under a friendlier name (every Django command works)."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuflow.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["acuflow", *sys.argv[1:]])


if __name__ == "__main__":
    main()
