"""Who may see and do what (access), the audit trail, and sign-in accounts."""
