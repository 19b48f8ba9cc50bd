"""The response export contract shared by surveys (which writes exports) and analysis (which
reads them): fixed columns, panel profile columns, modes and statuses.

Plain constants with no imports. `analysis` keeps its own copy (`analysis/export_contract.py`)
so a notebook never imports the service's domains; `tests/analysis/test_export_contract.py`
fails if the two differ.
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
