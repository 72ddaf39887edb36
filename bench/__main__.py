"""``python -m bench ...`` is ``jifen bench ...``."""

import sys

from jifen.cli import main

if __name__ == "__main__":
    main(["bench", *sys.argv[1:]])
