"""Complete synthetic PLO 1.6 documents, for the demo, the node and the cooperation test checklist.

Every person here is made up; the patient's fødselsnummer is synthetic with valid check digits
(HIS 1001:2010 section 4.1). The story: Åse Ørnhøi (49, multiple sclerosis, home nursing from the
municipality) is admitted to Testsykehuset with pneumonia, is ready for discharge a week later and
goes home. Each builder returns a new document; keyword arguments set what varies between
messages of a cooperation test (times, texts, ``forsendelsesstatus``: N, M, A or C).

Codes come from the code systems HIS 80704:2014 names for each element (volven.no), with the
values its profiles prescribe: event codes of 9121 (HIS 1149; code 5, expected discharge-ready date,
is new in 1.6, appendix A), heading codes of 9141, 9142 and 9145 (HIS 1143 section 4.3, HIS 1144
section 4.3, HIS 1148 section 4.3), content types of 9139 and 9140. Optional booleans are only given
when true, as HIS 80704:2014 appendix A recommends.

Its modules: :mod:`.story` (the people and places, and the parts the documents share), :mod:`.logistics`
(Pasientlogistikk, HIS 1149), :mod:`.admission_report` (Innleggelsesrapport, HIS 1143) and
:mod:`.hospital_reports` (Helseopplysninger, HIS 1144, and Utskrivningsrapport, HIS 1148).
"""
