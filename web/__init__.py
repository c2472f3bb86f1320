"""Pages `alliances` writes or serves (the offline map and the query page) with every asset they need, so they work with no network."""
