"""Offline updates: packs of playbooks, settings, GeoIP and ASN data, Sigma rules and the ATT&CK reference
(:mod:`.pack`), signed by a key the organisation holds (:mod:`.signing`)."""
