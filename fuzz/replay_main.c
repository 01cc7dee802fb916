/* SPDX-License-Identifier: MIT */
/*
 * replay_main.c - a main() for libFuzzer targets without libFuzzer: feeds
 * files to LLVMFuzzerTestOneInput(), so seed corpora and crash reproducers
 * replay as ordinary tests under `make check`, built by gcc.
 *
 *   replay_TARGET [FILE|DIR]...
 *
 * A directory means every regular file in it (not recursive, names sorted,
 * dot-files and README* skipped). With no arguments, replays
 * $SIGNET_TEST_SRCDIR/fuzz/corpus/<FUZZ_TARGET> (FUZZ_TARGET is set when the
 * program is built, see fuzz/local.mk). A crash or abort in the target
 * fails the test; exit 99 when an input cannot be read (automake's "hard
 * error"), 0 otherwise.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a target, as with libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Larger inputs are not seeds; refuse rather than allocate without bound. */
#define INPUT_MAX (16u * 1024 * 1024)

static unsigned replayed;

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || (uintmax_t)st.st_size > INPUT_MAX) {
		fprintf(stderr, "replay: %s: not a regular file of at most %u bytes\n", path, INPUT_MAX);
		fclose(f);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	/* Exactly `size` bytes (at least one to allocate): ASan sees any over-read. */
	uint8_t *data = malloc(size ? size : 1);
	if (!data || fread(data, 1, size, f) != size) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	replayed++;
	return 0;
}

static int skip_entry(const struct dirent *d)
{
	return d->d_name[0] != '.' && strncmp(d->d_name, "README", 6) != 0;
}

static int replay_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	struct dirent **names;
	int n = scandir(path, &names, skip_entry, alphasort);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		char file[4096];
		if (snprintf(file, sizeof file, "%s/%s", path, names[i]->d_name) >= (int)sizeof file) {
			fprintf(stderr, "replay: %s/%s: path too long\n", path, names[i]->d_name);
			rc = -1;
		} else if (stat(file, &st) == 0 && S_ISREG(st.st_mode) && replay_file(file) != 0) {
			rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	int rc = 0;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_path(argv[i]) != 0)
				rc = 99;
	} else {
#ifdef FUZZ_TARGET
		const char *src = getenv("SIGNET_TEST_SRCDIR");
		if (!src || !*src) {
			fprintf(stderr, "replay: no FILE given and SIGNET_TEST_SRCDIR unset\n");
			return 99;
		}
		char dir[4096];
		snprintf(dir, sizeof dir, "%s/fuzz/corpus/%s", src, FUZZ_TARGET);
		if (replay_path(dir) != 0)
			rc = 99;
#else
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 99;
#endif
	}
	printf("replayed %u inputs\n", replayed);
	if (rc == 0 && replayed == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		rc = 99;
	}
	return rc;
}
