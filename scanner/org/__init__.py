"""Org-wide scans: list a GitHub org's or GitLab group's repositories, scan each on Dask, merge one report.

Dask is imported only here, and only when an org scan runs (never by the hook or a plain scan).
"""
