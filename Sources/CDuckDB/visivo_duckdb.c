#include "visivo_duckdb.h"
int visivo_duckdb_placeholder(void) { return 0; }
