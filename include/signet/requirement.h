/* SPDX-License-Identifier: MIT */
/*
 * signet/requirement.h - the requirement language: parse, format, free.
 *
 * A requirement states what identity a piece of code must have to be
 * accepted, after Apple's csreq:
 *
 *     anchor trusted and team "ABCDE12345" and manifest[version] >= "1.2"
 *
 * docs/requirements.md has the grammar, every clause, the limits and the
 * error messages. Evaluation against a verified identity is done by the
 * verifier and the policy (the library's internals); this header gives the
 * parsed form and its canonical text.
 *
 * Ownership: a requirement returned through `*out` belongs to the caller;
 * release it with signet_requirement_free(). The text passed to
 * signet_requirement_parse() is not kept. signet_requirement_format()
 * returns a new string that the caller releases with free().
 *
 * Thread-safety: a parsed requirement is immutable; any number of threads
 * may format or evaluate the same one at once. Parsing has no global state.
 */
#ifndef SIGNET_REQUIREMENT_H
#define SIGNET_REQUIREMENT_H

#include <signet/common.h>
#include <signet/error.h>

SIGNET_BEGIN_DECLS

/* Longest requirement text accepted, in bytes (not counting the NUL). */
#define SIGNET_REQUIREMENT_MAX_LENGTH 65536

/* Deepest nesting accepted: every '(' and every '!' opens one level. */
#define SIGNET_REQUIREMENT_MAX_DEPTH 64

/* Opaque parsed requirement. */
typedef struct signet_requirement signet_requirement;

/*
 * Parses `text` (NUL-terminated, UTF-8). On success stores a new
 * requirement in *out and returns 0; on failure *out is left untouched.
 *
 * Returns:
 *  - SIGNET_E_REQUIREMENT_SYNTAX: the text does not parse; the error gives
 *    the 1-based column (signet_error_column()) and what was expected;
 *  - SIGNET_E_LIMIT: longer than SIGNET_REQUIREMENT_MAX_LENGTH or nested
 *    deeper than SIGNET_REQUIREMENT_MAX_DEPTH (the error gives the column
 *    where the limit was crossed, when there is one);
 *  - SIGNET_E_INVALID_ARGUMENT: `out` or `text` is NULL;
 *  - SIGNET_E_NOMEM.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED int signet_requirement_parse(
	signet_requirement **out, const char *text, signet_error **err);

/*
 * The canonical text of `req`: one line, single spaces, the fewest
 * parentheses that keep the meaning, hashes in lower-case hex. Parsing the
 * canonical text gives a requirement with the same canonical text.
 * Returns a new string (release with free()), or NULL when `req` is NULL
 * or memory runs out.
 */
SIGNET_EXPORT SIGNET_WARN_UNUSED char *signet_requirement_format(const signet_requirement *req);

/* Frees `req`. signet_requirement_free(NULL) does nothing. */
SIGNET_EXPORT void signet_requirement_free(signet_requirement *req);

SIGNET_END_DECLS

#endif /* SIGNET_REQUIREMENT_H */
