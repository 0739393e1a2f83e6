/* The directory backend: a read-only source over a folder of the
 * analyst's machine.  Every open is confined beneath the root by the
 * kernel (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so even a path
 * that skipped wo_resolve cannot leave the evidence. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "ev.h"

typedef struct dir_src {
  wo_src base;
  int rootfd;
  /* the last parent directory opened, kept because walks stat many
   * entries of one directory in a row */
  int pfd;
  char ppath[WO_PATH_MAX];
} dir_src;

typedef struct dir_file {
  wo_file base;
  int fd;
} dir_file;


static int errno_code(int e)
{
  switch (e) {
  case ENOENT: return WO_ENOENT;
  case ENOTDIR: return WO_ENOTDIR;
  case ELOOP: return WO_ELOOP;
  case EXDEV: return WO_ELOOP;
  case EACCES: case EPERM: return WO_EACCES;
  case ENODATA: return WO_ENODATA;
  case ENOMEM: return WO_ENOMEM;
  case ERANGE: case E2BIG: case ENAMETOOLONG: return WO_ERANGE;
  case EOPNOTSUPP: return WO_ENODATA;
  default: return WO_EIO;
  }
}


static int sys_fail(dir_src *d, const char *what, const char *path)
{
  int e = errno;
  return wo_src_fail(&d->base, errno_code(e), "%s '%s': %s", what,
                     path[0] ? path : ".", strerror(e));
}


/* Opens path beneath the root without following any symlink. */
static int open_beneath(dir_src *d, const char *path, int flags)
{
  struct open_how how;
  int fd;
  memset(&how, 0, sizeof how);
  /* reading leaves the evidence's access times alone where the kernel
   * lets us (O_NOATIME: the owner or CAP_FOWNER) */
  how.flags = (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW |
                         ((flags & O_PATH) ? 0 : O_NOATIME));
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                RESOLVE_NO_MAGICLINKS;
  fd = (int)syscall(SYS_openat2, d->rootfd, path[0] ? path : ".", &how,
                    sizeof how);
  if (fd < 0 && errno == EPERM && !(flags & O_PATH)) {
    how.flags &= ~(uint64_t)O_NOATIME;
    fd = (int)syscall(SYS_openat2, d->rootfd, path[0] ? path : ".", &how,
                      sizeof how);
  }
  return fd;
}


/* Splits path into its parent (opened, cached) and its last name. */
static int parent_fd(dir_src *d, const char *path, const char **name)
{
  const char *slash = strrchr(path, '/');
  size_t plen = slash ? (size_t)(slash - path) : 0;
  char parent[WO_PATH_MAX];
  *name = slash ? slash + 1 : path;
  if (plen >= sizeof parent)
    return -1;
  memcpy(parent, path, plen);
  parent[plen] = '\0';
  if (d->pfd >= 0 && strcmp(parent, d->ppath) == 0)
    return d->pfd;
  if (d->pfd >= 0)
    close(d->pfd);
  d->pfd = open_beneath(d, parent, O_PATH | O_DIRECTORY);
  if (d->pfd >= 0)
    strcpy(d->ppath, parent);
  return d->pfd;
}


/* The folder fd and last name of path, or of the root (named self)
 * for ""; a negative code when a folder on the way cannot be opened. */
static int name_at(dir_src *d, const char *path, const char **name,
                   const char *self)
{
  int fd = path[0] ? parent_fd(d, path, name) : d->rootfd;
  if (!path[0])
    *name = self;
  return fd < 0 ? sys_fail(d, "cannot open", path) : fd;
}


static int64_t ns(struct statx_timestamp t)
{
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}


static void fill_stat(const struct statx *x, wo_stat *st)
{
  st->ino = x->stx_ino;
  st->size = x->stx_size;
  st->nlink = x->stx_nlink;
  st->mode = x->stx_mode;
  st->uid = x->stx_uid;
  st->gid = x->stx_gid;
  st->type = wo_type_of_mode(x->stx_mode);
  st->rdev_major = x->stx_rdev_major;
  st->rdev_minor = x->stx_rdev_minor;
  st->dev = makedev(x->stx_dev_major, x->stx_dev_minor);
  st->atime = ns(x->stx_atime);
  st->mtime = ns(x->stx_mtime);
  st->ctime = ns(x->stx_ctime);
  st->btime = (x->stx_mask & STATX_BTIME) ? ns(x->stx_btime) : -1;
}


static int d_lstat(wo_src *s, const char *path, wo_stat *st)
{
  dir_src *d = (dir_src *)s;
  struct statx x;
  const char *name;
  int fd = name_at(d, path, &name, "");
  if (fd < 0)
    return fd;
  if (statx(fd, name, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH |
            AT_NO_AUTOMOUNT, STATX_BASIC_STATS | STATX_BTIME, &x) < 0)
    return sys_fail(d, "cannot stat", path);
  fill_stat(&x, st);
  return WO_OK;
}


static int dtype_of(unsigned char t)
{
  switch (t) {
  case DT_REG: return WO_T_REG;
  case DT_DIR: return WO_T_DIR;
  case DT_LNK: return WO_T_LNK;
  case DT_CHR: return WO_T_CHR;
  case DT_BLK: return WO_T_BLK;
  case DT_FIFO: return WO_T_FIFO;
  case DT_SOCK: return WO_T_SOCK;
  default: return WO_T_UNKNOWN;
  }
}


