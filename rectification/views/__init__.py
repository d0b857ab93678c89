"""Thin views: fetch through access.py, validate a form, call an action, render or redirect.

One module per sub-domain, named by rectification/urls.py as `<module>.<view>`:
inspections.py (the overview, campaigns, inspections), hazards.py, supervision.py,
centres.py, legal.py, exports.py (an export's status page and download); common.py holds
what they share.
"""
