/*
 * The directory lock: flock(LOCK_EX | LOCK_NB) on a lock file.
 *
 * lockFile(path) -> fd (the handle), or -1 if another holder has the lock — another process, or
 *   this one through another open (flock locks belong to the open file description, so a second
 *   open in the same process conflicts too; POSIX fcntl locks would not).
 *   - open(O_RDWR | O_CREAT | O_CLOEXEC, 0644): CLOEXEC so a spawned child never inherits the
 *     descriptor, and with it the lock.
 *   - once locked, the file is truncated and our pid written, for humans and for the pure-JS
 *     fallback's pid check. Best effort: a full disk must not stop a log from opening (it is how
 *     an operator frees space), so a failed pid write is ignored.
 * unlockFile(fd): close the fd, which drops the lock. The file is NOT unlinked: unlinking races
 *   with a concurrent opener, which could then lock an inode no longer at `path` while a third
 *   process creates and locks a new one.
 *
 * Crash behaviour: the kernel releases a flock when the holder dies (kill -9 included), so there
 * is never a stale lock; the stale pid left in the file is harmless.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "seglog.h"

/* Best effort, see the header: errors are deliberately ignored. */
static void write_pid(int fd) {
  char pid[24];
  int pid_bytes = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
  if (ftruncate(fd, 0) != 0) return;
  ssize_t written = pwrite(fd, pid, (size_t)pid_bytes, 0);
  (void)written;
}

napi_value seglog_lock_file(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!seglog_args(env, info, 1, argv)) return NULL;
  size_t path_bytes = 0;
  if (napi_get_value_string_utf8(env, argv[0], NULL, 0, &path_bytes) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The \"path\" argument must be of type string");
    return NULL;
  }
  if (path_bytes >= PATH_MAX) return seglog_throw_errno(env, ENAMETOOLONG, "open");
  char path[PATH_MAX];
  if (napi_get_value_string_utf8(env, argv[0], path, sizeof path, &path_bytes) != napi_ok) {
    return seglog_throw_napi_failure(env, "lockFile: napi_get_value_string_utf8");
  }
  if (strlen(path) != path_bytes) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "The argument \"path\" must be a string without null bytes");
    return NULL;
  }

  int fd;
  do {
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return seglog_throw_errno(env, errno, "open");

  int locked;
  do {
    locked = flock(fd, LOCK_EX | LOCK_NB);
  } while (locked != 0 && errno == EINTR);
  if (locked != 0) {
    int err = errno;
    close(fd);
    if (err == EWOULDBLOCK) fd = -1;
    else return seglog_throw_errno(env, err, "flock");
  } else {
    write_pid(fd);
  }

  napi_value result;
  if (napi_create_int32(env, fd, &result) != napi_ok) {
    /* The caller never learns the handle: release the lock rather than leak a locked descriptor. */
    if (fd >= 0) close(fd);
    return seglog_throw_napi_failure(env, "lockFile: napi_create_int32");
  }
  return result;
}

napi_value seglog_unlock_file(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd;
  if (!seglog_args(env, info, 1, argv) || !seglog_arg_fd(env, argv[0], "handle", &fd)) return NULL;
  /* No retry on EINTR: on Linux the fd is released even when close reports EINTR. */
  if (close(fd) != 0 && errno != EINTR) return seglog_throw_errno(env, errno, "close");
  return NULL;
}
