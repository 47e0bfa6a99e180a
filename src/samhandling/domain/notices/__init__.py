"""Notices (varsel) of planned changes and downtime: the rules, with no I/O (the cooperation procedure §2, §3.1,
§3.3). :mod:`.model` is the notice and its states, :mod:`.freeze` the freeze periods, :mod:`.rules` the rules
checked when sending and the deadline to answer, :mod:`.recipients` each recipient's state, :mod:`.tokens` the
signed acknowledgement link."""
