/* The libtsk backend: a read-only source over a file system inside an
 * image, without mounting it.  Paths are found by walking directories
 * from the root inode; every directory read fills a path cache, so a
 * walk reads each directory once.  On ext file systems the raw inode
 * gives what libtsk leaves out: device numbers and extended attributes.
 *
 * Caveats: xattrs are read on ext2/3/4 only; ext4 xattrs kept in their
 * own inode (ea_inode) are skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tsk/libtsk.h>

#include "ext4.h"
#include "tsk.h"

/* The cache forgets everything past this many paths (memory bound). */
#define CACHE_MAX (1u << 20)
/* The largest symlink target we read. */
#define LINK_MAX_READ 4096

typedef struct pent {
  struct pent *next;
  uint64_t inum;
  int type;
  int loaded;          /* a directory whose entries are all cached */
  char path[];
} pent;

typedef struct tsk_src {
  wo_src base;
  wo_img *img;
  TSK_FS_INFO *fs;
  int is_ext;
  wo_ext4 ext;
  pent **tab;
  size_t cap, n;
  void *journal;       /* the jbd2 scan, made on first use (jbd2.c) */
  void (*journal_free)(void *);
} tsk_src;

typedef struct tsk_file {
  wo_file base;
  TSK_FS_FILE *file;
  uint64_t size;
} tsk_file;

static const wo_src_ops tsk_ops;


static pent *cache_get(tsk_src *t, const char *path)
{
  pent *p = t->tab[wo_hash_str(path) & (t->cap - 1)];
  while (p && strcmp(p->path, path) != 0)
    p = p->next;
  return p;
}


static void cache_clear(tsk_src *t)
{
  size_t i;
  for (i = 0; i < t->cap; i++)
    while (t->tab[i]) {
      pent *p = t->tab[i];
      t->tab[i] = p->next;
      free(p);
    }
  t->n = 0;
}


/* Doubles the table; on failure the old one stays (only slower). */
static void cache_grow(tsk_src *t)
{
  size_t cap = t->cap * 2, i;
  pent **tab = calloc(cap, sizeof *tab);
  if (!tab)
    return;
  for (i = 0; i < t->cap; i++)
    while (t->tab[i]) {
      pent *p = t->tab[i];
      t->tab[i] = p->next;
      p->next = tab[wo_hash_str(p->path) & (cap - 1)];
      tab[wo_hash_str(p->path) & (cap - 1)] = p;
    }
  free(t->tab);
  t->tab = tab;
  t->cap = cap;
}


/* Adds path unless present (the first of two equal names wins). */
static pent *cache_put(tsk_src *t, const char *path, uint64_t inum,
                       int type)
{
  size_t len = strlen(path);
  pent *p = cache_get(t, path);
  if (p)
    return p;
  if (t->n >= t->cap)
    cache_grow(t);
  if (!(p = malloc(sizeof *p + len + 1)))
    return NULL;
  memcpy(p->path, path, len + 1);
  p->inum = inum;
  p->type = type;
  p->loaded = 0;
  p->next = t->tab[wo_hash_str(path) & (t->cap - 1)];
  t->tab[wo_hash_str(path) & (t->cap - 1)] = p;
  t->n++;
  return p;
}


static int name_type(TSK_FS_NAME_TYPE_ENUM t)
{
  switch (t) {
  case TSK_FS_NAME_TYPE_REG: return WO_T_REG;
  case TSK_FS_NAME_TYPE_DIR: return WO_T_DIR;
  case TSK_FS_NAME_TYPE_LNK: return WO_T_LNK;
  case TSK_FS_NAME_TYPE_CHR: return WO_T_CHR;
  case TSK_FS_NAME_TYPE_BLK: return WO_T_BLK;
  case TSK_FS_NAME_TYPE_FIFO: return WO_T_FIFO;
  case TSK_FS_NAME_TYPE_SOCK: return WO_T_SOCK;
  default: return WO_T_UNKNOWN;
  }
}


static int meta_type(TSK_FS_META_TYPE_ENUM t)
{
  switch (t) {
  case TSK_FS_META_TYPE_REG: return WO_T_REG;
  case TSK_FS_META_TYPE_DIR: return WO_T_DIR;
  case TSK_FS_META_TYPE_LNK: return WO_T_LNK;
  case TSK_FS_META_TYPE_CHR: return WO_T_CHR;
  case TSK_FS_META_TYPE_BLK: return WO_T_BLK;
  case TSK_FS_META_TYPE_FIFO: return WO_T_FIFO;
  case TSK_FS_META_TYPE_SOCK: return WO_T_SOCK;
  default: return WO_T_UNKNOWN;
  }
}


