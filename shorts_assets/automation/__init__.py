"""How the factory runs itself, one module per concern: the jobs, the intake of new sheet rows,
the sheet sync that keeps every row's status true to the instance and the store (and carries
out what rows ask for), and the analytics schedule."""


import hashlib
import json


def digest(shown: object) -> str:
    """What a queue shows (the publishing calendar's, the review queue's), as 16 hex digits a sensor's
    cursor keeps to tell whether it changed."""
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:16]
