#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np (glibc 2.29+) is declared only under _GNU_SOURCE,
/// which would change other system types for Swift; the prototype is restated here so
/// CSV-script models can start in the project folder without a shell.
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);

static inline int visivo_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}
