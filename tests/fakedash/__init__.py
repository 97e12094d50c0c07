"""The fake Outreach Dashboard (see ``server.py``).

Its data now ships in the package (``outreach_helper.demo.dataset``) so that the offline
demo can use it too. ``tests.fakedash.dataset`` stays importable under its old name, so
tests written against it keep working unchanged. The second world, the Wiki Education
Dashboard's, is ``outreach_helper.demo.wikiedu`` (``FakeDashboard(build_wikiedu_dataset())``).
"""

import sys

from outreach_helper.demo import dataset

sys.modules[f"{__name__}.dataset"] = dataset

__all__ = ["dataset"]
