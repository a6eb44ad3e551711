"""Storage: SQLModel tables, the engine, schema versions. No Textual here."""
