/*
 * fallocate(fd, position, length): allocate disk blocks for [position, position + length) of
 * `fd`; the file grows to cover the range if it is shorter (mode 0 semantics), bytes already in
 * the file are left as they are.
 *
 * Why: writing through a mapping into a hole of a sparse file on a full disk raises SIGBUS, which
 * kills the process. Allocating first turns that into an ENOSPC thrown here (code 'ENOSPC').
 * posix_fallocate uses fallocate(2) and, on file systems without it, glibc emulates it by writing
 * a byte into every block. length 0 does nothing (fallocate rejects it with EINVAL).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>

#include "seglog.h"

napi_value seglog_fallocate(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd;
  int64_t position, length;
  if (!seglog_args(env, info, 3, argv) || !seglog_arg_fd(env, argv[0], "fd", &fd) ||
      !seglog_arg_size(env, argv[1], "position", &position) || !seglog_arg_size(env, argv[2], "length", &length)) {
    return NULL;
  }
  if (length == 0) return NULL;
  int err;
  do {
    err = posix_fallocate(fd, (off_t)position, (off_t)length);
  } while (err == EINTR);
  if (err != 0) return seglog_throw_errno(env, err, "fallocate");
  return NULL;
}
