// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policy file parsing and the mode decision. See policy.h and docs/policy.md.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <pwd.h>

#include <libsvmcxl.h>

#include "policy-int.h"


struct svm_rule {
	char *name;
	int line;
	/* match keys; a count of 0 means "not stated, matches anything" */
	uint64_t serial[MAX_LIST];
	int nr_serial;
	char *pci[MAX_LIST];
	int nr_pci;
	char *host_bridge[MAX_LIST];
	int nr_host_bridge;
	char *region[MAX_LIST];
	int nr_region;
	bool has_size;
	uint64_t size_min, size_max;
	enum svm_policy_class class;
	/* actions */
	enum svm_policy_mode mode;
	enum svm_policy_zone zone;
	int isolate;			/* 0 not stated, ISOLATE_NO, ISOLATE_YES */
	char *grant[MAX_LIST];		/* cgroups granted the isolated node */
	int nr_grant;
};

static const char *const mode_names[] = {
	[SVM_POLICY_MODE_COHERENT] = "coherent",
	[SVM_POLICY_MODE_NUMA] = "numa",
	[SVM_POLICY_MODE_DEVDAX] = "devdax",
	[SVM_POLICY_MODE_IGNORE] = "ignore",
};

static const char *const zone_names[] = {
	[SVM_POLICY_ZONE_MOVABLE] = "movable",
	[SVM_POLICY_ZONE_NORMAL] = "normal",
};

enum { ISOLATE_NO = 1, ISOLATE_YES };
static const char *const isolate_names[] = {
	[ISOLATE_NO] = "no",
	[ISOLATE_YES] = "yes",
};

static const char *const class_names[] = {
	[SVM_POLICY_CLASS_EXPANDER] = "expander",
	[SVM_POLICY_CLASS_ACCELERATOR] = "accelerator",
};

static const char *const defaults_keys[] = { "expander", "accelerator", "zone", "isolate",
					     "place-interval", "place-rate", NULL };
static const char *const rule_keys[] = { "serial", "pci", "host-bridge", "region", "size",
					 "class", "mode", "zone", "isolate", "grant", "tier",
					 NULL };

static int lookup_name(const char *const *names, size_t n, const char *word)
{
	for (size_t i = 1; i < n; i++)
		if (names[i] && strcmp(names[i], word) == 0)
			return (int)i;
	return 0;
}

const char *svm_policy_mode_name(enum svm_policy_mode mode)
{
	return (unsigned)mode < ARRAY_SIZE(mode_names) && mode_names[mode] ? mode_names[mode] : "invalid";
}

const char *svm_policy_zone_name(enum svm_policy_zone zone)
{
	return (unsigned)zone < ARRAY_SIZE(zone_names) && zone_names[zone] ? zone_names[zone] : "default";
}

const char *svm_policy_class_name(enum svm_policy_class class)
{
	return (unsigned)class < ARRAY_SIZE(class_names) && class_names[class] ? class_names[class] : "unknown";
}

int policy_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (lb >= ARRAY_SIZE(row) || la >= 64)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* "unknown key 'serail' (did you mean 'serial'?); expected one of: ..." */
static int fail_unknown(struct parser *p, const char *what, const char *word,
			const char *const *choices, size_t nr_choices)
{
	char list[256] = "";
	const char *close = NULL;
	unsigned best = 3;

	for (size_t i = 0; i < nr_choices; i++) {
		unsigned d;

		if (!choices[i])
			continue;
		d = edit_distance(word, choices[i]);
		if (d < best) {
			best = d;
			close = choices[i];
		}
		if (list[0])
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
	}
	if (close)
		return policy_fail(p, "unknown %s '%s' (did you mean '%s'?); expected one of: %s", what, word,
			    close, list);
	return policy_fail(p, "unknown %s '%s'; expected one of: %s", what, word, list);
}

