"""Demo attachments and letters: a modest number of files on the demo cases, so that the
case window, the printed summaries, subject access and the benchmarks have something to show.

About one case in ``FILES_EVERY`` (at most ``FILES_MOST``) gets files: a photo of the place
(a small picture drawn with Pillow), often a text note of a call, and, where the case has an
alleged perpetrator, sometimes a warning letter sent to them (a ``Communication`` row with the
letter as a one-page PDF kept as an attachment of kind ``letter``).

Reproducible like the rest of the demo data (:mod:`hubapp.store.exchange.demo`): every
choice and every id comes from a generator seeded from the main one's state without drawing
from it (so the cases of a seed stay what they were), the pictures and PDFs are made the
same byte for byte (reportlab's ``invariant`` mode: no time stamp or random id in the file),
and the dates follow the case's. The content goes into the database through
:func:`hubapp.store.casework.attachment_content.write_chunks`, in chunks like any file; the
rows are written with the ids chosen here (``store_content`` would draw a random id, and the
same seed must make the same data).
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import datetime, timedelta

from hubapp.store.casework import attachment_content

#: about one case in this many gets files; never more than FILES_MOST cases
FILES_EVERY = 200
FILES_MOST = 150
_iso = datetime.isoformat

_ATTACHMENT = ("case_id", "title", "kind", "file_name", "media_type", "size", "sha256",
               "chunk_size", "chunk_count", "added_by", "agency_id", "contact_id", "action_id",
               "intervention_id", "note")  # fmt: skip
_COMMUNICATION = ("case_id", "person_id", "method", "template_name", "template_version",
                  "subject", "address", "agency_id", "sent_by", "sent_at", "attachment_id",
                  "batch_id")  # fmt: skip
#: (ground, wall or hedge, sky) of the pictures, and what they show
_SCENES = (
    ("Photo of the graffiti", (96, 96, 92), (150, 60, 140), (170, 190, 210)),
    ("Photo of the fly-tipped rubbish", (70, 110, 60), (120, 100, 80), (190, 200, 215)),
    ("Photo of the damage to the fence", (60, 90, 50), (140, 110, 70), (160, 180, 205)),
    ("Photo of the parked vehicles", (80, 80, 85), (40, 60, 120), (180, 195, 215)),
    ("Photo of the broken window", (90, 85, 80), (200, 200, 190), (150, 170, 200)),
)
_NOTES = (
    "Note of a phone call", "Victim's account, typed from the call", "Neighbour's diary",
    "Notes from the door-to-door visits",
)  # fmt: skip
_CALLS = (
    "{victim} rang again about {place}. It happened on three evenings this week, from about "
    "9 pm. {victim} has kept a diary and will send it in.",
    "{victim} says the problem at {place} is worse since the weekend; neighbours have noticed "
    "it too. Asked for a visit by the PCSO.",
    "Spoke to {victim}: no trouble at {place} for a week after the patrols, then it began "
    "again on Friday night.",
)


def check_columns() -> list[str]:
    """The tables whose columns the rows here do not fill exactly (none, while in step with
    the schema: ``hubapp.store.exchange.demo.check_columns`` refuses to run otherwise)."""
    from hubapp.store.schema import Base

    out = []
    for table, cols in (("attachment", _ATTACHMENT), ("communication", _COMMUNICATION)):
        columns = Base.metadata.tables[table].columns
        written = {"id", *cols, "created_at", "updated_at", "row_version", "station_id",
                   "voided"}  # fmt: skip
        missing = {c.name for c in columns if c.name not in written and not c.nullable}
        if missing or written - set(columns.keys()):
            out.append(table)
    return out


def _sql(table: str, columns: tuple[str, ...], station_hex: str) -> str:
    cols = ("id", *columns, "created_at", "updated_at")
    return (f"INSERT INTO {table} ({', '.join(cols)}, row_version, station_id, voided) "
            f"VALUES ({', '.join('?' * len(cols))}, 1, '{station_hex}', 0)")  # fmt: skip


def _stamp(at: datetime) -> str:
    return _iso(at, " ", "microseconds")


def _picture(rng: random.Random, ground, wall, sky) -> bytes:
    """A small, plausible scene (sky, a wall or hedge, the ground, a few shapes) as a JPEG."""
    from PIL import Image, ImageDraw

    width, height = 240, 180
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    horizon = int(height * (0.35 + 0.2 * rng.random()))
    draw.rectangle((0, horizon, width, height), fill=ground)
    top = horizon - int(40 + 50 * rng.random())
    draw.rectangle((0, top, width, horizon + 20), fill=wall)
    for _ in range(3 + int(rng.random() * 5)):
        x, y = int(rng.random() * width), int(top + rng.random() * (height - top))
        size = int(10 + rng.random() * 40)
        shade = tuple(int(c * (0.5 + rng.random())) % 256 for c in wall)
        draw.ellipse((x, y, x + size, y + size // 2), fill=shade)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


_FONT = "HubDemoSans"


def _font() -> str:
    """The Unicode font the printed documents use (every name prints: Răzvan, Łukasz)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from hubapp import resources

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT, str(resources.font("DejaVuSans.ttf"))))
    return _FONT


