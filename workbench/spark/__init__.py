"""The checks on Apache Spark: the normalized, enriched events as a Parquet folder (:mod:`.eventstore`), the
checks over it (:mod:`.engine`) and the analysis they make (:mod:`.pipeline`). PySpark is an optional extra."""