static int tsk_fail(tsk_src *t, int code, const char *what, const char *p)
{
  const char *m = tsk_error_get();
  wo_src_fail(&t->base, code, "%s '%s': %s", what, p[0] ? p : "/",
              m && *m ? m : wo_strerror_code(code));
  tsk_error_reset();
  return code;
}


/* A live name worth showing: allocated, not "." or "..", not libtsk's
 * virtual $OrphanFiles folder. */
static int live_name(tsk_src *t, const TSK_FS_NAME *nm)
{
  const char *n = nm->name;
  if (!n || !(nm->flags & TSK_FS_NAME_FLAG_ALLOC))
    return 0;
  if (n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])))
    return 0;
  if (nm->meta_addr == TSK_FS_ORPHANDIR_INUM(t->fs) ||
      nm->type == TSK_FS_NAME_TYPE_VIRT_DIR ||
      nm->type == TSK_FS_NAME_TYPE_VIRT)
    return 0;
  return strchr(n, '/') == NULL;
}


typedef struct dir_cb {
  wo_dirent_fn fn;
  void *arg;
} dir_cb;


/* Reads directory inum (at path) and caches its live entries; calls
 * cb->fn for each when cb is given. */
static int load_dir(tsk_src *t, const char *path, uint64_t inum,
                    dir_cb *cb)
{
  TSK_FS_DIR *d = tsk_fs_dir_open_meta(t->fs, (TSK_INUM_T)inum);
  char full[WO_PATH_MAX];
  size_t i, n;
  int rc = WO_OK;
  pent *self;
  if (!d)
    return tsk_fail(t, WO_EIO, "cannot read directory", path);
  n = tsk_fs_dir_getsize(d);
  for (i = 0; i < n && rc == WO_OK; i++) {
    const TSK_FS_NAME *nm = tsk_fs_dir_get_name(d, i);
    int k;
    if (!nm || !live_name(t, nm))
      continue;
    k = snprintf(full, sizeof full, "%s%s%s", path, path[0] ? "/" : "",
                 nm->name);
    if (k > 0 && k < (int)sizeof full)
      cache_put(t, full, nm->meta_addr, name_type(nm->type));
    if (cb)
      rc = cb->fn(cb->arg, nm->name, name_type(nm->type), nm->meta_addr);
  }
  tsk_fs_dir_close(d);
  if (rc == WO_OK && (self = cache_get(t, path)))
    self->loaded = 1;
  return rc;
}


/* Finds path's inode and type, walking (and caching) its parents. */
static int lookup(tsk_src *t, const char *path, uint64_t *inum, int *type)
{
  char parent[WO_PATH_MAX];
  const char *slash;
  pent *p = cache_get(t, path), *pp;
  uint64_t pin;
  int ptype, rc;
  if (p)
    goto found;
  slash = strrchr(path, '/');
  snprintf(parent, sizeof parent, "%.*s",
           slash ? (int)(slash - path) : 0, path);
  if ((rc = lookup(t, parent, &pin, &ptype)) < 0)
    return rc;
  if (ptype != WO_T_DIR)
    return wo_src_fail(&t->base, WO_ENOTDIR, "'%s' is not a directory",
                       parent);
  pp = cache_get(t, parent);
  if (pp && !pp->loaded && (rc = load_dir(t, parent, pin, NULL)) < 0)
    return rc;
  if (!(p = cache_get(t, path)))
    return wo_src_fail(&t->base, WO_ENOENT, "no such entry '%s'", path);
found:
  *inum = p->inum;
  *type = p->type;
  return WO_OK;
}


/* Starts a lookup: forgets the cache when it has grown past its bound
 * (the root entry is put back). */
static int find(tsk_src *t, const char *path, uint64_t *inum, int *type)
{
  if (t->n > CACHE_MAX) {
    cache_clear(t);
    cache_put(t, "", t->fs->root_inum, WO_T_DIR);
  }
  return lookup(t, path, inum, type);
}


static int64_t tns(time_t s, uint32_t ns)
{
  return (int64_t)s * 1000000000 + ns;
}


