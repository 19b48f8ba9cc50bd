"""The response export's contract, as `analysis` reads it: fixed columns, panel profile
columns, modes and statuses.

The surveys domain writes exports to the same contract (`surveys/export_contract.py`); this is
analysis's own copy so a notebook library never imports the service's domains (issue 14), and
`tests/analysis/test_export_contract.py` fails if the two ever differ. Everything else an export
needs (question columns, labels, codes, missing codes) travels in its codebook.

In a pseudonymous export (a research officer's, or an administrator's ordinary one) the columns
are the same but coarser: `respondent_id` and `response_id` are keyed pseudonyms, `started_at`
and `submitted_at` are UTC dates (`YYYY-MM-DD`, not times), and `panel_ward` is blank for a
ward with fewer than ten respondents (`surveys/services/export_policy.py`). Administrators'
explicit exports (contact details, or sensitive answers with a reason) keep exact values.
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
