"""The whole schema: every capability's tables on the one :data:`~samhandling.store.metadata.metadata`.

Import :data:`metadata` from here where all tables must be known (the migrations' environment, the tests that
compare the migrations with the definitions, emptying a test database).
"""

from __future__ import annotations

from samhandling.store.checklist import tables as _checklist_tables  # noqa: F401
from samhandling.store.deviations import tables as _deviation_tables  # noqa: F401
from samhandling.store.incidents import tables as _incident_tables  # noqa: F401
from samhandling.store.mail import tables as _mail_tables  # noqa: F401
from samhandling.store.messaging import tables as _messaging_tables  # noqa: F401
from samhandling.store.metadata import metadata
from samhandling.store.monitoring import tables as _monitoring_tables  # noqa: F401
from samhandling.store.notices import tables as _notice_tables  # noqa: F401
from samhandling.store.registers import tables as _register_tables  # noqa: F401

__all__ = ["metadata"]
