"""The case file: a folder the analyst picks, holding everything of their work in one SQLite database.

Every setter is one transaction, committed before it returns: a crash or a kill at any moment loses at
most the edit in flight. The database runs in WAL mode with ``synchronous=FULL``: in WAL mode NORMAL
survives a killed process but may lose the last commits on a power cut; the analyst's edits come at
human speed, so an fsync per commit (milliseconds) costs nothing noticeable and buys durability.

A case folder is never inside the evidence: :meth:`Case.create` and :meth:`Case.set_sources` refuse a
folder that is an input, lies inside an input folder, or holds an input file directly.

API (plain dataclasses and methods; every method is thread-safe, one connection behind a lock)::

    case = Case.create(folder, sources=[...], analyst="A. Analyst")   # or Case.open(folder); both context managers
    case, analysis, reused = open_case(folder)  # / create_case(folder, analysis, sources) / open_or_create_case
    analysis, reused = case.open_analysis()     # stored analysis if every input hash is unchanged, else re-analyze
    case.save_analysis(analysis)                # after an analysis made elsewhere (the GUI's worker)
    case.problem                                # why the stored analysis was not reused ("" when it was)
    case.stored_analysis() -> Analysis | None   # as saved, no hash check; case.findings_json() -> dict | None
    case.check_evidence() -> EvidenceCheck      # .unchanged, .changed, .missing, .added
    case.sources() / case.set_sources(paths)    # what the analyst opened (files, folders, zips)
    case.inputs() -> list[CaseInput]            # each input file with its SHA-256, from the last analysis
    case.setting(key, default) / case.set_setting(key, value)     # any JSON value; "analyst", "title", "analyze"
    case.analyst                                # the "analyst" setting, else the OS user name

    # per finding (Finding.id); who defaults to case.analyst, times are UTC
    case.set_state(fid, "investigating")        # STATES; case.state(fid) -> "new" when never set
    case.set_answer(fid, question, answer=None, note=None)          # ANSWERS; None keeps what is stored
    case.set_criterion(fid, criterion, assessment=None, note=None)  # ASSESSMENTS
    case.set_decision(fid, decision=None, reason=None)              # DECISIONS
    case.set_check(fid, kind, item, done, note=None)                # kind in CHECKLISTS; who/when recorded
    case.set_note(fid, text)                    # fid "" is the note of the whole case
    case.add_bookmark(file, ref, source="", finding_id="", note="") -> Bookmark; remove_bookmark(id)
    case.bookmarks(finding_id=None) -> list[Bookmark]
    case.set_mark(kind, file, ref, tags=None, starred=None, comment=None) -> Mark; case.marks(kind=None)
                                                # tags, stars and comments on events and findings (workbench.case.marks)
    case.triage(fid) -> FindingTriage           # all of the above for one finding, for the GUI and the report
    case.all_triage() -> dict[str, FindingTriage]  # every finding with any triage stored
    case.report_view() -> dict                  # the analyst's work in the shape of
                                                # workbench.report.model.CaseView.from_dict (write_report(case=case))

Questions, criteria and checklist items are keyed by their text, so answers stay with their question
when a playbook is reordered; an item whose text changed shows as unanswered.
"""

from __future__ import annotations

import getpass
import os
import shutil
import sqlite3
import threading
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import orjson

from . import storage as case_storage
from ..errors import WorkbenchError
from ..evidence.files import evidence_of, expand
from .marks import MARKS_SCHEMA, CaseMarks
from .records import (  # noqa: F401  (re-exported: callers import them from the case folder)
    STATES, ANSWERS, ASSESSMENTS, DECISIONS, CHECKLISTS, CaseInput, EvidenceCheck, Answer, CriterionAssessment, Decision, ChecklistItem, Bookmark, FindingTriage,
)
from ..analysis import Analysis
from ..pipeline import analyze_with_pack, complete
from ..progress import CancelToken, Progress, no_progress
from .snapshot import dumps, freeze, read_table, thaw, write_table

