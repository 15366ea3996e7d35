"""Which original records could hold a value, from their text alone, without decoding them.

A JSON record that has no backslash writes every string literally, and one that is pure ASCII cannot
hold a character whose lower case is ASCII without being ASCII itself: such a record whose lower-cased
text lacks ``abc`` holds no value that contains ``abc`` in any letter case. Records with a backslash or
a non-ASCII byte are *special*: nothing is ruled out for them. Text is searched in bulk over the
records' bytes (``bytes.find`` on lower-cased chunks), one pass for all the values asked at once.
"""

from __future__ import annotations

import bisect

import numpy as np
import pyarrow as pa

CHUNK = 64 * 1024 * 1024  # bytes lowered at a time


class TextIndex:
    def __init__(self, texts: pa.Array) -> None:
        texts = texts.cast(pa.large_string()) if texts.type != pa.large_string() else texts
        self.n = len(texts)
        _, offsets_buf, data_buf = texts.buffers()
        offsets = np.frombuffer(offsets_buf, dtype=np.int64)[texts.offset:texts.offset + self.n + 1] \
            if offsets_buf is not None else np.zeros(self.n + 1, np.int64)
        start, end = (int(offsets[0]), int(offsets[-1])) if self.n else (0, 0)
        self.data = np.frombuffer(data_buf, dtype=np.uint8)[start:end] if data_buf is not None and end > start \
            else np.zeros(0, np.uint8)
        self.ends = offsets[1:] - start  # where each record ends in :attr:`data`
        self._ends = self.ends.tolist()
        self.special = ~np.asarray(texts.is_valid(), dtype=bool)  # completed by :meth:`holding`

    def _record(self, pos: int) -> int:
        return bisect.bisect_right(self._ends, pos)

    def _mark(self, hits: np.ndarray, chunk: bytes, start: int, raw: bytes) -> None:
        """Mark the records holding ``raw`` in ``chunk`` (at ``start`` in :attr:`data`), one find per record."""
        pos = chunk.find(raw)
        while pos >= 0:
            record = self._record(start + pos)
            if record >= self.n:
                return
            hits[record] = True
            pos = chunk.find(raw, max(pos + 1, self._ends[record] - start))

    def holding(self, needles: list[str]) -> dict[str, np.ndarray]:
        """For each ASCII needle: the records whose lower-cased text contains it. Also marks the
        :attr:`special` records (a backslash or a non-ASCII byte), for which nothing is ruled out."""
        found = {needle: np.zeros(self.n, bool) for needle in needles}
        if not needles or not len(self.data):
            return found
        lowered = {needle: needle.lower().encode("ascii") for needle in needles}
        overlap = max(len(b) for b in lowered.values()) - 1
        for start in range(0, len(self.data), CHUNK):
            piece = self.data[start:min(start + CHUNK + overlap, len(self.data))]
            chunk = piece.tobytes()
            if not chunk.isascii():
                where = np.flatnonzero(piece >= 0x80)
                self.special[np.searchsorted(self.ends, where + start, side="right").clip(max=self.n - 1)] = True
            self._mark(self.special, chunk, start, b"\\")
            chunk = chunk.lower()
            for needle, raw in lowered.items():
                self._mark(found[needle], chunk, start, raw)
        return found
