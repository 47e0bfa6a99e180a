"""Use cases of incidents and the emergency routine (the cooperation procedure §3.4).

- :mod:`.holds`: put a partner (or everything) on hold, release it, and what is held.
- :mod:`.incidents`: register, update and resolve incidents, the phone log, and the three-hour notices.
"""
