/*
 * Read-only file mappings exposed as Buffers.
 *
 * mapFile(fd, position, length) -> Buffer of bytes [position, position + length) of `fd`.
 *   - fstat first: a range reaching past the file's size throws RangeError ERR_OUT_OF_RANGE,
 *     because touching a mapped page past EOF raises SIGBUS, which would kill the process.
 *   - mmap(PROT_READ, MAP_SHARED) of [alignDown(position), position + length); the Buffer starts
 *     `position - alignDown(position)` bytes in. It is an external buffer whose finalizer munmaps the
 *     whole aligned range: the finalizer hint is that mapped length, and the mapping's start is the
 *     Buffer's data pointer aligned down to the page (both recoverable without any allocation).
 *   - Views sliced from the Buffer share its ArrayBuffer, so the finalizer runs only after the last
 *     view is collected: never a use-after-unmap. The fd may be closed and the file unlinked while
 *     the mapping lives (the mapping holds the inode).
 *   - length 0 returns an empty ordinary Buffer (mmap cannot map 0 bytes).
 *   - If the runtime refuses external buffers (V8 sandbox builds: napi_no_external_buffers_allowed),
 *     the bytes are copied into an ordinary Buffer and the mapping is unmapped at once; from then on
 *     adviseMapping is a no-op, since no Buffer in the process is a mapping.
 *
 * adviseMapping(buffer, adviceIndex): madvise on the page-aligned range under the Buffer.
 *   adviceIndex is 0..4 = normal, sequential, random, willneed, dontneed (load.ts maps the names).
 *   THE CALLER MUST PASS ONLY BUFFERS (OR VIEWS OF BUFFERS) RETURNED BY mapFile: MADV_DONTNEED on
 *   anonymous memory discards its contents. load.ts guarantees it with a WeakSet of the mappings'
 *   ArrayBuffers. EINVAL/ENOMEM (range not mapped) are ignored: the call is only a hint.
 *
 * adviseHugePages(buffer) -> offset: MADV_HUGEPAGE on the 2 MiB-aligned part of any Buffer (the read
 *   path's fresh copy slabs, partition/read-copies.ts), returning where that part starts (0 if
 *   none). A hint that never changes contents, so unlike adviseMapping it is safe on any memory.
 *
 * Callers must never truncate a file below a range that may still be mapped (design.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seglog.h"

/* Set once the runtime has refused an external buffer; never reset (a build property). */
static volatile bool external_buffers_refused = false;

static uintptr_t page_bytes(void) { return (uintptr_t)sysconf(_SC_PAGESIZE); }

static void unmap(napi_env env, void *data, void *hint) {
  (void)env;
  uintptr_t start = (uintptr_t)data & ~(page_bytes() - 1);
  munmap((void *)start, (size_t)(uintptr_t)hint);
}

