import sys

from coverage.cli import main

sys.exit(main())
