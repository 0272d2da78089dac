// SPDX-License-Identifier: GPL-2.0-only
/* Isolated NUMA nodes through cgroup v2 cpusets, journaled. See cpuset.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cpuset.h"
#include "fileio.h"
#include "lock.h"

#define MEMS "cpuset.mems"
#define SUBTREE "cgroup.subtree_control"
#define MAX_CHILDREN 512

static void seterr(struct svmd_cpusets *cs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void seterr(struct svmd_cpusets *cs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cs->err, sizeof(cs->err), fmt, ap);
	va_end(ap);
}

const char *svmd_cpuset_journal_path(void)
{
	const char *p = getenv("SVM_CXL_CPUSET_JOURNAL");

	return p && *p ? p : SVMD_CPUSET_JOURNAL_DEFAULT;
}

/* ---- the journal ---- */

static const char *jstr(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : "";
}

static int jint(struct json_object *o, const char *k, int dflt)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int) ?
	       json_object_get_int(v) : dflt;
}

static struct json_object *actions_to_json(const struct svmd_cg_action *a, int n)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "path", json_object_new_string(a[i].path));
		json_object_object_add(o, "file", json_object_new_string(a[i].file));
		json_object_object_add(o, "value", json_object_new_string(a[i].value));
		json_object_array_add(arr, o);
	}
	return arr;
}

static int actions_from_json(struct json_object *arr, struct svmd_cg_action *a)
{
	int n = 0;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr) && n < SVMD_CPUSET_MAX_CHANGES; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		snprintf(a[n].path, sizeof(a[n].path), "%s", jstr(o, "path"));
		snprintf(a[n].file, sizeof(a[n].file), "%s", jstr(o, "file"));
		snprintf(a[n].value, sizeof(a[n].value), "%s", jstr(o, "value"));
		n++;
	}
	return n;
}

static struct json_object *iso_to_json(const struct svmd_isolated *iso, int n)
{
	struct json_object *arr = json_object_new_array();

	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object(), *g = json_object_new_array();

		json_object_object_add(o, "node", json_object_new_int(iso[i].node));
		json_object_object_add(o, "region", json_object_new_string(iso[i].region));
		json_object_object_add(o, "state", json_object_new_string(
			iso[i].state == SVMD_ISO_ACTIVE ? "isolated" : "onlining"));
		for (int j = 0; j < iso[i].ngrants; j++)
			json_object_array_add(g, json_object_new_string(iso[i].grants[j]));
		json_object_object_add(o, "grants", g);
		json_object_array_add(arr, o);
	}
	return arr;
}

static int iso_from_json(struct json_object *arr, struct svmd_isolated *iso)
{
	int n = 0;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	for (size_t i = 0; i < json_object_array_length(arr) && n < SVMD_CPUSET_MAX_NODES; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i), *g;
		struct svmd_isolated *s = &iso[n];

		memset(s, 0, sizeof(*s));
		s->node = jint(o, "node", -1);
		if (s->node < 0 || s->node >= SVMD_MAX_NODES)
			continue;
		snprintf(s->region, sizeof(s->region), "%s", jstr(o, "region"));
		s->state = strcmp(jstr(o, "state"), "isolated") ? SVMD_ISO_ONLINING : SVMD_ISO_ACTIVE;
		if (json_object_object_get_ex(o, "grants", &g) && json_object_is_type(g, json_type_array))
			for (size_t j = 0; j < json_object_array_length(g) &&
			     s->ngrants < SVMD_CPUSET_MAX_GRANTS; j++)
				snprintf(s->grants[s->ngrants++], SVMD_CG_PATH_MAX, "%s",
					 json_object_get_string(json_object_array_get_idx(g, j)));
		n++;
	}
	return n;
}

