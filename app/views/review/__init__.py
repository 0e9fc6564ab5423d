"""The reviewer's workspace screens for source information (SRC-8 … SRC-12, XLS-1, XLS-3) and their REST door."""

# The three screen classes share one permission name; each declares the same full set so FAB's permission sync
# never sees a "stale" permission of a sibling class.
PERMISSIONS = ["can_list", "can_show", "can_decide", "can_edit", "can_notify", "can_export", "can_print"]
