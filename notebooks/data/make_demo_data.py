"""Write the synthetic demo survey exports the notebooks read (two waves, CSV + codebook).

Run from the project root:  .venv/bin/python notebooks/data/make_demo_data.py
The data are made up (see analysis/demo_data.py); they stand in for
``analysis.load("resident-satisfaction")`` until the service holds real responses.
"""

from pathlib import Path

from analysis.demo_data import demo_survey, write_export

HERE = Path(__file__).parent

if __name__ == "__main__":
    for wave in (1, 2):
        frame, codebook = demo_survey(3000, wave=wave)
        path = write_export(frame, codebook, HERE / f"resident_satisfaction_wave{wave}.csv")
        print(f"wrote {path} ({len(frame)} responses)")
