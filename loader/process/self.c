/* SPDX-License-Identifier: MIT */
/*
 * self.c - the signature of one image of this very process, judged from
 * the file it was mapped from: what signet_image_signature() reports for
 * the main program and the libraries ld.so mapped without Signet.
 *
 * The same verification as the process inspector's (inspect.c verifies a
 * process's main executable the same way, through /proc/PID/exe) and the
 * same format code (codesign/): every page hash against the file's bytes,
 * the CMS chain to the anchors of the policy given (the process default,
 * for the registry). Nothing here knows the registry or the loader.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "codesign/identity_internal.h"
#include "core/error_internal.h"
#include "core/file.h"
#include "elf/elf_image.h"
#include "policy/policy_internal.h"
#include "process/process_internal.h"

/* An invalid signature's reason: check "process.image", naming the file. */
__attribute__((format(printf, 5, 6)))
static signet_signature_status invalid(signet_error **why, const char *path, signet_error *cause, int code,
	const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sg_fail_v(why, &(sg_error_info){ .code = code, .path = path, .check = "process.image", .cause = cause },
		fmt, ap);
	va_end(ap);
	return SIGNET_SIGNATURE_INVALID;
}

/*
 * Is `fd` the file this process has mapped at `address`? A library is found
 * by the path ld.so recorded, which may name another file by now (replaced,
 * or deleted and recreated): judged by device and inode against the
 * mapping in /proc/self/maps, never by name (mappings.c does the same).
 */
static int is_mapped_file(int fd, uintptr_t address, const char *path, signet_error **why)
{
	uint8_t *text = NULL;
	size_t len = 0;
	signet_error *e = NULL;
	int rc = sg_file_read(&text, &len, "/proc/self/maps", SG_MAPS_MAX_BYTES, "process.maps", &e);
	sg_mappings maps = { 0 };
	if (!rc)
		rc = sg_maps_parse(&maps, (const char *)text, len, SG_MAPS_MAX_MAPPINGS, "/proc/self/maps", &e);
	if (rc) {
		free(text);
		invalid(why, path, e, rc, "cannot tell whether it is the file mapped: %s", sg_error_reason(e));
		return rc;
	}
	const sg_mapping *m = NULL;
	for (size_t i = 0; i < maps.n && !m; i++)
		if (address >= maps.items[i].start && address < maps.items[i].end)
			m = &maps.items[i];
	struct stat st;
	rc = 0;
	if (!m || m->inode == 0) {
		invalid(why, path, NULL, SIGNET_E_PROCESS_INVALID, "no file is mapped at 0x%" PRIxPTR
			" (no longer loaded?)", address);
		rc = SIGNET_E_PROCESS_INVALID;
	} else if (sg_mapping_path_starts(m, SG_PROCESS_SNAPSHOT_PREFIX)) {
		/* A snapshot Signet unloaded while another dlopen() kept it: its bytes were
		 * verified at load, but nothing holds them to check again, and the path's
		 * file is not what runs. */
		invalid(why, path, NULL, SIGNET_E_PROCESS_INVALID, "mapped from a Signet snapshot that Signet "
			"no longer holds (unloaded by Signet, kept mapped by another dlopen())");
		rc = SIGNET_E_PROCESS_INVALID;
	} else if (fstat(fd, &st) != 0 || major(st.st_dev) != m->dev_major || minor(st.st_dev) != m->dev_minor ||
	           st.st_ino != m->inode) {
		invalid(why, path, NULL, SIGNET_E_PROCESS_INVALID, "the file at this path is not the one "
			"mapped (replaced or deleted since it was loaded)");
		rc = SIGNET_E_PROCESS_INVALID;
	}
	sg_array_clear(&maps);
	free(text); /* after the mappings: their paths point into it */
	return rc;
}

signet_signature_status sg_process_image_signature(signet_identity **identity, signet_error **why,
	const char *path, uintptr_t address, bool main_program, const signet_policy *policy)
{
	*identity = NULL;
	*why = NULL;
	/* The main program through the magic link: the inode that runs, whatever its path names now. */
	const char *open_path = main_program ? "/proc/self/exe" : path;
	/*
	 * A relative name (a relative LD_PRELOAD) is opened against today's
	 * working directory: the device and inode check below tells whether
	 * that is still the file mapped.
	 */
	if (!main_program && !path[0])
		return invalid(why, NULL, NULL, SIGNET_E_PROCESS_INVALID, "ld.so recorded no name for it: "
			"which file was mapped cannot be told");
	int fd = -1;
	uint64_t size = 0;
	signet_error *e = NULL;
	int rc = sg_file_open(&fd, &size, open_path, SG_MAX_FILE_SIZE, "process.image", &e);
	if (rc)
		return invalid(why, path, e, rc, "cannot be read: %s", sg_error_reason(e));
	if (!main_program && is_mapped_file(fd, address, path, why) != 0) {
		close(fd);
		return SIGNET_SIGNATURE_INVALID;
	}
	sg_mapped_file file;
	rc = sg_mapped_file_from_fd(&file, fd, size, path, &e);
	close(fd);
	if (rc)
		return invalid(why, path, e, rc, "cannot be read: %s", sg_error_reason(e));
	/* Unsigned is not a failure: most of a process (libc) is. */
	sg_elf_layout layout;
	rc = sg_elf_layout_read(&layout, file.bytes, file.length, path, &e);
	signet_signature_status status;
	if (rc) {
		status = invalid(why, path, e, rc, "not a valid ELF file: %s", sg_error_reason(e));
	} else if (!layout.has_signature) {
		status = SIGNET_SIGNATURE_UNSIGNED;
	} else if (!policy || !sg_policy_trust(policy)) {
		status = invalid(why, path, NULL, SIGNET_E_POLICY_INVALID, "signed, but the process default policy "
			"has no trust anchors to verify it against ($SIGNET_POLICY, $SIGNET_ANCHORS, "
			SIGNET_CONFDIR "/anchors)");
	} else {
		signet_verify_options opts;
		sg_policy_verify_options(policy, &opts);
		rc = signet_verify_bytes(identity, file.bytes, file.length, path, sg_policy_trust(policy), &opts, &e);
		status = rc ? invalid(why, path, e, rc, "signed, but does not verify: %s", sg_error_reason(e))
			: SIGNET_SIGNATURE_VERIFIED;
	}
	sg_mapped_file_close(&file);
	return status;
}
