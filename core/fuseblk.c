/* One read-only file over FUSE (libfuse3's high-level API), served by a
 * forked child.  Its reads go straight to wo_blk_pread; it has no write
 * operation, and the mount is read-only, so the kernel refuses writes
 * before they reach us. */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuseblk.h"

/* What the child serves (set after fork, in the child only). */
static wo_blk *served;
static char served_name[256];


static int is_file(const char *path)
{
  return path[0] == '/' && !strcmp(path + 1, served_name);
}


static int fb_getattr(const char *path, struct stat *st,
                      struct fuse_file_info *fi)
{
  memset(st, 0, sizeof *st);
  if (!strcmp(path, "/")) {
    st->st_mode = S_IFDIR | 0555;
    st->st_nlink = 2;
    return 0;
  }
  if (!is_file(path))
    return -ENOENT;
  st->st_mode = S_IFREG | 0444;
  st->st_nlink = 1;
  st->st_size = (off_t)served->size;
  return 0;
}


static int fb_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
                      off_t off, struct fuse_file_info *fi,
                      enum fuse_readdir_flags flags)
{
  if (strcmp(path, "/"))
    return -ENOENT;
  fill(buf, ".", NULL, 0, 0);
  fill(buf, "..", NULL, 0, 0);
  fill(buf, served_name, NULL, 0, 0);
  return 0;
}


static int fb_open(const char *path, struct fuse_file_info *fi)
{
  if (!is_file(path))
    return -ENOENT;
  if ((fi->flags & O_ACCMODE) != O_RDONLY)
    return -EROFS;
  fi->keep_cache = 1;   /* the bytes never change */
  return 0;
}


static int fb_read(const char *path, char *buf, size_t n, off_t off,
                   struct fuse_file_info *fi)
{
  ssize_t r;
  if (off < 0)
    return -EINVAL;
  r = wo_blk_pread(served, buf, n, (uint64_t)off);
  return r < 0 ? -EIO : (int)r;
}


static const struct fuse_operations fb_ops = {
  .getattr = fb_getattr, .readdir = fb_readdir, .open = fb_open,
  .read = fb_read,
};


/* The child: detach from the terminal and the caller's pipes, mount,
 * tell the parent (one byte on ready), serve until unmounted. */
static void child(const char *mountpoint, int ready)
{
  char *argv[] = { "whiteout-thin", "-o", "ro,fsname=whiteout-thin", NULL };
  struct fuse_args args = FUSE_ARGS_INIT(3, argv);
  struct fuse *f;
  int null = open("/dev/null", O_RDWR);
  setsid();
  signal(SIGINT, SIG_IGN);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
  }
  f = fuse_new(&args, &fb_ops, sizeof fb_ops, NULL);
  if (!f || fuse_mount(f, mountpoint) != 0)
    _exit(1);
  if (write(ready, "1", 1) != 1)
    _exit(1);
  close(ready);
  fuse_loop(f);
  fuse_unmount(f);
  fuse_destroy(f);
  _exit(0);
}


pid_t wo_fuse_serve(wo_blk *b, const char *mountpoint, const char *name,
                    char *err)
{
  int fds[2];
  char c;
  pid_t pid;
  if (!name[0] || strchr(name, '/') || strlen(name) >= sizeof served_name) {
    snprintf(err, 256, "bad file name '%s'", name);
    return -1;
  }
  if (pipe(fds) < 0 || (pid = fork()) < 0) {
    snprintf(err, 256, "cannot start the FUSE server: %s", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    served = wo_blk_ref(b);
    snprintf(served_name, sizeof served_name, "%s", name);
    child(mountpoint, fds[1]);
  }
  close(fds[1]);
  if (read(fds[0], &c, 1) != 1) {
    close(fds[0]);
    waitpid(pid, NULL, 0);
    snprintf(err, 256, "FUSE mount on '%s' failed (is /dev/fuse there?)",
             mountpoint);
    return -1;
  }
  close(fds[0]);
  return pid;
}
