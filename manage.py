#!/usr/bin/env python
from acuflow.cli import main

if __name__ == "__main__":
    main()
