import csv
import datetime as dt
import io
import uuid

import attrs

from application.list_trial_classes import ListTrialClasses
from domain.trial_class import TrialClassStatus

HEADER = ("data", "horário", "modalidade", "aluno", "telefone", "situação")
STATUS_LABELS = {
    TrialClassStatus.CONFIRMED: "confirmada",
    TrialClassStatus.CANCELLED: "cancelada",
    TrialClassStatus.ATTENDED: "compareceu",
    TrialClassStatus.NO_SHOW: "faltou",
}
ANONYMOUS = "anônimo"


@attrs.define
class ExportTrialClasses:
    """The trial classes of `ListTrialClasses` as CSV text for a spreadsheet: a header, then one
    row per class in the tenant's local time, members shown as on screen (no full numbers)."""

    listing: ListTrialClasses

    async def execute(self, tenant_id: uuid.UUID, first: dt.date | None = None, last: dt.date | None = None) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        for day in (await self.listing.execute(tenant_id, first, last)).days:
            for session in day.sessions:
                for row in session.trial_classes:
                    writer.writerow(
                        (
                            f"{session.starts_at:%Y-%m-%d}",
                            f"{session.starts_at:%H:%M}",
                            session.modality,
                            ANONYMOUS if row.anonymous else _cell(row.member_name or ""),
                            row.masked_phone or "",
                            STATUS_LABELS[row.status],
                        )
                    )
        return out.getvalue()


def _cell(text: str) -> str:
    """A member's name is theirs to choose: one starting like a formula would run in a spreadsheet."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
