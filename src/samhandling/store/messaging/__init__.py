"""Messaging storage: messages, parties, outbox, journal.

One module per concept: :mod:`~samhandling.store.messaging.messages` (stored messages: errors, query, protocol)
with its SQL repository in :mod:`~samhandling.store.messaging.sql_messages`, and
:mod:`~samhandling.store.messaging.parties`, :mod:`~samhandling.store.messaging.patients` (the patient directory),
:mod:`~samhandling.store.messaging.outbox` and :mod:`~samhandling.store.messaging.handovers` (to the EPJ), each
with its values, protocol and SQL repository; the tables are in :mod:`~samhandling.store.messaging.tables`.

Each repository works inside the transaction of a unit of work (:mod:`samhandling.store.unit_of_work`) and never
commits. The protocols are what the services use; the ``Sql*`` classes implement them on one database
connection, the fakes in :mod:`samhandling.store.fakes` in memory.
"""
