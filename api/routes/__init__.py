"""The API's routes, one module per audience: questions, records, administration."""
