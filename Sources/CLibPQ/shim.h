#include <libpq-fe.h>

/// The PG_DIAG_* field codes are macros in postgres_ext.h; Swift does not
/// import character-literal macros, so they are restated here.
enum {
    VISIVO_PG_DIAG_SQLSTATE = 'C',
    VISIVO_PG_DIAG_MESSAGE_PRIMARY = 'M',
    VISIVO_PG_DIAG_MESSAGE_DETAIL = 'D',
    VISIVO_PG_DIAG_MESSAGE_HINT = 'H',
};
