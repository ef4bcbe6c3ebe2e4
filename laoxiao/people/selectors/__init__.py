"""selectors of the people app: elders in elders.py, children in children.py."""
