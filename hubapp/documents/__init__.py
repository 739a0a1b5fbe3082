"""Printed documents (reportlab, no Qt): case summaries, meeting packs, agency action sheets.

``printing`` makes them (:func:`~hubapp.documents.printing.case_summary`,
:func:`~hubapp.documents.printing.meeting_pack`,
:func:`~hubapp.documents.printing.action_sheet`), saves them and records each disclosure;
``profiles`` says what each redaction profile may show; ``gather`` reads the data with the
profile applied; ``render`` and ``layout`` turn it into pages; ``charts`` draws the pack's
charts.
"""
