/* Copies evidence files into a folder of the analyst's choosing, safely:
 * every folder on the way is opened without following symlinks, files
 * are created new (never over an existing one), set-id bits dropped. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "export.h"

#define CHUNK (1 << 20)


static int fail(char *err, const char *what, const char *rel)
{
  int e = errno;
  snprintf(err, 256, "%s '%s': %s", what, rel, strerror(e));
  return e == ENOMEM ? WO_ENOMEM : e == EEXIST ? WO_EINVAL : WO_EIO;
}


/* Opens (creating with 0700 when absent) each folder of the first n
 * bytes of rel below dirfd; never follows a symlink.  Returns an fd. */
static int open_dirs(int dirfd, const char *rel, size_t n, char *err)
{
  char comp[256];
  int fd = dup(dirfd);
  size_t i = 0;
  while (fd >= 0 && i < n) {
    size_t len = strcspn(rel + i, "/");
    if (len > n - i)
      len = n - i;
    if (len == 0 || len >= sizeof comp) {
      i += len + 1;
      continue;
    }
    memcpy(comp, rel + i, len);
    comp[len] = '\0';
    if (!strcmp(comp, ".") || !strcmp(comp, "..")) {
      close(fd);
      errno = EINVAL;
      fail(err, "refusing the path", rel);
      return -1;
    }
    if (mkdirat(fd, comp, 0700) < 0 && errno != EEXIST) {
      close(fd);
      fail(err, "cannot create folder", rel);
      return -1;
    }
    int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                      O_CLOEXEC);
    close(fd);
    if (next < 0) {
      fail(err, "cannot open folder (a symlink?)", rel);
      return -1;
    }
    fd = next;
    i += len + 1;
  }
  return fd;
}


int wo_export_dir(int outfd, const char *rel, uint32_t mode, char *err)
{
  int fd = open_dirs(outfd, rel, strlen(rel), err);
  if (fd < 0)
    return WO_EIO;
  if (fchmod(fd, (mode & 0777) | 0700) < 0) {
    int rc = fail(err, "cannot set the mode of", rel);
    close(fd);
    return rc;
  }
  close(fd);
  return WO_OK;
}


static void to_ts(struct timespec *t, int64_t ns)
{
  if (ns < 0) {
    t->tv_sec = 0;
    t->tv_nsec = UTIME_OMIT;
    return;
  }
  t->tv_sec = (time_t)(ns / 1000000000);
  t->tv_nsec = (long)(ns % 1000000000);
}


/* Folders only: the times of files are set as they are written. */
int wo_export_times(int outfd, const char *rel, int64_t atime,
                    int64_t mtime, char *err)
{
  struct timespec ts[2];
  int fd = open_dirs(outfd, rel, strlen(rel), err), rc = WO_OK;
  if (fd < 0)
    return WO_EIO;
  to_ts(&ts[0], atime);
  to_ts(&ts[1], mtime);
  if (futimens(fd, ts) < 0)
    rc = fail(err, "cannot set the times of", rel);
  close(fd);
  return rc;
}


/* Copies f into fd, hashing what it writes. */
static int copy_data(wo_file *f, int fd, char *hex, uint64_t *size,
                     char *err, const char *rel)
{
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned mdlen = 0;
  char *buf = malloc(CHUNK);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  uint64_t off = 0;
  ssize_t n = 0;
  int rc = WO_OK;
  if (!buf || !ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL))
    rc = WO_ENOMEM;
  while (rc == WO_OK && (n = wo_pread(f, buf, CHUNK, off)) > 0) {
    EVP_DigestUpdate(ctx, buf, (size_t)n);
    for (ssize_t w = 0, k; w < n; w += k)
      if ((k = write(fd, buf + w, (size_t)(n - w))) < 0) {
        rc = fail(err, "cannot write", rel);
        break;
      }
    off += (uint64_t)n;
  }
  if (rc == WO_OK && n < 0) {
    rc = (int)n;
    snprintf(err, 256, "cannot read the evidence for '%.100s': %.120s",
             rel, f->src->err);
  }
  if (rc == WO_OK && EVP_DigestFinal_ex(ctx, md, &mdlen))
    for (unsigned i = 0; i < mdlen; i++)
      snprintf(hex + 2 * i, 3, "%02x", md[i]);
  EVP_MD_CTX_free(ctx);
  free(buf);
  *size = off;
  return rc;
}


int wo_export_file(int outfd, const char *rel, wo_file *f, uint32_t mode,
                   int64_t atime, int64_t mtime, char *hex, uint64_t *size,
                   char *err)
{
  const char *slash = strrchr(rel, '/');
  const char *name = slash ? slash + 1 : rel;
  struct timespec ts[2];
  int dfd = open_dirs(outfd, rel, slash ? (size_t)(slash - rel) : 0, err);
  int fd, rc;
  if (dfd < 0)
    return WO_EIO;
  if (!name[0] || !strcmp(name, ".") || !strcmp(name, "..")) {
    close(dfd);
    snprintf(err, 256, "refusing the path '%.200s'", rel);
    return WO_EINVAL;
  }
  fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
              O_CLOEXEC, 0600);
  close(dfd);
  if (fd < 0)
    return fail(err, "cannot create", rel);
  rc = copy_data(f, fd, hex, size, err, rel);
  to_ts(&ts[0], atime);
  to_ts(&ts[1], mtime);
  /* no set-id bits on the analyst's machine */
  if (rc == WO_OK && (fchmod(fd, mode & 0777) < 0 ||
                      futimens(fd, ts) < 0))
    rc = fail(err, "cannot set the mode or times of", rel);
  close(fd);
  return rc;
}


/* Opens the folder holding rel's last component; *name points to it. */
static int open_parent(int outfd, const char *rel, const char **name,
                       char *err)
{
  const char *slash = strrchr(rel, '/');
  *name = slash ? slash + 1 : rel;
  if (!(*name)[0] || !strcmp(*name, ".") || !strcmp(*name, "..")) {
    snprintf(err, 256, "refusing the path '%.200s'", rel);
    errno = EINVAL;
    return -1;
  }
  return open_dirs(outfd, rel, slash ? (size_t)(slash - rel) : 0, err);
}


int wo_export_link(int outfd, const char *from, const char *rel, char *err)
{
  const char *fname, *name;
  int ffd = open_parent(outfd, from, &fname, err), dfd, rc = WO_OK;
  struct stat st;
  if (ffd < 0)
    return WO_EINVAL;
  /* only a regular file this export wrote: never a symlink */
  if (fstatat(ffd, fname, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
      !S_ISREG(st.st_mode)) {
    if (!errno || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode))
      errno = EINVAL;
    rc = fail(err, "not a copied file", from);
    close(ffd);
    return rc;
  }
  dfd = open_parent(outfd, rel, &name, err);
  if (dfd < 0) {
    close(ffd);
    return WO_EINVAL;
  }
  if (linkat(ffd, fname, dfd, name, 0) < 0)
    rc = fail(err, "cannot link", rel);
  close(ffd);
  close(dfd);
  return rc;
}
