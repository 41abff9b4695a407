"""The compiler: renders a checked job into its artifacts."""
