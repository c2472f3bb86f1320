"""Reading sources into Documents, and extracting mentions and assertions from them."""
