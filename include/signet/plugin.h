/* SPDX-License-Identifier: MIT */
/*
 * signet/plugin.h - what a plugin exports: its principal class descriptor.
 *
 * This is the only Signet header a plugin needs, and it needs no library:
 * a plugin defines one const `signet_class` under the name its manifest
 * gives as `principal_class`, and the host finds it, validates it and
 * calls its methods (docs/plugins.md). After NSBundle's principalClass,
 * without an Objective-C runtime: the class is plain data.
 *
 *   struct upper { char *out; };
 *   static const char *upper_filter(void *self, const char *text) { ... }
 *   static const signet_method upper_methods[] = {
 *       SIGNET_METHOD("filter", "**", upper_filter),
 *   };
 *   static const signet_protocol_ref upper_protocols[] = { { "Filter", 1 } };
 *   SIGNET_CLASS(UpperFilter, struct upper, NULL, upper_fini,
 *                upper_protocols, upper_methods);
 *
 * Methods. Every method is a C function whose first parameter is the
 * instance (`void *self`: instance_size bytes, zeroed, then `init`), followed
 * by the parameters its type encoding lists. The encoding is the return
 * type's letter, then one letter per parameter:
 *
 *   letter  C type                       as a return   as a parameter
 *   v       void                         yes           no
 *   i       int32_t                      yes           yes
 *   q       int64_t                      yes           yes
 *   Q       uint64_t                     yes           yes
 *   d       double                       yes           yes
 *   B       bool                         yes           yes
 *   *       const char * (NUL-terminated) yes (1)      yes
 *   ^       void *                       yes           yes
 *   @       void * (another instance)    no            yes
 *   b       const void *, size_t (2)     no            yes
 *
 *   (1) a returned string stays owned by the plugin; the host copies it
 *       before its next call on that instance.
 *   (2) a buffer is two C parameters: its bytes and their length.
 *
 * At most SIGNET_MAX_METHOD_ARGS letters after the return type.
 *
 * Lifetime: the descriptor and everything it points to must be constant
 * data of the plugin's own image (the host refuses a pointer anywhere
 * else). Thread-safety of methods is the plugin's business; the host calls
 * one instance from one thread at a time unless the plugin documents more.
 */
#ifndef SIGNET_PLUGIN_H
#define SIGNET_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define SIGNET_CLASS_MAGIC 0x5347434cu /* "SGCL" */
#define SIGNET_CLASS_VERSION 1u
#define SIGNET_MAX_METHOD_ARGS 16u

/* Any function; the encoding says what it really is. */
typedef void (*signet_imp)(void);

typedef struct signet_method {
	const char *name;   /* a C identifier, unique within the class */
	const char *types;  /* the type encoding (above) */
	signet_imp function;
} signet_method;

/* A protocol the class adopts: a name and the version it implements. */
typedef struct signet_protocol_ref {
	const char *name;
	uint32_t version;
} signet_protocol_ref;

typedef struct signet_class {
	uint32_t magic;          /* SIGNET_CLASS_MAGIC */
	uint32_t version;        /* SIGNET_CLASS_VERSION */
	uint32_t size;           /* sizeof(signet_class) as the plugin was built */
	uint32_t method_size;    /* sizeof(signet_method) as the plugin was built */
	const char *name;        /* the class name: the exported symbol's name */
	uint64_t instance_size;  /* bytes of instance state (0 is allowed) */
	int (*init)(void *self); /* optional: 0 on success */
	void (*fini)(void *self);/* optional */
	const signet_protocol_ref *protocols;
	uint32_t nprotocols;
	uint32_t nmethods;
	const signet_method *methods;
} signet_class;

#ifdef __cplusplus
#  define SIGNET_PLUGIN_EXTERN extern "C"
#else
#  define SIGNET_PLUGIN_EXTERN
#endif

/* One method table entry. */
#define SIGNET_METHOD(name, types, fn) { (name), (types), (signet_imp)(fn) }

#define SIGNET_COUNTOF_(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/*
 * Defines and exports the class `symbol` (which is also its name). `state`
 * is the instance's type; `protocols` and `methods` are arrays (not
 * pointers); `init` and `fini` may be NULL.
 */
#define SIGNET_CLASS(symbol, state, init, fini, protocols, methods) \
	SIGNET_PLUGIN_EXTERN __attribute__((visibility("default"))) const signet_class symbol = { \
		SIGNET_CLASS_MAGIC, SIGNET_CLASS_VERSION, (uint32_t)sizeof(signet_class), \
		(uint32_t)sizeof(signet_method), #symbol, (uint64_t)sizeof(state), (init), (fini), \
		(protocols), SIGNET_COUNTOF_(protocols), SIGNET_COUNTOF_(methods), (methods) }

/* The same for a class that adopts no protocol (C has no empty arrays). */
#define SIGNET_CLASS_NO_PROTOCOLS(symbol, state, init, fini, methods) \
	SIGNET_PLUGIN_EXTERN __attribute__((visibility("default"))) const signet_class symbol = { \
		SIGNET_CLASS_MAGIC, SIGNET_CLASS_VERSION, (uint32_t)sizeof(signet_class), \
		(uint32_t)sizeof(signet_method), #symbol, (uint64_t)sizeof(state), (init), (fini), \
		NULL, 0, SIGNET_COUNTOF_(methods), (methods) }

#endif /* SIGNET_PLUGIN_H */
