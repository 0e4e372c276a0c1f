/*
 * DuckDB's C API as visivo uses it, loaded at run time with dlopen: the visivo binary has
 * no link-time dependency on libduckdb. The declarations below are the subset of DuckDB's
 * public duckdb.h that the connector needs, with the same layouts (duckdb_result is 48
 * bytes on 64-bit platforms; the handle types are pointers to one-pointer structs).
 */
#ifndef VISIVO_DUCKDB_H
#define VISIVO_DUCKDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The function pointers below are _Nonnull (Swift calls them without unwrapping); the
 * other pointers keep C's unspecified nullability. */
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wnullability-completeness"

typedef uint64_t idx_t;

/* duckdb_type: the values are DuckDB's (they are part of its stable C API). Types added
 * later than this list arrive as other values and are read as text. */
typedef enum VISIVO_DUCKDB_TYPE {
    DUCKDB_TYPE_INVALID = 0,
    DUCKDB_TYPE_BOOLEAN = 1,
    DUCKDB_TYPE_TINYINT = 2,
    DUCKDB_TYPE_SMALLINT = 3,
    DUCKDB_TYPE_INTEGER = 4,
    DUCKDB_TYPE_BIGINT = 5,
    DUCKDB_TYPE_UTINYINT = 6,
    DUCKDB_TYPE_USMALLINT = 7,
    DUCKDB_TYPE_UINTEGER = 8,
    DUCKDB_TYPE_UBIGINT = 9,
    DUCKDB_TYPE_FLOAT = 10,
    DUCKDB_TYPE_DOUBLE = 11,
    DUCKDB_TYPE_TIMESTAMP = 12,
    DUCKDB_TYPE_DATE = 13,
    DUCKDB_TYPE_TIME = 14,
    DUCKDB_TYPE_INTERVAL = 15,
    DUCKDB_TYPE_HUGEINT = 16,
    DUCKDB_TYPE_VARCHAR = 17,
    DUCKDB_TYPE_BLOB = 18,
    DUCKDB_TYPE_DECIMAL = 19,
    DUCKDB_TYPE_TIMESTAMP_S = 20,
    DUCKDB_TYPE_TIMESTAMP_MS = 21,
    DUCKDB_TYPE_TIMESTAMP_NS = 22,
    DUCKDB_TYPE_ENUM = 23,
    DUCKDB_TYPE_LIST = 24,
    DUCKDB_TYPE_STRUCT = 25,
    DUCKDB_TYPE_MAP = 26,
    DUCKDB_TYPE_UUID = 27,
    DUCKDB_TYPE_UNION = 28,
    DUCKDB_TYPE_BIT = 29,
    DUCKDB_TYPE_TIME_TZ = 30,
    DUCKDB_TYPE_TIMESTAMP_TZ = 31,
    DUCKDB_TYPE_UHUGEINT = 32,
    DUCKDB_TYPE_ARRAY = 33,
    DUCKDB_TYPE_ANY = 34,
    DUCKDB_TYPE_BIGNUM = 35, /* called VARINT before DuckDB 1.4; same value, same layout */
    DUCKDB_TYPE_SQLNULL = 36,
    DUCKDB_TYPE_STRING_LITERAL = 37,
    DUCKDB_TYPE_INTEGER_LITERAL = 38,
    DUCKDB_TYPE_TIME_NS = 39,
    DUCKDB_TYPE_GEOMETRY = 40,
    DUCKDB_TYPE_VARIANT = 41,
    DUCKDB_TYPE_TIMESTAMP_TZ_NS = 42, /* DuckDB 2.0 */
} duckdb_type;

typedef enum VISIVO_DUCKDB_STATE { DuckDBSuccess = 0, DuckDBError = 1 } duckdb_state;

typedef enum VISIVO_DUCKDB_PENDING_STATE {
    DUCKDB_PENDING_RESULT_READY = 0,
    DUCKDB_PENDING_RESULT_NOT_READY = 1,
    DUCKDB_PENDING_ERROR = 2,
    DUCKDB_PENDING_NO_TASKS_AVAILABLE = 3,
} duckdb_pending_state;

/* A query result. Only ever handled through the API functions; the deprecated fields are
 * here for the layout (6 words). */
typedef struct {
    idx_t deprecated_column_count;
    idx_t deprecated_row_count;
    idx_t deprecated_rows_changed;
    void *deprecated_columns;
    char *deprecated_error_message;
    void *internal_data;
} duckdb_result;

