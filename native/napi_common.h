/*
 * What phasekit's native modules share: each native/<name>.c includes it (it is not a module itself;
 * scripts/buildNative.mjs builds only the .c files).
 */
#ifndef PHASEKIT_NAPI_COMMON_H
#define PHASEKIT_NAPI_COMMON_H

#include <errno.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Paths shorter than this are copied to the caller's stack, longer ones to the heap. */
#define PATH_ON_STACK 4096

static inline napi_value number(napi_env env, double value) {
  napi_value out;
  napi_create_double(env, value, &out);
  return out;
}

/*
 * The bytes of the Buffer `value` as a NUL-terminated path: in `stack` (PATH_ON_STACK bytes) when it fits,
 * else malloc'ed; give it back with path_free. On failure NULL, with *error set to -EINVAL for a NUL byte
 * inside the path (fs refuses such a path; the caller leaves it to fs) or -ENOMEM, or to 0 when `value` is no
 * Buffer (a TypeError is then pending: return NULL to JavaScript).
 */
static inline char *path_arg(napi_env env, napi_value value, char *stack, int *error) {
  void *data;
  size_t length;
  *error = 0;
  if (napi_get_buffer_info(env, value, &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "path must be a Buffer");
    return NULL;
  }
  if (length > 0 && memchr(data, 0, length) != NULL) {
    *error = -EINVAL;
    return NULL;
  }
  char *path = length < PATH_ON_STACK ? stack : malloc(length + 1);
  if (path == NULL) {
    *error = -ENOMEM;
    return NULL;
  }
  if (length > 0) memcpy(path, data, length);
  path[length] = 0;
  return path;
}

static inline void path_free(char *path, const char *stack) {
  if (path != stack) free(path);
}

/* A module's exports: its one function under `name`, and the `version` of its interface. */
static inline napi_value export_function(napi_env env, napi_value exports, const char *name, napi_callback fn,
                                         uint32_t version) {
  napi_value function;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &function);
  napi_set_named_property(env, exports, name, function);
  napi_value number;
  napi_create_uint32(env, version, &number);
  napi_set_named_property(env, exports, "version", number);
  return exports;
}

#endif
