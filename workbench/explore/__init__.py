"""Qt-free views over an analysis, shared by the GUI, the report and the CLI: the query language (:mod:`.query`),
activity over time (:mod:`.timeline`), the login map (:mod:`.worldmap`) and triage against a playbook
(:mod:`.triage`)."""
