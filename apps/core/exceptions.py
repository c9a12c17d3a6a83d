class ApplicationError(Exception):
    """A rule of the domain was broken; the message is safe to show to the person who asked."""

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}
