"""Evidence is read-only: inputs opened without ever writing to them, decompressed and archives read in
memory (:mod:`.files`, :mod:`.archives`); the workbench's own outputs refused inside or beside them and
written atomically (:mod:`.outputs`)."""
