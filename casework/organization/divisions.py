"""Administrative divisions (行政区划代码): six digits, province 2 + city 2 + county 2."""


def within(division: str, area: str) -> bool:
    """Is ``division`` the area itself or inside it (510802 is inside 510800 and 510000)?"""
    prefix = area.rstrip("0")
    return division.startswith(prefix[: max(2, len(prefix) + len(prefix) % 2)])


def related(a: str, b: str) -> bool:
    """Is one of the two areas inside the other (the chain of superior and subordinate areas)?"""
    return within(a, b) or within(b, a)


def chain_up(division: str) -> list[str]:
    """The area and the areas above it: 510802 → [510802, 510800, 510000]."""
    chain = [division]
    if division[4:] != "00":
        chain.append(division[:4] + "00")
    if division[2:] != "0000":
        chain.append(division[:2] + "0000")
    return list(dict.fromkeys(chain))
