/* SPDX-License-Identifier: MIT */
/* quote.h - untrusted bytes made safe to show in a one-line message. Pure. */
#ifndef SIGNET_QUOTE_H
#define SIGNET_QUOTE_H

#include "core/export.h"

#include <stddef.h>

/*
 * Writes `s` to `dst` (`size` bytes, always NUL-terminated) as printable
 * ASCII, every other byte (and '\\' and '"') as \xNN, cut after `max`
 * input bytes with "...": a plugin's or a user's bytes may be anything.
 */
SG_PRIVATE void sg_quote(char *dst, size_t size, const char *s, size_t max);

#endif /* SIGNET_QUOTE_H */
