"""The PyInstaller entry point: the frozen ``workbench`` executables start here.

A script beside the package (not ``workbench/__main__.py`` itself) so that the package is imported
as a package and its relative imports work.
"""

import multiprocessing
import sys

from workbench.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # a no-op unless a frozen child process starts here
    sys.exit(main())
