"""The response export's contract, as `analysis` reads it: fixed columns, panel profile
columns, modes and statuses.

The surveys domain writes exports to the same contract (`surveys/export_contract.py`); this is
analysis's own copy so a notebook library never imports the service's domains (issue 14), and
`tests/analysis/test_export_contract.py` fails if the two ever differ. Everything else an export
needs (question columns, labels, codes, missing codes) travels in its codebook.
"""

FIXED_COLUMNS = (
    "respondent_id",
    "response_id",
    "survey",
    "version",
    "mode",
    "status",
    "started_at",
    "submitted_at",
)
PANEL_COLUMNS = (
    "panel_age_band",
    "panel_sex",
    "panel_ward",
    "panel_ethnicity",
    "panel_disability",
    "panel_imd_quintile",
)
MODES = ("online", "paper", "phone", "face_to_face")
STATUSES = ("complete", "partial")
#: Export files the service's `/api/surveys/{slug}/export?format=` offers.
FORMATS = ("csv", "xlsx", "sav", "codebook")