char *policy_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* A '#' or ';' starts a comment at the start of a line or after whitespace. */
static void strip_comment(char *s)
{
	for (char *c = s; *c; c++)
		if ((*c == '#' || *c == ';') && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			return;
		}
}

static int parse_enum(struct parser *p, const char *key, const char *value,
		      const char *const *names, size_t n, int *out)
{
	int v = lookup_name(names, n, value);

	if (!v) {
		char what[64];

		snprintf(what, sizeof(what), "%s value", key);
		return fail_unknown(p, what, value, names, n);
	}
	*out = v;
	return 0;
}

/* Space- or comma-separated words into list[]. */
int policy_split_list(struct parser *p, const char *key, char *value, char **words, int *count)
{
	char *save = NULL;

	*count = 0;
	for (char *w = strtok_r(value, " ,\t", &save); w; w = strtok_r(NULL, " ,\t", &save)) {
		if (*count == MAX_LIST)
			return policy_fail(p, "%s: at most %d values", key, MAX_LIST);
		words[(*count)++] = w;
	}
	if (!*count)
		return policy_fail(p, "%s: expected a value", key);
	return 0;
}

int policy_copy_strings(struct parser *p, const char *key, char *value, char **dst, int *count)
{
	char *words[MAX_LIST];
	int rc = policy_split_list(p, key, value, words, count);

	if (rc)
		return rc;
	for (int i = 0; i < *count; i++) {
		dst[i] = strdup(words[i]);
		if (!dst[i])
			return policy_fail(p, "out of memory");
	}
	return 0;
}

static int parse_size_range(struct parser *p, char *value, struct svm_rule *r)
{
	char *dash = strchr(value, '-');
	int rc = 0;

	r->size_min = 0;
	r->size_max = UINT64_MAX;
	if (!dash) {
		rc = svm_parse_size(value, &r->size_min);
		r->size_max = r->size_min;
	} else {
		*dash = '\0';
		char *lo = policy_trim(value), *hi = policy_trim(dash + 1);

		if (!*lo && !*hi)
			rc = -EINVAL;
		if (!rc && *lo)
			rc = svm_parse_size(lo, &r->size_min);
		if (!rc && *hi)
			rc = svm_parse_size(hi, &r->size_max);
	}
	if (rc)
		return policy_fail(p, "size: expected SIZE, MIN-MAX, MIN- or -MAX with sizes like 256M or 1G");
	if (r->size_min > r->size_max)
		return policy_fail(p, "size: the minimum is larger than the maximum");
	r->has_size = true;
	return 0;
}

static int key_index(const char *const *keys, const char *key)
{
	for (int i = 0; keys[i]; i++)
		if (strcmp(keys[i], key) == 0)
			return i;
	return -1;
}

/* A whole number in [@min, @max], or a message naming @key and @unit. */
static int parse_uint_key(struct parser *p, const char *key, const char *value, unsigned int min,
			  unsigned int max, const char *unit, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno || *end || !isdigit((unsigned char)value[0]) || v < min || v > max)
		return policy_fail(p, "%s: '%s': expected %s from %u to %u", key, value, unit, min, max);
	*out = (unsigned int)v;
	return 0;
}

static int set_defaults_key(struct parser *p, const char *key, char *value)
{
	struct svm_policy *pol = p->policy;
	int v, rc;

	if (strcmp(key, "place-interval") == 0)
		return parse_uint_key(p, key, value, 1, 86400, "seconds", &pol->place_interval);
	if (strcmp(key, "place-rate") == 0)
		return parse_uint_key(p, key, value, 1, 1u << 20, "MiB/s", &pol->place_rate);

	if (strcmp(key, "zone") == 0 || strcmp(key, "isolate") == 0) {
		bool zone = !strcmp(key, "zone");

		rc = zone ? parse_enum(p, key, value, zone_names, ARRAY_SIZE(zone_names), &v) :
			    parse_enum(p, key, value, isolate_names, ARRAY_SIZE(isolate_names), &v);
		if (zone)
			pol->zone = v;
		else
			pol->isolate = v;
		if (!rc && pol->zone == SVM_POLICY_ZONE_NORMAL && pol->isolate == ISOLATE_YES)
			rc = policy_fail(p, "[defaults]: 'isolate = yes' needs zone movable (ZONE_NORMAL takes kernel allocations, which no cpuset keeps off)");
		return rc;
	}
	rc = parse_enum(p, key, value, mode_names, ARRAY_SIZE(mode_names), &v);
	if (strcmp(key, "expander") == 0)
		pol->expander_mode = v;
	else
		pol->accelerator_mode = v;
	return rc;
}

