"""The benefits pages, mounted at /benefits/ by ``laoxiao/urls.py``: each topic module of
``views/`` holds its own ``urlpatterns``."""

from laoxiao.benefits.views import accounts, applications, batches, ledger, programmes

urlpatterns = [
    *programmes.urlpatterns,
    *applications.urlpatterns,
    *batches.urlpatterns,
    *accounts.urlpatterns,
    *ledger.urlpatterns,
]
