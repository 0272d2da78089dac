// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * State journal of svm-cxld: load, modify, atomic replace. See journal.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "fileio.h"
#include "journal.h"

#define STATE_FILE "state.json"

struct svm_journal {
	char *dir;
	char boot_id[40];	/* this boot's, "" if unknown */
	size_t stale;		/* entries of a previous boot dropped at open */
	uint64_t generation;
	struct svm_journal_entry *entries;
	size_t nr, cap;
};

static const char *const phase_names[] = {
	[SVM_PHASE_ASSEMBLING] = "assembling",
	[SVM_PHASE_ONLINING] = "onlining",
	[SVM_PHASE_ONLINE] = "online",
	[SVM_PHASE_OFFLINING] = "offlining",
	[SVM_PHASE_OFFLINE] = "offline",
};

#define NR_PHASES (sizeof(phase_names) / sizeof(phase_names[0]))

const char *svm_journal_phase_name(enum svm_journal_phase phase)
{
	return (unsigned)phase < NR_PHASES && phase_names[phase] ? phase_names[phase] : "invalid";
}

static enum svm_journal_phase phase_from_name(const char *name)
{
	for (unsigned i = 1; i < NR_PHASES; i++)
		if (strcmp(phase_names[i], name) == 0)
			return i;
	return SVM_PHASE_INVALID;
}

int svm_journal_id_cmp(uint64_t serial_a, const char *host_a, uint64_t serial_b,
		       const char *host_b)
{
	if (serial_a != serial_b)
		return serial_a < serial_b ? -1 : 1;
	return strcmp(host_a, host_b);
}

void svm_journal_sort_ids(struct svm_journal_entry *e)
{
	/* insertion sort: at most SVM_JOURNAL_MAX_DEVS */
	for (unsigned int i = 1; i < e->nr_serials && i < SVM_JOURNAL_MAX_DEVS; i++)
		for (unsigned int k = i; k > 0 &&
		     svm_journal_id_cmp(e->serials[k - 1], e->hosts[k - 1], e->serials[k],
					e->hosts[k]) > 0; k--) {
			uint64_t s = e->serials[k];
			char h[SVM_JOURNAL_HOST_LEN];

			e->serials[k] = e->serials[k - 1];
			e->serials[k - 1] = s;
			memcpy(h, e->hosts[k], sizeof(h));
			memcpy(e->hosts[k], e->hosts[k - 1], sizeof(h));
			memcpy(e->hosts[k - 1], h, sizeof(h));
		}
}

/* the same devices; a "" host (an old journal) matches any host */
bool svm_journal_same_set(const struct svm_journal_entry *e, const struct svm_journal_entry *key)
{
	if (e->nr_serials != key->nr_serials)
		return false;
	for (unsigned i = 0; i < e->nr_serials; i++)
		if (e->serials[i] != key->serials[i] ||
		    (e->hosts[i][0] && key->hosts[i][0] && strcmp(e->hosts[i], key->hosts[i])))
			return false;
	return true;
}

static bool sorted_unique(const struct svm_journal_entry *e)
{
	for (unsigned i = 1; i < e->nr_serials; i++)
		if (svm_journal_id_cmp(e->serials[i - 1], e->hosts[i - 1], e->serials[i],
				       e->hosts[i]) >= 0)
			return false;
	return true;
}

/* ---- JSON in and out ---- */

static json_object *entry_to_json(const struct svm_journal_entry *e)
{
	json_object *o = json_object_new_object();
	json_object *serials = json_object_new_array(), *hosts = json_object_new_array();

	for (unsigned i = 0; i < e->nr_serials; i++) {
		json_object_array_add(serials, json_object_new_uint64(e->serials[i]));
		json_object_array_add(hosts, json_object_new_string(e->hosts[i]));
	}
	json_object_object_add(o, "serials", serials);
	json_object_object_add(o, "hosts", hosts);
	json_object_object_add(o, "region", json_object_new_string(e->region));
	json_object_object_add(o, "region_id", json_object_new_uint64(e->region_id));
	json_object_object_add(o, "mode", json_object_new_string(e->mode));
	json_object_object_add(o, "zone", json_object_new_string(e->zone));
	json_object_object_add(o, "rule", json_object_new_string(e->rule));
	json_object_object_add(o, "phase", json_object_new_string(svm_journal_phase_name(e->phase)));
	json_object_object_add(o, "generation", json_object_new_uint64(e->generation));
	return o;
}

static int copy_string(json_object *o, const char *key, char *dst, size_t len)
{
	json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return -EINVAL;
	s = json_object_get_string(v);
	if (strlen(s) >= len)
		return -EINVAL;
	strcpy(dst, s);
	return 0;
}