static int set_rule_key(struct parser *p, const char *key, char *value)
{
	struct svm_rule *r = p->rule;
	char *words[MAX_LIST];
	int v, rc;

	if (strcmp(key, "serial") == 0) {
		rc = policy_split_list(p, key, value, words, &r->nr_serial);
		for (int i = 0; !rc && i < r->nr_serial; i++) {
			char *end;

			/* decimal, or hex with 0x: never octal (docs/policy.md) */
			bool hex = words[i][0] == '0' && (words[i][1] == 'x' || words[i][1] == 'X');

			errno = 0;
			r->serial[i] = strtoull(words[i], &end, hex ? 16 : 10);
			if (errno || *end || !isdigit((unsigned char)words[i][0]))
				rc = policy_fail(p, "serial: '%s' is not a number (decimal or 0x hex)", words[i]);
		}
		return rc;
	}
	if (strcmp(key, "pci") == 0)
		return policy_copy_strings(p, key, value, r->pci, &r->nr_pci);
	if (strcmp(key, "host-bridge") == 0)
		return policy_copy_strings(p, key, value, r->host_bridge, &r->nr_host_bridge);
	if (strcmp(key, "region") == 0)
		return policy_copy_strings(p, key, value, r->region, &r->nr_region);
	if (strcmp(key, "size") == 0)
		return parse_size_range(p, value, r);
	if (strcmp(key, "class") == 0) {
		rc = parse_enum(p, key, value, class_names, ARRAY_SIZE(class_names), &v);
		r->class = v;
		return rc;
	}
	if (strcmp(key, "mode") == 0) {
		rc = parse_enum(p, key, value, mode_names, ARRAY_SIZE(mode_names), &v);
		r->mode = v;
		return rc;
	}
	if (strcmp(key, "zone") == 0) {
		rc = parse_enum(p, key, value, zone_names, ARRAY_SIZE(zone_names), &v);
		r->zone = v;
		return rc;
	}
	if (strcmp(key, "isolate") == 0) {
		rc = parse_enum(p, key, value, isolate_names, ARRAY_SIZE(isolate_names), &v);
		r->isolate = v;
		return rc;
	}
	if (strcmp(key, "grant") == 0) {
		rc = policy_copy_strings(p, key, value, r->grant, &r->nr_grant);
		for (int i = 0; !rc && i < r->nr_grant; i++)
			if (!strcmp(r->grant[i], "/") || strstr(r->grant[i], ".."))
				rc = policy_fail(p, "grant: '%s': expected a cgroup below the root (/sys/fs/cgroup/NAME, /NAME or NAME), without '..'",
					  r->grant[i]);
		return rc;
	}
	/* tier: refused rather than accepted and ignored. Linux has no interface that puts
	 * a node in a memory tier; kmem derives it from the platform's performance data. */
	return policy_fail(p, "tier: not supported: Linux offers no way to place a node in a memory tier (kmem derives it from HMAT/CDAT performance data); remove the key");
}

