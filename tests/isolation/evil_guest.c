/* SPDX-License-Identifier: MIT */
/*
 * evil_guest.c - guest helpers that are the helper in name only: signed
 * as org.signet.guest by the sample team (so a host starts them), each
 * misbehaving in one way once the host asks it to load (EVIL_MODE, set at
 * compile time: the host gives a helper no arguments and no environment).
 *
 *   garbage  writes bytes that are no D-Bus message on the connection
 *   wrongreply  answers the load with an integer, not a class description
 *   flood    sends the host calls without end and never answers
 *   silent   closes the connection and lives on
 *
 * Linked with the library's objects like the real helper, so that the
 * host finds its process valid and gets as far as its misbehaviour.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <signet/connection.h>

#include "connection/pair.h"
#include "isolation/isolation.h"

#define GARBAGE 1
#define WRONGREPLY 2
#define FLOOD 3
#define SILENT 4

static void on_message(signet_connection *c, signet_message *m, void *payload)
{
	(void)payload;
	if (strcmp(signet_message_method(m), SG_GUEST_LOAD) != 0)
		return;
	signet_error *e = NULL;
	(void)e;
#if EVIL_MODE == GARBAGE
	(void)c;
	signal(SIGPIPE, SIG_IGN); /* it lives on when the host hangs up: the host must end it */
	static const char junk[] = "l\x01\x00\x01\xff\xff\xff\x7fnot a message at all, just bytes";
	for (int i = 0; i < 64; i++)
		if (write(SG_GUEST_FD_CONNECTION, junk, sizeof junk) < 0)
			break;
	pause();
#elif EVIL_MODE == WRONGREPLY
	(void)c;
	signet_value v = SIGNET_INT32(42);
	if (signet_message_reply(m, &v, &e) != 0)
		signet_error_free(e);
#elif EVIL_MODE == FLOOD
	signet_value v = SIGNET_STRING("flood");
	for (;;)
		if (signet_connection_send(c, "Flood", &v, 1, &e) != 0) {
			signet_error_free(e);
			e = NULL;
		}
#elif EVIL_MODE == SILENT
	(void)c;
	close(SG_GUEST_FD_CONNECTION);
	for (;;)
		pause();
#endif
}

int main(void)
{
	signet_connection *c = NULL;
	signet_error *e = NULL;
	signet_connection_options o = SIGNET_CONNECTION_OPTIONS_INIT;
	o.on_message = on_message;
	if (sg_connection_pair_child(&c, SG_GUEST_FD_CONNECTION, &o, &e) != 0) {
		fprintf(stderr, "evil guest: %s\n", signet_error_message(e));
		return 1;
	}
	int rc = sg_connection_run(c, &e);
	(void)rc;
	signet_error_free(e);
	signet_connection_free(c);
	return 0;
}