static int d_readdir(wo_src *s, const char *path, wo_dirent_fn fn,
                     void *arg)
{
  dir_src *d = (dir_src *)s;
  struct dirent *e;
  int rc = WO_OK, fd = open_beneath(d, path, O_RDONLY | O_DIRECTORY);
  DIR *dp;
  if (fd < 0)
    return sys_fail(d, "cannot open directory", path);
  if (!(dp = fdopendir(fd))) {
    close(fd);
    return sys_fail(d, "cannot read directory", path);
  }
  while (rc == WO_OK && (errno = 0, e = readdir(dp))) {
    if (e->d_name[0] == '.' && (!e->d_name[1] ||
        (e->d_name[1] == '.' && !e->d_name[2])))
      continue;
    rc = fn(arg, e->d_name, dtype_of(e->d_type), e->d_ino);
  }
  if (rc == WO_OK && errno)
    rc = sys_fail(d, "cannot read directory", path);
  closedir(dp);
  return rc;
}


/* Opens a regular file only: opening a device node found in evidence
 * would read the analyst's own device. */
static int d_open(wo_src *s, const char *path, wo_file **f)
{
  dir_src *d = (dir_src *)s;
  struct stat a, b;
  dir_file *df;
  int fd = open_beneath(d, path, O_PATH);
  if (fd < 0)
    return sys_fail(d, "cannot open", path);
  if (fstat(fd, &a) < 0 || !S_ISREG(a.st_mode)) {
    close(fd);
    return wo_src_fail(s, WO_EUNSUP, "'%s' is not a regular file", path);
  }
  close(fd);
  fd = open_beneath(d, path, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (fd < 0)
    return sys_fail(d, "cannot open", path);
  if (fstat(fd, &b) < 0 || b.st_ino != a.st_ino || b.st_dev != a.st_dev) {
    close(fd);
    return wo_src_fail(s, WO_EIO, "'%s' changed while opened", path);
  }
  if (!(df = calloc(1, sizeof *df))) {
    close(fd);
    return WO_ENOMEM;
  }
  df->base.src = wo_src_ref(s);
  df->fd = fd;
  *f = &df->base;
  return WO_OK;
}


static ssize_t d_pread(wo_file *f, void *buf, size_t n, uint64_t off)
{
  dir_file *df = (dir_file *)f;
  ssize_t r;
  if (off > (uint64_t)LLONG_MAX)
    return 0;
  do
    r = pread(df->fd, buf, n, (off_t)off);
  while (r < 0 && errno == EINTR);
  if (r < 0)
    return wo_src_fail(f->src, errno_code(errno), "read failed: %s",
                       strerror(errno));
  return r;
}


static void d_fclose(wo_file *f)
{
  dir_file *df = (dir_file *)f;
  wo_src *s = f->src;
  close(df->fd);
  free(df);
  wo_src_unref(s);
}


static ssize_t d_readlink(wo_src *s, const char *path, char *buf, size_t n)
{
  dir_src *d = (dir_src *)s;
  const char *name;
  ssize_t r;
  int fd = parent_fd(d, path, &name);
  if (fd < 0)
    return sys_fail(d, "cannot open", path);
  if ((r = readlinkat(fd, name, buf, n)) < 0)
    return sys_fail(d, "cannot read link", path);
  return r;
}


/* xattr calls take a path: we give the parent's fd through /proc so the
 * last name is looked up without following it. */
static int proc_path(dir_src *d, const char *path, char *out, size_t n)
{
  const char *name;
  int fd = name_at(d, path, &name, ".");
  if (fd < 0)
    return fd;
  snprintf(out, n, "/proc/self/fd/%d/%s", fd, name);
  return WO_OK;
}


static ssize_t d_listxattr(wo_src *s, const char *path, char *buf, size_t n)
{
  dir_src *d = (dir_src *)s;
  char p[WO_PATH_MAX + 64];
  ssize_t r;
  int rc = proc_path(d, path, p, sizeof p);
  if (rc < 0)
    return rc;
  if ((r = llistxattr(p, buf, n)) < 0) {
    if (errno == ENOTSUP || errno == ENODATA)
      return 0;
    return sys_fail(d, "cannot list xattrs of", path);
  }
  return r;
}


static ssize_t d_getxattr(wo_src *s, const char *path, const char *name,
                          void *buf, size_t n)
{
  dir_src *d = (dir_src *)s;
  char p[WO_PATH_MAX + 64];
  ssize_t r;
  int rc = proc_path(d, path, p, sizeof p);
  if (rc < 0)
    return rc;
  if ((r = lgetxattr(p, name, buf, n)) < 0)
    return sys_fail(d, "cannot read xattr of", path);
  return r;
}


static void d_destroy(wo_src *s)
{
  dir_src *d = (dir_src *)s;
  if (d->pfd >= 0)
    close(d->pfd);
  close(d->rootfd);
  free(d);
}


static const wo_src_ops dir_ops = {
  "directory", d_lstat, d_readdir, d_open, d_pread, d_fclose,
  d_readlink, d_listxattr, d_getxattr, d_destroy
};


wo_src *wo_dir_open(const char *root, char *err)
{
  dir_src *d;
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, 256, "cannot open directory '%s': %s", root,
             strerror(errno));
    return NULL;
  }
  if (!(d = calloc(1, sizeof *d))) {
    close(fd);
    snprintf(err, 256, "out of memory");
    return NULL;
  }
  d->base.ops = &dir_ops;
  d->base.refs = 1;
  d->rootfd = fd;
  d->pfd = -1;
  return &d->base;
}
