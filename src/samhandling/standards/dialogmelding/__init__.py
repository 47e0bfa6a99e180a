"""Dialogmelding 1.0 and 1.1 (HIS 80603:2006 and HIS 80603:2017) and the profiles built on them.

A Dialogmelding holds either one or more ``Foresporsel`` (a request) or one or more ``Notat`` (an
answer, a note, a feedback on errors, a clinical dialog message): what the message *is* is said by
``MsgHead/MsgInfo/Type`` (code system 8279) and the code system of the note's ``TemaKodet``. The
profiles modelled by the builders:

- Forespørsel and Svar på forespørsel (HIS 1152:2006), Dialogmelding 1.0;
- Tilbakemelding om feil i mottatt melding, "avvik" (HIS 1151:2006), Dialogmelding 1.0;
- Notat (HIS 80603:2006 chapter 2.1.3);
- Helsefaglig dialog (HIS 1077:2017), Dialogmelding 1.1.

Its modules:

- :mod:`.codes`: the message types (8279) and the code systems and codes the profiles use;
- :mod:`.model`: the document in both versions, read and written;
- :mod:`.message_type`: what a document is, as its MsgHead type;
- :mod:`.versions`: what a document holds that its version does not allow;
- :mod:`.builders`: the documents of the profiles.
"""
