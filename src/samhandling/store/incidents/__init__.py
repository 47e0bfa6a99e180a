"""Storage of incidents, their updates and phone calls, and the emergency routine's holds."""