static int entry_from_json(json_object *o, struct svm_journal_entry *e)
{
	json_object *serials, *v;
	char phase[16];
	size_t n;

	memset(e, 0, sizeof(*e));
	if (!json_object_object_get_ex(o, "serials", &serials) ||
	    !json_object_is_type(serials, json_type_array))
		return -EINVAL;
	n = json_object_array_length(serials);
	if (n == 0 || n > SVM_JOURNAL_MAX_DEVS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		v = json_object_array_get_idx(serials, i);
		if (!json_object_is_type(v, json_type_int))
			return -EINVAL;
		e->serials[i] = json_object_get_uint64(v);
	}
	e->nr_serials = n;
	/* hosts: absent in journals written before they were recorded */
	if (json_object_object_get_ex(o, "hosts", &v)) {
		if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != n)
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			json_object *h = json_object_array_get_idx(v, i);

			if (!json_object_is_type(h, json_type_string) ||
			    strlen(json_object_get_string(h)) >= SVM_JOURNAL_HOST_LEN)
				return -EINVAL;
			strcpy(e->hosts[i], json_object_get_string(h));
		}
	}
	if (!sorted_unique(e))
		return -EINVAL;
	if (copy_string(o, "region", e->region, sizeof(e->region)) ||
	    copy_string(o, "mode", e->mode, sizeof(e->mode)) ||
	    copy_string(o, "zone", e->zone, sizeof(e->zone)) ||
	    copy_string(o, "rule", e->rule, sizeof(e->rule)) ||
	    copy_string(o, "phase", phase, sizeof(phase)))
		return -EINVAL;
	e->phase = phase_from_name(phase);
	if (e->phase == SVM_PHASE_INVALID)
		return -EINVAL;
	/* region_id: absent in version 1 (0: any instance of the set's region) */
	if (json_object_object_get_ex(o, "region_id", &v)) {
		if (!json_object_is_type(v, json_type_int))
			return -EINVAL;
		e->region_id = json_object_get_uint64(v);
	}
	if (!json_object_object_get_ex(o, "generation", &v) || !json_object_is_type(v, json_type_int))
		return -EINVAL;
	e->generation = json_object_get_uint64(v);
	return 0;
}

static int append(struct svm_journal *j, const struct svm_journal_entry *e)
{
	if (j->nr == j->cap) {
		size_t cap = j->cap ? j->cap * 2 : 8;
		struct svm_journal_entry *n = realloc(j->entries, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		j->entries = n;
		j->cap = cap;
	}
	j->entries[j->nr++] = *e;
	return 0;
}

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* When this boot began (btime of /proc/stat), 0 if unknown. */
static long long boot_time(void)
{
	char line[256];
	long long t = 0;
	FILE *f = fopen("/proc/stat", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &t) == 1)
			break;
	if (f)
		fclose(f);
	return t;
}

/* Was the journal at @path (its JSON @root) written during this boot? */
static bool this_boot(const struct svm_journal *j, json_object *root, const char *path)
{
	json_object *v;
	struct stat st;
	long long bt;

	if (json_object_object_get_ex(root, "boot_id", &v) &&
	    json_object_is_type(v, json_type_string))
		return !j->boot_id[0] || !strcmp(json_object_get_string(v), j->boot_id);
	/* version 1: by the time it was last replaced */
	bt = boot_time();
	return !bt || stat(path, &st) || (long long)st.st_mtime >= bt;
}

