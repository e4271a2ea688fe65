"""What survives restarts and crashes: the journal written before each answer, the Store snapshot, the stored form."""
