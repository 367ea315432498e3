"""Values written into DuckDB SQL text: a string literal and a quoted identifier, one definition each.

Statements that take no parameters (ATTACH, COPY … TO, a view over a file, a column list built from the schema)
have a file path or a column name written into them; these two functions are how, everywhere."""


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """``name`` as a quoted SQL identifier (a column or a database whose name holds anything)."""
    return '"' + name.replace('"', '""') + '"'
