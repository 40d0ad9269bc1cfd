"""De-identified patient records: FHIR R4 in, PHI gate, pseudonymous patient facts out."""