/* A finished rule must say what to do, and only what applies to that mode. */
static int check_rule(struct parser *p)
{
	struct svm_rule *r = p->rule;
	int line = p->line;
	int rc = 0;

	if (!r)
		return 0;
	p->line = r->line;
	if (!r->mode)
		rc = policy_fail(p, "rule \"%s\" has no 'mode' (coherent, numa, devdax or ignore)", r->name);
	else if (!r->nr_serial && !r->nr_pci && !r->nr_host_bridge && !r->nr_region &&
		 !r->has_size && !r->class)
		rc = policy_fail(p, "rule \"%s\" matches nothing in particular; put the fallback in [defaults]",
			  r->name);
	else if (r->mode != SVM_POLICY_MODE_NUMA && r->zone)
		rc = policy_fail(p, "rule \"%s\": 'zone' applies to mode numa only, not %s",
			  r->name, svm_policy_mode_name(r->mode));
	else if (r->mode != SVM_POLICY_MODE_NUMA && r->isolate)
		rc = policy_fail(p, "rule \"%s\": 'isolate' applies to mode numa only, not %s",
			  r->name, svm_policy_mode_name(r->mode));
	else if (r->isolate == ISOLATE_YES && r->zone == SVM_POLICY_ZONE_NORMAL)
		rc = policy_fail(p, "rule \"%s\": 'isolate = yes' needs zone movable (ZONE_NORMAL takes kernel allocations, which no cpuset keeps off)",
			  r->name);
	else if (r->nr_grant && r->isolate != ISOLATE_YES)
		rc = policy_fail(p, "rule \"%s\": 'grant' needs 'isolate = yes' (a node that is not isolated is everybody's)",
			  r->name);
	p->line = line;
	return rc;
}

static bool valid_rule_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

/* The NAME of [@kind "NAME"] (@quoted as written): unquoted in place into *@name. */
int policy_section_name(struct parser *p, const char *kind, char *quoted, char **name)
{
	size_t len = strlen(quoted);

	if (len < 2 || quoted[0] != '"' || quoted[len - 1] != '"')
		return policy_fail(p, "%s names are quoted: [%s \"NAME\"]", kind, kind);
	quoted[len - 1] = '\0';
	*name = quoted + 1;
	if (!valid_rule_name(*name))
		return policy_fail(p, "%s name '%s': use letters, digits, '_', '.', '-'", kind, *name);
	return 0;
}

static int start_section(struct parser *p, char *header)
{
	size_t len = strlen(header);
	struct svm_policy *pol = p->policy;
	char *inner, *name;
	int rc;

	rc = check_rule(p);
	if (!rc)
		rc = policy_place_check(p);
	if (rc)
		return rc;
	if (len < 2 || header[len - 1] != ']')
		return policy_fail(p, "expected a section header like [defaults] or [rule \"NAME\"]");
	header[len - 1] = '\0';
	inner = policy_trim(header + 1);
	p->in_section = true;
	p->seen = 0;
	p->rule = NULL;
	p->place = NULL;
	p->in_defaults = false;

	if (strcmp(inner, "defaults") == 0) {
		if (p->seen_defaults)
			return policy_fail(p, "a second [defaults] section");
		p->seen_defaults = true;
		p->in_defaults = true;
		return 0;
	}
	if (strncmp(inner, "place", 5) == 0 && isspace((unsigned char)inner[5]))
		return policy_place_start(p, policy_trim(inner + 5));
	if (strncmp(inner, "rule", 4) != 0 || !isspace((unsigned char)inner[4])) {
		static const char *const sections[] = { "defaults", "rule", "place", NULL };
		char word[32];

		snprintf(word, sizeof(word), "%.*s", (int)strcspn(inner, " \t"), inner);
		return fail_unknown(p, "section", word, sections, 3);
	}
	rc = policy_section_name(p, "rule", policy_trim(inner + 4), &name);
	if (rc)
		return rc;
	for (size_t i = 0; i < pol->nr_rules; i++)
		if (strcmp(pol->rules[i].name, name) == 0)
			return policy_fail(p, "rule \"%s\" already defined at line %d", name, pol->rules[i].line);

	struct svm_rule *rules = realloc(pol->rules, (pol->nr_rules + 1) * sizeof(*rules));

	if (!rules)
		return policy_fail(p, "out of memory");
	pol->rules = rules;
	p->rule = &rules[pol->nr_rules++];
	memset(p->rule, 0, sizeof(*p->rule));
	p->rule->line = p->line;
	p->rule->name = strdup(name);
	if (!p->rule->name)
		return policy_fail(p, "out of memory");
	return 0;
}