napi_value seglog_map_file(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  int fd;
  int64_t position, length;
  if (!seglog_args(env, info, 3, argv) || !seglog_arg_fd(env, argv[0], "fd", &fd) ||
      !seglog_arg_size(env, argv[1], "position", &position) || !seglog_arg_size(env, argv[2], "length", &length)) {
    return NULL;
  }

  struct stat st;
  if (fstat(fd, &st) != 0) return seglog_throw_errno(env, errno, "fstat");
  if (position > st.st_size || length > st.st_size - position) {
    char message[200];
    snprintf(message, sizeof message,
             "The value of \"position + length\" is out of range. It must be <= %lld (the size of fd %d). Received number %lld",
             (long long)st.st_size, fd, (long long)(position + length));
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return NULL;
  }

  napi_value result;
  if (length == 0) {
    if (napi_create_buffer(env, 0, NULL, &result) != napi_ok) return seglog_throw_napi_failure(env, "mapFile: napi_create_buffer");
    return result;
  }

  uintptr_t page = page_bytes();
  int64_t aligned = position & ~(int64_t)(page - 1);
  size_t lead = (size_t)(position - aligned);
  size_t mapped = lead + (size_t)length;
  uint8_t *start = mmap(NULL, mapped, PROT_READ, MAP_SHARED, fd, (off_t)aligned);
  if (start == MAP_FAILED) return seglog_throw_errno(env, errno, "mmap");

  napi_status status = napi_no_external_buffers_allowed;
  if (!external_buffers_refused) {
    status = napi_create_external_buffer(env, (size_t)length, start + lead, unmap, (void *)(uintptr_t)mapped, &result);
  }
  if (status == napi_ok) return result;
  if (status != napi_no_external_buffers_allowed && status != napi_pending_exception && status != napi_invalid_arg) {
    /* Node registered the finalizer before failing (e.g. length > buffer.constants.MAX_LENGTH, which
     * load.ts rejects earlier): it owns the mapping now and unmaps it; unmapping here too could
     * unmap a newer mapping at the same address. */
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, NULL, "mapFile: the runtime could not create an external Buffer");
    return NULL;
  }

  if (status == napi_no_external_buffers_allowed) {
    external_buffers_refused = true;
    status = napi_create_buffer_copy(env, (size_t)length, start + lead, NULL, &result);
  }
  munmap(start, mapped);
  return status == napi_ok ? result : seglog_throw_napi_failure(env, "mapFile: napi_create_buffer_copy");
}

/* Huge pages of transparent-huge-page size (2 MiB on x86-64 and most arm64 kernels). */
#define HUGE_PAGE_BYTES ((uintptr_t)2 * 1024 * 1024)

/* The bytes of a Buffer argument; false after throwing ERR_INVALID_ARG_TYPE naming `name`. */
static bool buffer_arg(napi_env env, napi_value value, const char *name, void **data, size_t *length) {
  if (napi_get_buffer_info(env, value, data, length) == napi_ok) return true;
  char message[96];
  snprintf(message, sizeof message, "The \"%s\" argument must be an instance of Buffer", name);
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return false;
}

napi_value seglog_advise_huge_pages(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  void *data = NULL;
  size_t length = 0;
  if (!seglog_args(env, info, 1, argv) || !buffer_arg(env, argv[0], "buffer", &data, &length)) return NULL;
  uintptr_t start = ((uintptr_t)data + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1);
  uintptr_t end = ((uintptr_t)data + length) & ~(HUGE_PAGE_BYTES - 1);
  uint32_t offset = 0;
  if (length > 0 && end > start) {
    offset = (uint32_t)(start - (uintptr_t)data);
    /* Only a hint (EINVAL: no THP in this kernel): MADV_HUGEPAGE never changes the contents. */
    (void)madvise((void *)start, end - start, MADV_HUGEPAGE);
  }
  napi_value result;
  if (napi_create_uint32(env, offset, &result) != napi_ok) return seglog_throw_napi_failure(env, "adviseHugePages: napi_create_uint32");
  return result;
}

napi_value seglog_advise_mapping(napi_env env, napi_callback_info info) {
  static const int advice_flags[] = {MADV_NORMAL, MADV_SEQUENTIAL, MADV_RANDOM, MADV_WILLNEED, MADV_DONTNEED};
  napi_value argv[2];
  void *data = NULL;
  size_t length = 0;
  if (!seglog_args(env, info, 2, argv) || !buffer_arg(env, argv[0], "mapping", &data, &length)) return NULL;
  uint32_t advice;
  if (napi_get_value_uint32(env, argv[1], &advice) != napi_ok || advice >= sizeof advice_flags / sizeof advice_flags[0]) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "The \"advice\" argument must be an index from 0 to 4");
    return NULL;
  }
  if (length == 0 || external_buffers_refused) return NULL;

  uintptr_t start = (uintptr_t)data & ~(page_bytes() - 1);
  size_t span = length + ((uintptr_t)data - start);
  if (madvise((void *)start, span, advice_flags[advice]) != 0 && errno != EINVAL && errno != ENOMEM) {
    return seglog_throw_errno(env, errno, "madvise");
  }
  return NULL;
}
