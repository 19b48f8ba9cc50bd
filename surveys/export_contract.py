"""The response export contract shared by surveys (which writes exports) and analysis (which
reads them): fixed columns, panel profile columns, modes and statuses.

Plain constants with no imports. `analysis` keeps its own copy (`analysis/export_contract.py`)
so a notebook never imports the service's domains; `tests/analysis/test_export_contract.py`
fails if the two differ.

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
