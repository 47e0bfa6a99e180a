"""Use cases of notices (varsel) of planned changes and downtime (the cooperation procedure §2, §3.1, §3.3).

:mod:`.config` the injected settings, :mod:`.authoring` writing, editing, cancelling and completing notices,
:mod:`.sending` the rules checked on sending, the recipients and their mail, :mod:`.acks` acknowledgements and
overdue answers, :mod:`.freeze` the freeze calendar, :mod:`.mails` the mails' texts, :mod:`.channel` the public
change channel (Atom and iCalendar). Every use case takes a unit of work factory and the moment ``now``.
"""
