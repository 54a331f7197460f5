"""The shared kernel of people: who someone is, what they may do, and what they did.

- models.py: User, Role, Membership, Invitation, AuditEvent;
- permissions.py: the checks and an admin's or operator's Scope in one regency;
- audit.py: audit_record, written in the transaction of the write it describes.

Used by the control plane (sukma.platform) and by a regency's pages (sukma.surveys)
alike; it sits below both and imports neither, only sukma.tenants.
"""
