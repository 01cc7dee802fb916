/* SPDX-License-Identifier: MIT */
/* commands.h - the verbs of the `signet` tool, one file each. */
#ifndef SIGNET_SIGNING_COMMANDS_H
#define SIGNET_SIGNING_COMMANDS_H

/*
 * Exit codes, codesign's: 0 valid/success, 1 invalid (refused, failed),
 * 2 usage error, 3 requirement not met. Documented in docs/signet.md.
 */
enum signet_exit {
	SIGNET_EXIT_OK = 0,
	SIGNET_EXIT_INVALID = 1,
	SIGNET_EXIT_USAGE = 2,
	SIGNET_EXIT_UNMET = 3
};

/* Each verb gets argv with argv[0] = the verb's name. */
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_display(int argc, char **argv);
int cmd_req(int argc, char **argv);
int cmd_ca(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_trust_bundle(int argc, char **argv);

#endif /* SIGNET_SIGNING_COMMANDS_H */
