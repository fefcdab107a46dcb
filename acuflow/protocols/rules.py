def reason_text(reason: str, **kw: object) -> str:
    return reason
