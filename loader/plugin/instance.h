/* SPDX-License-Identifier: MIT */
/*
 * instance.h - an instance of a guest's principal class, as the library
 * sees it: the instance memory the plugin's methods receive as `self`, and
 * the guest and class it belongs to. Created and destroyed by the guest
 * layer (loader/guest); the invoke layer only reads `self`.
 */
#ifndef SIGNET_PLUGIN_INSTANCE_H
#define SIGNET_PLUGIN_INSTANCE_H

#include <signet/plugin.h>
#include <signet/value.h>

struct sg_guest;

struct signet_instance {
	void *self;              /* instance_size bytes (at least one), zeroed, then init */
	struct sg_guest *guest;  /* holds a reference while the instance lives */
	const signet_class *cls; /* validated; inside the guest's image */
};

static inline void *sg_instance_self(const signet_instance *inst)
{
	return inst->self;
}

#endif /* SIGNET_PLUGIN_INSTANCE_H */