/* Write the journal (temporary, fsync, rename); with nothing left to say, remove it. */
static int save(struct svmd_cpusets *cs)
{
	struct json_object *top;
	char tmp[sizeof(cs->path) + 8];
	const char *txt;
	int fd, rc = 0;
	size_t len;

	if (!cs->niso && !cs->norig && !cs->in_tx) {
		if (unlink(cs->path) && errno != ENOENT)
			return -errno;
		return 0;
	}
	top = json_object_new_object();
	json_object_object_add(top, "cgroup_root", json_object_new_string(cs->root));
	json_object_object_add(top, "isolated", iso_to_json(cs->iso, cs->niso));
	json_object_object_add(top, "orig", actions_to_json(cs->orig, cs->norig));
	if (cs->in_tx) {
		struct json_object *tx = json_object_new_object();

		json_object_object_add(tx, "undo", actions_to_json(cs->undo, cs->nundo));
		json_object_object_add(tx, "orig_mark", json_object_new_int(cs->orig_mark));
		json_object_object_add(tx, "isolated_before", iso_to_json(cs->prev, cs->prev_niso));
		json_object_object_add(top, "transaction", tx);
	}
	txt = json_object_to_json_string_ext(top, JSON_C_TO_STRING_PRETTY |
					     JSON_C_TO_STRING_NOSLASHESCAPE);
	len = strlen(txt);
	snprintf(tmp, sizeof(tmp), "%s.tmp", cs->path);
	svmd_mkdir_parent(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
	} else {
		rc = svmd_write_all(fd, txt, len);
		if (!rc)
			rc = svmd_write_all(fd, "\n", 1);
		if (!rc && fsync(fd))
			rc = -errno;
		close(fd);
		if (!rc && rename(tmp, cs->path))
			rc = -errno;
		if (rc)
			unlink(tmp);
	}
	json_object_put(top);
	if (rc)
		seterr(cs, "cannot write %s: %s", cs->path, strerror(-rc));
	return rc;
}

int svmd_cpusets_load(struct svmd_cpusets *cs, const char *cgroot)
{
	struct json_object *top, *v;

	memset(cs, 0, sizeof(*cs));
	snprintf(cs->path, sizeof(cs->path), "%s", svmd_cpuset_journal_path());
	snprintf(cs->root, sizeof(cs->root), "%s", cgroot ? cgroot : svmd_cgroup_root());
	if (access(cs->path, F_OK))
		return errno == ENOENT ? 0 : -errno;
	top = json_object_from_file(cs->path);
	if (!top || !json_object_is_type(top, json_type_object)) {
		json_object_put(top);
		seterr(cs, "%s is not a cpuset journal; left alone", cs->path);
		return -EINVAL;
	}
	if (*jstr(top, "cgroup_root"))
		snprintf(cs->root, sizeof(cs->root), "%s", jstr(top, "cgroup_root"));
	json_object_object_get_ex(top, "isolated", &v);
	cs->niso = iso_from_json(v, cs->iso);
	v = NULL;
	json_object_object_get_ex(top, "orig", &v);
	cs->norig = actions_from_json(v, cs->orig);
	if (json_object_object_get_ex(top, "transaction", &v)) {
		struct json_object *u = NULL, *p = NULL;

		cs->in_tx = true;
		json_object_object_get_ex(v, "undo", &u);
		cs->nundo = actions_from_json(u, cs->undo);
		cs->orig_mark = jint(v, "orig_mark", cs->norig);
		if (cs->orig_mark > cs->norig || cs->orig_mark < 0)
			cs->orig_mark = cs->norig;
		json_object_object_get_ex(v, "isolated_before", &p);
		cs->prev_niso = iso_from_json(p, cs->prev);
	}
	json_object_put(top);
	return 0;
}

/* ---- writes, journaled ---- */

static void stop_at_hook(struct svmd_cpusets *cs)
{
	const char *s = getenv("SVM_CXL_CPUSET_STOP_AT");

	cs->writes++;
	if (s && atoi(s) == cs->writes)
		raise(SIGKILL);
}

static struct svmd_cg_action *find_action(struct svmd_cg_action *a, int n, const char *path,
					  const char *file)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(a[i].path, path) && !strcmp(a[i].file, file))
			return &a[i];
	return NULL;
}

static int push(struct svmd_cpusets *cs, struct svmd_cg_action *list, int *n, const char *path,
		const char *file, const char *value)
{
	if (*n == SVMD_CPUSET_MAX_CHANGES) {
		seterr(cs, "more than %d cgroup changes", SVMD_CPUSET_MAX_CHANGES);
		return -E2BIG;
	}
	snprintf(list[*n].path, sizeof(list[*n].path), "%s", path);
	snprintf(list[*n].file, sizeof(list[*n].file), "%s", file);
	snprintf(list[*n].value, sizeof(list[*n].value), "%s", value);
	(*n)++;
	return 0;
}

