/* Placeholder: replaced by the DuckDB loader. */
int visivo_duckdb_placeholder(void);
