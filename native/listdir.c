/*
 * phasekit's directory reader for the walks of the indexer and duplicate detection (src/jobs/fs/
 * nativeListDir.ts loads it).
 *
 * list(path, noFollow, expectIno?, expectDev?) opens the directory once (O_DIRECTORY, and O_NOFOLLOW with
 * noFollow), checks with fstat that it is the directory its parent listed when an inode and device are
 * given, reads its names and lstat()s each one relative to the open directory (fstatat,
 * AT_SYMLINK_NOFOLLOW): the kernel resolves one name per entry instead of the whole path, and a directory
 * swapped after it was opened cannot redirect the stats.
 *
 * It returns the listing packed as Node's fs would give it, names in the order fs.readdirSync gives them
 * (libuv's scandir sorts them with strcmp):
 *   { names: ArrayBuffer (end to end), ends: ArrayBuffer (uint32 per entry),
 *     stats: ArrayBuffer (6 doubles per entry: size, mtimeMs, ctimeMs, ino, dev, mode),
 *     errnos: ArrayBuffer (int32 per entry: 0, or the errno of that entry's fstatat) }
 * or a number: the errno of open/fstat/readdir (negative, as libuv reports it), or 1 when the directory is
 * not the one expected (another inode, or with noFollow a symlink or no directory at all). Times are
 * computed as Node computes Stats' mtimeMs: sec * 1e3 + nsec / 1e6.
 *
 * Built by scripts/buildNative.mjs with the C compiler and Node's own headers; where it is missing, the walk
 * uses fs as before.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "napi_common.h"

#define FIELDS 6
#define NOT_EXPECTED 1

typedef struct {
  char *bytes;
  size_t length;
  size_t capacity;
} growable;

static int grow(growable *g, size_t more) {
  if (g->length + more <= g->capacity) return 0;
  size_t capacity = g->capacity == 0 ? 4096 : g->capacity;
  while (capacity < g->length + more) capacity *= 2;
  char *bytes = realloc(g->bytes, capacity);
  if (bytes == NULL) return -1;
  g->bytes = bytes;
  g->capacity = capacity;
  return 0;
}

typedef struct {
  uint32_t start;
  uint32_t length;
} name_ref;

/* qsort_r's comparator: the names' bytes come through `base` (no global: threads list at the same time). */
static int by_name(const void *a, const void *b, void *base) {
  const name_ref *x = a;
  const name_ref *y = b;
  return strcmp((const char *)base + x->start, (const char *)base + y->start);
}

static napi_value buffer_of(napi_env env, const void *bytes, size_t length) {
  void *data;
  napi_value out;
  if (napi_create_arraybuffer(env, length, &data, &out) != napi_ok) return NULL;
  if (length > 0) memcpy(data, bytes, length);
  return out;
}

static double ms_of(time_t sec, long nsec) { return (double)sec * 1e3 + (double)nsec / 1e6; }

