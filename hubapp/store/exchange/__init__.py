"""Exchange: importing reports, exporting records, and demo data."""
