/* Writing copies of evidence files into the analyst's output folder,
 * never through a symlink and never over an existing file. */
#ifndef WO_EXPORT_H
#define WO_EXPORT_H

#include "ev.h"

/* Creates the folder rel (relative, "/"-separated) below the open folder
 * outfd, and the folders above it, none through a symlink; sets its
 * permission bits (at least 0700, so the export can go on).  err: 256
 * bytes.  Returns WO_OK or an error. */
int wo_export_dir(int outfd, const char *rel, uint32_t mode, char *err);

/* Copies the open evidence file f to rel below outfd (a new file: fails
 * if it exists), with mode & 0777 and the given times (ns, -1 to leave);
 * writes its sha256 (65 bytes of hex) and size.  Returns WO_OK or an
 * error with err filled. */
int wo_export_file(int outfd, const char *rel, wo_file *f, uint32_t mode,
                   int64_t atime, int64_t mtime, char *hex, uint64_t *size,
                   char *err);

/* Sets the times of rel below outfd (not following a symlink). */
int wo_export_times(int outfd, const char *rel, int64_t atime,
                    int64_t mtime, char *err);

/* Makes rel below outfd a hard link to from (a regular file copied
 * earlier below outfd), neither through a symlink; rel must not exist.
 * Returns WO_OK or an error with err filled. */
int wo_export_link(int outfd, const char *from, const char *rel, char *err);

#endif
