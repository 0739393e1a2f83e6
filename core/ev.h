/* The one evidence interface: every byte whiteout reads comes through a
 * wo_src, whatever holds it (a directory, an image, a layer union). */
#ifndef WO_EV_H
#define WO_EV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Error codes: negative returns from every call below. */
enum {
  WO_OK = 0,
  WO_ENOENT = -1,    /* no such entry */
  WO_ENOTDIR = -2,   /* a path component is not a directory */
  WO_EIO = -3,       /* the backend could not read */
  WO_ECORRUPT = -4,  /* the evidence contradicts its own format */
  WO_ELOOP = -5,     /* too many symlinks, or a cycle */
  WO_EUNSUP = -6,    /* a valid construct this backend cannot serve */
  WO_ERANGE = -7,    /* a size or count beyond what we accept */
  WO_EINVAL = -8,    /* the caller asked for something meaningless */
  WO_ENOMEM = -9,
  WO_EACCES = -10,   /* the analyst's machine refused (permissions) */
  WO_ENODATA = -11   /* no such extended attribute */
};

/* File types, as in the mode's S_IFMT bits but backend-neutral. */
enum {
  WO_T_UNKNOWN, WO_T_REG, WO_T_DIR, WO_T_LNK, WO_T_CHR, WO_T_BLK,
  WO_T_FIFO, WO_T_SOCK
};

/* The WO_T_* of a mode's S_IFMT bits (POSIX values, as ext4 and XFS
 * also store them on disk). */
int wo_type_of_mode(uint32_t mode);

/* A string's FNV-1a hash, for the path tables of sources and views. */
uint64_t wo_hash_str(const char *s);

/* Times are nanoseconds since the epoch; -1 when the backend lacks one. */
typedef struct wo_stat {
  uint64_t ino;
  uint64_t size;
  uint64_t nlink;
  uint32_t mode;      /* permission bits and S_IFMT type bits */
  uint32_t uid, gid;
  int type;           /* WO_T_* */
  uint32_t rdev_major, rdev_minor;
  uint64_t dev;       /* the backend's device number, 0 if none */
  int64_t atime, mtime, ctime, btime;
} wo_stat;

typedef struct wo_file wo_file;
typedef struct wo_src wo_src;

/* Called once per directory entry; a non-zero return stops the walk and
 * becomes readdir's return.  type is WO_T_* or WO_T_UNKNOWN. */
typedef int (*wo_dirent_fn)(void *arg, const char *name, int type,
                            uint64_t ino);

/* A backend.  Paths given to ops are canonical: relative to the source's
 * root, no leading slash, "" for the root, no "." or ".." and no symlink
 * in any but (perhaps) the last component.  wo_resolve makes them. */
typedef struct wo_src_ops {
  const char *kind;
  int (*lstat)(wo_src *s, const char *path, wo_stat *st);
  int (*readdir)(wo_src *s, const char *path, wo_dirent_fn fn, void *arg);
  int (*open)(wo_src *s, const char *path, wo_file **f);
  ssize_t (*pread)(wo_file *f, void *buf, size_t n, uint64_t off);
  void (*fclose)(wo_file *f);
  ssize_t (*readlink)(wo_src *s, const char *path, char *buf, size_t n);
  /* NUL-separated names, as listxattr(2); 0 when the backend has none */
  ssize_t (*listxattr)(wo_src *s, const char *path, char *buf, size_t n);
  ssize_t (*getxattr)(wo_src *s, const char *path, const char *name,
                      void *buf, size_t n);
  void (*destroy)(wo_src *s);
} wo_src_ops;

struct wo_src {
  const wo_src_ops *ops;
  int refs;
  char err[256];      /* detail of the last failure, for messages */
};

struct wo_file {
  wo_src *src;        /* owner; kept alive by a reference */
};

/* Reference counting: sources are shared by views built over them. */
wo_src *wo_src_ref(wo_src *s);
void wo_src_unref(wo_src *s);

/* Short stable name for an error code ("ENOENT", "CORRUPT", ...). */
const char *wo_strerror_code(int code);
/* Records detail for the next message; returns code. */
int wo_src_fail(wo_src *s, int code, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Thin wrappers that check arguments and call the ops. */
int wo_lstat(wo_src *s, const char *path, wo_stat *st);
int wo_readdir(wo_src *s, const char *path, wo_dirent_fn fn, void *arg);
int wo_open(wo_src *s, const char *path, wo_file **f);
ssize_t wo_pread(wo_file *f, void *buf, size_t n, uint64_t off);
void wo_fclose(wo_file *f);
ssize_t wo_readlink(wo_src *s, const char *path, char *buf, size_t n);
ssize_t wo_listxattr(wo_src *s, const char *path, char *buf, size_t n);
ssize_t wo_getxattr(wo_src *s, const char *path, const char *name,
                    void *buf, size_t n);

/* The most symlinks one resolution follows, as the kernel's MAXSYMLINKS. */
#define WO_MAX_SYMLINKS 40
/* The longest path we build. */
#define WO_PATH_MAX 4096

/* Resolves path (absolute or relative to the source's root) inside the
 * source: ".." stops at the root, symlinks are read and followed inside
 * the source (absolute targets restart at its root).  follow says
 * whether a symlink in the last component is followed.  Writes the
 * canonical path into out (WO_PATH_MAX bytes).  Returns WO_OK or an
 * error; never touches anything outside the source. */
int wo_resolve(wo_src *s, const char *path, int follow, char *out);

/* The directory backend: a read-only source over a folder of the
 * analyst's machine (a copied data root, a mounted host).  Returns NULL
 * and fills err (256 bytes) when root cannot be opened. */
wo_src *wo_dir_open(const char *root, char *err);

/* A source that shows the subtree at canonical path of base as its
 * root (chroot): symlinks in it then resolve inside that subtree. */
wo_src *wo_sub_open(wo_src *base, const char *path);

#endif
