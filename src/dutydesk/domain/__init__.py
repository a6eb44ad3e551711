"""The supervisor's work in plain Python: shifts, the duty log, supervisors. No Textual here."""
