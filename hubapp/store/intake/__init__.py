"""Intake: the new-issue form's rules, drafts saved as people type, and possible repeats."""
