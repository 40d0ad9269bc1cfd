"""Who may use the API: API keys and OIDC tokens, roles, and the tamper-evident audit trail."""