static int load(struct svm_journal *j, const char *path, char *err, size_t errlen)
{
	json_object *root, *v, *entries;
	int rc = -EINVAL;

	if (access(path, F_OK) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	root = json_object_from_file(path);
	if (!root) {
		snprintf(err, errlen, "%s: not valid JSON (%s); move it aside to start afresh",
			 path, json_util_get_last_err());
		return -EINVAL;
	}
	if (!json_object_object_get_ex(root, "version", &v) ||
	    (json_object_get_int(v) != 1 && json_object_get_int(v) != SVM_JOURNAL_VERSION)) {
		snprintf(err, errlen, "%s: journal version is not 1 or %d", path,
			 SVM_JOURNAL_VERSION);
		goto out;
	}
	if (!json_object_object_get_ex(root, "generation", &v) || !json_object_is_type(v, json_type_int) ||
	    !json_object_object_get_ex(root, "entries", &entries) ||
	    !json_object_is_type(entries, json_type_array)) {
		snprintf(err, errlen, "%s: missing 'generation' or 'entries'", path);
		goto out;
	}
	j->generation = json_object_get_uint64(v);
	if (!this_boot(j, root, path)) {
		/* a previous boot's regions are gone with it: nothing of them to finish */
		j->stale = json_object_array_length(entries);
		rc = 0;
		goto out;
	}
	for (size_t i = 0; i < json_object_array_length(entries); i++) {
		struct svm_journal_entry e;

		if (entry_from_json(json_object_array_get_idx(entries, i), &e)) {
			snprintf(err, errlen, "%s: entry %zu is malformed", path, i);
			goto out;
		}
		if (svm_journal_find(j, &e)) {
			snprintf(err, errlen, "%s: entry %zu repeats a device set", path, i);
			goto out;
		}
		rc = append(j, &e);
		if (rc) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
	}
	rc = 0;
out:
	json_object_put(root);
	return rc;
}

static int commit(struct svm_journal *j);

int svm_journal_open(const char *dir, struct svm_journal **out, char *err, size_t errlen)
{
	struct svm_journal *j = calloc(1, sizeof(*j));
	char path[PATH_MAX];
	int rc;

	if (!j || !(j->dir = strdup(dir))) {
		free(j);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	read_line("/proc/sys/kernel/random/boot_id", j->boot_id, sizeof(j->boot_id));
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	rc = load(j, path, err, errlen);
	/* forget the previous boot's entries on disk too, before anything acts */
	if (!rc && j->stale) {
		rc = commit(j);
		if (rc)
			snprintf(err, errlen, "%s: cannot rewrite it without the previous boot's entries: %s",
				 path, strerror(-rc));
	}
	if (rc) {
		svm_journal_close(j);
		return rc;
	}
	*out = j;
	return 0;
}

void svm_journal_close(struct svm_journal *j)
{
	if (!j)
		return;
	free(j->entries);
	free(j->dir);
	free(j);
}

/* Write the whole state to a temporary file and rename it over the journal. */
static int commit(struct svm_journal *j)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	json_object *root = json_object_new_object();
	json_object *entries = json_object_new_array();
	const char *text;
	int fd, dfd, rc;

	for (size_t i = 0; i < j->nr; i++)
		json_object_array_add(entries, entry_to_json(&j->entries[i]));
	json_object_object_add(root, "version", json_object_new_int(SVM_JOURNAL_VERSION));
	json_object_object_add(root, "boot_id", json_object_new_string(j->boot_id));
	json_object_object_add(root, "generation", json_object_new_uint64(j->generation + 1));
	json_object_object_add(root, "entries", entries);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);

	snprintf(path, sizeof(path), "%s/%s", j->dir, STATE_FILE);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", j->dir, STATE_FILE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = svmd_write_all(fd, text, strlen(text));
	if (!rc)
		rc = svmd_write_all(fd, "\n", 1);
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		goto out;
	}
	/* The rename itself must reach the disk before we act on the new state. */
	dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	j->generation++;
out:
	json_object_put(root);
	return rc;
}

int svm_journal_put(struct svm_journal *j, const struct svm_journal_entry *entry)
{
	struct svm_journal_entry *slot = NULL, saved, e = *entry;
	int rc;

	if (!e.nr_serials || e.nr_serials > SVM_JOURNAL_MAX_DEVS ||
	    !sorted_unique(&e) || e.phase == SVM_PHASE_INVALID ||
	    (unsigned)e.phase >= NR_PHASES)
		return -EINVAL;
	e.generation = j->generation + 1;
	for (size_t i = 0; i < j->nr; i++)
		if (svm_journal_same_set(&j->entries[i], &e))
			slot = &j->entries[i];
	if (slot) {
		saved = *slot;
		*slot = e;
		rc = commit(j);
		if (rc)
			*slot = saved;
		return rc;
	}
	rc = append(j, &e);
	if (rc)
		return rc;
	rc = commit(j);
	if (rc)
		j->nr--;
	return rc;
}

int svm_journal_drop(struct svm_journal *j, const struct svm_journal_entry *key)
{
	struct svm_journal_entry saved;
	size_t i;
	int rc;

	for (i = 0; i < j->nr; i++)
		if (svm_journal_same_set(&j->entries[i], key))
			break;
	if (i == j->nr)
		return 0;
	saved = j->entries[i];
	memmove(&j->entries[i], &j->entries[i + 1], (j->nr - i - 1) * sizeof(saved));
	j->nr--;
	rc = commit(j);
	if (rc) {
		memmove(&j->entries[i + 1], &j->entries[i], (j->nr - i) * sizeof(saved));
		j->entries[i] = saved;
		j->nr++;
	}
	return rc;
}

const struct svm_journal_entry *svm_journal_find(const struct svm_journal *j,
						 const struct svm_journal_entry *key)
{
	for (size_t i = 0; i < j->nr; i++)
		if (svm_journal_same_set(&j->entries[i], key))
			return &j->entries[i];
	return NULL;
}

size_t svm_journal_count(const struct svm_journal *j)
{
	return j->nr;
}

const struct svm_journal_entry *svm_journal_at(const struct svm_journal *j, size_t i)
{
	return i < j->nr ? &j->entries[i] : NULL;
}

uint64_t svm_journal_generation(const struct svm_journal *j)
{
	return j->generation;
}

size_t svm_journal_stale(const struct svm_journal *j)
{
	return j->stale;
}
