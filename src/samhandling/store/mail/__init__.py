"""The general mail outbox: every mail the node sends to people outside the monitoring (notices to the partners'
contact points, reminders), stored before it is sent, sent once. :mod:`.tables`, :mod:`.repository`."""
