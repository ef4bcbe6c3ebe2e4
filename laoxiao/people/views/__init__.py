"""Pages of the people registries (/people/): older people, their follow-up and the monthly visit
work list (``elders``, ``visits``); children, their health follow-up and the health work list
(``children``, ``health``); what they share in ``common``.

Views parse, call a selector or an action, and render. The selectors scope by region and sector
(civil-affairs staff: older people; health staff: children, health follow-up and older people's
health checks); something outside the user's regions answers 404 (``NotFound`` is an ``Http404``);
a page of another sector's work answers 403. Forms post to ``…/record/<kind>/``; the actions'
``ValidationError`` fields go back on the form (``core.forms.run_action``).
"""

from __future__ import annotations

from laoxiao.people.views.children import child_detail, child_list, child_record
from laoxiao.people.views.elders import elder_detail, elder_list, elder_record
from laoxiao.people.views.health import health_rows_html, health_worklist
from laoxiao.people.views.visits import WORKLIST_PAGE_SIZE, VisitRowRenderer, visit_record, visit_worklist

__all__ = [
    "WORKLIST_PAGE_SIZE",
    "VisitRowRenderer",
    "child_detail",
    "child_list",
    "child_record",
    "elder_detail",
    "elder_list",
    "elder_record",
    "health_rows_html",
    "health_worklist",
    "visit_record",
    "visit_worklist",
]