static napi_value list(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, NULL, "list(path, noFollow, expectIno?, expectDev?)");
    return NULL;
  }
  char stack_path[PATH_ON_STACK];
  int error;
  char *path = path_arg(env, argv[0], stack_path, &error);
  if (path == NULL) return error == 0 ? NULL : number(env, error);

  bool no_follow = false;
  double expect_ino = -1;
  double expect_dev = -1;
  napi_valuetype type;
  int expecting = 0;
  napi_get_value_bool(env, argv[1], &no_follow);
  if (argc >= 4 && napi_typeof(env, argv[2], &type) == napi_ok && type == napi_number &&
      napi_typeof(env, argv[3], &type) == napi_ok && type == napi_number) {
    napi_get_value_double(env, argv[2], &expect_ino);
    napi_get_value_double(env, argv[3], &expect_dev);
    expecting = 1;
  }

  int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (no_follow ? O_NOFOLLOW : 0);
  int fd = open(path, flags);
  path_free(path, stack_path);
  if (fd < 0) {
    int e = errno;
    /* Not followed (now a symlink: O_NOFOLLOW) or no directory now: not the one its parent listed. */
    if (no_follow && (e == ELOOP || e == ENOTDIR)) return number(env, NOT_EXPECTED);
    return number(env, -e);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return number(env, -e);
  }
  if (expecting && ((double)st.st_ino != expect_ino || (double)st.st_dev != expect_dev)) {
    close(fd);
    return number(env, NOT_EXPECTED);
  }
  DIR *dir = fdopendir(fd);
  if (dir == NULL) {
    int e = errno;
    close(fd);
    return number(env, -e);
  }

  growable names = {0};
  growable refs = {0};
  size_t count = 0;
  for (;;) {
    errno = 0;
    struct dirent *d = readdir(dir);
    if (d == NULL) {
      if (errno != 0) {
        int e = errno;
        closedir(dir);
        free(names.bytes);
        free(refs.bytes);
        return number(env, -e);
      }
      break;
    }
    const char *name = d->d_name;
    if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
    size_t length = strlen(name);
    if (grow(&names, length + 1) != 0 || grow(&refs, sizeof(name_ref)) != 0) {
      closedir(dir);
      free(names.bytes);
      free(refs.bytes);
      return number(env, -ENOMEM);
    }
    name_ref ref = {(uint32_t)names.length, (uint32_t)length};
    memcpy(names.bytes + names.length, name, length + 1);
    names.length += length + 1;
    memcpy(refs.bytes + count * sizeof(name_ref), &ref, sizeof ref);
    refs.length += sizeof ref;
    count++;
  }
  name_ref *sorted = (name_ref *)refs.bytes;
  if (count > 1) qsort_r(sorted, count, sizeof(name_ref), by_name, names.bytes);

  size_t total = names.length - count; /* without the NULs */
  char *packed = malloc(total > 0 ? total : 1);
  uint32_t *ends = malloc(count > 0 ? count * sizeof(uint32_t) : 1);
  double *stats = malloc(count > 0 ? count * FIELDS * sizeof(double) : 1);
  int32_t *errnos = malloc(count > 0 ? count * sizeof(int32_t) : 1);
  napi_value out = NULL;
  if (packed == NULL || ends == NULL || stats == NULL || errnos == NULL) {
    closedir(dir);
    out = number(env, -ENOMEM);
    goto done;
  }
  int dfd = dirfd(dir);
  uint32_t at = 0;
  for (size_t i = 0; i < count; i++) {
    const char *name = names.bytes + sorted[i].start;
    memcpy(packed + at, name, sorted[i].length);
    at += sorted[i].length;
    ends[i] = at;
    double *s = stats + i * FIELDS;
    struct stat es;
    if (fstatat(dfd, name, &es, AT_SYMLINK_NOFOLLOW) != 0) {
      errnos[i] = -errno;
      memset(s, 0, FIELDS * sizeof(double));
      continue;
    }
    errnos[i] = 0;
    s[0] = (double)es.st_size;
    s[1] = ms_of(es.st_mtim.tv_sec, es.st_mtim.tv_nsec);
    s[2] = ms_of(es.st_ctim.tv_sec, es.st_ctim.tv_nsec);
    s[3] = (double)es.st_ino;
    s[4] = (double)es.st_dev;
    s[5] = (double)es.st_mode;
  }
  closedir(dir);

  napi_value v_names = buffer_of(env, packed, total);
  napi_value v_ends = buffer_of(env, ends, count * sizeof(uint32_t));
  napi_value v_stats = buffer_of(env, stats, count * FIELDS * sizeof(double));
  napi_value v_errnos = buffer_of(env, errnos, count * sizeof(int32_t));
  if (v_names != NULL && v_ends != NULL && v_stats != NULL && v_errnos != NULL &&
      napi_create_object(env, &out) == napi_ok) {
    napi_set_named_property(env, out, "names", v_names);
    napi_set_named_property(env, out, "ends", v_ends);
    napi_set_named_property(env, out, "stats", v_stats);
    napi_set_named_property(env, out, "errnos", v_errnos);
  }
done:
  free(names.bytes);
  free(refs.bytes);
  free(packed);
  free(ends);
  free(stats);
  free(errnos);
  return out;
}

NAPI_MODULE_INIT() { return export_function(env, exports, "list", list, 2); }
