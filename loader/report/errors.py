"""The two ways an issue can be refused, each with a message that names the problem."""


class ReportFileError(ValueError):
    """The file cannot be read as an issue of the report; the message names the problem."""


class ReportFormatError(ValueError):
    """The text is not an issue of the monthly report in the expected layout."""
