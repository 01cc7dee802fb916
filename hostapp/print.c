/* SPDX-License-Identifier: MIT */
/* print.c - how signet-host shows images, refusals and bundle reports, as text and as JSON. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host.h"

void host_print_refusal(FILE *to, const char *prefix, const signet_error *err)
{
	fprintf(to, "%s%s\n", prefix, signet_error_message(err));
	if (signet_error_check(err))
		fprintf(to, "  check: %s (%s)\n", signet_error_check(err), signet_code_name(signet_error_code(err)));
	if (signet_error_expected(err))
		fprintf(to, "  expected: %s\n", signet_error_expected(err));
	if (signet_error_actual(err))
		fprintf(to, "  actual: %s\n", signet_error_actual(err));
}

void host_print_image(const signet_image *img)
{
	char bid[129];
	if (signet_image_build_id_hex(img, bid, sizeof bid) == 0)
		strcpy(bid, "-");
	printf("image %llu: %s\n", (unsigned long long)signet_image_id(img), signet_image_path(img));
	printf("  base: 0x%016llx\n", (unsigned long long)signet_image_base(img));
	printf("  arrival: %s\n", signet_arrival_name(signet_image_arrival(img)));
	printf("  build-id: %s\n", bid);
	const signet_identity *id = signet_image_identity(img);
	if (!id) {
		printf("  identity: %s\n", signet_image_is_platform(img) ? "platform library" : "unsigned");
		return;
	}
	const char *team = signet_identity_team(id);
	printf("  identifier: %s\n", signet_identity_identifier(id));
	printf("  team: %s\n", team ? team : "(none)");
	printf("  cdhash: %s\n", signet_identity_cdhash_hex(id));
	printf("  signer: %s\n", signet_identity_leaf_subject(id));
	printf("  anchor: %s\n", signet_identity_anchor_subject(id));
}


static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

void host_print_bundle_info(FILE *to, const signet_bundle_info *info)
{
	fprintf(to, "bundle: %s\n", or_dash(signet_bundle_info_path(info)));
	fprintf(to, "identifier: %s\n", or_dash(signet_bundle_info_identifier(info)));
	fprintf(to, "version: %s\n", or_dash(signet_bundle_info_version(info)));
	fprintf(to, "executable: %s\n", or_dash(signet_bundle_info_executable(info)));
	fprintf(to, "principal-class: %s\n", or_dash(signet_bundle_info_principal_class(info)));
	fprintf(to, "protocols:");
	for (size_t i = 0; i < signet_bundle_info_protocol_count(info); i++)
		fprintf(to, "%s %s %u", i ? "," : "", signet_bundle_info_protocol_name(info, i),
			signet_bundle_info_protocol_version(info, i));
	fprintf(to, "%s\n", signet_bundle_info_protocol_count(info) ? "" : " -");
	fprintf(to, "host-api: %s\n", or_dash(signet_bundle_info_host_api(info)));
	for (size_t i = 0; i < signet_bundle_info_library_count(info); i++)
		fprintf(to, "library: %s\n", signet_bundle_info_library(info, i));
	fprintf(to, "team: %s\n", or_dash(signet_bundle_info_team(info)));
	fprintf(to, "signing-identifier: %s\n", or_dash(signet_bundle_info_signing_identifier(info)));
	fprintf(to, "cdhash: %s\n", or_dash(signet_bundle_info_cdhash_hex(info)));
	for (size_t i = 0; i < signet_bundle_info_dependency_count(info); i++) {
		const char *by = signet_bundle_info_dependency_needed_by(info, i);
		const char *slash = by ? strrchr(by, '/') : NULL;
		fprintf(to, "dependency: %s -> %s (%s, needed by %s)\n", signet_bundle_info_dependency_name(info, i),
			signet_bundle_info_dependency_path(info, i), signet_bundle_info_dependency_kind(info, i),
			slash ? slash + 1 : or_dash(by));
	}
	size_t n = signet_bundle_info_reason_count(info);
	fprintf(to, "verdict: %s\n", n ? "refused" : "accepted");
	for (size_t i = 0; i < n; i++)
		host_print_refusal(to, "reason: ", signet_bundle_info_reason(info, i));
}

void host_report_refusal(const signet_error *err)
{
	char prefix[64];
	snprintf(prefix, sizeof prefix, "%s: %s: refused: ", cli_program(), host_command ? host_command : "?");
	host_print_refusal(stderr, prefix, err);
}

json_t *host_json_parse(char *text)
{
	/* The library wrote it: anything but an object here is a bug, said as "out of memory" by the caller. */
	json_t *v = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
	free(text);
	return v;
}
