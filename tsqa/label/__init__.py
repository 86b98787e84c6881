"""Local web pages for people: label anomaly windows on your own incidents (`tsqa label incidents`) and answer a
dataset's questions as an expert (`tsqa label answers`). Standard-library server, token on every request, pages
shipped as package files (no CDN: they work offline)."""