/*
 * Write @val into PATH/cpuset.mems. An empty list ("inherit the parent's") is refused
 * with ENOSPC while the cgroup has tasks ("an empty mems_allowed is ok iff there are no
 * tasks in the cpuset", kernel/cgroup/cpuset.c): then the parent's effective list, what
 * inheriting gives now, is written out instead, and the cgroup is remembered in
 * cs->kept (it will not inherit nodes onlined later; release reports it).
 */
static int write_mems(struct svmd_cpusets *cs, const char *path, const char *val)
{
	char parent[SVMD_CG_PATH_MAX], eff[256], *slash;
	int rc = svmd_cg_write(cs->root, path, MEMS, val);

	if (rc != -ENOSPC || *val)
		return rc;
	snprintf(parent, sizeof(parent), "%s", path);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		parent[0] = '\0';
	if (svmd_cg_read(cs->root, parent, "cpuset.mems.effective", eff, sizeof(eff)) || !*eff)
		return rc;
	rc = svmd_cg_write(cs->root, path, MEMS, eff);
	if (!rc && strcmp(path, SVMD_CPUSET_DEFAULT_CGROUP)) {
		for (int i = 0; i < cs->nkept; i++)
			if (!strcmp(cs->kept[i], path))
				return 0;
		if (cs->nkept < 8)
			snprintf(cs->kept[cs->nkept++], SVMD_CG_PATH_MAX, "%s", path);
	}
	return rc;
}

/* Journal how to undo it, then make one change: @value into PATH/FILE. @revert is what
 * puts it back. */
static int tx_write(struct svmd_cpusets *cs, const char *path, const char *file,
		    const char *value, const char *revert)
{
	int rc;

	if (!find_action(cs->orig, cs->norig, path, file)) {
		rc = push(cs, cs->orig, &cs->norig, path, file, revert);
		if (rc)
			return rc;
	}
	rc = push(cs, cs->undo, &cs->nundo, path, file, revert);
	if (!rc)
		rc = save(cs);
	if (rc)
		return rc;
	rc = strcmp(file, MEMS) ? svmd_cg_write(cs->root, path, file, value) :
				  write_mems(cs, path, value);
	if (rc) {
		seterr(cs, "writing '%s' to %s/%s%s%s: %s", value, cs->root, path, *path ? "/" : "",
		       file, strerror(-rc));
		return rc;
	}
	stop_at_hook(cs);
	return 0;
}

/* Put one thing back as @a says. Gone cgroups are fine: nothing of them is left. */
static int apply_action(struct svmd_cpusets *cs, const struct svmd_cg_action *a)
{
	int rc;

	if (!a->file[0]) {
		rc = svmd_cg_unnest(cs->root, a->path);
		if (rc)
			seterr(cs, "cannot remove %s/%s (made by svm-cxl): %s", cs->root, a->path,
			       strerror(-rc));
		return rc;
	}
	if (!svmd_cg_exists(cs->root, a->path, NULL))
		return 0;
	if (!strcmp(a->file, MEMS) && !svmd_cg_exists(cs->root, a->path, MEMS))
		return 0;	/* the parent's cpuset went (an earlier action): nothing left */
	rc = strcmp(a->file, MEMS) ? svmd_cg_write(cs->root, a->path, a->file, a->value) :
				     write_mems(cs, a->path, a->value);
	if (rc == -EINVAL && !strcmp(a->file, MEMS)) {
		/* a node of the old list is gone (unplugged): keep what is still there */
		struct svmd_nodemask old, online;
		char buf[256];

		if (!svmd_nodemask_parse(a->value, &old) && !svmd_cpuset_online_nodes(cs, &online)) {
			svmd_nodemask_and(&old, &old, &online);
			if (!svmd_nodemask_empty(&old))
				rc = svmd_cg_write(cs->root, a->path, a->file,
						   svmd_nodemask_format(&old, buf, sizeof(buf)));
		}
	}
	if (rc)
		seterr(cs, "cannot put '%s' back into %s/%s/%s: %s", a->value, cs->root, a->path,
		       a->file, strerror(-rc));
	return rc;
}