static int parse_assignment(struct parser *p, char *line)
{
	const char *const *keys = p->in_defaults ? defaults_keys :
				  p->place ? policy_place_keys : rule_keys;
	char *eq = strchr(line, '=');
	char *key, *value;
	int idx;

	if (!p->in_section)
		return policy_fail(p, "settings must follow a section header ([defaults] or [rule \"NAME\"])");
	if (!eq)
		return policy_fail(p, "expected 'KEY = VALUE'");
	*eq = '\0';
	key = policy_trim(line);
	value = policy_trim(eq + 1);
	idx = key_index(keys, key);
	if (idx < 0) {
		size_t n = 0;

		while (keys[n])
			n++;
		return fail_unknown(p, p->in_defaults ? "key in [defaults]" :
				    p->place ? "key in a [place] section" : "key in a rule", key, keys, n);
	}
	if (p->seen & (1u << idx))
		return policy_fail(p, "'%s' given twice in this section", key);
	p->seen |= 1u << idx;
	if (!*value)
		return policy_fail(p, "%s: expected a value", key);
	if (p->place)
		return policy_place_key(p, key, value);
	return p->in_defaults ? set_defaults_key(p, key, value) : set_rule_key(p, key, value);
}

struct svm_policy *svm_policy_default(void)
{
	struct svm_policy *pol = calloc(1, sizeof(*pol));

	if (!pol)
		return NULL;
	pol->expander_mode = SVM_POLICY_MODE_NUMA;
	pol->accelerator_mode = SVM_POLICY_MODE_COHERENT;
	pol->zone = SVM_POLICY_ZONE_MOVABLE;
	pol->place_interval = SVM_PLACE_INTERVAL_S;
	pol->place_rate = SVM_PLACE_RATE_MIB;
	return pol;
}

struct svm_policy *svm_policy_parse(const char *text, const char *name, char *err, size_t errlen)
{
	struct parser p = { .name = name, .err = err, .errlen = errlen };
	char *copy, *raw;
	int rc = 0;

	if (errlen)
		err[0] = '\0';
	p.policy = svm_policy_default();
	copy = strdup(text);
	if (!p.policy || !copy) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto fail;
	}
	/* strsep, not strtok: empty lines must still count for line numbers */
	for (char *cursor = copy; (raw = strsep(&cursor, "\n")) && !rc;) {
		char *line;

		p.line++;
		strip_comment(raw);
		line = policy_trim(raw);
		if (!*line)
			continue;
		if (*line == '[')
			rc = start_section(&p, line);
		else
			rc = parse_assignment(&p, line);
	}
	if (!rc)
		rc = check_rule(&p);
	if (!rc)
		rc = policy_place_check(&p);
	free(copy);
	if (rc)
		goto fail;
	return p.policy;
fail:
	svm_policy_free(p.policy);
	return NULL;
}

struct svm_policy *svm_policy_load(const char *path, char *err, size_t errlen)
{
	struct svm_policy *pol;
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	FILE *mem = open_memstream(&text, &len);
	char buf[4096];
	size_t n;

	if (!mem) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, mem);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		fclose(f);
		fclose(mem);
		free(text);
		return NULL;
	}
	fclose(f);
	fclose(mem);
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s: not a text file", path);
		free(text);
		return NULL;
	}
	pol = svm_policy_parse(text, path, err, errlen);
	free(text);
	return pol;
}

