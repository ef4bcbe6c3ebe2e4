"""The services reads, one question per function, always from ``visible_to(actor)`` (staff and
operators) or the actor's family links (family members)."""
