/*
 * phasekit's reader of small files for duplicate detection's hashes (src/jobs/fs/nativeReadFile.ts loads it).
 *
 * read(path, buffer, length1, position1, length2, position2) opens the file (O_RDONLY, O_NOFOLLOW,
 * O_NONBLOCK, O_CLOEXEC: the flags of src/jobs/content/openRegularFile.ts), checks with fstat that it is a
 * regular file, reads length1 bytes at position1 into buffer[0..] and then length2 bytes at position2 into
 * buffer[length1..], each read looping over short reads until it has its length or meets the end of the
 * file, and closes it: one call where fs makes four or five, each with its own JavaScript wrapper.
 *
 * It returns the bytes read in all (less than length1 + length2 only at the end of the file), or a negative
 * number when it did not read the file: the errno of open/fstat/pread (negative, as libuv reports it), or
 * NOT_REGULAR when the path is no longer a regular file. The caller then reads through fs, which throws the
 * exact error (or reads a directory into EISDIR) as it always did.
 *
 * Built by scripts/buildNative.mjs with the C compiler and Node's own headers; where it is missing, the reads
 * go through fs as before.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "napi_common.h"

#define NOT_REGULAR -100000

/* Read `length` bytes at `position`, looping over short reads; stops early only at the end of the file. */
static int64_t read_fully(int fd, uint8_t *into, size_t length, int64_t position) {
  size_t done = 0;
  while (done < length) {
    ssize_t n = pread(fd, into + done, length - done, (off_t)(position + (int64_t)done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    if (n == 0) break;
    done += (size_t)n;
  }
  return (int64_t)done;
}

static int get_length(napi_env env, napi_value value, int64_t *out) {
  double d;
  if (napi_get_value_double(env, value, &d) != napi_ok || !(d >= 0) || d > 9007199254740991.0) return -1;
  *out = (int64_t)d;
  return (double)*out == d ? 0 : -1;
}

static napi_value read_file(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 6) {
    napi_throw_type_error(env, NULL, "read(path, buffer, length1, position1, length2, position2)");
    return NULL;
  }
  napi_typedarray_type type;
  size_t buffer_length;
  void *buffer_data;
  napi_value array_buffer;
  size_t byte_offset;
  if (napi_get_typedarray_info(env, argv[1], &type, &buffer_length, &buffer_data, &array_buffer,
                               &byte_offset) != napi_ok ||
      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "buffer must be a Uint8Array");
    return NULL;
  }
  int64_t length1, position1, length2, position2;
  if (get_length(env, argv[2], &length1) != 0 || get_length(env, argv[3], &position1) != 0 ||
      get_length(env, argv[4], &length2) != 0 || get_length(env, argv[5], &position2) != 0 ||
      (uint64_t)length1 + (uint64_t)length2 > buffer_length) {
    napi_throw_range_error(env, NULL, "lengths and positions must be whole numbers within the buffer");
    return NULL;
  }

  char stack_path[PATH_ON_STACK];
  int error;
  char *path = path_arg(env, argv[0], stack_path, &error);
  if (path == NULL) return error == 0 ? NULL : number(env, error);
  int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  int open_errno = errno;
  path_free(path, stack_path);
  if (fd < 0) return number(env, -open_errno);

  struct stat st;
  int64_t result;
  if (fstat(fd, &st) != 0) {
    result = -errno;
  } else if (!S_ISREG(st.st_mode)) {
    result = NOT_REGULAR;
  } else {
    uint8_t *into = buffer_data;
    result = read_fully(fd, into, (size_t)length1, position1);
    if (result >= 0 && length2 > 0) {
      int64_t second = read_fully(fd, into + length1, (size_t)length2, position2);
      result = second < 0 ? second : result + second;
    }
  }
  close(fd);
  return number(env, (double)result);
}

NAPI_MODULE_INIT() { return export_function(env, exports, "read", read_file, 1); }
