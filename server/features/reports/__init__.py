"""Field reports and questions to the government as *cases*: intake from every channel
(API, Open311, Zalo, Messenger, hotline) through one pipeline, duplicates, a lifecycle with
deadlines and escalation, publication, citizen rating, KPIs and the monthly report.

``ReportDesk`` (``server.features.reports.desk``) is the feature object the web layer builds once.
See docs/REPORTS.md.
"""
