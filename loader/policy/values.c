/* SPDX-License-Identifier: MIT */
/* values.c - checking and normalizing policy values, and the lists holding them. */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "codesign/codedirectory.h"
#include "codesign/format.h"
#include "core/error_internal.h"
#include "policy/policy_internal.h"

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool sg_policy_parse_hash(const char *text, uint8_t out[SG_POLICY_HASH_SIZE])
{
	if (!text || strlen(text) != 2 * SG_POLICY_HASH_SIZE)
		return false;
	for (size_t i = 0; i < SG_POLICY_HASH_SIZE; i++) {
		int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/*
 * Serials are compared as numbers written in hex: upper case, leading zeros
 * dropped. OpenSSL prints whole bytes ("0A1B"), people often drop the zero
 * ("A1B"), and either must name the same certificate, or a deny entry could
 * silently miss.
 */
bool sg_policy_normalize_serial(const char *text, char *out)
{
	if (!text)
		return false;
	size_t n = strlen(text);
	if (n == 0 || n > SG_POLICY_MAX_SERIAL_HEX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (hex_value(text[i]) < 0)
			return false;
	size_t start = 0;
	while (start + 1 < n && text[start] == '0')
		start++;
	size_t j = 0;
	for (size_t i = start; i < n; i++) {
		char c = text[i];
		out[j++] = (c >= 'a' && c <= 'f') ? (char)(c - 'a' + 'A') : c;
	}
	out[j] = '\0';
	return true;
}

bool sg_policy_valid_identifier(const char *text)
{
	/* The signer's own rule, so any identifier that can be signed can be listed. */
	return text && sg_cd_valid_name(text, SG_MAX_IDENTIFIER);
}

bool sg_policy_valid_soname(const char *text)
{
	if (!text || !*text || strchr(text, '/') || strcmp(text, ".") == 0 || strcmp(text, "..") == 0)
		return false;
	return strlen(text) <= SG_POLICY_MAX_SONAME;
}

bool sg_policy_valid_directory(const char *text)
{
	return text && text[0] == '/' && strlen(text) < PATH_MAX;
}

bool sg_policy_valid_normalized_directory(const char *text)
{
	if (!sg_policy_valid_directory(text))
		return false;
	if (strcmp(text, "/") == 0)
		return true;
	/* Each component after a '/': not empty ("//", a trailing '/'), not "." nor "..". */
	for (const char *c = text; *c; ) {
		c++; /* past the '/' */
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += len;
	}
	return true;
}

int sg_strings_add(sg_strings *l, const char *s, size_t max, signet_error **err)
{
	if (l->n >= max)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "policy.setting" },
			"a policy list may hold at most %zu entries", max);
	char *copy = strdup(s);
	if (!copy || sg_array_push(l, copy) != 0) {
		free(copy);
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory growing a policy list");
	}
	return 0;
}

int sg_hashes_add(sg_hashes *l, const uint8_t h[SG_POLICY_HASH_SIZE], size_t max, signet_error **err)
{
	if (l->n >= max)
		return sg_fail(err, &(sg_error_info){ .code = SIGNET_E_LIMIT, .check = "policy.setting" },
			"a policy list may hold at most %zu entries", max);
	if (sg_array_reserve(l, 1) != 0)
		return sg_fail_code(err, SIGNET_E_NOMEM, "out of memory growing a policy list");
	memcpy(l->items[l->n++], h, SG_POLICY_HASH_SIZE);
	return 0;
}

bool sg_strings_contains(const sg_strings *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

bool sg_hashes_contains(const sg_hashes *l, const uint8_t h[SG_POLICY_HASH_SIZE])
{
	for (size_t i = 0; i < l->n; i++)
		if (memcmp(l->items[i], h, SG_POLICY_HASH_SIZE) == 0)
			return true;
	return false;
}

void sg_strings_clear(sg_strings *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	*l = (sg_strings){ 0 };
}

void sg_hashes_clear(sg_hashes *l)
{
	free(l->items);
	*l = (sg_hashes){ 0 };
}
