def protocol_catalogue_sync(*, using: str = "default") -> int:
    return 0
