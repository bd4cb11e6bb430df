"""The verifiable lottery (抽签): anyone can recompute the pick from the published seed.

    pick = int(SHA-256(seed + "|" + code_1 + "|" + code_2 ...), 16) mod n

where the codes are the shortlisted companies' 统一社会信用代码 in the recorded order. The seed's
SHA-256 is published before the draw, so the seed cannot be chosen after seeing the shortlist.
"""

import hashlib
import secrets


def new_seed() -> str:
    return secrets.token_hex(32)


def seed_hash(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def lottery_pick(seed: str, codes: list[str]) -> int:
    digest = hashlib.sha256("|".join([seed, *codes]).encode()).hexdigest()
    return int(digest, 16) % len(codes)