static void raw_rdev(tsk_src *t, uint64_t inum, wo_stat *st)
{
  uint8_t raw[1024];
  wo_ext4_inode in;
  if (!t->is_ext || t->ext.isize > sizeof raw ||
      wo_ext4_inode_raw(&t->ext, inum, raw) < 0 ||
      wo_ext4_inode_parse(raw, t->ext.isize, &in) < 0)
    return;
  st->rdev_major = in.rdev_major;
  st->rdev_minor = in.rdev_minor;
}


static const uint32_t type_bits[] = {
  0, S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK
};


static void fill_stat(tsk_src *t, const TSK_FS_META *m, wo_stat *st)
{
  st->ino = m->addr;
  st->size = m->size > 0 ? (uint64_t)m->size : 0;
  st->nlink = (uint64_t)m->nlink;
  st->type = meta_type(m->type);
  st->mode = ((uint32_t)m->mode & 07777) | type_bits[st->type];
  st->uid = m->uid;
  st->gid = m->gid;
  st->atime = tns(m->atime, m->atime_nano);
  st->mtime = tns(m->mtime, m->mtime_nano);
  st->ctime = tns(m->ctime, m->ctime_nano);
  st->btime = m->crtime || m->crtime_nano ? tns(m->crtime, m->crtime_nano)
                                          : -1;
  if (st->type == WO_T_CHR || st->type == WO_T_BLK)
    raw_rdev(t, m->addr, st);
}


static int istat(tsk_src *t, uint64_t inum, wo_stat *st, int *alloc)
{
  char what[32];
  TSK_FS_FILE *f = tsk_fs_file_open_meta(t->fs, NULL, (TSK_INUM_T)inum);
  if (!f || !f->meta) {
    snprintf(what, sizeof what, "%llu", (unsigned long long)inum);
    if (f)
      tsk_fs_file_close(f);
    return tsk_fail(t, WO_EIO, "cannot read inode", what);
  }
  fill_stat(t, f->meta, st);
  if (alloc)
    *alloc = (f->meta->flags & TSK_FS_META_FLAG_ALLOC) != 0;
  tsk_fs_file_close(f);
  return WO_OK;
}


static int t_lstat(wo_src *s, const char *path, wo_stat *st)
{
  tsk_src *t = (tsk_src *)s;
  uint64_t inum;
  int type, rc = find(t, path, &inum, &type);
  if (rc < 0)
    return rc;
  return istat(t, inum, st, NULL);
}


static int t_readdir(wo_src *s, const char *path, wo_dirent_fn fn,
                     void *arg)
{
  tsk_src *t = (tsk_src *)s;
  dir_cb cb = { fn, arg };
  uint64_t inum;
  int type, rc = find(t, path, &inum, &type);
  if (rc < 0)
    return rc;
  if (type != WO_T_DIR)
    return wo_src_fail(s, WO_ENOTDIR, "'%s' is not a directory", path);
  return load_dir(t, path, inum, &cb);
}


static int open_inum(tsk_src *t, uint64_t inum, const char *path,
                     wo_file **out)
{
  TSK_FS_FILE *f = tsk_fs_file_open_meta(t->fs, NULL, (TSK_INUM_T)inum);
  tsk_file *tf;
  if (!f || !f->meta) {
    if (f)
      tsk_fs_file_close(f);
    return tsk_fail(t, WO_EIO, "cannot open", path);
  }
  if (!(tf = calloc(1, sizeof *tf))) {
    tsk_fs_file_close(f);
    return WO_ENOMEM;
  }
  tf->base.src = wo_src_ref(&t->base);
  tf->file = f;
  tf->size = f->meta->size > 0 ? (uint64_t)f->meta->size : 0;
  *out = &tf->base;
  return WO_OK;
}


/* Regular files only, as the directory backend. */
static int t_open(wo_src *s, const char *path, wo_file **out)
{
  tsk_src *t = (tsk_src *)s;
  uint64_t inum;
  int type, rc = find(t, path, &inum, &type);
  if (rc < 0)
    return rc;
  if (type != WO_T_REG)
    return wo_src_fail(s, WO_EUNSUP, "'%s' is not a regular file", path);
  return open_inum(t, inum, path, out);
}


