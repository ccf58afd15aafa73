r"""The operator page's form: a pasted notice, an uploaded file, a launch profile or a drawing.

>>> f = OperatorForm.from_request({"mode": "draw", "drawn": "36 124\n36 125\n35 125", "text": "N895"}, {})
>>> s = f.submission()
>>> s.drawn.splitlines()[0], s.text, s.drawn_format
('36 124', 'N895', 'text')
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from geowarn.desk.submission import Submission
from geowarn.desk.templates import Template
from geowarn.errors import InvalidParameter
from geowarn.model import utc

PROFILE_FIELDS = (
    "site_lat",
    "site_lon",
    "azimuth",
    "track_km",
    "half_width_km",
    "stage1_km",
    "stage2_km",
    "window_start",
    "window_end",
)
MODES = ("text", "file", "profile", "draw")


@dataclass
class OperatorForm:
    """The operator's input.

    ``drawn`` is the vertex text of the map editor (mode ``draw``, or a correction of parsed
    corridors: the pasted ``text`` is then kept as the source).
    """

    mode: str = "text"  # text | file | profile | draw
    text: str = ""
    format: str = "auto"
    name: str = ""
    event_id: str = ""
    update: bool = False
    filename: str = ""
    file_b64: str = ""
    profile: dict[str, str] = field(default_factory=dict)
    drawn: str = ""
    window_start: str = ""
    window_end: str = ""
    ack: bool = False  # "I have read the warnings"

    @classmethod
    def empty(cls, event_id: str | None = None) -> OperatorForm:
        """Make the empty form (an update of ``event_id`` when given)."""
        return cls(event_id=event_id or "", update=bool(event_id))

    @classmethod
    def from_template(cls, tpl: Template, event_id: str | None = None) -> OperatorForm:
        """Fill a form with a notice template."""
        form = cls.empty(event_id)
        form.mode, form.format, form.text, form.profile = tpl.mode, tpl.format, tpl.text, dict(tpl.profile)
        return form

    @classmethod
    def from_request(cls, form: Mapping[str, str], files: Mapping[str, Any]) -> OperatorForm:
        """Read the posted form and its uploaded file."""
        mode = form.get("mode", "text")
        if mode not in MODES:
            raise InvalidParameter(f"unknown input mode {mode!r}")
        out = cls(
            mode=mode,
            text=form.get("text", ""),
            format=form.get("format", "auto") or "auto",
            name=form.get("name", "").strip(),
            event_id=form.get("event_id", "").strip(),
            update=form.get("update") == "on",
            filename=form.get("filename", ""),
            file_b64=form.get("file_b64", ""),
            profile={k: form.get(k, "").strip() for k in PROFILE_FIELDS},
            drawn=form.get("drawn", ""),
            window_start=form.get("drawn_window_start", "").strip(),
            window_end=form.get("drawn_window_end", "").strip(),
            ack=form.get("ack_warnings") == "on",
        )
        upload: Any = files.get("file")
        if mode == "file" and upload is not None and upload.filename:
            out.filename = str(upload.filename)
            out.file_b64 = base64.b64encode(upload.read()).decode("ascii")
        return out

    def submission(self) -> Submission:
        """Turn the form into a :class:`~geowarn.desk.submission.Submission` (a 400 naming what is missing)."""
        common: dict[str, Any] = {"name": self.name, "event_id": self.event_id, "update": self.update}
        if self.mode == "draw":
            if not self.drawn.strip():
                raise InvalidParameter("draw the corridors on the map, or type their vertices ('lat lon' lines)")
            return Submission(
                text=self.text,
                format=self.format,
                drawn=self.drawn,
                drawn_format="text",
                window_start=self.window_start,
                window_end=self.window_end,
                **common,
            )
        if self.mode == "file":
            if not self.file_b64:
                raise InvalidParameter("choose a file to upload")
            return Submission(file_b64=self.file_b64, filename=self.filename, format=self.format, **common)
        if self.mode == "profile":
            return Submission(text=self.profile_toml(), format="profile", filename="profile.toml", **common)
        if not self.text.strip():
            raise InvalidParameter("paste the notice text")
        return Submission(text=self.text, format=self.format, **common)

    def profile_toml(self) -> str:
        """Write the launch profile (geowarn's TOML profile format) of the form fields."""
        p = self.profile

        def num(key: str) -> float:
            try:
                return float(p.get(key, ""))
            except ValueError:
                raise InvalidParameter(f"profile field {key!r} must be a number") from None

        def when(key: str) -> str:
            value = p.get(key, "")
            try:
                service_time = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                raise InvalidParameter(f"profile field {key!r} must be an ISO 8601 time") from None
            return utc(service_time).strftime("%Y-%m-%dT%H:%M:%SZ")

        name = self.name or "Launch profile"
        lines = [
            f"name = {_toml_str(name)}",
            f'window_start = "{when("window_start")}"',
            f'window_end = "{when("window_end")}"',
            "[site]",
            f"lat = {num('site_lat')}",
            f"lon = {num('site_lon')}",
            "[[track]]",
            f"azimuth = {num('azimuth')}",
            f"length_km = {num('track_km')}",
            "[overflight]",
            f"half_width_km = {num('half_width_km')}",
        ]
        for phase, key, sa, sc in (("stage1", "stage1_km", 25, 10), ("stage2", "stage2_km", 120, 40)):
            if p.get(key):
                lines += [
                    "[[stage]]",
                    f'phase = "{phase}"',
                    f"downrange_km = {num(key)}",
                    f"sigma_along_km = {sa}",
                    f"sigma_cross_km = {sc}",
                ]
        return "\n".join(lines) + "\n"


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'
