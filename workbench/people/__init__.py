"""People across sources: the names an account goes by resolved into entities (:mod:`.identity`) and the life
of every credential created in the loaded logs (:mod:`.lineage`)."""
