"""HTTP API tests: TestClient over create_app, on SQLite and PostgreSQL."""
