#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro Swift cannot import: a destructor that tells
/// SQLite to copy the bound bytes before the call returns.
static inline sqlite3_destructor_type visivo_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
