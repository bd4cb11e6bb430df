"""The lottery (抽签) nobody can predict (docs/rules.md §2, issue #14 point 4).

After the shortlist is recorded, two parties who do not trust each other — the 住建局 officer
who runs the draw and a 纪检监察 officer — each commit the SHA-256 of a secret of their own; once
both have committed, each reveals the secret, which must hash to the commitment. The draw's seed
is the SHA-256 of the reveals joined by "|" in party order (住建局, 纪检), and

    pick = int(SHA-256(seed + "|" + code_1 + "|" + code_2 ...), 16) mod n

where the codes are the shortlisted companies' 统一社会信用代码 in the recorded order. No one
knows the seed before the last reveal: the server stores only the commitments until then, and
changing either secret changes it. A party that has not revealed when the reveal period ends is
replaced by the platform's own secret, whose hash was published with the shortlist; the draw
records who was replaced. Draws made before commit–reveal keep their platform seed.
"""

import hashlib
import re
import secrets
from datetime import timedelta

# The parties, in the order their reveals enter the seed.
PARTIES = ("dept", "discipline")
# How long after the shortlist the parties have to commit and reveal.
REVEAL_PERIOD = timedelta(hours=48)
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def new_seed() -> str:
    return secrets.token_hex(32)


def seed_hash(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def combined_seed(reveals: list[str]) -> str:
    """The draw's seed from the reveals in party order."""
    return hashlib.sha256("|".join(reveals).encode()).hexdigest()


def lottery_pick(seed: str, codes: list[str]) -> int:
    digest = hashlib.sha256("|".join([seed, *codes]).encode()).hexdigest()
    return int(digest, 16) % len(codes)


def check_command(reveals: list[str], codes: list[str]) -> str:
    """The one line that recomputes the pick from the published reveals (0 = first listed)."""
    return (
        f'python3 -c "import hashlib as h;r={reveals!r};c={codes!r};'
        "s=h.sha256('|'.join(r).encode()).hexdigest();"
        "print(int(h.sha256('|'.join([s,*c]).encode()).hexdigest(),16)%len(c))\""
    )
