/*
 * tar2ext4.h - turns tar entries into ext4 operations, as hcsshim's
 * tar2ext4.ConvertTarToExt4 does with ConvertWhiteout: missing parents are
 * made first, OCI whiteouts ".wh.NAME" become 0/0 character devices,
 * ".wh..wh..opq" marks its directory trusted.overlay.opaque=y, and tar
 * types map to ext4 mode bits (unknown types become regular files).
 */
#ifndef GATE_TAR2EXT4_H
#define GATE_TAR2EXT4_H

#include "engine/ext4.h"
#include "engine/tar.h"

#include "base/limits.h"

struct gate_tar2ext4 {
	gate_ext4 *ext4;
	char path[GATE_MAX_NAME_SIZE + 2];      /* scratch: a whiteout's target */
};

/* A handler for gate_tar_new() that drives t->ext4. */
struct gate_tar_handler gate_tar2ext4_handler(struct gate_tar2ext4 *t);

#endif
