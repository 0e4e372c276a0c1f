#include <spawn.h>
#include <fcntl.h>
#include <unistd.h>

/// posix_spawn_file_actions_addchdir_np (glibc 2.29+), _addclosefrom_np (glibc 2.34+) and pipe2
/// are declared only under _GNU_SOURCE, which would change other system types for Swift;
/// the prototypes are restated here so CSV-script models start in the project folder,
/// without a shell, holding no descriptor of visivo's but the three they are given.
extern int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path);
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
extern int pipe2(int fds[2], int flags);

static inline int visivo_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

static inline int visivo_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}

/// A pipe whose both ends close on exec.
static inline int visivo_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
