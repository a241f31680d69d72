"""The one error type every refused case action raises."""


class CaseActionError(Exception):
    """A refused action: `code` is stable for machines, `message` is Chinese for people.

    `status` is the HTTP status the API answers with; `field` names the form field at fault."""

    def __init__(self, code: str, message: str, *, status: int = 409, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field

    def to_dict(self):
        body = {"error": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body
