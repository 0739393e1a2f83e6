/* The evidence interface's shared part: reference counting, argument
 * checks around the backend ops, messages, and path resolution. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ev.h"

static const char *const code_names[] = {
  "OK", "ENOENT", "ENOTDIR", "EIO", "CORRUPT", "LOOP", "UNSUPPORTED",
  "RANGE", "EINVAL", "ENOMEM", "EACCES", "ENODATA"
};


int wo_type_of_mode(uint32_t mode)
{
  switch (mode & S_IFMT) {
  case S_IFREG: return WO_T_REG;
  case S_IFDIR: return WO_T_DIR;
  case S_IFLNK: return WO_T_LNK;
  case S_IFCHR: return WO_T_CHR;
  case S_IFBLK: return WO_T_BLK;
  case S_IFIFO: return WO_T_FIFO;
  case S_IFSOCK: return WO_T_SOCK;
  default: return WO_T_UNKNOWN;
  }
}


uint64_t wo_hash_str(const char *s)
{
  uint64_t h = 1469598103934665603ull;
  while (*s)
    h = (h ^ (unsigned char)*s++) * 1099511628211ull;
  return h;
}


const char *wo_strerror_code(int code)
{
  int i = -code;
  if (i < 0 || i >= (int)(sizeof code_names / sizeof *code_names))
    return "EIO";
  return code_names[i];
}


int wo_src_fail(wo_src *s, int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->err, sizeof s->err, fmt, ap);
  va_end(ap);
  return code;
}


wo_src *wo_src_ref(wo_src *s)
{
  if (s)
    s->refs++;
  return s;
}


void wo_src_unref(wo_src *s)
{
  if (s && --s->refs == 0)
    s->ops->destroy(s);
}


int wo_lstat(wo_src *s, const char *path, wo_stat *st)
{
  memset(st, 0, sizeof *st);
  st->atime = st->mtime = st->ctime = st->btime = -1;
  return s->ops->lstat(s, path, st);
}


int wo_readdir(wo_src *s, const char *path, wo_dirent_fn fn, void *arg)
{
  return s->ops->readdir(s, path, fn, arg);
}


int wo_open(wo_src *s, const char *path, wo_file **f)
{
  *f = NULL;
  return s->ops->open(s, path, f);
}


ssize_t wo_pread(wo_file *f, void *buf, size_t n, uint64_t off)
{
  return f->src->ops->pread(f, buf, n, off);
}


void wo_fclose(wo_file *f)
{
  if (f)
    f->src->ops->fclose(f);
}


ssize_t wo_readlink(wo_src *s, const char *path, char *buf, size_t n)
{
  return s->ops->readlink(s, path, buf, n);
}


ssize_t wo_listxattr(wo_src *s, const char *path, char *buf, size_t n)
{
  if (!s->ops->listxattr)
    return 0;
  return s->ops->listxattr(s, path, buf, n);
}


ssize_t wo_getxattr(wo_src *s, const char *path, const char *name,
                    void *buf, size_t n)
{
  if (!s->ops->getxattr)
    return WO_ENODATA;
  return s->ops->getxattr(s, path, name, buf, n);
}


/* Path resolution.  The pending path is kept as a string that we consume
 * component by component; a symlink's target is spliced in front of the
 * rest.  Its length is bounded so a chain of long links cannot grow it
 * without end. */

#define PENDING_MAX (WO_PATH_MAX * 2)

/* Drops the last component of the canonical path cur. */
static void pop_component(char *cur)
{
  char *slash = strrchr(cur, '/');
  if (slash)
    *slash = '\0';
  else
    cur[0] = '\0';
}


/* Appends name to the canonical path cur; fails when too long. */
static int push_component(char *cur, const char *name, size_t len)
{
  size_t have = strlen(cur);
  size_t need = have + (have ? 1 : 0) + len + 1;
  if (need > WO_PATH_MAX)
    return WO_ERANGE;
  if (have)
    cur[have++] = '/';
  memcpy(cur + have, name, len);
  cur[have + len] = '\0';
  return WO_OK;
}


/* Replaces pending with target + "/" + rest; resets cur for an absolute
 * target (it restarts at the source's root). */
static int splice_link(char *cur, char *pending, const char *target,
                       const char *rest)
{
  char tmp[PENDING_MAX];
  int n = snprintf(tmp, sizeof tmp, "%s/%s", target, rest);
  if (n < 0 || n >= (int)sizeof tmp)
    return WO_ERANGE;
  if (target[0] == '/')
    cur[0] = '\0';
  memcpy(pending, tmp, (size_t)n + 1);
  return WO_OK;
}


/* One symlink step: reads the link at cur and splices it before rest. */
static int follow_link(wo_src *s, char *cur, char *pending,
                       const char *rest)
{
  char target[WO_PATH_MAX];
  ssize_t n = wo_readlink(s, cur, target, sizeof target - 1);
  if (n < 0)
    return (int)n;
  target[n] = '\0';
  pop_component(cur);
  return splice_link(cur, pending, target, rest);
}


int wo_resolve(wo_src *s, const char *path, int follow, char *out)
{
  char pending[PENDING_MAX], rest[PENDING_MAX];
  int links = 0, rc;
  size_t steps = 0;
  if (strlen(path) >= sizeof pending)
    return wo_src_fail(s, WO_ERANGE, "path too long");
  strcpy(pending, path);
  out[0] = '\0';
  while (pending[0]) {
    char *p = pending, *slash;
    size_t len;
    wo_stat st;
    /* each step consumes at least one byte or one link; bound it anyway */
    if (++steps > PENDING_MAX * 4)
      return wo_src_fail(s, WO_ELOOP, "path does not settle");
    while (*p == '/')
      p++;
    slash = strchr(p, '/');
    len = slash ? (size_t)(slash - p) : strlen(p);
    strcpy(rest, slash ? slash + 1 : "");
    if (len == 0 || (len == 1 && p[0] == '.')) {
      memmove(pending, rest, strlen(rest) + 1);
      continue;
    }
    if (len == 2 && p[0] == '.' && p[1] == '.') {
      pop_component(out);
      memmove(pending, rest, strlen(rest) + 1);
      continue;
    }
    if ((rc = push_component(out, p, len)) < 0)
      return wo_src_fail(s, rc, "path too long");
    if ((rc = wo_lstat(s, out, &st)) < 0)
      return rc;
    /* a trailing slash still asks for what the link names */
    int last = rest[strspn(rest, "/")] == '\0';
    if (st.type == WO_T_LNK && (!last || follow || slash)) {
      if (++links > WO_MAX_SYMLINKS)
        return wo_src_fail(s, WO_ELOOP, "too many levels of symlinks");
      if ((rc = follow_link(s, out, pending, rest)) < 0)
        return rc;
      continue;
    }
    if (!last && st.type != WO_T_DIR)
      return wo_src_fail(s, WO_ENOTDIR, "'%s' is not a directory", out);
    memmove(pending, rest, strlen(rest) + 1);
  }
  return WO_OK;
}
