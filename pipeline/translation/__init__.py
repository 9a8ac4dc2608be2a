"""Translation above the backends: the engine (routes, waves, cache, chunking) and the
guards that check an output against its source."""