def _letter_pdf(name: str, address: str, place: str, signed: str, agency: str,
                sent: datetime) -> bytes:  # fmt: skip
    """A one-page warning letter, the same bytes for the same values."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    font = _font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    canvas.setTitle("Warning about antisocial behaviour")
    width, height = A4
    canvas.setFont(font, 8)
    canvas.drawCentredString(width / 2, height - 30, "OFFICIAL-SENSITIVE")
    canvas.drawCentredString(width / 2, 24, "OFFICIAL-SENSITIVE")
    body = (f"We have received reports of antisocial behaviour at {place}, and information "
            "links you to it. This letter is a warning: if the behaviour continues, the "
            "agencies of the Local Focus Hub may take further action, which can include a "
            "Community Protection Warning.")  # fmt: skip
    lines = [name, *[p.strip() for p in address.split(",") if p.strip()], "",
             sent.strftime("%d/%m/%Y"), "", f"Dear {name},", "",
             "Warning about antisocial behaviour", "",
             *simpleSplit(body, font, 11, width - 144), "",
             "If you would like to talk about this letter, please contact us.", "",
             "Yours sincerely,", "", signed, agency]  # fmt: skip
    canvas.setFont(font, 11)
    y = height - 72
    for line in lines:
        canvas.drawString(72, y, line)
        y -= 16
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def add_files(gen, session, cur, first_seq: int, last_seq: int) -> dict[str, int]:
    """Files and letters on some of the cases ``first_seq`` to ``last_seq`` just made, inside
    the demo's transaction; the number of rows made per table."""
    cases = last_seq - first_seq + 1
    wanted = min(FILES_MOST, (cases + FILES_EVERY - 1) // FILES_EVERY)
    if wanted <= 0:
        return {}
    rng = gen.files
    seqs = sorted(rng.sample(range(first_seq, last_seq + 1), wanted))
    marks = ", ".join("?" * len(seqs))
    found = cur.execute(
        "SELECT c.id, c.received_at, c.lead_agency_id, c.location, "
        "(SELECT p.full_name FROM case_person cp JOIN person p ON p.id = cp.person_id "
        " WHERE cp.case_id = c.id AND cp.role IN ('victim', 'complainant') ORDER BY cp.id LIMIT 1), "
        "(SELECT p.id || '|' || p.full_name || '|' || coalesce(p.address, '') FROM case_person cp "
        " JOIN person p ON p.id = cp.person_id WHERE cp.case_id = c.id "
        " AND cp.role = 'alleged_perpetrator' ORDER BY cp.id LIMIT 1) "
        f"FROM case_ c WHERE c.seq IN ({marks}) ORDER BY c.seq", seqs).fetchall()  # fmt: skip
    agencies = {a.id: a for hub in gen.hubs for a in hub.agencies}
    attachments: list[tuple] = []
    letters: list[tuple] = []

    def new_id() -> str:
        return uuid.UUID(int=rng.getrandbits(128), version=4).hex

    def store(case_id, at, title, kind, name, media, data, staff, agency_id) -> str:
        attachment_id = new_id()
        size, sha, count = attachment_content.write_chunks(
            session, uuid.UUID(attachment_id), io.BytesIO(data)
        )
        attachments.append((attachment_id, case_id, title, kind, name, media, size, sha,
                            attachment_content.CHUNK_SIZE, count, staff, agency_id, None,
                            None, None, "", _stamp(at), _stamp(at)))  # fmt: skip
        return attachment_id

    for case_id, received, agency_id, location, victim, perpetrator in found:
        received = datetime.fromisoformat(received)
        span = max(1, int((gen.now - received).total_seconds()))
        agency = agencies.get(agency_id)
        staff = rng.choice(agency.staff) if agency is not None and agency.staff else ""
        place = location or "the location"

        def later(received=received, span=span) -> datetime:
            return received + timedelta(seconds=int(span * (0.05 + 0.6 * rng.random())))

        title, ground, wall, sky = _SCENES[int(rng.random() * len(_SCENES))]
        store(case_id, later(), title, "photo", f"IMG_{1000 + int(rng.random() * 9000)}.jpg",
              "image/jpeg", _picture(rng, ground, wall, sky), staff, agency_id)  # fmt: skip
        if victim and rng.random() < 0.6:
            text = _CALLS[int(rng.random() * len(_CALLS))].format(victim=victim, place=place)
            store(case_id, later(), _NOTES[int(rng.random() * len(_NOTES))], "statement",
                  "note.txt", "text/plain", (text + "\n").encode("utf-8"), staff, agency_id)  # fmt: skip
        if perpetrator and rng.random() < 0.5:
            person_id, name, address = perpetrator.split("|", 2)
            sent = later()
            pdf = _letter_pdf(name, address, place, staff or "The hub coordinator",
                              agency.short_name if agency else "", sent)  # fmt: skip
            subject = "Warning about antisocial behaviour"
            file_id = store(case_id, sent, subject, "letter", "asb-warning.pdf",
                            "application/pdf", pdf, staff, agency_id)  # fmt: skip
            letters.append((new_id(), case_id, person_id, "letter", "asb_warning", 1, subject,
                            address, agency_id, staff, _stamp(sent), file_id, None,
                            _stamp(sent), _stamp(sent)))  # fmt: skip
    cur.executemany(_sql("attachment", _ATTACHMENT, gen.station_hex), attachments)
    cur.executemany(_sql("communication", _COMMUNICATION, gen.station_hex), letters)
    return {"attachment": len(attachments), "communication": len(letters)}