DB_NAME = "case.sqlite"
SCHEMA_VERSION = 2  # 2: marks (tags, stars, comments on events and findings)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (position INTEGER PRIMARY KEY, path TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inputs (path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    format TEXT, events INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS analysis (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL,
    table_file TEXT NOT NULL, saved TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS findings (id TEXT PRIMARY KEY, position INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS triage (finding_id TEXT PRIMARY KEY, state TEXT NOT NULL, who TEXT NOT NULL,
    updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answers (finding_id TEXT NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL,
    note TEXT NOT NULL, who TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (finding_id, question));
CREATE TABLE IF NOT EXISTS criteria (finding_id TEXT NOT NULL, criterion TEXT NOT NULL, assessment TEXT NOT NULL,
    note TEXT NOT NULL, who TEXT NOT NULL, updated TEXT NOT NULL, PRIMARY KEY (finding_id, criterion));
CREATE TABLE IF NOT EXISTS decisions (finding_id TEXT PRIMARY KEY, decision TEXT NOT NULL, reason TEXT NOT NULL,
    who TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checklist (finding_id TEXT NOT NULL, kind TEXT NOT NULL, item TEXT NOT NULL,
    done INTEGER NOT NULL, who TEXT NOT NULL, done_at TEXT, note TEXT NOT NULL,
    PRIMARY KEY (finding_id, kind, item));
CREATE TABLE IF NOT EXISTS notes (finding_id TEXT PRIMARY KEY, text TEXT NOT NULL, updated TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS bookmarks (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL,
    file TEXT NOT NULL, ref TEXT NOT NULL, finding_id TEXT NOT NULL, note TEXT NOT NULL, who TEXT NOT NULL,
    created TEXT NOT NULL, UNIQUE (file, ref, finding_id));
"""


class CaseError(WorkbenchError):
    """The case folder cannot be used (inside the evidence, not a case, unreadable database)."""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
        return True
    except ValueError:
        return False


def check_case_folder(folder: str | os.PathLike, sources: Iterable[str | os.PathLike]) -> str | None:
    """Why ``folder`` cannot hold a case for ``sources`` (one line), or None when it can."""
    where = Path(folder).resolve()
    for given in sources:
        src = Path(given).resolve()
        if where == src or (src.is_dir() and _inside(where, src)):
            return f"{folder}: a case folder cannot be inside the evidence ({given})"
        if not src.is_dir() and (where == src.parent or _inside(where, src)):
            return f"{folder}: a case folder cannot be next to an evidence file ({given})"
    return None


class Case(CaseMarks):
    """One open case folder. Use :meth:`create` or :meth:`open`; close it (or use ``with``)."""

    def __init__(self, folder: Path, db: sqlite3.Connection) -> None:
        self.folder = folder
        self._db = db
        self._lock = threading.RLock()
        self.problem = ""  # why the stored analysis could not be reused, after open_analysis / stored_analysis
        self.analysis: Analysis | None = None  # the analysis last opened or saved through this case
        self.read_only = False  # opened from a folder that cannot be written (see case_storage)
        self._copy: Path | None = None  # the private copy of a read-only case's database

    # ---- opening -------------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: str | os.PathLike, sources: Sequence[str | os.PathLike] = (), *,
               analyst: str | None = None, title: str | None = None) -> "Case":
        folder = Path(folder)
        problem = check_case_folder(folder, sources)
        if problem:
            raise CaseError(problem.split(": ", 1)[1], folder)
        if (folder / DB_NAME).exists():
            raise CaseError("already holds a case; open it instead", folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CaseError(f"cannot create the case folder ({exc.strerror or exc})", folder) from exc
        case = cls(folder, _connect(folder / DB_NAME))
        with case._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES ('created', ?)", (_now(),))
            db.executemany("INSERT INTO sources VALUES (?, ?)",
                           [(i, str(Path(s).resolve())) for i, s in enumerate(sources)])
            for key, value in (("analyst", analyst), ("title", title)):
                if value is not None:
                    db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, dumps(value)))
        return case

    @classmethod
    def open(cls, folder: str | os.PathLike) -> "Case":
        folder = Path(folder)
        if not (folder / DB_NAME).is_file():
            raise CaseError(f"not a case folder (no {DB_NAME})", folder)
        if case_storage.writable(folder, folder / DB_NAME):
            case = cls(folder, _connect(folder / DB_NAME))
            keep = {r[0] for r in case._rows("SELECT table_file FROM analysis")}
            case_storage.clean_leftovers(folder, keep)
            return case
        return cls._open_read_only(folder)

    @classmethod
    def _open_read_only(cls, folder: Path) -> "Case":
        """A case on read-only media: its database read from a private copy, every edit refused in one line."""
        try:
            copy = case_storage.private_copy(folder / DB_NAME)
        except OSError as exc:
            raise CaseError(f"cannot read the case database ({exc.strerror or 'a read error'})", folder) from None
        try:
            db = _connect(copy)
            db.execute("PRAGMA query_only=ON")
        except BaseException:
            shutil.rmtree(copy.parent, ignore_errors=True)
            raise
        case = cls(folder, db)
        case.read_only, case._copy = True, copy
        return case

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._copy is not None:
                shutil.rmtree(self._copy.parent, ignore_errors=True)
                self._copy = None

    def __enter__(self) -> "Case":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self):
        return _Transaction(self)

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ---- sources, inputs, settings ---------------------------------------------------------------
    def sources(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT path FROM sources ORDER BY position")]

    def set_sources(self, paths: Sequence[str | os.PathLike]) -> None:
        problem = check_case_folder(self.folder, paths)
        if problem:
            raise CaseError(problem.split(": ", 1)[1], self.folder)
        with self._tx() as db:
            db.execute("DELETE FROM sources")
            db.executemany("INSERT INTO sources VALUES (?, ?)",
                           [(i, str(Path(s).resolve())) for i, s in enumerate(paths)])

    def inputs(self) -> list[CaseInput]:
        rows = self._rows("SELECT path, sha256, size, format, events FROM inputs ORDER BY path")
        return [CaseInput(*r) for r in rows]

    def setting(self, key: str, default: Any = None) -> Any:
        rows = self._rows("SELECT value FROM settings WHERE key = ?", (key,))
        return orjson.loads(rows[0][0]) if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, dumps(value)))

    @property
    def analyst(self) -> str:
        name = self.setting("analyst")
        if name:
            return str(name)
        try:
            return getpass.getuser()
        except (OSError, KeyError):
            return "analyst"

    # ---- the analysis ----------------------------------------------------------------------------
    def check_evidence(self) -> EvidenceCheck:
        """Hash every input now (reading, never parsing) and compare with the last analysis."""
        stored = {_norm(i.path): i.sha256 for i in self.inputs()}
        if not self._rows("SELECT 1 FROM analysis"):
            return EvidenceCheck(analyzed=False)
        now: dict[str, str] = {}
        for ev in expand([s for s in self.sources() if Path(s).exists()]):  # a source gone: its inputs are missing
            try:
                now[_norm(ev.display)] = "" if ev.refused else ev.sha256()  # a FIFO is never opened
            except (OSError, ValueError, EOFError):
                now[_norm(ev.display)] = ""
        changed = tuple(sorted(p for p in stored.keys() & now.keys() if stored[p] != now[p]))
        return EvidenceCheck(changed, tuple(sorted(stored.keys() - now.keys())),
                             tuple(sorted(now.keys() - stored.keys())))

    def save_analysis(self, analysis: Analysis) -> None:
        """Store ``analysis`` (events to an Arrow file, the rest in the database) so a reopen can reuse it."""
        if self.read_only:
            raise CaseError("the analysis was not stored: the case folder is read-only", self.folder)
        name = f"events-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}.arrow"
        try:
            write_table(analysis.table, self.folder / name)
        except OSError as exc:  # pyarrow's ArrowIOError too: a full disk, a folder made read-only meanwhile
            raise CaseError(f"the analysis was not stored: {case_storage.why_not_written(exc)}; everything "
                            "saved before it is kept", self.folder) from None
        old = self._rows("SELECT table_file FROM analysis")
        sources = [] if self.sources() else sorted({str(evidence_of(i.path).path.resolve()) for i in analysis.inputs})
        with self._tx() as db:
            db.executemany("INSERT INTO sources VALUES (?, ?)", list(enumerate(sources)))  # none given: its inputs
            db.execute("INSERT OR REPLACE INTO analysis VALUES (1, ?, ?, ?)", (dumps(freeze(analysis)), name, _now()))
            db.execute("DELETE FROM inputs")
            db.executemany("INSERT OR REPLACE INTO inputs VALUES (?, ?, ?, ?, ?)",
                           [(i.path, i.sha256, i.size, i.format, i.events) for i in analysis.inputs])
            db.execute("DELETE FROM findings")
            db.executemany("INSERT OR REPLACE INTO findings VALUES (?, ?, ?)",
                           [(f.id, n, dumps(f.to_dict())) for n, f in enumerate(analysis.findings)])
        for (file,) in old:
            if file != name:
                (self.folder / file).unlink(missing_ok=True)
        self.analysis = analysis

    def stored_analysis(self) -> Analysis | None:
        """The stored analysis as it was saved, or None when there is none or its events file is unreadable."""
        rows = self._rows("SELECT doc, table_file FROM analysis")
        if not rows:
            return None
        try:
            table = read_table(self.folder / rows[0][1])
        except (OSError, ValueError) as exc:  # ArrowInvalid is a ValueError
            self.problem = f"{rows[0][1]}: cannot read the stored events ({exc})"
            return None
        analysis = thaw(orjson.loads(rows[0][0]), table, self._playbook_dirs())
        complete(analysis)  # entities, credential lineage, coverage and incidents are not stored: computed again
        return analysis

    def findings_json(self) -> dict[str, Any] | None:
        """The public findings JSON of the stored analysis, without loading the events."""
        rows = self._rows("SELECT doc FROM analysis")
        return orjson.loads(rows[0][0])["findings_json"] if rows else None

    def _playbook_dirs(self) -> list[Path]:
        return [Path(p) for p in (self.setting("analyze") or {}).get("extra_playbook_dirs", ())]

    def open_analysis(self, *, progress: Progress = no_progress,
                      cancel: CancelToken | None = None) -> tuple[Analysis, bool]:
        """The case's analysis and whether it was reused: the stored one when every input's hash is unchanged,
        else a fresh :func:`workbench.pipeline.analyze_with_pack` of the sources (with the "analyze" setting's keyword
        arguments), which is then stored. Triage is kept either way (findings keep their ids on the same
        evidence)."""
        progress(0, 1, "verifying evidence hashes")
        self.problem = ""
        evidence = self.check_evidence()
        if evidence.unchanged:
            stored = self.stored_analysis()
            if stored is not None:
                self.analysis = stored
                return stored, True
        elif evidence.missing and not (evidence.changed or evidence.added):
            # the evidence is out of reach (a drive not mounted, a folder moved): analyzing what is left would
            # replace the analysis with a poorer one, so show the stored one and say it could not be verified
            stored = self.stored_analysis()
            if stored is not None:
                self.problem = (f"{len(evidence.missing)} inputs not found ({', '.join(evidence.missing[:3])}"
                                f"{' …' if len(evidence.missing) > 3 else ''}): the stored analysis is shown, its "
                                "evidence could not be verified")
                self.analysis = stored
                return stored, True
        if evidence.analyzed and not evidence.unchanged:
            self.problem = "the evidence changed since the last analysis: " + ", ".join(
                [*(f"{p} (changed)" for p in evidence.changed), *(f"{p} (missing)" for p in evidence.missing),
                 *(f"{p} (new)" for p in evidence.added)][:5])
        options = dict(self.setting("analyze") or {})
        for key in ("config_files", "geoip_dbs", "extra_playbook_dirs", "indicator_files"):
            if options.get(key) is not None:
                options[key] = [Path(p) for p in options[key]]
        analysis = analyze_with_pack(self.sources(), progress=progress, cancel=cancel, **options)
        if self.read_only:  # shown and reported, not stored
            self.problem = "; ".join(filter(None, [self.problem, "the case folder is read-only: this analysis "
                                                   "is shown but not stored"]))
            self.analysis = analysis
        else:
            self.save_analysis(analysis)
        return analysis, False

    # ---- triage ------------------------------------------------------------------------------------
    def set_state(self, finding_id: str, state: str, who: str | None = None) -> None:
        _check(state, STATES, "triage state")
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO triage VALUES (?, ?, ?, ?)",
                       (finding_id, state, who or self.analyst, _now()))

    def state(self, finding_id: str) -> str:
        rows = self._rows("SELECT state FROM triage WHERE finding_id = ?", (finding_id,))
        return rows[0][0] if rows else "new"

    def states(self) -> dict[str, str]:
        return dict(self._rows("SELECT finding_id, state FROM triage"))

    def set_answer(self, finding_id: str, question: str, answer: str | None = None, note: str | None = None,
                   who: str | None = None) -> None:
        """Record the answer (yes/no/unknown, "" to clear) and/or the note; None leaves that part as stored."""
        if answer:
            _check(answer, ANSWERS, "answer")
        self._upsert("answers", "question", finding_id, question, answer, note, who)

    def set_criterion(self, finding_id: str, criterion: str, assessment: str | None = None,
                      note: str | None = None, who: str | None = None) -> None:
        if assessment:
            _check(assessment, ASSESSMENTS, "assessment")
        self._upsert("criteria", "criterion", finding_id, criterion, assessment, note, who)

    def _upsert(self, table: str, key: str, finding_id: str, item: str, value: str | None, note: str | None,
                who: str | None) -> None:
        column = "answer" if table == "answers" else "assessment"
        with self._tx() as db:
            db.execute(f"INSERT INTO {table} (finding_id, {key}, {column}, note, who, updated) "
                       f"VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                       f"{column} = COALESCE(?, {column}), note = COALESCE(?, note), who = excluded.who, "
                       f"updated = excluded.updated",
                       (finding_id, item, value or "", note or "", who or self.analyst, _now(), value, note))

    def set_decision(self, finding_id: str, decision: str | None = None, reason: str | None = None,
                     who: str | None = None) -> None:
        if decision:
            _check(decision, DECISIONS, "decision")
        with self._tx() as db:
            db.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                       "decision = COALESCE(?, decision), reason = COALESCE(?, reason), who = excluded.who, "
                       "updated = excluded.updated",
                       (finding_id, decision or "", reason or "", who or self.analyst, _now(), decision, reason))

    def set_check(self, finding_id: str, kind: str, item: str, done: bool, note: str | None = None,
                  who: str | None = None) -> None:
        """Tick (or untick) one L1 step, T2 action or containment item; who and when are recorded."""
        _check(kind, CHECKLISTS, "checklist")
        with self._tx() as db:
            db.execute("INSERT INTO checklist VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET "
                       "done = excluded.done, who = excluded.who, done_at = excluded.done_at, "
                       "note = COALESCE(?, note)",
                       (finding_id, kind, item, int(bool(done)), who or self.analyst, _now() if done else None,
                        note or "", note))

    def set_note(self, finding_id: str, text: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO notes VALUES (?, ?, ?)", (finding_id, text, _now()))

    def note(self, finding_id: str = "") -> str:
        rows = self._rows("SELECT text FROM notes WHERE finding_id = ?", (finding_id,))
        return rows[0][0] if rows else ""

    def add_bookmark(self, file: str, ref: str, source: str = "", finding_id: str = "", note: str = "",
                     who: str | None = None) -> Bookmark:
        """Bookmark one event (by its file and native ref); bookmarking it again updates the note."""
        with self._tx() as db:
            db.execute("INSERT INTO bookmarks (source, file, ref, finding_id, note, who, created) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET note = excluded.note",
                       (source, file, ref, finding_id, note, who or self.analyst, _now()))
            row = db.execute("SELECT * FROM bookmarks WHERE file = ? AND ref = ? AND finding_id = ?",
                             (file, ref, finding_id)).fetchone()
        return _bookmark(row)

    def remove_bookmark(self, bookmark_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM bookmarks WHERE id = ?", (bookmark_id,))

    def bookmarks(self, finding_id: str | None = None) -> list[Bookmark]:
        """Every bookmark (``finding_id=None``), or those of one finding ("" for the case's own)."""
        if finding_id is None:
            rows = self._rows("SELECT * FROM bookmarks ORDER BY id")
        else:
            rows = self._rows("SELECT * FROM bookmarks WHERE finding_id = ? ORDER BY id", (finding_id,))
        return [_bookmark(r) for r in rows]

    def triage(self, finding_id: str) -> FindingTriage:
        """Everything recorded for one finding, read in one consistent snapshot."""
        with self._lock:
            return self._triage(finding_id)

    def _triage(self, fid: str) -> FindingTriage:
        q = self._db.execute
        state = q("SELECT state, who, updated FROM triage WHERE finding_id = ?", (fid,)).fetchone()
        answers = {r[0]: Answer(r[0], r[1], r[2], r[3], _when(r[4])) for r in
                   q("SELECT question, answer, note, who, updated FROM answers WHERE finding_id = ?", (fid,))}
        criteria = {r[0]: CriterionAssessment(r[0], r[1], r[2], r[3], _when(r[4])) for r in
                    q("SELECT criterion, assessment, note, who, updated FROM criteria WHERE finding_id = ?", (fid,))}
        dec = q("SELECT decision, reason, who, updated FROM decisions WHERE finding_id = ?", (fid,)).fetchone()
        checklist = {(r[0], r[1]): ChecklistItem(r[0], r[1], bool(r[2]), r[3], _when(r[4]), r[5]) for r in
                     q("SELECT kind, item, done, who, done_at, note FROM checklist WHERE finding_id = ?", (fid,))}
        note = q("SELECT text FROM notes WHERE finding_id = ?", (fid,)).fetchone()
        marks = tuple(_bookmark(r) for r in q("SELECT * FROM bookmarks WHERE finding_id = ? ORDER BY id", (fid,)))
        return FindingTriage(
            fid, state[0] if state else "new", state[1] if state else "", _when(state[2]) if state else None,
            answers, criteria, Decision(dec[0], dec[1], dec[2], _when(dec[3])) if dec else None, checklist,
            note[0] if note else "", marks)

    def all_triage(self) -> dict[str, FindingTriage]:
        """Every finding with anything recorded, by finding id (the case's own note and bookmarks under "")."""
        with self._lock:
            ids = {r[0] for t in ("triage", "answers", "criteria", "decisions", "checklist", "notes", "bookmarks")
                   for r in self._db.execute(f"SELECT DISTINCT finding_id FROM {t}")}
            return {fid: self._triage(fid) for fid in sorted(ids)}

    def report_view(self) -> dict[str, Any]:
        """What the analyst recorded, as a plain dict in the shape of ``workbench.report.model.CaseView.from_dict``:
        states, answers with notes, the criteria they assessed, decisions, ticked checklist items with who/when,
        notes, bookmarks. Only the analyst's own work: the report measures the evidence itself
        (:func:`workbench.explore.triage.assess`) and marks what comes from the data as such."""
        triage: dict[str, Any] = {}
        notes = []
        for fid, t in self.all_triage().items():
            if t.note:
                notes.append({"text": t.note, "finding_id": fid or None, "author": self.analyst, "at": None})
            if fid:
                triage[fid] = _report_triage(t)
        return {
            "case_id": str(self.setting("case_id") or ""), "title": str(self.setting("title") or ""),
            "analyst": str(self.setting("analyst") or ""), "organisation": str(self.setting("organisation") or ""),
            "classification": str(self.setting("classification") or ""),
            "triage": triage, "notes": notes,
            "bookmarks": [{"file": b.file, "ref": b.ref, "source": b.source, "note": b.note,
                           "finding_id": b.finding_id or None} for b in self.bookmarks()],
            "marks": [m.to_dict() for m in self.marks()],
        }


_SECTIONS = {"l1": "l1_steps", "t2": "t2_actions", "containment": "containment"}


def _report_triage(t: FindingTriage) -> dict[str, Any]:
    """One finding's recorded triage in the report's shape."""
    decision = t.decision
    return {
        "state": t.state,
        "answers": [{"question": a.question, "answer": a.answer, "note": a.note} for a in t.answers.values()],
        "criteria": [{"text": c.criterion, "status": c.assessment,
                      "basis": f"{c.note} (assessed by {c.who})" if c.note else f"assessed by {c.who}"}
                     for c in t.criteria.values() if c.assessment],
        "decision": {"decision": "" if not decision or decision.decision == "undecided" else decision.decision,
                     "reason": decision.reason if decision else "", "suggested": "",
                     "by": decision.who if decision else "",
                     "at": decision.updated.isoformat() if decision and decision.updated else None},
        "checklist": [{"section": _SECTIONS[i.kind], "text": i.item, "done": i.done, "who": i.who if i.done else "",
                       "when": i.done_at.isoformat() if i.done_at else None} for i in t.checklist.values()],
    }


def open_case(folder: str | os.PathLike, *, progress: Progress = no_progress,
              cancel: CancelToken | None = None) -> tuple[Case, Analysis, bool]:
    """Open a case and its analysis (reused when the evidence hashes are unchanged): one call for a worker thread."""
    case = Case.open(folder)
    try:
        analysis, reused = case.open_analysis(progress=progress, cancel=cancel)
    except BaseException:
        case.close()
        raise
    return case, analysis, reused


def open_or_create_case(folder: str | os.PathLike, sources: Sequence[str | os.PathLike], *,
                        options: dict[str, Any] | None = None, progress: Progress = no_progress,
                        cancel: CancelToken | None = None) -> tuple[Case, Analysis, bool]:
    """The case in ``folder`` with its analysis, as :func:`open_case`; made first (``sources`` analyzed with
    ``options``, :func:`workbench.pipeline.analyze_with_pack`'s keyword arguments) when the folder holds none
    yet. The demo case of the app is kept this way in the per-user data folder."""
    if (Path(folder) / DB_NAME).is_file():
        return open_case(folder, progress=progress, cancel=cancel)
    case = Case.create(folder, sources)
    try:
        if options:
            case.set_setting("analyze", _jsonable(options))
        analysis, _ = case.open_analysis(progress=progress, cancel=cancel)
    except BaseException:
        case.close()
        raise
    return case, analysis, False


def create_case(folder: str | os.PathLike, analysis: Analysis, sources: Sequence[str | os.PathLike], *,
                analyst: str | None = None, options: dict[str, Any] | None = None,
                progress: Progress = no_progress, cancel: CancelToken | None = None) -> Case:
    """A new case holding an analysis made already (the GUI's "New case" after opening files); ``options`` are
    the keyword arguments of :func:`workbench.pipeline.analyze_with_pack` it was made with, used when the evidence changes
    and the case is analyzed again."""
    case = Case.create(folder, sources, analyst=analyst)
    progress(0, 1, "saving the analysis into the case")
    try:
        if options:
            case.set_setting("analyze", _jsonable(options))
        case.save_analysis(analysis)
    except BaseException:
        case.close()
        raise
    return case


def _jsonable(value: Any) -> Any:
    """Paths as strings, tuples as lists: analyze's keyword arguments as a JSON setting."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value) if isinstance(value, os.PathLike) else value


class _Transaction:
    """``with case._tx() as db``: the lock held, BEGIN IMMEDIATE, COMMIT (or ROLLBACK on an error)."""

    def __init__(self, case: Case) -> None:
        self._case = case

    def __enter__(self) -> sqlite3.Connection:
        self._case._lock.acquire()
        try:
            self._case._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            self._case._lock.release()
            raise _not_saved(err, self._case.folder) from err
        except BaseException:
            self._case._lock.release()
            raise
        return self._case._db

    def __exit__(self, kind, exc, tb) -> None:
        db = self._case._db
        try:
            if kind is not None:
                if db.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                    db.execute("ROLLBACK")
                if issubclass(kind, sqlite3.Error):
                    raise _not_saved(exc, self._case.folder) from exc
                return
            try:
                db.execute("COMMIT")
            except sqlite3.Error as err:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise _not_saved(err, self._case.folder) from err
        finally:
            self._case._lock.release()


def _not_saved(err: BaseException, folder: Path) -> CaseError:
    """One clear line for a write the database refused; everything committed before it stays."""
    text = str(err).lower()
    if "full" in text:
        why = "the disk is full"
    elif "readonly" in text or "read-only" in text or "permission" in text:
        why = "the case folder is read-only"
    else:
        why = f"the database refused the write ({err})"
    return CaseError(f"this edit was not saved: {why}; everything saved before it is kept", folder)


def _norm(display: str) -> str:
    """An input's display name with its file part made absolute, so relative and absolute runs compare equal."""
    ev = evidence_of(display)
    return replace(ev, path=ev.path.resolve()).display


def _bookmark(row: tuple) -> Bookmark:
    return Bookmark(row[0], row[1], row[2], row[3], row[4], row[5], row[6], _when(row[7]))


def _check(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r} (one of {', '.join(allowed)})")


_MIGRATIONS = {2: MARKS_SCHEMA}  # schema version -> what it adds to the one before


def _migrate(db: sqlite3.Connection, version: int) -> None:
    """Bring a case made by an older workbench (or a new one, version 0) to :data:`SCHEMA_VERSION`, in one
    transaction: nothing is lost and a case is never left half-migrated."""
    if version >= SCHEMA_VERSION:
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for step in range(max(version, 1) + 1, SCHEMA_VERSION + 1):
            for statement in filter(str.strip, _MIGRATIONS[step].split(";")):
                db.execute(statement)
        db.execute("INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise


def _connect(path: Path) -> sqlite3.Connection:
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise CaseError(f"the case database cannot use write-ahead logging (got {mode})", path)
        db.execute("PRAGMA synchronous=FULL")
        db.executescript(_SCHEMA)
        version = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is not None and int(version[0]) > SCHEMA_VERSION:
            raise CaseError(f"made by a newer workbench (case schema {version[0]})", path)
        _migrate(db, int(version[0]) if version is not None else 0)
        return db
    except sqlite3.DatabaseError as exc:
        raise CaseError(f"cannot open the case database ({exc})", path) from exc
