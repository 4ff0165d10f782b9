"""Imports every model module so that metadata, Alembic and relationships see all tables."""

from complaints.api.models import ApiToken  # noqa: F401
from complaints.auth.models import User, UserRole  # noqa: F401
from complaints.calendar.models import CalendarOverride  # noqa: F401
from complaints.cases.models import (  # noqa: F401
    ApologyLetter,
    Case,
    CaseEvent,
    Deadline,
)
from complaints.citizen.models import CitizenRating  # noqa: F401
from complaints.core.audit import AuditCheckpoint, AuditEvent, AuditHead  # noqa: F401
from complaints.core.maintenance import PendingTask  # noqa: F401
from complaints.core.numbering import RunningNumber  # noqa: F401
from complaints.core.throttle import ThrottleAttempt  # noqa: F401
from complaints.notices.models import IssuedDocument  # noqa: F401
from complaints.obligations.models import ReceptionRule  # noqa: F401
from complaints.petitions.models import (  # noqa: F401
    Attachment,
    Petition,
    PetitionSender,
    RegisterCounter,
)
from complaints.reception.models import ReceptionSession, Visit, VisitPerson  # noqa: F401
from complaints.registers.models import (  # noqa: F401
    ImportedCaseKey,
    ImportedRecord,
    ImportIssue,
    ImportRow,
    RegisterImport,
)
from complaints.reports.models import (  # noqa: F401
    ClosedReport,
    MonthFigures,
    OpeningBalance,
    ReportedFigures,
    ReportReopening,
    ReportSettings,
)
from complaints.units.models import Unit  # noqa: F401
