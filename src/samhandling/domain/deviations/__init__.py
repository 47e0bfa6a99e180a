"""The deviation register (avvik): what went wrong in the cooperation, and the measures (tiltak) taken.

The cooperation procedure (§2) asks for «rutiner som sikrer at avvik blir avdekket og tiltak blir iverksatt»,
and (§3.2) that the partner is told when a fault is suspected or found.

- :mod:`.deviation`: a deviation, its sources, categories, lifecycle and measures.
- :mod:`.report`: the period report for the cooperation committee.
"""
