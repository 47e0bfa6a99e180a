"""Storage of notices (varsel): :mod:`.tables` (migration ``0012_notices``) and :mod:`.repository` (SQL and in
memory), and :mod:`.unit_of_work`, the node's unit of work with the notices and the mail outbox added."""