static void free_rule(struct svm_rule *r)
{
	for (int i = 0; i < r->nr_pci; i++)
		free(r->pci[i]);
	for (int i = 0; i < r->nr_host_bridge; i++)
		free(r->host_bridge[i]);
	for (int i = 0; i < r->nr_region; i++)
		free(r->region[i]);
	for (int i = 0; i < r->nr_grant; i++)
		free(r->grant[i]);
	free(r->name);
}

void svm_policy_free(struct svm_policy *pol)
{
	if (!pol)
		return;
	for (size_t i = 0; i < pol->nr_rules; i++)
		free_rule(&pol->rules[i]);
	free(pol->rules);
	for (size_t i = 0; i < pol->nr_place; i++)
		policy_place_free(&pol->place[i]);
	free(pol->place);
	free(pol);
}

size_t svm_policy_rule_count(const struct svm_policy *pol)
{
	return pol->nr_rules;
}

static bool in_list(char *const *list, int n, const char *word)
{
	if (!word)
		return false;
	for (int i = 0; i < n; i++)
		if (strcasecmp(list[i], word) == 0)
			return true;
	return false;
}

static bool device_matches(const struct svm_rule *r, const struct svm_policy_device *dev)
{
	if (r->nr_serial) {
		bool hit = false;

		for (int i = 0; dev->has_serial && i < r->nr_serial; i++)
			hit |= r->serial[i] == dev->serial;
		if (!hit)
			return false;
	}
	if (r->nr_pci && !in_list(r->pci, r->nr_pci, dev->pci))
		return false;
	if (r->nr_host_bridge && !in_list(r->host_bridge, r->nr_host_bridge, dev->host_bridge))
		return false;
	if (r->class && r->class != (dev->class ? dev->class : SVM_POLICY_CLASS_EXPANDER))
		return false;
	return true;
}

static bool rule_matches(const struct svm_rule *r, const struct svm_policy_subject *s)
{
	bool dev_keys = r->nr_serial || r->nr_pci || r->nr_host_bridge || r->class;
	bool hit = !dev_keys;

	for (unsigned int i = 0; dev_keys && i < s->nr_devices && i < SVM_POLICY_MAX_DEVICES; i++)
		hit |= device_matches(r, &s->devices[i]);
	if (!hit)
		return false;
	if (r->nr_region && !in_list(r->region, r->nr_region, s->region))
		return false;
	if (r->has_size && (s->size < r->size_min || s->size > r->size_max))
		return false;
	return true;
}

void svm_policy_decide(const struct svm_policy *pol, const struct svm_policy_subject *s,
		       struct svm_policy_decision *d)
{
	int isolate = 0;

	d->zone = SVM_POLICY_ZONE_DEFAULT;
	d->isolate = false;
	d->grants = NULL;
	d->nr_grants = 0;
	for (size_t i = 0; i < pol->nr_rules; i++) {
		const struct svm_rule *r = &pol->rules[i];

		if (!rule_matches(r, s))
			continue;
		d->mode = r->mode;
		d->zone = r->zone;
		d->rule = r->name;
		isolate = r->isolate;
		d->grants = (const char *const *)r->grant;
		d->nr_grants = (unsigned int)r->nr_grant;
		goto zone;
	}
	d->mode = s->class == SVM_POLICY_CLASS_ACCELERATOR ? pol->accelerator_mode : pol->expander_mode;
	d->rule = "defaults";
zone:
	if (d->mode != SVM_POLICY_MODE_NUMA)
		d->zone = SVM_POLICY_ZONE_DEFAULT;
	else if (d->zone == SVM_POLICY_ZONE_DEFAULT)
		d->zone = pol->zone ? pol->zone : SVM_POLICY_ZONE_MOVABLE;
	/* a rule's isolate wins; unstated, [defaults] says; never for a normal zone */
	if (!isolate)
		isolate = pol->isolate;
	d->isolate = d->mode == SVM_POLICY_MODE_NUMA && d->zone == SVM_POLICY_ZONE_MOVABLE &&
		     isolate == ISOLATE_YES;
}
