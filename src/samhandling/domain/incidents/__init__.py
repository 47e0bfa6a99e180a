"""Incidents and the emergency routine: when the message exchange breaks (the cooperation procedure §3.4).

- :mod:`.incident`: an unforeseen incident or acute downtime, its lifecycle, its updates, the three-hour rule
  that decides when the contact points for acute downtime are told, and the phone log of the emergency routine.
- :mod:`.hold`: the emergency routine's hold: messages to a partner (or to everyone) wait and go later.
- :mod:`.proposals`: incidents that monitoring proposes from its alerts.
"""
