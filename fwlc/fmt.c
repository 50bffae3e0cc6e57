// SPDX-License-Identifier: MIT
/* fmt.c - the canonical printer (placeholder until the printer lands). */
#include "fwlc/fmt.h"

#include <stdio.h>

#include "fwlc/cmd.h"

int cmd_fmt(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "fwlc fmt: not implemented yet\n");
	return 2;
}
