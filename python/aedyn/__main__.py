"""``python -m aedyn [run] [OPTION...]``: the ``aedyn`` program.

The arguments go unchanged to the program installed with this package (or
found as aedyn.program_path() says), whose one option table parses them:
``python -m aedyn --help`` prints its options.
"""

import sys

from ._program import main

if __name__ == "__main__":
    sys.exit(main())
