// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * [place "NAME"] sections of the policy file: which processes svm-cxld keeps on which
 * coherent pool (policy.h; daemon/place.h applies them). See docs/policy.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <pwd.h>

#include <libsvmcxl.h>

#include "policy-int.h"

const char *const policy_place_keys[] = { "cgroup", "exe", "uid", "pool", "scope", NULL };

/* [place "NAME"]: @quoted as written */
int policy_place_start(struct parser *p, char *quoted)
{
	struct svm_policy *pol = p->policy;
	struct svm_place_rule *place;
	char *name;
	int rc = policy_section_name(p, "place", quoted, &name);

	if (rc)
		return rc;
	for (size_t i = 0; i < pol->nr_place; i++)
		if (strcmp(pol->place[i].name, name) == 0)
			return policy_fail(p, "place \"%s\" already defined at line %d", name, pol->place[i].line);
	place = realloc(pol->place, (pol->nr_place + 1) * sizeof(*place));
	if (!place)
		return policy_fail(p, "out of memory");
	pol->place = place;
	p->place = &place[pol->nr_place++];
	memset(p->place, 0, sizeof(*p->place));
	p->place->line = p->line;
	p->place->name = strdup(name);
	return p->place->name ? 0 : policy_fail(p, "out of memory");
}

/* uids as numbers or user names (resolved now: a name nobody has is refused) */
static int parse_uids(struct parser *p, char *value, struct svm_place_rule *r)
{
	char *words[MAX_LIST];
	int rc = policy_split_list(p, "uid", value, words, &r->nr_uid);

	for (int i = 0; !rc && i < r->nr_uid; i++) {
		struct passwd *pw;
		unsigned long v;
		char *end;

		errno = 0;
		v = strtoul(words[i], &end, 10);
		if (isdigit((unsigned char)words[i][0]) && !*end && !errno && v < UINT32_MAX) {
			r->uid[i] = (uint32_t)v;
			continue;
		}
		pw = getpwnam(words[i]);
		if (!pw)
			return policy_fail(p, "uid: '%s' is neither a number nor a known user", words[i]);
		r->uid[i] = pw->pw_uid;
	}
	return rc;
}

int policy_place_key(struct parser *p, const char *key, char *value)
{
	struct svm_place_rule *r = p->place;
	int rc;

	if (strcmp(key, "cgroup") == 0) {
		rc = policy_copy_strings(p, key, value, r->cgroup, &r->nr_cgroup);
		for (int i = 0; !rc && i < r->nr_cgroup; i++) {
			char *c = r->cgroup[i];
			size_t n;

			/* as /proc/PID/cgroup shows it: /sys/fs/cgroup and a trailing / cut off */
			if (!strncmp(c, "/sys/fs/cgroup", 14) && (!c[14] || c[14] == '/'))
				memmove(c, c + 14, strlen(c + 14) + 1);
			n = strlen(c);
			while (n > 1 && c[n - 1] == '/')
				c[--n] = '\0';
			if (c[0] != '/' || strstr(c, ".."))
				rc = policy_fail(p, "cgroup: '%s': expected an absolute cgroup v2 path (/system.slice/db.service or /sys/fs/cgroup/...), without '..'",
					  r->cgroup[i]);
		}
		return rc;
	}
	if (strcmp(key, "exe") == 0) {
		rc = policy_copy_strings(p, key, value, r->exe, &r->nr_exe);
		for (int i = 0; !rc && i < r->nr_exe; i++)
			if (r->exe[i][0] != '/')
				rc = policy_fail(p, "exe: '%s': expected an absolute path (as /proc/PID/exe shows)",
					  r->exe[i]);
		return rc;
	}
	if (strcmp(key, "uid") == 0)
		return parse_uids(p, value, r);
	if (strcmp(key, "pool") == 0) {
		const char *d = value + 6;

		if (strncmp(value, "region", 6) || !*d || strspn(d, "0123456789") != strlen(d))
			return policy_fail(p, "pool: '%s': expected a region name like region0 (its coherent pool)",
				    value);
		r->region = strdup(value);
		return r->region ? 0 : policy_fail(p, "out of memory");
	}
	/* scope = all | above SIZE */
	if (strcmp(value, "all") == 0) {
		r->scope = SVM_PLACE_SCOPE_ALL;
		return 0;
	}
	if (strncmp(value, "above", 5) == 0 && isspace((unsigned char)value[5])) {
		if (svm_parse_size(policy_trim(value + 5), &r->min_size) || !r->min_size)
			return policy_fail(p, "scope: 'above %s': expected a size like 2M or 1G", policy_trim(value + 5));
		r->scope = SVM_PLACE_SCOPE_ABOVE;
		return 0;
	}
	return policy_fail(p, "scope: '%s': expected 'all' or 'above SIZE' (mappings of at least SIZE)",
		    value);
}

int policy_place_check(struct parser *p)
{
	struct svm_place_rule *r = p->place;
	int line = p->line, rc = 0;

	if (!r)
		return 0;
	p->line = r->line;
	if (!r->region)
		rc = policy_fail(p, "place \"%s\" has no 'pool' (the region whose coherent pool takes the memory)",
			  r->name);
	else if (!r->nr_cgroup && !r->nr_exe && !r->nr_uid)
		rc = policy_fail(p, "place \"%s\" matches every process; give cgroup, exe or uid", r->name);
	if (!r->scope)
		r->scope = SVM_PLACE_SCOPE_ALL;
	p->line = line;
	return rc;
}

void policy_place_free(struct svm_place_rule *r)
{
	for (int i = 0; i < r->nr_cgroup; i++)
		free(r->cgroup[i]);
	for (int i = 0; i < r->nr_exe; i++)
		free(r->exe[i]);
	free(r->region);
	free(r->name);
}

size_t svm_policy_place_count(const struct svm_policy *pol)
{
	return pol->nr_place;
}

const struct svm_place_rule *svm_policy_place_at(const struct svm_policy *pol, size_t i)
{
	return i < pol->nr_place ? &pol->place[i] : NULL;
}

unsigned int svm_policy_place_interval(const struct svm_policy *pol)
{
	return pol->place_interval;
}

unsigned int svm_policy_place_rate(const struct svm_policy *pol)
{
	return pol->place_rate;
}
