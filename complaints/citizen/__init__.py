"""The citizen's side: follow a petition by its receipt code (mã tra cứu), rate the service."""
