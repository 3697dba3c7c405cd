import sys

from aligned.cli import main

sys.exit(main())