typedef struct _duckdb_database { void *internal_ptr; } *duckdb_database;
typedef struct _duckdb_connection { void *internal_ptr; } *duckdb_connection;
typedef struct _duckdb_config { void *internal_ptr; } *duckdb_config;
typedef struct _duckdb_prepared_statement { void *internal_ptr; } *duckdb_prepared_statement;
typedef struct _duckdb_extracted_statements { void *internal_ptr; } *duckdb_extracted_statements;
typedef struct _duckdb_pending_result { void *internal_ptr; } *duckdb_pending_result;
typedef struct _duckdb_logical_type { void *internal_ptr; } *duckdb_logical_type;
typedef struct _duckdb_data_chunk { void *internal_ptr; } *duckdb_data_chunk;
typedef struct _duckdb_vector { void *internal_ptr; } *duckdb_vector;

/* The functions visivo calls, resolved with dlsym. Every pointer is set once loading
 * succeeded. */
typedef struct visivo_duckdb_api {
    /* Open / connect */
    duckdb_state (*_Nonnull open_ext)(const char *path, duckdb_database *out_database, duckdb_config config, char **out_error);
    void (*_Nonnull close)(duckdb_database *database);
    duckdb_state (*_Nonnull connect)(duckdb_database database, duckdb_connection *out_connection);
    void (*_Nonnull interrupt)(duckdb_connection connection);
    void (*_Nonnull disconnect)(duckdb_connection *connection);
    const char *(*_Nonnull library_version)(void);
    void (*_Nonnull free)(void *ptr);

    /* Configuration */
    duckdb_state (*_Nonnull create_config)(duckdb_config *out_config);
    duckdb_state (*_Nonnull set_config)(duckdb_config config, const char *name, const char *option);
    void (*_Nonnull destroy_config)(duckdb_config *config);

    /* Statements */
    idx_t (*_Nonnull extract_statements)(duckdb_connection connection, const char *query, duckdb_extracted_statements *out_statements);
    duckdb_state (*_Nonnull prepare_extracted_statement)(duckdb_connection connection, duckdb_extracted_statements statements, idx_t index, duckdb_prepared_statement *out_prepared);
    const char *(*_Nonnull extract_statements_error)(duckdb_extracted_statements statements);
    void (*_Nonnull destroy_extracted)(duckdb_extracted_statements *statements);
    duckdb_state (*_Nonnull prepare)(duckdb_connection connection, const char *query, duckdb_prepared_statement *out_prepared);
    const char *(*_Nonnull prepare_error)(duckdb_prepared_statement prepared);
    void (*_Nonnull destroy_prepare)(duckdb_prepared_statement *prepared);
    idx_t (*_Nonnull prepared_statement_column_count)(duckdb_prepared_statement prepared);
    const char *(*_Nonnull prepared_statement_column_name)(duckdb_prepared_statement prepared, idx_t col);
    duckdb_logical_type (*_Nonnull prepared_statement_column_logical_type)(duckdb_prepared_statement prepared, idx_t col);
    duckdb_state (*_Nonnull execute_prepared)(duckdb_prepared_statement prepared, duckdb_result *out_result);
    idx_t (*_Nonnull nparams)(duckdb_prepared_statement prepared);
    duckdb_state (*_Nonnull bind_varchar_length)(duckdb_prepared_statement prepared, idx_t param_idx, const char *val, idx_t length);
    duckdb_state (*_Nonnull bind_int64)(duckdb_prepared_statement prepared, idx_t param_idx, int64_t val);
    duckdb_state (*_Nonnull bind_double)(duckdb_prepared_statement prepared, idx_t param_idx, double val);
    duckdb_state (*_Nonnull bind_boolean)(duckdb_prepared_statement prepared, idx_t param_idx, bool val);
    duckdb_state (*_Nonnull bind_null)(duckdb_prepared_statement prepared, idx_t param_idx);

    /* Pending (streaming) execution */
    duckdb_state (*_Nonnull pending_prepared_streaming)(duckdb_prepared_statement prepared, duckdb_pending_result *out_result);
    const char *(*_Nonnull pending_error)(duckdb_pending_result pending);
    duckdb_pending_state (*_Nonnull pending_execute_task)(duckdb_pending_result pending);
    duckdb_state (*_Nonnull execute_pending)(duckdb_pending_result pending, duckdb_result *out_result);
    void (*_Nonnull destroy_pending)(duckdb_pending_result *pending);

    /* Results */
    const char *(*_Nonnull result_error)(duckdb_result *result);
    void (*_Nonnull destroy_result)(duckdb_result *result);
    idx_t (*_Nonnull column_count)(duckdb_result *result);
    const char *(*_Nonnull column_name)(duckdb_result *result, idx_t col);
    duckdb_logical_type (*_Nonnull column_logical_type)(duckdb_result *result, idx_t col);
    duckdb_data_chunk (*_Nonnull fetch_chunk)(duckdb_result result); /* by value, as in duckdb.h */

    /* Data chunks and vectors */
    idx_t (*_Nonnull data_chunk_get_size)(duckdb_data_chunk chunk);
    duckdb_vector (*_Nonnull data_chunk_get_vector)(duckdb_data_chunk chunk, idx_t col_idx);
    void (*_Nonnull destroy_data_chunk)(duckdb_data_chunk *chunk);
    void *(*_Nonnull vector_get_data)(duckdb_vector vector);
    uint64_t *(*_Nonnull vector_get_validity)(duckdb_vector vector);
    duckdb_vector (*_Nonnull list_vector_get_child)(duckdb_vector vector);
    idx_t (*_Nonnull list_vector_get_size)(duckdb_vector vector);
    duckdb_vector (*_Nonnull struct_vector_get_child)(duckdb_vector vector, idx_t index);
    duckdb_vector (*_Nonnull array_vector_get_child)(duckdb_vector vector);

    /* Logical types */
    duckdb_type (*_Nonnull get_type_id)(duckdb_logical_type type);
    void (*_Nonnull destroy_logical_type)(duckdb_logical_type *type);
    uint8_t (*_Nonnull decimal_width)(duckdb_logical_type type);
    uint8_t (*_Nonnull decimal_scale)(duckdb_logical_type type);
    duckdb_type (*_Nonnull decimal_internal_type)(duckdb_logical_type type);
    duckdb_type (*_Nonnull enum_internal_type)(duckdb_logical_type type);
    uint32_t (*_Nonnull enum_dictionary_size)(duckdb_logical_type type);
    char *(*_Nonnull enum_dictionary_value)(duckdb_logical_type type, idx_t index);
    duckdb_logical_type (*_Nonnull list_type_child_type)(duckdb_logical_type type);
    duckdb_logical_type (*_Nonnull array_type_child_type)(duckdb_logical_type type);
    idx_t (*_Nonnull array_type_array_size)(duckdb_logical_type type);
    duckdb_logical_type (*_Nonnull map_type_key_type)(duckdb_logical_type type);
    duckdb_logical_type (*_Nonnull map_type_value_type)(duckdb_logical_type type);
    idx_t (*_Nonnull struct_type_child_count)(duckdb_logical_type type);
    char *(*_Nonnull struct_type_child_name)(duckdb_logical_type type, idx_t index);
    duckdb_logical_type (*_Nonnull struct_type_child_type)(duckdb_logical_type type, idx_t index);
    idx_t (*_Nonnull union_type_member_count)(duckdb_logical_type type);
    char *(*_Nonnull union_type_member_name)(duckdb_logical_type type, idx_t index);
    duckdb_logical_type (*_Nonnull union_type_member_type)(duckdb_logical_type type, idx_t index);
} visivo_duckdb_api;

/* dlopen()s `path` with RTLD_NOW | RTLD_GLOBAL (used to preload libpython for DuckDB's
 * Python wheel). A NULL-free path name like "libpython3.11.so.1.0" uses the default search.
 * Returns 0, or -1 with dlerror()'s text in `error`. */
int visivo_dl_preload(const char *path, char *error, size_t error_size);

/* dlopen()s `path` (RTLD_NOW | RTLD_LOCAL) and resolves every function of
 * visivo_duckdb_api. On success returns a new table (kept for the process's lifetime,
 * like the library) and writes nothing to `error`; on failure returns NULL with the reason
 * (dlerror()'s text, or the first missing symbol) in `error` and closes the library. */
const visivo_duckdb_api *visivo_duckdb_load(const char *path, char *error, size_t error_size);

#pragma clang diagnostic pop

#endif
