"""Imports every area's models so that metadata, migrations and the shell see them all."""

from webapp.audit.models import AuditEvent
from webapp.auth.models import Invitation, User, UserRole
from webapp.buddies.models import BuddyForbiddenPair, BuddyPair, MatchRun
from webapp.circles.models import CircleMeeting, CircleMembership, CircleRequest, MeetingAttendance, MentoringCircle
from webapp.dashboard.models import Target
from webapp.guest_lessons.models import GuestLesson, GuestLessonFeedback, GuestLessonOffer, GuestLessonOption
from webapp.outbox.models import OutboxEmail
from webapp.people.models import (
    AlumnaAllowedSchool,
    AlumnaProfile,
    CoordinatorProfile,
    Programme,
    School,
    StudentProfile,
)
from webapp.speeddates.models import (
    SpeeddateEvent,
    SpeeddateHost,
    SpeeddatePreference,
    SpeeddateRegistration,
    SpeeddateSlot,
)

__all__ = [
    "AlumnaAllowedSchool",
    "AlumnaProfile",
    "AuditEvent",
    "BuddyForbiddenPair",
    "BuddyPair",
    "CircleMeeting",
    "CircleMembership",
    "CircleRequest",
    "CoordinatorProfile",
    "GuestLesson",
    "GuestLessonFeedback",
    "GuestLessonOffer",
    "GuestLessonOption",
    "Invitation",
    "MatchRun",
    "MeetingAttendance",
    "MentoringCircle",
    "OutboxEmail",
    "Programme",
    "School",
    "SpeeddateEvent",
    "SpeeddateHost",
    "SpeeddatePreference",
    "SpeeddateRegistration",
    "SpeeddateSlot",
    "StudentProfile",
    "Target",
    "User",
    "UserRole",
]
