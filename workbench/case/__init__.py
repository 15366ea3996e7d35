"""The case: the folder the analyst picks, holding their work in one SQLite database (:mod:`.folder`), and the
analysis frozen to disk so a case reopens without re-reading the evidence (:mod:`.snapshot`)."""
