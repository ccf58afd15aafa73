"""The operator desk (issues 12/13), framework-free: what the operator page and the write API share.

- :mod:`.submission`: one submitted input (a notice, a file, a profile or a drawing), its
  preview (corridors, zones, parser warnings, duplicates, recipients) and its publication;
- :mod:`.recipients`: who would receive Alert / Update / Cancel (a dry run of the alert rules);
- :mod:`.duplicates`: a pasted notice that equals one already published;
- :mod:`.approvals`: the two-person rule (``GEOWARN_APPROVAL=2``);
- :mod:`.templates`: skeletons of the common notice kinds.
"""
