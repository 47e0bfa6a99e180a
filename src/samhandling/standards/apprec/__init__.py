"""AppRec 1.0 and 1.1, the application receipt (HIS 80415:2004, HIS 80415:2012, used as HITS 1168:2016 says).

An AppRec tells the sender of a business message (fagmelding) whether the receiving system took it in:
status ``OK``, ``Avvist`` or ``OK, feil i delmelding`` (code system 8258) with error codes (code system 8221).
It is not wrapped in MsgHead: its root element is ``AppRec``. Its ``Sender`` is the recipient that answers
(the primary receiver or a copy receiver, with its role), its ``Receiver`` is the sender of the original
message, and ``OriginalMsgId`` carries the original MsgHead type, GenDate and MsgId.

The two versions have the same structure and differ in namespace (HIS 80415:2012 §5.1) and in the role codes
of ``Sender`` and ``Receiver`` (HITS 1168 §6.2, §8.1). Which version answers a message is decided by the
message's standard (HITS 1168 §8.2, §8.3).

- :mod:`.codes`: the code tables (status 8258, errors 8221, roles 8112, the AppRec's own MsgType);
- :mod:`.model`: the AppRec document in both versions, read and written;
- :mod:`.versions`: which version answers a message;
- :mod:`.answer`: answering a received message, one AppRec per recipient.
"""
