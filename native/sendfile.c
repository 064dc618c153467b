/*
 * sendfile(outFd, inFd, position, length) -> bytes sent, or -1 (SENDFILE_WOULD_BLOCK).
 *
 * One Linux sendfile(2) from `inFd` at an explicit offset, so the file position of `inFd` never
 * moves (readers sharing the fd are unaffected). Up to `length` bytes; the kernel caps one call at
 * 0x7ffff000 bytes and may send fewer (a socket or pipe with little room): the caller loops.
 *   - EINTR (a signal before anything was sent) is retried: it is not a result.
 *   - EAGAIN on a non-blocking `outFd` with nothing sent returns -1, so the caller waits for
 *     writability; a call that sent some bytes before the fd filled returns that count instead
 *     (the kernel reports progress, not EAGAIN). Never spins: at most one successful call.
 *   - every other error throws with its errno code (EPIPE, EBADF, EINVAL for unsupported fds).
 * Returns 0 when `position` is at or past the end of the input.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/sendfile.h>
#include <sys/types.h>

#include "seglog.h"

napi_value seglog_sendfile(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  int out_fd, in_fd;
  int64_t position, length;
  if (!seglog_args(env, info, 4, argv) || !seglog_arg_fd(env, argv[0], "outFd", &out_fd) ||
      !seglog_arg_fd(env, argv[1], "inFd", &in_fd) || !seglog_arg_size(env, argv[2], "position", &position) ||
      !seglog_arg_size(env, argv[3], "length", &length)) {
    return NULL;
  }

  off_t offset = (off_t)position;
  ssize_t sent;
  do {
    sent = sendfile(out_fd, in_fd, &offset, (size_t)length);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) sent = -1;
    else return seglog_throw_errno(env, errno, "sendfile");
  }

  napi_value result;
  /* Bytes already sent cannot be unsent: the caller gets an error for the call, never a garbage count. */
  if (napi_create_int64(env, (int64_t)sent, &result) != napi_ok) return seglog_throw_napi_failure(env, "sendfile: napi_create_int64");
  return result;
}