static int tx_begin(struct svmd_cpusets *cs)
{
	cs->in_tx = true;
	cs->nundo = 0;
	cs->orig_mark = cs->norig;
	cs->prev_niso = cs->niso;
	memcpy(cs->prev, cs->iso, sizeof(cs->iso));
	return 0;
}

static int tx_commit(struct svmd_cpusets *cs)
{
	cs->in_tx = false;
	cs->nundo = 0;
	return save(cs);
}

/* Undo the transaction in progress, newest change first. The first failure is kept in
 * cs->err and returned; the rest is still tried. */
static int tx_abort(struct svmd_cpusets *cs)
{
	char err[sizeof(cs->err)];
	int rc = 0;

	snprintf(err, sizeof(err), "%s", cs->err);
	for (int i = cs->nundo - 1; i >= 0; i--) {
		int r = apply_action(cs, &cs->undo[i]);

		if (r && !rc) {
			rc = r;
			snprintf(err, sizeof(err), "%s", cs->err);
		}
	}
	cs->norig = cs->orig_mark;
	cs->niso = cs->prev_niso;
	memcpy(cs->iso, cs->prev, sizeof(cs->iso));
	cs->in_tx = false;
	cs->nundo = 0;
	snprintf(cs->err, sizeof(cs->err), "%s", err);
	if (rc) {
		/* keep the originals in the journal: the next run retries */
		save(cs);
		return rc;
	}
	return save(cs);
}

/* ---- the shape of the tree ---- */

int svmd_cpuset_online_nodes(struct svmd_cpusets *cs, struct svmd_nodemask *m)
{
	char buf[1024];
	int rc = svmd_cg_read(cs->root, "", "cpuset.mems.effective", buf, sizeof(buf));

	if (rc) {
		svmd_nodemask_parse("", m);
		return rc;
	}
	return svmd_nodemask_parse(buf, m);
}

