"""The fake Outreach Dashboard (see ``server.py``).

Its data now ships in the package (``outreach_helper.demo.dataset``) so that the offline
demo can use it too. ``tests.fakedash.dataset`` stays importable under its old name, so
tests written against it keep working unchanged.
"""

import sys

from outreach_helper.demo import dataset

sys.modules[f"{__name__}.dataset"] = dataset

__all__ = ["dataset"]
