// SPDX-License-Identifier: GPL-2.0-only
/* Journal entries over the topology: device identities, the region of an entry. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"

/* journal */

/* a memdev's identity in the journal: (serial, PCI address), see journal.h */
void svmd_add_id(struct svm_journal_entry *en, struct svm_memdev *m)
{
	const char *host = svm_memdev_get_host(m);

	en->serials[en->nr_serials] = svm_memdev_get_serial(m);
	snprintf(en->hosts[en->nr_serials], sizeof(en->hosts[0]), "%s", host ? host : "");
	en->nr_serials++;
}

bool svmd_id_is(const struct svm_journal_entry *en, unsigned int i, struct svm_memdev *m)
{
	const char *host = svm_memdev_get_host(m);

	return en->serials[i] == svm_memdev_get_serial(m) &&
	       (!en->hosts[i][0] || !strcmp(en->hosts[i], host ? host : ""));
}

void svmd_entry_from_memdevs(struct svm_journal_entry *en, struct svm_memdev **mds, int nr)
{
	memset(en, 0, sizeof(*en));
	for (int i = 0; i < nr && i < MAX_MDS; i++)
		svmd_add_id(en, mds[i]);
	svm_journal_sort_ids(en);
}

int svmd_put(struct svmd_engine *e, struct svm_journal_entry *en, enum svm_journal_phase ph)
{
	int rc;

	en->phase = ph;
	/* the first record after the region exists says which instance is ours */
	if (en->region[0] && !en->region_id) {
		struct svm_region *r = svm_region_get_by_name(e->ctx, en->region);
		struct svm_journal_entry ids;

		if (r && svmd_region_ids(r, &ids) > 0 && svm_journal_same_set(&ids, en))
			en->region_id = svm_region_get_instance(r);
	}
	rc = svm_journal_put(e->journal, en);
	if (rc)
		log_err("journal: cannot record %s of %s: %s; stopping this pass",
			svm_journal_phase_name(ph), en->region[0] ? en->region : "a new region",
			strerror(-rc));
	return rc;
}

/* topology helpers */

/* the memdev with identity @i of @en */
struct svm_memdev *svmd_memdev_by_id(struct svm_ctx *ctx, const struct svm_journal_entry *en,
				       unsigned int i)
{
	struct svm_memdev *m;

	svm_memdev_foreach(ctx, m)
		if (svmd_id_is(en, i, m))
			return m;
	return NULL;
}

/* identities of the region's present target memdevs into @key (sorted); their count, or
 * -1 if a target is gone */
int svmd_region_ids(struct svm_region *r, struct svm_journal_entry *key)
{
	memset(key, 0, sizeof(*key));
	for (int i = 0; i < svm_region_get_nr_targets(r) && key->nr_serials < MAX_MDS; i++) {
		struct svm_memdev *m;

		if (!svm_region_get_target_decoder(r, i)[0])
			continue;
		m = svm_region_get_target_memdev(r, i);
		if (!m)
			return -1;
		svmd_add_id(key, m);
	}
	svm_journal_sort_ids(key);
	return key->nr_serials;
}

/* targets that are set all belong to the entry's memdevs (a half-built region may have
 * fewer, a stale one has missing ones) */
bool svmd_region_within(struct svm_region *r, const struct svm_journal_entry *en)
{
	for (int i = 0; i < svm_region_get_nr_targets(r); i++) {
		struct svm_memdev *m;
		bool hit = false;

		if (!svm_region_get_target_decoder(r, i)[0])
			continue;
		m = svm_region_get_target_memdev(r, i);
		if (!m)
			continue;
		for (unsigned int j = 0; j < en->nr_serials; j++)
			hit |= svmd_id_is(en, j, m);
		if (!hit)
			return false;
	}
	return true;
}

/* Is @r the instance @en journaled? (Any instance while none is recorded.) A region
 * destroyed and created again over the same devices is another one. */
bool svmd_region_is_entrys(struct svm_region *r, const struct svm_journal_entry *en)
{
	return !en->region_id || svm_region_get_instance(r) == en->region_id;
}

/* the complete region over exactly the entry's serials, the instance it journaled */
struct svm_region *svmd_region_of_entry(struct svmd_engine *e, const struct svm_journal_entry *en)
{
	struct svm_journal_entry key;
	struct svm_region *r;

	svm_region_foreach(e->ctx, r) {
		int n = svmd_region_ids(r, &key);

		if (n > 0 && svm_journal_same_set(&key, en) && svmd_region_is_entrys(r, en))
			return r;
	}
	return NULL;
}

bool svmd_all_present(struct svmd_engine *e, const struct svm_journal_entry *en,
			struct svm_memdev **mds)
{
	for (unsigned int i = 0; i < en->nr_serials; i++) {
		mds[i] = svmd_memdev_by_id(e->ctx, en, i);
		if (!mds[i])
			return false;
	}
	return true;
}