int svmd_cpuset_check(struct svmd_cpusets *cs)
{
	if (!svmd_cg_exists(cs->root, "", "cgroup.controllers")) {
		seterr(cs, "%s is not a cgroup v2 hierarchy (no cgroup.controllers); mount one with 'mount -t cgroup2 none %s'",
		       cs->root, cs->root);
		return -EOPNOTSUPP;
	}
	if (!svmd_cg_lists(cs->root, "", "cgroup.controllers", "cpuset")) {
		seterr(cs, "the cpuset controller is not available in %s (bound to a cgroup v1 hierarchy, or not built in)",
		       cs->root);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* @path is @cg or below it */
static bool at_or_under(const char *path, const char *cg)
{
	size_t n = strlen(cg);

	return !strncmp(path, cg, n) && (path[n] == '\0' || path[n] == '/');
}

bool svmd_cpuset_is_granted(const struct svmd_isolated *iso, const char *cgroup)
{
	for (int i = 0; i < iso->ngrants; i++)
		if (at_or_under(cgroup, iso->grants[i]))
			return true;
	return false;
}

/* @path is a proper ancestor of a grant ("" is the root, an ancestor of everything) */
static bool on_the_way(const struct svmd_isolated *iso, const char *path)
{
	if (!*path)
		return true;
	for (int i = 0; i < iso->ngrants; i++)
		if (at_or_under(iso->grants[i], path) && strcmp(iso->grants[i], path))
			return true;
	return false;
}

static bool exact_grant(const struct svmd_isolated *iso, const char *path)
{
	for (int i = 0; i < iso->ngrants; i++)
		if (!strcmp(iso->grants[i], path))
			return true;
	return false;
}

/* a change of ours lies below @path */
static bool touched_below(const struct svmd_cpusets *cs, const char *path)
{
	for (int i = 0; i < cs->norig; i++)
		if (at_or_under(cs->orig[i].path, path) && strcmp(cs->orig[i].path, path))
			return true;
	return false;
}

static int enable_cpuset(struct svmd_cpusets *cs, const char *path)
{
	if (svmd_cg_lists(cs->root, path, SUBTREE, "cpuset"))
		return 0;
	return tx_write(cs, path, SUBTREE, "+cpuset", "-cpuset");
}

/*
 * Shape the children of @path (whose effective mems are @peff) for every isolated node.
 * A child's cpuset.mems becomes, from the value it had before we first touched it
 * ("orig"): orig itself if no node concerns it; else (orig, or all of @peff for an
 * empty orig) plus the nodes it is granted and lacks, minus the nodes it must not see.
 */
static int shape(struct svmd_cpusets *cs, const char *path, const struct svmd_nodemask *peff,
		 const struct svmd_nodemask *online)
{
	static char names[8][MAX_CHILDREN][SVMD_CG_PATH_MAX];
	static int depth;
	int n, rc = 0;

	if (depth == 8) {
		seterr(cs, "%s: cgroups nested deeper than 8 on the way to a grant", path);
		return -ELOOP;
	}
	n = svmd_cg_children(cs->root, path, names[depth], MAX_CHILDREN);
	if (n < 0) {
		seterr(cs, "cannot list %s/%s: %s", cs->root, path, strerror(-n));
		return n;
	}
	depth++;
	for (int c = 0; c < n && !rc; c++) {
		struct svmd_nodemask excl = { 0 }, incl = { 0 }, origm, want, eff;
		char sub[SVMD_CG_PATH_MAX], cur[256], origv[256], wantv[256];
		const struct svmd_cg_action *o;
		bool descend = false;

		if (snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "/" : "",
			     names[depth - 1][c]) >= (int)sizeof(sub))
			continue;
		if (!svmd_cg_exists(cs->root, sub, MEMS))
			continue;	/* no cpuset here: the parent's shape covers it */
		for (int i = 0; i < cs->niso; i++) {
			const struct svmd_isolated *iso = &cs->iso[i];

			if (on_the_way(iso, path) && !svmd_cpuset_is_granted(iso, sub) &&
			    !on_the_way(iso, sub))
				svmd_nodemask_set(&excl, iso->node);
			if ((exact_grant(iso, sub) || on_the_way(iso, sub)) &&
			    svmd_nodemask_test(online, iso->node))
				svmd_nodemask_set(&incl, iso->node);
			if (on_the_way(iso, sub))
				descend = true;
		}
		rc = svmd_cg_read(cs->root, sub, MEMS, cur, sizeof(cur));
		if (rc) {
			seterr(cs, "cannot read %s/%s/" MEMS ": %s", cs->root, sub, strerror(-rc));
			break;
		}
		o = find_action(cs->orig, cs->norig, sub, MEMS);
		snprintf(origv, sizeof(origv), "%s", o ? o->value : cur);
		if (svmd_nodemask_parse(origv, &origm)) {
			seterr(cs, "%s/%s/" MEMS ": cannot parse '%s'", cs->root, sub, origv);
			rc = -EINVAL;
			break;
		}
		if (svmd_nodemask_empty(&excl)) {
			/* an empty list inherits the node; an explicit one needs it added */
			svmd_nodemask_andnot(&incl, &incl, &origm);
			if (svmd_nodemask_empty(&origm) || svmd_nodemask_empty(&incl)) {
				snprintf(wantv, sizeof(wantv), "%s", origv);
			} else {
				svmd_nodemask_or(&want, &origm, &incl);
				svmd_nodemask_format(&want, wantv, sizeof(wantv));
			}
		} else {
			if (svmd_nodemask_empty(&origm))
				want = *peff;
			else
				svmd_nodemask_and(&want, &origm, peff);
			svmd_nodemask_or(&want, &want, &incl);
			svmd_nodemask_andnot(&want, &want, &excl);
			if (svmd_nodemask_empty(&want)) {
				char e[256];

				seterr(cs, "cgroup %s has no memory node but %s; grant it, or give it other nodes first",
				       sub, svmd_nodemask_format(&excl, e, sizeof(e)));
				rc = -ENOSPC;
				break;
			}
			if (!svmd_nodemask_format(&want, wantv, sizeof(wantv))) {
				rc = -E2BIG;
				break;
			}
		}
		if (strcmp(cur, wantv)) {
			rc = tx_write(cs, sub, MEMS, wantv, origv);
			if (rc)
				break;
		}
		if (svmd_nodemask_parse(wantv, &eff) || svmd_nodemask_empty(&eff))
			eff = *peff;
		else
			svmd_nodemask_and(&eff, &eff, peff);
		if (descend) {
			rc = enable_cpuset(cs, sub);
			if (!rc)
				rc = shape(cs, sub, &eff, online);
		} else if (touched_below(cs, sub)) {
			rc = shape(cs, sub, &eff, online);
		}
	}
	depth--;
	return rc;
}

/*
 * Write every original back, newest first, and forget it; the journal shrinks with each
 * one, so a crash here leaves the rest for the next run. A write the kernel refuses
 * (cpuset enabled below by someone else, say) would be refused again next time: it is
 * reported (the first one, in cs->err) and dropped, and the rest still goes back.
 */
static int release_all(struct svmd_cpusets *cs)
{
	char err[sizeof(cs->err)] = "";
	int rc = 0;

	while (cs->norig > 0) {
		int r = apply_action(cs, &cs->orig[cs->norig - 1]);

		if (r && !rc) {
			rc = r;
			snprintf(err, sizeof(err), "%s", cs->err);
		}
		cs->norig--;
		r = save(cs);
		if (r)
			return r;
	}
	if (rc)
		snprintf(cs->err, sizeof(cs->err), "%s", err);
	/* "-cpuset" in a parent's subtree_control dropped its children's lists: not kept */
	for (int i = 0; i < cs->nkept;) {
		char v[256];

		if (svmd_cg_read(cs->root, cs->kept[i], MEMS, v, sizeof(v)) || !*v) {
			memmove(cs->kept[i], cs->kept[i + 1],
				(size_t)(cs->nkept - i - 1) * SVMD_CG_PATH_MAX);
			cs->nkept--;
		} else {
			i++;
		}
	}
	return rc;
}

/* Bring the tree into the shape the records ask for, as one transaction. */
static int reshape(struct svmd_cpusets *cs)
{
	struct svmd_nodemask online;
	int rc;

	rc = svmd_cpuset_check(cs);
	if (rc)
		return rc;
	rc = svmd_cpuset_online_nodes(cs, &online);
	if (rc) {
		seterr(cs, "cannot read %s/cpuset.mems.effective: %s", cs->root, strerror(-rc));
		return rc;
	}
	rc = enable_cpuset(cs, "");
	if (!rc)
		rc = shape(cs, "", &online, &online);
	return rc;
}

/* Run @change on the records, then reshape; all or nothing. */
static int transact(struct svmd_cpusets *cs, int (*change)(struct svmd_cpusets *, void *),
		    void *arg)
{
	int rc;

	tx_begin(cs);
	rc = change ? change(cs, arg) : 0;
	if (!rc)
		rc = save(cs);
	if (!rc && cs->niso)
		rc = reshape(cs);
	if (rc) {
		tx_abort(cs);
		return rc;
	}
	rc = tx_commit(cs);
	/* the last node went: the originals go back, past the transaction (see release_all) */
	if (!rc && !cs->niso)
		rc = release_all(cs);
	return rc;
}

struct svmd_isolated *svmd_cpuset_find(struct svmd_cpusets *cs, int node)
{
	for (int i = 0; i < cs->niso; i++)
		if (cs->iso[i].node == node)
			return &cs->iso[i];
	return NULL;
}

static int move_root(struct svmd_cpusets *cs, int *moved, int *unmovable)
{
	static pid_t pids[65536];
	char num[24];
	int n, rc;

	*moved = *unmovable = 0;
	if (!svmd_cg_exists(cs->root, SVMD_CPUSET_DEFAULT_CGROUP, NULL)) {
		rc = push(cs, cs->undo, &cs->nundo, SVMD_CPUSET_DEFAULT_CGROUP, "", "unnest");
		if (!rc && !find_action(cs->orig, cs->norig, SVMD_CPUSET_DEFAULT_CGROUP, ""))
			rc = push(cs, cs->orig, &cs->norig, SVMD_CPUSET_DEFAULT_CGROUP, "", "unnest");
		if (!rc)
			rc = save(cs);
		if (!rc)
			rc = svmd_cg_mkdir(cs->root, SVMD_CPUSET_DEFAULT_CGROUP);
		if (rc) {
			seterr(cs, "cannot create %s/%s: %s", cs->root, SVMD_CPUSET_DEFAULT_CGROUP,
			       strerror(-rc));
			return rc;
		}
	}
	n = svmd_cg_procs(cs->root, "", pids, 65536);
	if (n < 0) {
		seterr(cs, "cannot read %s/cgroup.procs: %s", cs->root, strerror(-n));
		return n;
	}
	for (int i = 0; i < n; i++) {
		if (svmd_pid_is_kthread(pids[i]))
			continue;
		snprintf(num, sizeof(num), "%d", (int)pids[i]);
		rc = svmd_cg_write(cs->root, SVMD_CPUSET_DEFAULT_CGROUP, "cgroup.procs", num);
		if (!rc)
			(*moved)++;
		else if (rc != -ESRCH)
			(*unmovable)++;
	}
	return 0;
}

struct isolate_args {
	int node;
	const char *region;
	const char *const *grants;
	int ngrants;
	bool move_root;
	int *moved, *unmovable;
};

static int do_isolate(struct svmd_cpusets *cs, void *arg)
{
	struct isolate_args *a = arg;
	struct svmd_isolated *iso;
	int rc;

	if (svmd_cpuset_find(cs, a->node)) {
		seterr(cs, "node %d is isolated already", a->node);
		return -EEXIST;
	}
	if (cs->niso == SVMD_CPUSET_MAX_NODES || a->ngrants > SVMD_CPUSET_MAX_GRANTS) {
		seterr(cs, "at most %d isolated nodes of %d grants each", SVMD_CPUSET_MAX_NODES,
		       SVMD_CPUSET_MAX_GRANTS);
		return -E2BIG;
	}
	iso = &cs->iso[cs->niso++];
	memset(iso, 0, sizeof(*iso));
	iso->node = a->node;
	iso->state = SVMD_ISO_ONLINING;
	snprintf(iso->region, sizeof(iso->region), "%s", a->region ? a->region : "");
	for (int i = 0; i < a->ngrants; i++) {
		if (!svmd_cg_exists(cs->root, a->grants[i], NULL)) {
			seterr(cs, "no cgroup %s/%s", cs->root, a->grants[i]);
			return -ENOENT;
		}
		snprintf(iso->grants[iso->ngrants++], SVMD_CG_PATH_MAX, "%s", a->grants[i]);
	}
	rc = svmd_cpuset_check(cs);
	if (!rc && a->move_root)
		rc = move_root(cs, a->moved, a->unmovable);
	return rc;
}

int svmd_cpuset_isolate(struct svmd_cpusets *cs, int node, const char *region,
			const char *const *grants, int ngrants, bool move_root, int *moved,
			int *unmovable)
{
	int m = 0, u = 0;
	struct isolate_args a = { node, region, grants, ngrants, move_root,
				  moved ? moved : &m, unmovable ? unmovable : &u };

	if (node < 0 || node >= SVMD_MAX_NODES) {
		seterr(cs, "node %d: out of range", node);
		return -EINVAL;
	}
	return transact(cs, do_isolate, &a);
}

static int do_activate(struct svmd_cpusets *cs, void *arg)
{
	struct svmd_isolated *iso = svmd_cpuset_find(cs, *(int *)arg);

	if (!iso) {
		seterr(cs, "node %d is not isolated", *(int *)arg);
		return -ENOENT;
	}
	iso->state = SVMD_ISO_ACTIVE;
	return 0;
}

int svmd_cpuset_activate(struct svmd_cpusets *cs, int node)
{
	return transact(cs, do_activate, &node);
}

struct grant_args {
	int node;
	const char *cg;
	bool grant;
};

static int do_grant(struct svmd_cpusets *cs, void *arg)
{
	struct grant_args *a = arg;
	struct svmd_isolated *iso = svmd_cpuset_find(cs, a->node);

	if (!iso) {
		seterr(cs, "node %d is not isolated", a->node);
		return -ENOENT;
	}
	for (int i = 0; i < iso->ngrants; i++) {
		if (strcmp(iso->grants[i], a->cg))
			continue;
		if (a->grant) {
			seterr(cs, "%s is granted node %d already", a->cg, a->node);
			return -EEXIST;
		}
		memmove(iso->grants[i], iso->grants[i + 1],
			(size_t)(iso->ngrants - i - 1) * SVMD_CG_PATH_MAX);
		iso->ngrants--;
		return 0;
	}
	if (!a->grant) {
		seterr(cs, "%s is not granted node %d", a->cg, a->node);
		return -ESRCH;
	}
	if (!svmd_cg_exists(cs->root, a->cg, NULL)) {
		seterr(cs, "no cgroup %s/%s", cs->root, a->cg);
		return -ENOENT;
	}
	if (iso->ngrants == SVMD_CPUSET_MAX_GRANTS) {
		seterr(cs, "at most %d grants per node", SVMD_CPUSET_MAX_GRANTS);
		return -E2BIG;
	}
	snprintf(iso->grants[iso->ngrants++], SVMD_CG_PATH_MAX, "%s", a->cg);
	return 0;
}

int svmd_cpuset_grant(struct svmd_cpusets *cs, int node, const char *cgroup)
{
	struct grant_args a = { node, cgroup, true };

	return transact(cs, do_grant, &a);
}

int svmd_cpuset_revoke(struct svmd_cpusets *cs, int node, const char *cgroup)
{
	struct grant_args a = { node, cgroup, false };

	return transact(cs, do_grant, &a);
}

struct move_args {
	int *moved, *unmovable;
};

static int do_move(struct svmd_cpusets *cs, void *arg)
{
	struct move_args *a = arg;

	return move_root(cs, a->moved, a->unmovable);
}

int svmd_cpuset_move_root(struct svmd_cpusets *cs, int *moved, int *unmovable)
{
	struct move_args a = { moved, unmovable };

	return transact(cs, do_move, &a);
}

static int do_release(struct svmd_cpusets *cs, void *arg)
{
	struct svmd_isolated *iso = svmd_cpuset_find(cs, *(int *)arg);

	if (iso) {
		memmove(iso, iso + 1, (size_t)(&cs->iso[cs->niso] - (iso + 1)) * sizeof(*iso));
		cs->niso--;
	}
	return 0;
}

int svmd_cpuset_release(struct svmd_cpusets *cs, int node)
{
	if (!svmd_cpuset_find(cs, node) && (cs->niso || !cs->norig))
		return 0;
	return transact(cs, do_release, &node);
}

/* drop records a dead holder was onlining and nodes that are no longer online */
static int do_drop_dead(struct svmd_cpusets *cs, void *arg)
{
	struct svmd_nodemask online;
	int *dropped = arg;

	if (svmd_cpuset_online_nodes(cs, &online))
		svmd_nodemask_parse("", &online);
	for (int i = 0; i < cs->niso;) {
		if (cs->iso[i].state == SVMD_ISO_ONLINING ||
		    !svmd_nodemask_test(&online, cs->iso[i].node)) {
			memmove(&cs->iso[i], &cs->iso[i + 1],
				(size_t)(cs->niso - i - 1) * sizeof(cs->iso[0]));
			cs->niso--;
			(*dropped)++;
		} else {
			i++;
		}
	}
	return 0;
}

int svmd_cpusets_recover(struct svmd_cpusets *cs)
{
	struct svmd_nodemask online;
	int repaired = 0, dropped = 0, rc;
	bool dead = false;

	cs->err[0] = '\0';
	if (cs->in_tx) {
		rc = tx_abort(cs);
		if (rc)
			return rc;
		repaired++;
	}
	if (svmd_cpuset_online_nodes(cs, &online))
		svmd_nodemask_parse("", &online);
	for (int i = 0; i < cs->niso; i++)
		if (cs->iso[i].state == SVMD_ISO_ONLINING ||
		    !svmd_nodemask_test(&online, cs->iso[i].node))
			dead = true;
	/* nothing isolated but originals left: a release a dead holder did not finish */
	if (!dead && (cs->niso || !cs->norig))
		return repaired;
	rc = transact(cs, do_drop_dead, &dropped);
	if (rc)
		return rc;
	return repaired + dropped + (dropped ? 0 : 1);
}
