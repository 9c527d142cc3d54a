"""The codes of the interchange format (docs/interchange.md). The UI shows them in Dutch via i18n."""

STATUSES = ("active", "graduated", "progressed", "employed", "transferred", "dropped_out")
ORGANISATION_KINDS = ("school", "workplace", "care", "external", "family")
ROLES = (
    "mentor",
    "bpv_coordinator",
    "class_counsellor",
    "care_coordinator",
    "care_worker",
    "workplace_supervisor",
    "peer_coach",
    "external",
    "parent",
)
SCHOOL_GUIDE_ROLES = ("mentor", "bpv_coordinator", "class_counsellor")
# Roles that may read contacts and notes with visibility `care`.
CARE_ROLES = ("care_coordinator", "care_worker", "class_counsellor")
CONTACT_KINDS = ("start", "mid", "final", "incidental")
FIXED_KINDS = ("start", "mid", "final")
CHANNELS = (
    "in_person",
    "phone",
    "video",
    "chat",
    "email",
    "workplace_visit",
    "unannounced_visit",
    "network_meeting",
)
REASONS = ("progress", "absence", "behaviour", "personal", "care", "question", "stop", "other")
VISIBILITIES = ("guides", "school", "care")
TOPICS = (
    "direction",
    "final_responsibility",
    "task_division",
    "information",
    "contact_frequency",
    "pedagogy",
    "expertise",
)
AUDIENCES = ("workplace", "external", "parents")

# Interchange tables in export order, with their columns in spec order.
TABLES: dict[str, tuple[str, ...]] = {
    "students": (
        "student_id",
        "first_name",
        "last_name",
        "birth_date",
        "programme",
        "location",
        "class_code",
        "enrolment_date",
        "status",
        "status_date",
        "status_reason",
    ),
    "staff": ("person_id", "name", "organisation", "organisation_kind", "email", "phone"),
    "roles": ("student_id", "person_id", "role", "start_date", "end_date", "note"),
    "placements": (
        "placement_id",
        "student_id",
        "company",
        "supervisor_id",
        "start_date",
        "end_date",
        "ended_early_on",
    ),
    "contacts": (
        "contact_id",
        "student_id",
        "placement_id",
        "date",
        "kind",
        "channel",
        "participants",
        "student_present",
        "initiated_by",
        "reason",
        "summary",
        "visibility",
    ),
    "agreements": (
        "agreement_id",
        "student_id",
        "placement_id",
        "topic",
        "holder_id",
        "counterpart_ids",
        "details",
        "frequency_days",
        "discussed_with_student",
        "agreed_on",
        "review_on",
        "ended_on",
    ),
    "consents": ("student_id", "audience", "shares", "decided_on", "recorded_by", "note"),
    "absences": ("student_id", "date", "hours", "excused"),
}
