"""Administration: backups and restore, the audit log's viewer, retention review and erasure, subject access."""
