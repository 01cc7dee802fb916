/* SPDX-License-Identifier: MIT */
/*
 * errors_md.c - prints the table of codes for docs/errors.md from the one
 * list in <signet/error.h> (SIGNET_ERROR_CODES). `make update-errors-md`
 * writes it into the document; tests/core/test_errors_doc.sh fails when the
 * document's table is not exactly this output.
 */
#include <stdio.h>

#include <signet/error.h>

int main(void)
{
	puts("| code | value | fatal | meaning |");
	puts("|---|---|---|---|");
#define ROW(name, value, fatal, description, meaning) \
	printf("| `%s` | %d | %s | %s |\n", #name, value, fatal ? "yes" : "", meaning);
	SIGNET_ERROR_CODES(ROW)
#undef ROW
	return 0;
}
