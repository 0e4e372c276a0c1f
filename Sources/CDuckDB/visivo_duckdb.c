#include "visivo_duckdb.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_error(char *error, size_t error_size, const char *text) {
    if (error == NULL || error_size == 0) return;
    snprintf(error, error_size, "%s", text ? text : "unknown error");
}

int visivo_dl_preload(const char *path, char *error, size_t error_size) {
    dlerror();
    void *handle = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    if (handle == NULL) {
        set_error(error, error_size, dlerror());
        return -1;
    }
    /* Deliberately never closed: the symbols must stay for the DuckDB library. */
    return 0;
}

const visivo_duckdb_api *visivo_duckdb_load(const char *path, char *error, size_t error_size) {
    dlerror();
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        set_error(error, error_size, dlerror());
        return NULL;
    }
    visivo_duckdb_api *api = calloc(1, sizeof(visivo_duckdb_api));
    if (api == NULL) {
        set_error(error, error_size, "out of memory");
        dlclose(handle);
        return NULL;
    }

#define VISIVO_RESOLVE(field, symbol)                                                  \
    do {                                                                               \
        void *fn = dlsym(handle, symbol);                                              \
        if (fn == NULL) {                                                              \
            snprintf(error, error_size, "the library has no function %s (visivo needs DuckDB 1.2 or later)", symbol); \
            free(api);                                                                 \
            dlclose(handle);                                                           \
            return NULL;                                                               \
        }                                                                              \
        memcpy(&api->field, &fn, sizeof(fn));                                          \
    } while (0)

    VISIVO_RESOLVE(open_ext, "duckdb_open_ext");
    VISIVO_RESOLVE(close, "duckdb_close");
    VISIVO_RESOLVE(connect, "duckdb_connect");
    VISIVO_RESOLVE(interrupt, "duckdb_interrupt");
    VISIVO_RESOLVE(disconnect, "duckdb_disconnect");
    VISIVO_RESOLVE(library_version, "duckdb_library_version");
    VISIVO_RESOLVE(free, "duckdb_free");

    VISIVO_RESOLVE(create_config, "duckdb_create_config");
    VISIVO_RESOLVE(set_config, "duckdb_set_config");
    VISIVO_RESOLVE(destroy_config, "duckdb_destroy_config");

    VISIVO_RESOLVE(extract_statements, "duckdb_extract_statements");
    VISIVO_RESOLVE(prepare_extracted_statement, "duckdb_prepare_extracted_statement");
    VISIVO_RESOLVE(extract_statements_error, "duckdb_extract_statements_error");
    VISIVO_RESOLVE(destroy_extracted, "duckdb_destroy_extracted");
    VISIVO_RESOLVE(prepare, "duckdb_prepare");
    VISIVO_RESOLVE(prepare_error, "duckdb_prepare_error");
    VISIVO_RESOLVE(destroy_prepare, "duckdb_destroy_prepare");
    VISIVO_RESOLVE(prepared_statement_column_count, "duckdb_prepared_statement_column_count");
    VISIVO_RESOLVE(prepared_statement_column_name, "duckdb_prepared_statement_column_name");
    VISIVO_RESOLVE(prepared_statement_column_logical_type, "duckdb_prepared_statement_column_logical_type");
    VISIVO_RESOLVE(execute_prepared, "duckdb_execute_prepared");
    VISIVO_RESOLVE(nparams, "duckdb_nparams");
    VISIVO_RESOLVE(bind_varchar_length, "duckdb_bind_varchar_length");
    VISIVO_RESOLVE(bind_int64, "duckdb_bind_int64");
    VISIVO_RESOLVE(bind_double, "duckdb_bind_double");
    VISIVO_RESOLVE(bind_boolean, "duckdb_bind_boolean");
    VISIVO_RESOLVE(bind_null, "duckdb_bind_null");

    VISIVO_RESOLVE(pending_prepared_streaming, "duckdb_pending_prepared_streaming");
    VISIVO_RESOLVE(pending_error, "duckdb_pending_error");
    VISIVO_RESOLVE(pending_execute_task, "duckdb_pending_execute_task");
    VISIVO_RESOLVE(execute_pending, "duckdb_execute_pending");
    VISIVO_RESOLVE(destroy_pending, "duckdb_destroy_pending");

    VISIVO_RESOLVE(result_error, "duckdb_result_error");
    VISIVO_RESOLVE(destroy_result, "duckdb_destroy_result");
    VISIVO_RESOLVE(column_count, "duckdb_column_count");
    VISIVO_RESOLVE(column_name, "duckdb_column_name");
    VISIVO_RESOLVE(column_logical_type, "duckdb_column_logical_type");
    VISIVO_RESOLVE(fetch_chunk, "duckdb_fetch_chunk");

    VISIVO_RESOLVE(data_chunk_get_size, "duckdb_data_chunk_get_size");
    VISIVO_RESOLVE(data_chunk_get_vector, "duckdb_data_chunk_get_vector");
    VISIVO_RESOLVE(destroy_data_chunk, "duckdb_destroy_data_chunk");
    VISIVO_RESOLVE(vector_get_data, "duckdb_vector_get_data");
    VISIVO_RESOLVE(vector_get_validity, "duckdb_vector_get_validity");
    VISIVO_RESOLVE(list_vector_get_child, "duckdb_list_vector_get_child");
    VISIVO_RESOLVE(list_vector_get_size, "duckdb_list_vector_get_size");
    VISIVO_RESOLVE(struct_vector_get_child, "duckdb_struct_vector_get_child");
    VISIVO_RESOLVE(array_vector_get_child, "duckdb_array_vector_get_child");

    VISIVO_RESOLVE(get_type_id, "duckdb_get_type_id");
    VISIVO_RESOLVE(destroy_logical_type, "duckdb_destroy_logical_type");
    VISIVO_RESOLVE(decimal_width, "duckdb_decimal_width");
    VISIVO_RESOLVE(decimal_scale, "duckdb_decimal_scale");
    VISIVO_RESOLVE(decimal_internal_type, "duckdb_decimal_internal_type");
    VISIVO_RESOLVE(enum_internal_type, "duckdb_enum_internal_type");
    VISIVO_RESOLVE(enum_dictionary_size, "duckdb_enum_dictionary_size");
    VISIVO_RESOLVE(enum_dictionary_value, "duckdb_enum_dictionary_value");
    VISIVO_RESOLVE(list_type_child_type, "duckdb_list_type_child_type");
    VISIVO_RESOLVE(array_type_child_type, "duckdb_array_type_child_type");
    VISIVO_RESOLVE(array_type_array_size, "duckdb_array_type_array_size");
    VISIVO_RESOLVE(map_type_key_type, "duckdb_map_type_key_type");
    VISIVO_RESOLVE(map_type_value_type, "duckdb_map_type_value_type");
    VISIVO_RESOLVE(struct_type_child_count, "duckdb_struct_type_child_count");
    VISIVO_RESOLVE(struct_type_child_name, "duckdb_struct_type_child_name");
    VISIVO_RESOLVE(struct_type_child_type, "duckdb_struct_type_child_type");
    VISIVO_RESOLVE(union_type_member_count, "duckdb_union_type_member_count");
    VISIVO_RESOLVE(union_type_member_name, "duckdb_union_type_member_name");
    VISIVO_RESOLVE(union_type_member_type, "duckdb_union_type_member_type");
#undef VISIVO_RESOLVE

    /* The library stays loaded for the process's lifetime, as does this table. */
    return api;
}