static ssize_t t_pread(wo_file *f, void *buf, size_t n, uint64_t off)
{
  tsk_file *tf = (tsk_file *)f;
  ssize_t r;
  if (off >= tf->size || n == 0)
    return 0;
  if (n > tf->size - off)
    n = (size_t)(tf->size - off);
  r = tsk_fs_file_read(tf->file, (TSK_OFF_T)off, buf, n,
                       TSK_FS_FILE_READ_FLAG_NONE);
  if (r < 0)
    return tsk_fail((tsk_src *)f->src, WO_EIO, "cannot read inode",
                    "content");
  return r;
}


static void t_fclose(wo_file *f)
{
  tsk_file *tf = (tsk_file *)f;
  wo_src *s = f->src;
  tsk_fs_file_close(tf->file);
  free(tf);
  wo_src_unref(s);
}


static ssize_t t_readlink(wo_src *s, const char *path, char *buf, size_t n)
{
  tsk_src *t = (tsk_src *)s;
  TSK_FS_FILE *f;
  uint64_t inum;
  ssize_t r = 0;
  int type, rc = find(t, path, &inum, &type);
  if (rc < 0)
    return rc;
  if (!(f = tsk_fs_file_open_meta(t->fs, NULL, (TSK_INUM_T)inum)) ||
      !f->meta || f->meta->type != TSK_FS_META_TYPE_LNK) {
    if (f)
      tsk_fs_file_close(f);
    return wo_src_fail(s, WO_EINVAL, "'%s' is not a symlink", path);
  }
  if (f->meta->link) {
    r = (ssize_t)strnlen(f->meta->link, n);
    memcpy(buf, f->meta->link, (size_t)r);
  } else if (f->meta->size > 0) {
    size_t want = (size_t)f->meta->size < n ? (size_t)f->meta->size : n;
    if (want > LINK_MAX_READ)
      want = LINK_MAX_READ;
    r = tsk_fs_file_read(f, 0, buf, want, TSK_FS_FILE_READ_FLAG_NONE);
  }
  tsk_fs_file_close(f);
  if (r < 0)
    return tsk_fail(t, WO_EIO, "cannot read link", path);
  return r;
}


typedef struct xa_list {
  char *buf;
  size_t cap, len;
  const char *want;    /* getxattr: the name asked for */
  ssize_t got;
} xa_list;


static int xa_name(void *arg, const char *name, const void *v, size_t n)
{
  xa_list *x = arg;
  size_t len = strlen(name) + 1;
  (void)v;
  (void)n;
  if (x->len + len > x->cap)
    return WO_ERANGE;
  memcpy(x->buf + x->len, name, len);
  x->len += len;
  return 0;
}


static int xa_value(void *arg, const char *name, const void *v, size_t n)
{
  xa_list *x = arg;
  if (strcmp(name, x->want) != 0)
    return 0;
  if (n > x->cap)
    return WO_ERANGE;
  memcpy(x->buf, v, n);
  x->got = (ssize_t)n;
  return 1;
}


/* Runs fn over the xattrs of path's inode (ext only). */
static int xattr_walk(tsk_src *t, const char *path, wo_xattr_fn fn,
                      xa_list *x)
{
  uint8_t raw[1024];
  uint64_t inum;
  int type, rc = find(t, path, &inum, &type);
  if (rc < 0)
    return rc;
  if (!t->is_ext)
    return 0;
  if (t->ext.isize > sizeof raw)
    return wo_src_fail(&t->base, WO_EUNSUP, "inodes too large");
  if ((rc = wo_ext4_inode_raw(&t->ext, inum, raw)) < 0)
    return wo_src_fail(&t->base, rc, "cannot read inode of '%s'", path);
  rc = wo_ext4_xattrs(&t->ext, raw, t->ext.isize, fn, x);
  if (rc < 0)
    return wo_src_fail(&t->base, rc, "bad xattrs on '%s'", path);
  return rc;
}


static ssize_t t_listxattr(wo_src *s, const char *path, char *buf, size_t n)
{
  xa_list x = { buf, n, 0, NULL, 0 };
  int rc = xattr_walk((tsk_src *)s, path, xa_name, &x);
  return rc < 0 ? rc : (ssize_t)x.len;
}


