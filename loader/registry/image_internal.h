/* SPDX-License-Identifier: MIT */
/*
 * image_internal.h - the one private image record.
 *
 * Registry, loader and guest hosting all point at this record; no module
 * keeps a second copy of these facts. Fields under "immutable" are written
 * once (by sg_image_new() and the owner's claim) before the record is
 * published and never again. Fields under "registry state" belong to
 * registry.c/observers.c and are only touched with the registry lock held.
 * What an owner keeps about its image (the loader: load count, dlopen()
 * handle, dependencies, memfd) is behind `loaded`, the owner's alone.
 */
#ifndef SIGNET_IMAGE_INTERNAL_H
#define SIGNET_IMAGE_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <link.h>

#include <signet/image.h>
#include <signet/signature.h>

#include "core/array.h"

/* Build-ids are 20 bytes (SHA-1) in practice; anything over this is ignored. */
#define SG_BUILD_ID_MAX 64

/* Identity of a live mapping, as dl_iterate_phdr() reports it. */
typedef struct sg_image_key {
	uintptr_t base;       /* dlpi_addr == link_map::l_addr */
	const char *name_ptr; /* dlpi_name == link_map::l_name (pointer identity) */
} sg_image_key;

typedef enum sg_image_state {
	SG_IMAGE_ADDING,   /* in the list; add callbacks still running */
	SG_IMAGE_LIVE,     /* in the list; all add callbacks done */
	SG_IMAGE_REMOVING, /* remove decided; callbacks pending or running */
	SG_IMAGE_GONE      /* unlinked from the list; only references keep it */
} sg_image_state;

/*
 * What the owner of an image (the loader, for the images it loaded) keeps
 * on the record. The registry never looks inside: it only hands the state
 * back through the hooks, so it depends on nobody above it.
 */
struct sg_loaded;
typedef struct sg_image_hooks {
	/*
	 * The remove callbacks have run: undo the mapping and take the record
	 * out of the list (sg_registry_unlink()). Called once, with no lock held.
	 */
	void (*finish_removal)(signet_image *image);
	/* The record is being freed: free `state`. */
	void (*free_state)(struct sg_loaded *state);
} sg_image_hooks;

/*
 * What the file of an image nobody verified at load (the main program,
 * startup and foreign images) says about its signature: computed on the
 * first signet_image_signature() for the record (load/signature.c), never
 * before, so a process that never asks never pays for it.
 */
typedef struct sg_file_signature {
	signet_signature_status status;
	signet_identity *identity; /* VERIFIED only */
	signet_error *why;         /* INVALID only */
} sg_file_signature;

struct signet_image {
	atomic_uint refs;

	/* immutable */
	uint64_t id;
	sg_image_key key;
	signet_arrival arrival;
	char *path;
	char *soname;
	size_t nsegments;
	signet_segment *segments;
	size_t build_id_len;
	uint8_t build_id[SG_BUILD_ID_MAX];
	/* Set from the owner's claim before the record is published. */
	signet_identity *identity;   /* verified signature, owned; NULL when unsigned */
	bool platform;               /* an unsigned library the policy accepted as a platform library */
	const sg_image_hooks *hooks; /* NULL for images nobody claimed */
	struct sg_loaded *loaded;    /* the owner's state, opaque here; NULL with no hooks */

	/*
	 * Computed lazily, without a lock: NULL until the first caller's
	 * answer is published by compare-and-swap (sg_image_publish_signature);
	 * set at most once, immutable after, freed with the record. A thread
	 * that loses the race frees its own answer and takes the winner's.
	 */
	_Atomic(sg_file_signature *) file_signature;

	/* registry state (registry lock) */
	sg_image_state state;
	bool linked;              /* in the registry list (which holds one reference) */
	atomic_bool mapped;       /* read without the lock by signet_image_is_mapped() */
	unsigned add_inflight;    /* add callbacks running, including replays */
	bool remove_pending;      /* last add deliverer must run the remove */
	SG_ARRAY(uint64_t) told;  /* tokens of observers that were given add() */
};

/* What discovery reads from one dl_iterate_phdr() entry. */
typedef struct sg_image_facts {
	sg_image_key key;
	const char *path;   /* may be NULL/"" for the main program */
	const ElfW(Phdr) *phdr;
	size_t phnum;
} sg_image_facts;

/* What an owner (the loader) attaches to the record of an image it mapped. */
typedef struct sg_claim {
	sg_image_key key;
	const char *path;            /* the original path (never /proc/.../fd/N) */
	signet_identity *identity;   /* moves into the record */
	bool platform;
	const sg_image_hooks *hooks;
	struct sg_loaded *loaded;    /* moves into the record */
} sg_claim;

/*
 * Builds a record from a live mapping (refs = 1, state ADDING). Reads the
 * soname and build-id from the mapped image, touching only readable PT_LOAD
 * memory. Returns NULL when out of memory.
 */
signet_image *sg_image_new(const sg_image_facts *facts, signet_arrival arrival, const char *path_override);

/*
 * The build-id, in lowercase hex, of an object mapped at `base` with these
 * program headers (read from memory as sg_image_new() reads it); "" and 0
 * when it has none. For the audit module, whose images have no record.
 */
size_t sg_mapped_build_id_hex(uintptr_t base, const ElfW(Phdr) *phdr, size_t phnum, char *hex,
	size_t size);

/* Address of a NUL-terminated string inside readable PT_LOAD memory, or NULL. */
const char *sg_image_mapped_string(const signet_image *image, uintptr_t address, size_t max_len);

/* Reads DT_SONAME/DT_NEEDED from a live mapping. `cb` gets each DT_NEEDED. */
void sg_image_for_each_needed(const sg_image_facts *facts,
	void (*cb)(const char *needed, void *payload), void *payload);

/*
 * Publishes `sig` (the caller's) as the record's file signature unless
 * another thread published first; returns the one that stands (the other
 * is freed). Thread-safe.
 */
const sg_file_signature *sg_image_publish_signature(signet_image *image, sg_file_signature *sig);
void sg_file_signature_free(sg_file_signature *sig);

/* True when `name` equals the soname or the last path component of `image`. */
bool sg_image_matches_short_name(const signet_image *image, const char *name);

#endif /* SIGNET_IMAGE_INTERNAL_H */
