/* SPDX-License-Identifier: MIT */
/*
 * namespace.h - which link-map namespace this copy of libsignet lives in.
 *
 * An LD_AUDIT module (libsignet-audit.so) and dlmopen() load their own
 * copy of libsignet into a namespace of its own. dl_iterate_phdr() there
 * sees only that namespace, so such a copy must not record or log "the
 * process": the audit module reports the program's images itself.
 * Thread-safe; the answer is computed once.
 */
#ifndef SIGNET_CORE_NAMESPACE_H
#define SIGNET_CORE_NAMESPACE_H

#include <stdbool.h>

/* True when libsignet was loaded into the program's own (base) namespace. */
bool sg_in_base_namespace(void);

#endif /* SIGNET_CORE_NAMESPACE_H */
