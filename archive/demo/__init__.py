"""Demo data: a seeded dataset of units, users and dossiers, and its documents as PDFs."""
