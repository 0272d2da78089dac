// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl help [COMMAND]: the man page, through man(1) or as plain text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *const pages[] = {
	"list", "online", "offline", "convert", "create-region", "destroy-region", "status",
	"doctor", "plan", "monitor", "daemon", "help",
};

/* Minimal roff to text: drop requests, keep text, section headings in capitals. */
static int print_page(const char *path)
{
	char line[1024];
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *s = line;

		if (!strncmp(s, ".\\\"", 3) || !strncmp(s, ".TH", 3) || !strncmp(s, ".PP", 3) ||
		    !strncmp(s, ".TP", 3) || !strncmp(s, ".RS", 3) || !strncmp(s, ".RE", 3) ||
		    !strncmp(s, ".nf", 3) || !strncmp(s, ".fi", 3)) {
			if (!strncmp(s, ".PP", 3) || !strncmp(s, ".TP", 3))
				putchar('\n');
			continue;
		}
		if (!strncmp(s, ".SH ", 4)) {
			printf("\n%s", s + 4);
			continue;
		}
		if (!strncmp(s, ".B ", 3) || !strncmp(s, ".I ", 3))
			s += 3;
		else if (!strncmp(s, ".BR ", 4) || !strncmp(s, ".IR ", 4))
			s += 4;
		for (char *p = s; *p; p++) {
			if (*p == '\\' && (p[1] == 'f') && p[2]) {
				p += 2;
				continue;
			}
			if (*p == '\\' && p[1] == '-') {
				putchar('-');
				p++;
				continue;
			}
			if (*p == '"')
				continue;
			putchar(*p);
		}
	}
	fclose(f);
	return 0;
}

int cmd_help(int argc, char **argv, struct svm_ctx *ctx)
{
	const char *dir = getenv("SVM_CXL_MANDIR") ? getenv("SVM_CXL_MANDIR") : SVM_CXL_MANDIR;
	char page[64], path[4200];
	bool known = false;

	if (argc < 2) {
		snprintf(page, sizeof(page), "svm-cxlctl");
	} else {
		if (argc > 2)
			return usage_error("help", "one command at a time");
		for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
			known |= !strcmp(argv[1], pages[i]);
		if (!known)
			return usage_error("help", "no command '%s'; commands: list online offline convert create-region destroy-region status doctor help",
					   argv[1]);
		snprintf(page, sizeof(page), "svm-cxlctl-%s", argv[1]);
	}
	snprintf(path, sizeof(path), "%s/man1/%s.1", dir, page);
	if (isatty(STDOUT_FILENO) && access(path, R_OK) == 0 && !getenv("SVM_CXL_MANDIR")) {
		execlp("man", "man", "-l", path, (char *)NULL);
		/* no man(1): fall through to plain text */
	}
	if (print_page(path)) {
		fprintf(stderr, "%s help: manual page %s not installed (%s)\n", prog, page, path);
		return EXIT_UNSUPPORTED;
	}
	return EXIT_OK;
}