static ssize_t t_getxattr(wo_src *s, const char *path, const char *name,
                          void *buf, size_t n)
{
  xa_list x = { buf, n, 0, name, -1 };
  int rc = xattr_walk((tsk_src *)s, path, xa_value, &x);
  if (rc < 0)
    return rc;
  if (x.got < 0)
    return wo_src_fail(s, WO_ENODATA, "no xattr '%s' on '%s'", name, path);
  return x.got;
}


static void t_destroy(wo_src *s)
{
  tsk_src *t = (tsk_src *)s;
  if (t->journal_free)
    t->journal_free(t->journal);
  cache_clear(t);
  free(t->tab);
  if (t->is_ext)
    wo_ext4_close(&t->ext);
  tsk_fs_close(t->fs);
  wo_img_unref(t->img);
  free(t);
}


static const wo_src_ops tsk_ops = {
  "tsk", t_lstat, t_readdir, t_open, t_pread, t_fclose, t_readlink,
  t_listxattr, t_getxattr, t_destroy
};


/* ext4 raw reads go through libtsk's file system reader. */
static ssize_t fs_read(void *arg, uint64_t off, void *buf, size_t n)
{
  tsk_src *t = arg;
  ssize_t r = tsk_fs_read(t->fs, (TSK_OFF_T)off, buf, n);
  if (r < 0) {
    tsk_error_reset();
    return WO_EIO;
  }
  return r;
}


wo_src *wo_tsk_open(wo_img *img, uint64_t off, char *err)
{
  TSK_FS_INFO *fs = tsk_fs_open_img(wo_img_tsk(img), (TSK_OFF_T)off,
                                    TSK_FS_TYPE_DETECT);
  tsk_src *t;
  if (!fs) {
    const char *m = tsk_error_get();
    snprintf(err, 256, "no file system libtsk reads at offset %llu: %s",
             (unsigned long long)off, m && *m ? m : "unknown");
    tsk_error_reset();
    return NULL;
  }
  t = calloc(1, sizeof *t);
  if (!t || !(t->tab = calloc(1024, sizeof *t->tab))) {
    free(t);
    tsk_fs_close(fs);
    snprintf(err, 256, "out of memory");
    return NULL;
  }
  t->base.ops = &tsk_ops;
  t->base.refs = 1;
  t->cap = 1024;
  t->fs = fs;
  t->img = wo_img_ref(img);
  t->is_ext = TSK_FS_TYPE_ISEXT(fs->ftype) &&
              wo_ext4_open(&t->ext, fs_read, t) == WO_OK;
  cache_put(t, "", fs->root_inum, WO_T_DIR);
  return &t->base;
}


/* The source as a tsk_src, or NULL when it is another kind. */
static tsk_src *as_tsk(wo_src *s)
{
  return s && s->ops == &tsk_ops ? (tsk_src *)s : NULL;
}


const char *wo_tsk_fstype(wo_src *s)
{
  tsk_src *t = as_tsk(s);
  return t ? tsk_fs_type_toname(t->fs->ftype) : NULL;
}


uint32_t wo_tsk_block_size(wo_src *s)
{
  tsk_src *t = as_tsk(s);
  return t ? t->fs->block_size : 0;
}


uint64_t wo_tsk_block_count(wo_src *s)
{
  tsk_src *t = as_tsk(s);
  return t ? (uint64_t)t->fs->block_count : 0;
}


uint64_t wo_tsk_last_inum(wo_src *s)
{
  tsk_src *t = as_tsk(s);
  return t ? (uint64_t)t->fs->last_inum : 0;
}


int wo_tsk_lookup(wo_src *s, const char *path, uint64_t *inum)
{
  tsk_src *t = as_tsk(s);
  int type;
  if (!t)
    return WO_EINVAL;
  return find(t, path, inum, &type);
}


int wo_tsk_istat(wo_src *s, uint64_t inum, wo_stat *st, int *alloc)
{
  tsk_src *t = as_tsk(s);
  if (!t)
    return WO_EINVAL;
  memset(st, 0, sizeof *st);
  st->atime = st->mtime = st->ctime = st->btime = -1;
  if (inum < t->fs->first_inum || inum > t->fs->last_inum)
    return wo_src_fail(s, WO_ENOENT, "no inode %llu",
                       (unsigned long long)inum);
  return istat(t, inum, st, alloc);
}


