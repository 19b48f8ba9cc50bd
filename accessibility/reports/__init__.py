"""Reports on audits: the HTML report page, CSV and JSON downloads, the trend chart and the
draft accessibility statement.

Both kinds of run — an ad-hoc CLI audit (no database) and a stored, scheduled run — are first
turned into one :class:`~accessibility.reports.view.ReportView`, so every output format is
written once.
"""
