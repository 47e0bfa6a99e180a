"""Mail: SMTP and the general mail outbox, for every capability that mails."""