int wo_tsk_names(wo_src *s, uint64_t dir, wo_tsk_name_fn fn, void *arg)
{
  tsk_src *t = as_tsk(s);
  TSK_FS_DIR *d;
  size_t i, n;
  int rc = WO_OK;
  if (!t)
    return WO_EINVAL;
  if (!(d = tsk_fs_dir_open_meta(t->fs, (TSK_INUM_T)dir)))
    return tsk_fail(t, WO_EIO, "cannot read directory", "inode");
  n = tsk_fs_dir_getsize(d);
  for (i = 0; i < n && rc == WO_OK; i++) {
    const TSK_FS_NAME *nm = tsk_fs_dir_get_name(d, i);
    if (!nm || !nm->name || !strcmp(nm->name, ".") ||
        !strcmp(nm->name, ".."))
      continue;
    rc = fn(arg, nm->name, nm->meta_addr, name_type(nm->type),
            (nm->flags & TSK_FS_NAME_FLAG_ALLOC) != 0);
  }
  tsk_fs_dir_close(d);
  return rc;
}


ssize_t wo_tsk_iread(wo_src *s, uint64_t inum, void *buf, size_t n,
                     uint64_t off)
{
  tsk_src *t = as_tsk(s);
  wo_file *f;
  ssize_t r;
  int rc;
  if (!t)
    return WO_EINVAL;
  if ((rc = open_inum(t, inum, "inode", &f)) < 0)
    return rc;
  r = t_pread(f, buf, n, off);
  t_fclose(f);
  return r;
}


typedef struct unalloc_walk {
  wo_tsk_inum_fn fn;
  void *arg;
  int rc;
} unalloc_walk;


static TSK_WALK_RET_ENUM unalloc_cb(TSK_FS_FILE *f, void *arg)
{
  unalloc_walk *u = arg;
  if (!f->meta)
    return TSK_WALK_CONT;
  u->rc = u->fn(u->arg, f->meta->addr);
  return u->rc ? TSK_WALK_STOP : TSK_WALK_CONT;
}


int wo_tsk_unalloc(wo_src *s, wo_tsk_inum_fn fn, void *arg)
{
  tsk_src *t = as_tsk(s);
  unalloc_walk u = { fn, arg, 0 };
  if (!t)
    return WO_EINVAL;
  if (tsk_fs_meta_walk(t->fs, t->fs->first_inum, t->fs->last_inum - 1,
                       TSK_FS_META_FLAG_UNALLOC | TSK_FS_META_FLAG_USED,
                       unalloc_cb, &u))
    return tsk_fail(t, WO_EIO, "cannot walk inodes", "");
  return u.rc;
}


ssize_t wo_tsk_block(wo_src *s, uint64_t blk, void *buf)
{
  tsk_src *t = as_tsk(s);
  ssize_t r;
  if (!t)
    return WO_EINVAL;
  if (blk > (uint64_t)t->fs->last_block)
    return wo_src_fail(s, WO_ERANGE, "block %llu beyond the end",
                       (unsigned long long)blk);
  r = tsk_fs_read_block(t->fs, (TSK_DADDR_T)blk, buf, t->fs->block_size);
  if (r < 0)
    return tsk_fail(t, WO_EIO, "cannot read block", "");
  return r;
}


int wo_tsk_block_alloc(wo_src *s, uint64_t blk)
{
  tsk_src *t = as_tsk(s);
  int f;
  if (!t)
    return WO_EINVAL;
  if (blk > (uint64_t)t->fs->last_block)
    return WO_ERANGE;
  f = (int)t->fs->block_getflags(t->fs, (TSK_DADDR_T)blk);
  tsk_error_reset();
  return (f & TSK_FS_BLOCK_FLAG_ALLOC) ? 1 : 0;
}


ssize_t wo_tsk_fsread(wo_src *s, uint64_t off, void *buf, size_t n)
{
  tsk_src *t = as_tsk(s);
  return t ? fs_read(t, off, buf, n) : WO_EINVAL;
}


/* For jbd2.c: the raw ext4 reader and a slot for the journal scan. */
wo_ext4 *wo_tsk_ext4(wo_src *s)
{
  tsk_src *t = as_tsk(s);
  return t && t->is_ext ? &t->ext : NULL;
}


void **wo_tsk_journal_slot(wo_src *s, void (*free_fn)(void *))
{
  tsk_src *t = as_tsk(s);
  if (!t)
    return NULL;
  t->journal_free = free_fn;
  return &t->journal;
}
