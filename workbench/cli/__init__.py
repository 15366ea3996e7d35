"""The headless command line: one module per sub-command (``analyze``, ``lookup``, ``query``, ``update-pack``,
``export-events``), the options and helpers they share (:mod:`.common`) and the parser over them all
(:mod:`.parser`); ``workbench.__main__`` dispatches.
"""
