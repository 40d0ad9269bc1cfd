"""Contract suites: one class per seam (Protocol); every backend's test class inherits its contract."""
