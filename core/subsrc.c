/* A source that shows one subtree of another as its root: a data root
 * inside a host, a container's root inside a view.  Symlinks met through
 * it resolve inside the subtree, because wo_resolve runs on this source. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev.h"

typedef struct sub_src {
  wo_src base;
  wo_src *under;
  char prefix[WO_PATH_MAX];
} sub_src;


/* Joins the prefix and a canonical path into out. */
static int join(sub_src *s, const char *path, char *out)
{
  int n;
  if (!s->prefix[0])
    n = snprintf(out, WO_PATH_MAX, "%s", path);
  else if (!path[0])
    n = snprintf(out, WO_PATH_MAX, "%s", s->prefix);
  else
    n = snprintf(out, WO_PATH_MAX, "%s/%s", s->prefix, path);
  if (n < 0 || n >= WO_PATH_MAX)
    return wo_src_fail(&s->base, WO_ERANGE, "path too long");
  return WO_OK;
}


/* Copies the lower source's message up so callers see it here. */
static int up(sub_src *s, int rc)
{
  if (rc < 0)
    snprintf(s->base.err, sizeof s->base.err, "%s", s->under->err);
  return rc;
}

#define JOIN_OR_FAIL(s, path, full) \
  do { int rc_ = join(s, path, full); if (rc_ < 0) return rc_; } while (0)


static int s_lstat(wo_src *b, const char *path, wo_stat *st)
{
  sub_src *s = (sub_src *)b;
  char full[WO_PATH_MAX];
  JOIN_OR_FAIL(s, path, full);
  return up(s, s->under->ops->lstat(s->under, full, st));
}


static int s_readdir(wo_src *b, const char *path, wo_dirent_fn fn,
                     void *arg)
{
  sub_src *s = (sub_src *)b;
  char full[WO_PATH_MAX];
  JOIN_OR_FAIL(s, path, full);
  return up(s, wo_readdir(s->under, full, fn, arg));
}


static int s_open(wo_src *b, const char *path, wo_file **f)
{
  sub_src *s = (sub_src *)b;
  char full[WO_PATH_MAX];
  JOIN_OR_FAIL(s, path, full);
  return up(s, wo_open(s->under, full, f));
}


static ssize_t s_readlink(wo_src *b, const char *path, char *buf, size_t n)
{
  sub_src *s = (sub_src *)b;
  char full[WO_PATH_MAX];
  JOIN_OR_FAIL(s, path, full);
  return up(s, (int)wo_readlink(s->under, full, buf, n));
}


static ssize_t s_listxattr(wo_src *b, const char *path, char *buf, size_t n)
{
  sub_src *s = (sub_src *)b;
  char full[WO_PATH_MAX];
  JOIN_OR_FAIL(s, path, full);
  return up(s, (int)wo_listxattr(s->under, full, buf, n));
}


static ssize_t s_getxattr(wo_src *b, const char *path, const char *name,
                          void *buf, size_t n)
{
  sub_src *s = (sub_src *)b;
  char full[WO_PATH_MAX];
  JOIN_OR_FAIL(s, path, full);
  return up(s, (int)wo_getxattr(s->under, full, name, buf, n));
}


static void s_destroy(wo_src *b)
{
  sub_src *s = (sub_src *)b;
  wo_src_unref(s->under);
  free(s);
}


/* Files opened here belong to the lower source, which reads them. */
static const wo_src_ops sub_ops = {
  "subtree", s_lstat, s_readdir, s_open, NULL, NULL, s_readlink,
  s_listxattr, s_getxattr, s_destroy
};


wo_src *wo_sub_open(wo_src *under, const char *path)
{
  sub_src *s;
  if (strlen(path) >= WO_PATH_MAX || !(s = calloc(1, sizeof *s)))
    return NULL;
  s->base.ops = &sub_ops;
  s->base.refs = 1;
  s->under = wo_src_ref(under);
  strcpy(s->prefix, path);
  return &s->base;
}
